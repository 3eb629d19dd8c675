// Golden bytes: the exact encoding of small fixed inputs, per codec. A change
// here changes the on-disk format: add a new codec id or version instead.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "engine/codec/block.h"
#include "engine/codec/bool_codec.h"
#include "engine/codec/decimal_codec.h"
#include "engine/codec/gorilla_codec.h"
#include "engine/codec/int_codec.h"
#include "engine/codec/string_codec.h"
#include "engine/codec/timestamp_codec.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

std::string Hex(const std::string& s) { return absl::BytesToHexString(s); }

constexpr int64_t kT0 = 1767225600'000'000'000;  // 2026-01-01T00:00:00Z

TEST(GoldenTest, IntPipeline) {
  std::string s;
  EncodeInts(std::vector<int64_t>{3, 4, 6, 5}, &s);
  EXPECT_EQ(Hex(s), "0106010002b4");
}

TEST(GoldenTest, TimestampsDeltaOfDelta) {
  std::string s;
  EncodeTimestampsDod(std::vector<int64_t>{kT0, kT0 + 10'000'000'000, kT0 + 20'000'000'000,
                                           kT0 + 30'000'000'000, kT0 + 41'000'000'000},
                      &s);
  EXPECT_EQ(Hex(s), "8080d0dfbd94b986318094ebdc03145208");
}

TEST(GoldenTest, Gorilla) {
  std::string s;
  EncodeGorilla(std::vector<double>{21.5, 21.5, 21.75, 22.0}, &s);
  EXPECT_EQ(Hex(s), "00000000008035408ec0ddf0");
}

TEST(GoldenTest, Decimal) {
  std::string s;
  EncodeDecimal(std::vector<double>{21.4, 21.5, 21.7, 21.6}, 1, &s);
  EXPECT_EQ(Hex(s), "010001ac03010002b4");
}

TEST(GoldenTest, Bool) {
  std::string s;
  EXPECT_EQ(EncodeBools(std::vector<uint8_t>{1, 0, 1, 1}, &s), ColumnCodec::kBoolBitmap);
  EXPECT_EQ(Hex(s), "0d");
}

TEST(GoldenTest, String) {
  std::string s;
  EXPECT_EQ(EncodeStrings(std::vector<std::string>{"on", "off", "on"}, &s),
            ColumnCodec::kStringDict);
  EXPECT_EQ(Hex(s), "02026f6e036f6666010001000102");
}

TEST(GoldenTest, FloatBlock) {
  std::string s;
  EncodeBlock(std::vector<int64_t>{kT0, kT0 + 10'000'000'000, kT0 + 20'000'000'000},
              std::vector<double>{21.5, 21.6, 21.4}, &s);
  EXPECT_EQ(Hex(s),
            "b701010111038080d0dfbd94b9863180a0be81950166666666666635409a99999999993540000000000020"
            "504000000000008035406666666666663540108080d0dfbd94b9863180c8afa0250200010001ac03010002"
            "090263cde83016b874");
}

}  // namespace
}  // namespace lux::codec
