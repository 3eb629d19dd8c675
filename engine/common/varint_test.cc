#include "engine/common/varint.h"

#include <limits>

#include "gtest/gtest.h"

namespace lux {
namespace {

TEST(VarintTest, RoundTripsBoundaryValues) {
  const uint64_t values[] = {
      0, 1, 127, 128, 16383, 16384, uint64_t{1} << 63, std::numeric_limits<uint64_t>::max()};
  std::string buf = "prefix";
  for (uint64_t v : values) PutVarint64(&buf, v);
  Reader r(std::string_view(buf).substr(6));
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(r.GetVarint64(&got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(r.empty());
}

TEST(VarintTest, RejectsTruncatedAndOverlongInput) {
  std::string buf;
  PutVarint64(&buf, 300);
  uint64_t v;
  Reader truncated(std::string_view(buf).substr(0, 1));
  EXPECT_FALSE(truncated.GetVarint64(&v));
  std::string overlong(11, '\xff');
  Reader r(overlong);
  EXPECT_FALSE(r.GetVarint64(&v));
  // Tenth byte may only carry the top bit.
  std::string too_big(9, '\xff');
  too_big.push_back('\x02');
  Reader r2(too_big);
  EXPECT_FALSE(r2.GetVarint64(&v));
}

TEST(VarintTest, ZigZagMapsSmallMagnitudesToSmallCodes) {
  EXPECT_EQ(ZigZag(0), 0u);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  for (int64_t v : {std::numeric_limits<int64_t>::min(), int64_t{-5}, int64_t{7},
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(UnZigZag(ZigZag(v)), v);
  }
}

// PointerWriter writes what the appending Put* functions write, and
// VarintSize is the size PutVarint64 writes.
TEST(VarintTest, PointerWriterMatchesTheAppendingWriters) {
  const uint64_t values[] = {0, 1, 127, 128, 16383, 16384, uint64_t{1} << 63, ~uint64_t{0}};
  std::string appended;
  for (uint64_t v : values) {
    const size_t before = appended.size();
    PutVarint64(&appended, v);
    EXPECT_EQ(appended.size() - before, VarintSize(v)) << v;
    PutFixed64(&appended, v);
  }
  appended.push_back(7);
  PutVarint64(&appended, 3);
  appended.append("abc");
  std::string written(appended.size(), '\0');
  PointerWriter w(written.data());
  for (uint64_t v : values) {
    w.Varint(v);
    w.Fixed64(v);
  }
  w.Byte(7);
  w.LengthPrefixed("abc");
  EXPECT_EQ(w.pos(), written.data() + written.size());
  EXPECT_EQ(written, appended);
}

}  // namespace
}  // namespace lux
