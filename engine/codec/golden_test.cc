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

const std::vector<int64_t> kThreeTimes{kT0, kT0 + 10'000'000'000, kT0 + 20'000'000'000};

TEST(GoldenTest, FloatBlock) {
  std::string s;
  EncodeBlock(kThreeTimes, std::vector<double>{21.5, 21.6, 21.4}, &s);
  EXPECT_EQ(Hex(s),
            "b702010111038080d0dfbd94b9863180a0be81950101ac030201000000000000205040108080d0dfbd94b9"
            "863180c8afa0250200010001ac03010002098d28d0c0cb13073e");
}

TEST(GoldenTest, FloatBlockWithRawStatistics) {
  std::string s;  // -0.0 is no decimal: the statistics stay raw patterns
  EncodeBlock(kThreeTimes, std::vector<double>{-0.0, 1.5, 2.0}, &s);
  // 0xff, then min -0.0, max 2.0, sum 3.5, first -0.0, last 2.0 as raw doubles
  EXPECT_EQ(Hex(s).substr(0, 124),
            "b70201011003"
            "8080d0dfbd94b98631"
            "80a0be819501"  // header start, Gorilla
            "ff"
            "0000000000000080"
            "0000000000000040"
            "0000000000000c40"  // min, max, sum
            "0000000000000080"
            "0000000000000040");  // first, last
}

TEST(GoldenTest, IntBlock) {
  std::string s;
  EncodeBlock(kThreeTimes, std::vector<int64_t>{-3, 7, 5}, &s);
  // min zz(-3), max - min 10, first - min 0, last - min 8, sum zz(9)
  EXPECT_EQ(Hex(s),
            "b702020120038080d0dfbd94b9863180a0be819501050a000812108080d0dfbd94b9863180c8afa02502"
            "0001050200032801d9916fd420144940");
}

// Version 1 blocks (sessions 1-4: five raw 8-byte statistics) still decode.
TEST(GoldenTest, Version1FloatBlockDecodes) {
  const std::string v1 = absl::HexStringToBytes(
      "b701010111038080d0dfbd94b9863180a0be81950166666666666635409a99999999993540000000000020"
      "504000000000008035406666666666663540108080d0dfbd94b9863180c8afa0250200010001ac03010002"
      "090263cde83016b874");
  BlockHeader h;
  std::vector<int64_t> ts;
  BlockValues values;
  ASSERT_TRUE(DecodeBlock(v1, &h, &ts, &values).ok());
  EXPECT_EQ(ts, kThreeTimes);
  EXPECT_EQ(std::get<std::vector<double>>(values), (std::vector<double>{21.5, 21.6, 21.4}));
  EXPECT_EQ(BlockHeader::AsDouble(h.min), 21.4);
  EXPECT_EQ(BlockHeader::AsDouble(h.max), 21.6);
  EXPECT_EQ(BlockHeader::AsDouble(h.sum), 21.5 + 21.6 + 21.4);
  EXPECT_EQ(BlockHeader::AsDouble(h.first), 21.5);
  EXPECT_EQ(BlockHeader::AsDouble(h.last), 21.4);
  std::string v2;
  EncodeBlock(kThreeTimes, std::vector<double>{21.5, 21.6, 21.4}, &v2);
  auto h2 = ReadBlockHeader(v2);
  ASSERT_TRUE(h2.ok());
  for (auto f : {&BlockHeader::min, &BlockHeader::max, &BlockHeader::sum, &BlockHeader::first,
                 &BlockHeader::last}) {
    EXPECT_EQ(h.*f, (*h2).*f) << "both versions describe the block alike";
  }
}

}  // namespace
}  // namespace lux::codec
