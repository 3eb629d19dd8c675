#include "engine/codec/gorilla_codec.h"

#include <bit>
#include <random>
#include <vector>

#include "engine/codec/format.h"
#include "engine/codec/testing/patterns.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

std::string RoundTrip(const std::vector<double>& in) {
  std::string buf = "pre";
  EncodeGorilla(in, &buf);
  EXPECT_EQ(buf.substr(0, 3), "pre");
  EXPECT_LE(buf.size() - 3, MaxEncodedGorillaSize(in.size()));
  std::vector<char> exact(buf.begin() + 3, buf.end());
  std::vector<double> out(in.size());
  EXPECT_TRUE(
      DecodeGorilla(std::string_view(exact.data(), exact.size()), in.size(), out.data()).ok());
  EXPECT_EQ(testing::BitPatterns(out), testing::BitPatterns(in));  // bit-exact: NaN payloads, -0.0
  return buf.substr(3);
}

TEST(GorillaCodecTest, RoundTripsSpecialValuesBitExactly) {
  RoundTrip(testing::SpecialValues());
  auto special = testing::SpecialValues();
  std::vector<double> repeated;
  for (int i = 0; i < 50; ++i) repeated.insert(repeated.end(), special.rbegin(), special.rend());
  RoundTrip(repeated);
}

TEST(GorillaCodecTest, RoundTripsPatterns) {
  RoundTrip({});
  RoundTrip({3.25});
  RoundTrip(std::vector<double>(4096, 21.5));
  RoundTrip(testing::SensorValues(4096, 2, 1));
  RoundTrip(testing::RandomBitsValues(4096, 2));
  RoundTrip(testing::SensorValues(kMaxBlockValues, 1, 3));
}

TEST(GorillaCodecTest, RepeatsCostOneBit) {
  std::string enc = RoundTrip(std::vector<double>(8001, 21.5));
  EXPECT_EQ(enc.size(), 8u + 1000u);
}

TEST(GorillaCodecTest, ReopensTheWindowWhenCheaper) {
  // One wide XOR opens a 64-bit window; a sticky encoder would then spend
  // 66 bits on each following narrow XOR, this one reopens a narrow window.
  std::vector<double> v = {1.0};
  v.push_back(std::bit_cast<double>(std::bit_cast<uint64_t>(1.0) ^ 0x8000000000000001));
  for (int i = 0; i < 100; ++i) {
    v.push_back(std::bit_cast<double>(std::bit_cast<uint64_t>(v.back()) ^ (uint64_t{1} << 20)));
  }
  std::string enc = RoundTrip(v);
  // 64 (first) + 77 (wide) + 26 (new narrow window) + 99 x 15 (reuse it).
  EXPECT_LE(enc.size() * 8, 64 + 77 + 26 + 99 * 15 + 7);
}

TEST(GorillaCodecTest, TruncatedInputIsDataLoss) {
  auto v = testing::SensorValues(200, 2, 5);
  std::string enc = RoundTrip(v);
  std::vector<double> out(v.size());
  for (size_t len = 0; len < enc.size(); ++len) {
    std::vector<char> exact(enc.begin(), enc.begin() + len);
    EXPECT_EQ(DecodeGorilla(std::string_view(exact.data(), len), v.size(), out.data()).code(),
              absl::StatusCode::kDataLoss);
  }
  enc.push_back('\0');
  EXPECT_FALSE(DecodeGorilla(enc, v.size(), out.data()).ok()) << "trailing byte";
}

TEST(GorillaCodecTest, GarbageNeverCrashes) {
  std::mt19937_64 rng(6);
  std::vector<double> out(400);
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<char> junk(rng() % 64);
    for (auto& c : junk) c = static_cast<char>(rng());
    (void)DecodeGorilla(std::string_view(junk.data(), junk.size()), rng() % 400, out.data()).ok();
  }
}

}  // namespace
}  // namespace lux::codec
