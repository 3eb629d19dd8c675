#include "engine/codec/int_codec.h"

#include <limits>
#include <random>
#include <vector>

#include "engine/codec/format.h"
#include "engine/codec/testing/int_round_trip.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

using testing::ModeOf;

std::vector<int64_t> RoundTrip(const std::vector<int64_t>& in, std::string* encoded) {
  return testing::RoundTripInts(in, encoded);
}

TEST(IntCodecTest, RoundTripsPatterns) {
  std::mt19937_64 rng(42);
  using L = std::numeric_limits<int64_t>;
  std::vector<std::vector<int64_t>> cases = {
      {},
      {5},
      {L::min()},
      {L::min(), L::max(), 0, -1, 1, L::max(), L::min()},
      std::vector<int64_t>(1000, -77),
  };
  std::vector<int64_t> monotonic, random, walk, few;
  int64_t w = 0;
  for (int i = 0; i < 4096; ++i) {
    monotonic.push_back(1000 + 3 * i);
    random.push_back(int64_t(rng()));
    walk.push_back(w += int64_t(rng() % 201) - 100);
    few.push_back(int64_t(rng() % 5) * 1'000'000'007);
  }
  cases.push_back(monotonic);
  cases.push_back(random);
  cases.push_back(walk);
  cases.push_back(few);
  cases.push_back(std::vector<int64_t>(kMaxBlockValues, 3));
  for (const auto& in : cases) {
    std::string encoded;
    EXPECT_EQ(RoundTrip(in, &encoded), in) << "size " << in.size();
  }
}

TEST(IntCodecTest, PicksTheCheapestMode) {
  std::string encoded;
  std::vector<int64_t> constant(4096, 1'700'000'000'000);
  RoundTrip(constant, &encoded);
  EXPECT_LE(encoded.size(), 24u) << "a constant column costs no bits per value";

  std::vector<int64_t> ramp;
  for (int i = 0; i < 4096; ++i) ramp.push_back(int64_t(i) * 10'000'000'000);
  RoundTrip(ramp, &encoded);
  EXPECT_EQ(ModeOf(encoded), IntMode::kDelta);
  EXPECT_LE(encoded.size(), 24u) << "a constant step costs no bits per value";

  std::vector<int64_t> runs;
  for (int r = 0; r < 40; ++r) runs.insert(runs.end(), 100, int64_t(r * 7919 % 1000) << 40);
  RoundTrip(runs, &encoded);
  EXPECT_EQ(ModeOf(encoded), IntMode::kRle);

  std::mt19937_64 rng(3);
  std::vector<int64_t> few;
  const int64_t palette[] = {-5'000'000'000'000, 17, 1LL << 50, 999};
  for (int i = 0; i < 4096; ++i) few.push_back(palette[rng() % 4]);
  RoundTrip(few, &encoded);
  EXPECT_EQ(ModeOf(encoded), IntMode::kDict);
  EXPECT_LE(encoded.size(), 4096 * 2 / 8 + 64) << "two bits per value plus the dictionary";
}

TEST(IntCodecTest, FactorsOutACommonDivisor) {
  std::vector<int64_t> v;
  std::mt19937_64 rng(9);
  for (int i = 0; i < 1000; ++i) v.push_back(int64_t(rng() % 16) * 1'000'000'000);
  std::string encoded;
  EXPECT_EQ(RoundTrip(v, &encoded), v);
  EXPECT_LE(encoded.size(), 1000 * 4 / 8 + 32) << "4 bits per value once 1e9 is factored out";
}

TEST(IntCodecTest, TruncatedInputIsDataLoss) {
  std::mt19937_64 rng(1);
  std::vector<int64_t> in;
  for (int i = 0; i < 300; ++i) in.push_back(int64_t(rng() % 3) * 1000 + i % 7);
  std::string encoded;
  RoundTrip(in, &encoded);
  std::vector<int64_t> out(in.size());
  for (size_t len = 0; len < encoded.size(); ++len) {
    std::vector<char> exact(encoded.begin(), encoded.begin() + len);
    Reader r(std::string_view(exact.data(), len));
    absl::Status s = DecodeInts(&r, in.size(), out.data());
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << "length " << len;
  }
}

TEST(IntCodecTest, GarbageNeverCrashes) {
  std::mt19937_64 rng(5);
  std::vector<int64_t> out(512);
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<char> junk(rng() % 64);
    for (auto& c : junk) c = static_cast<char>(rng());
    if (!junk.empty()) junk[0] = static_cast<char>(1 + rng() % 5);  // a valid mode
    Reader r(std::string_view(junk.data(), junk.size()));
    (void)DecodeInts(&r, rng() % 512, out.data()).ok();
  }
}

TEST(IntCodecTest, RejectsOversizedCounts) {
  std::string encoded;
  EncodeInts(std::vector<int64_t>{1, 2, 3}, &encoded);
  Reader r(encoded);
  int64_t out[3];
  EXPECT_EQ(DecodeInts(&r, kMaxBlockValues + 1, out).code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace lux::codec
