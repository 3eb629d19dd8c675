#include "engine/codec/timestamp_codec.h"

#include <limits>
#include <random>
#include <vector>

#include "engine/codec/testing/patterns.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

using testing::kSecond;

void ExpectRoundTrip(const std::vector<int64_t>& ts, ColumnCodec codec, const std::string& enc) {
  std::vector<char> exact(enc.begin(), enc.end());  // ASan sees overreads
  std::vector<int64_t> out(ts.size());
  ASSERT_TRUE(
      DecodeTimestamps(codec, std::string_view(exact.data(), exact.size()), ts.size(), out.data())
          .ok());
  EXPECT_EQ(out, ts);
}

// Round-trips `ts` through both codecs and the picker; returns the picked size.
size_t CheckBoth(const std::vector<int64_t>& ts) {
  std::string dod = "p";
  EncodeTimestampsDod(ts, &dod);
  ExpectRoundTrip(ts, ColumnCodec::kTsDeltaOfDelta, dod.substr(1));
  std::string best = "p";
  ColumnCodec codec = EncodeTimestamps(ts, &best);
  EXPECT_EQ(best[0], 'p');
  ExpectRoundTrip(ts, codec, best.substr(1));
  EXPECT_LE(best.size(), dod.size());
  EXPECT_LE(best.size() - 1, MaxEncodedTimestampsSize(ts.size()));
  return best.size() - 1;
}

TEST(TimestampCodecTest, ConstantIntervalCostsNothingPerPoint) {
  for (int64_t interval : {int64_t{1}, 10 * kSecond, 60 * kSecond, int64_t{1000}}) {
    EXPECT_LE(CheckBoth(testing::ConstantIntervalTimestamps(4096, interval)), 24u);
  }
}

TEST(TimestampCodecTest, SecondPrecisionJitterCostsAFewBits) {
  // 59/60/61 s in nanoseconds: the common divisor 1e9 is factored out.
  auto ts = testing::JitteredTimestamps(4096, 60 * kSecond, 1, 3);
  for (auto& t : ts) t = t / kSecond * kSecond;
  EXPECT_LE(CheckBoth(ts) * 8.0 / ts.size(), 2.5);
}

TEST(TimestampCodecTest, RoundTripsPatterns) {
  using L = std::numeric_limits<int64_t>;
  const std::vector<std::vector<int64_t>> cases = {
      {},
      {42},
      {L::min(), L::max()},
      {L::max(), L::min(), 0, L::max(), -1},
      {5, 5, 5, 5},
      {10, 9, 8, 100, -100},
      testing::JitteredTimestamps(4096, 10 * kSecond, 5'000'000, 11),
      testing::GappedTimestamps(4096, 10 * kSecond, 12),
      testing::JitteredTimestamps(kMaxBlockValues, 1000, 400, 13),
  };
  for (const auto& ts : cases) CheckBoth(ts);
}

TEST(TimestampCodecTest, DeltaOfDeltaZeroRunsAreCheap) {
  auto ts = testing::GappedTimestamps(4096, 10 * kSecond, 21);
  std::string dod;
  EncodeTimestampsDod(ts, &dod);
  EXPECT_LE(dod.size() * 8.0 / ts.size(), 0.5);
}

TEST(TimestampCodecTest, TruncatedInputIsDataLoss) {
  auto ts = testing::GappedTimestamps(500, 10 * kSecond, 4);
  ts[100] += 12345;
  std::string dod;
  EncodeTimestampsDod(ts, &dod);
  std::vector<int64_t> out(ts.size());
  for (size_t len = 0; len < dod.size(); ++len) {
    std::vector<char> exact(dod.begin(), dod.begin() + len);
    EXPECT_FALSE(DecodeTimestamps(ColumnCodec::kTsDeltaOfDelta, std::string_view(exact.data(), len),
                                  ts.size(), out.data())
                     .ok())
        << len;
  }
  EXPECT_FALSE(DecodeTimestamps(static_cast<ColumnCodec>(99), dod, ts.size(), out.data()).ok());
}

TEST(TimestampCodecTest, GarbageNeverCrashes) {
  std::mt19937_64 rng(8);
  std::vector<int64_t> out(300);
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<char> junk(rng() % 48);
    for (auto& c : junk) c = static_cast<char>(rng());
    auto codec = rng() % 2 ? ColumnCodec::kTsDeltaOfDelta : ColumnCodec::kTsIntPipeline;
    (void)DecodeTimestamps(codec, std::string_view(junk.data(), junk.size()), rng() % 300,
                           out.data())
        .ok();
  }
}

}  // namespace
}  // namespace lux::codec
