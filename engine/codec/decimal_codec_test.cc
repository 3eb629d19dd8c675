#include "engine/codec/decimal_codec.h"

#include <bit>
#include <random>
#include <vector>

#include "engine/codec/format.h"
#include "engine/codec/testing/patterns.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

std::string RoundTrip(const std::vector<double>& in, int e) {
  std::string buf = "pre";
  EncodeDecimal(in, e, &buf);
  EXPECT_EQ(buf.substr(0, 3), "pre");
  std::vector<char> exact(buf.begin() + 3, buf.end());
  std::vector<double> out(in.size());
  absl::Status s =
      DecodeDecimal(std::string_view(exact.data(), exact.size()), in.size(), out.data());
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(testing::BitPatterns(out), testing::BitPatterns(in));
  return buf.substr(3);
}

TEST(DecimalCodecTest, ChoosesTheReadingsPrecision) {
  EXPECT_EQ(ChooseDecimalExponent(testing::SensorValues(4096, 0, 1)), 0);
  EXPECT_EQ(ChooseDecimalExponent(testing::SensorValues(4096, 1, 1)), 1);
  EXPECT_EQ(ChooseDecimalExponent(testing::SensorValues(4096, 3, 1)), 3);
  EXPECT_EQ(ChooseDecimalExponent(testing::RandomBitsValues(4096, 1)), -1);
  EXPECT_EQ(ChooseDecimalExponent({}), -1);
}

TEST(DecimalCodecTest, RoundTripsSensorReadingsCompactly) {
  for (int decimals = 0; decimals <= 6; ++decimals) {
    auto v = testing::SensorValues(4096, decimals, decimals);
    const int e = ChooseDecimalExponent(v);
    std::string enc = RoundTrip(v, e);
    // A random walk of sigma ~0.07 needs about log2(0.07*10^d * 6) bits.
    EXPECT_LE(enc.size() * 8.0 / v.size(), 6.0 + 3.4 * decimals) << decimals;
  }
}

TEST(DecimalCodecTest, SpecialValuesBecomeExceptions) {
  auto v = testing::SensorValues(1000, 2, 9);
  auto special = testing::SpecialValues();
  for (size_t i = 0; i < special.size(); ++i) v[i * 37 + 1] = special[i];
  v[0] = -0.0;     // leading exception
  v.back() = NAN;  // trailing exception
  RoundTrip(v, 2);
  for (int e = 0; e <= kMaxDecimalExponent; ++e) RoundTrip(v, e);
  RoundTrip(special, 0);  // nearly all exceptions
}

TEST(DecimalCodecTest, RoundTripsEdgeSizes) {
  RoundTrip({}, 0);
  RoundTrip({21.5}, 1);
  RoundTrip({NAN}, 3);
  RoundTrip(testing::SensorValues(kMaxBlockValues, 2, 4), 2);
}

TEST(DecimalCodecTest, TruncatedInputIsDataLoss) {
  auto v = testing::SensorValues(300, 2, 2);
  v[10] = 1e-300;
  std::string enc = RoundTrip(v, 2);
  std::vector<double> out(v.size());
  for (size_t len = 0; len < enc.size(); ++len) {
    std::vector<char> exact(enc.begin(), enc.begin() + len);
    EXPECT_EQ(DecodeDecimal(std::string_view(exact.data(), len), v.size(), out.data()).code(),
              absl::StatusCode::kDataLoss)
        << len;
  }
}

TEST(DecimalCodecTest, RejectsBadExponentAndPositions) {
  auto v = testing::SensorValues(10, 1, 2);
  v[3] = NAN;
  v[6] = NAN;
  std::string enc = RoundTrip(v, 1);
  std::vector<double> out(v.size());
  std::string bad = enc;
  bad[0] = 19;
  EXPECT_EQ(DecodeDecimal(bad, v.size(), out.data()).code(), absl::StatusCode::kDataLoss);
  // Fewer values than exception positions allow.
  EXPECT_FALSE(DecodeDecimal(enc, 5, out.data()).ok());
}

TEST(DecimalCodecTest, GarbageNeverCrashes) {
  std::mt19937_64 rng(6);
  std::vector<double> out(400);
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<char> junk(rng() % 64);
    for (auto& c : junk) c = static_cast<char>(rng());
    if (!junk.empty()) junk[0] = static_cast<char>(rng() % 19);
    (void)DecodeDecimal(std::string_view(junk.data(), junk.size()), rng() % 400, out.data()).ok();
  }
}

}  // namespace
}  // namespace lux::codec
