#include "engine/codec/block.h"

#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include "engine/codec/testing/patterns.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

using testing::kSecond;

TEST(BlockTest, FloatBlockRoundTripsWithStatistics) {
  auto ts = testing::ConstantIntervalTimestamps(4096, 10 * kSecond);
  auto v = testing::SensorValues(4096, 1, 7);
  v[100] = NAN;
  std::string block = "prefix";
  EncodeBlock(ts, v, &block);
  std::string_view b = std::string_view(block).substr(6);
  auto h = ReadBlockHeader(b);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->type, ValueType::kFloat64);
  EXPECT_EQ(h->count, 4096u);
  EXPECT_EQ(h->first_ts, ts.front());
  EXPECT_EQ(h->last_ts, ts.back());
  double mn = INFINITY, mx = -INFINITY;
  for (double x : v) {
    if (!std::isnan(x)) mn = std::min(mn, x), mx = std::max(mx, x);
  }
  EXPECT_EQ(BlockHeader::AsDouble(h->min), mn);
  EXPECT_EQ(BlockHeader::AsDouble(h->max), mx);
  EXPECT_TRUE(std::isnan(BlockHeader::AsDouble(h->sum)));
  EXPECT_EQ(BlockHeader::AsDouble(h->first), v.front());
  EXPECT_EQ(BlockHeader::AsDouble(h->last), v.back());

  BlockHeader dh;
  std::vector<int64_t> dts;
  BlockValues dv;
  ASSERT_TRUE(DecodeBlock(b, &dh, &dts, &dv).ok());
  EXPECT_EQ(dts, ts);
  const auto& got = std::get<std::vector<double>>(dv);
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint64_t>(got[i]), std::bit_cast<uint64_t>(v[i]));
  }
  // 4096 decimal readings at a constant interval: a few bits each.
  EXPECT_LE(b.size() * 8.0 / 4096, 8.0);
}

TEST(BlockTest, AllNanBlockHasNanMinMax) {
  std::vector<int64_t> ts = {1, 2};
  std::vector<double> v = {NAN, NAN};
  std::string block;
  EncodeBlock(ts, v, &block);
  auto h = ReadBlockHeader(block);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(std::isnan(BlockHeader::AsDouble(h->min)));
  EXPECT_TRUE(std::isnan(BlockHeader::AsDouble(h->max)));
}

TEST(BlockTest, IntegerBoolStringBlocksRoundTrip) {
  auto ts = testing::JitteredTimestamps(1000, kSecond, 1000, 1);
  std::vector<int64_t> iv;
  std::vector<uint64_t> uv;
  std::vector<uint8_t> bv;
  std::vector<std::string> sv;
  for (int i = 0; i < 1000; ++i) {
    iv.push_back(i % 7 - 3);
    uv.push_back(~uint64_t{0} - uint64_t(i));
    bv.push_back(i / 100 % 2);
    sv.push_back(i % 3 ? "open" : "closed");
  }
  std::string ib, ub, bb, sb;
  EncodeBlock(ts, iv, &ib);
  EncodeBlock(ts, uv, &ub);
  EncodeBoolBlock(ts, bv, &bb);
  EncodeBlock(ts, sv, &sb);
  BlockHeader h;
  std::vector<int64_t> dts;
  BlockValues dv;
  ASSERT_TRUE(DecodeBlock(ib, &h, &dts, &dv).ok());
  EXPECT_EQ(std::get<std::vector<int64_t>>(dv), iv);
  EXPECT_EQ(int64_t(h.min), -3);
  EXPECT_EQ(int64_t(h.max), 3);
  EXPECT_EQ(int64_t(h.first), -3);
  ASSERT_TRUE(DecodeBlock(ub, &h, &dts, &dv).ok());
  EXPECT_EQ(std::get<std::vector<uint64_t>>(dv), uv);
  EXPECT_EQ(h.type, ValueType::kUint64);
  ASSERT_TRUE(DecodeBlock(bb, &h, &dts, &dv).ok());
  EXPECT_EQ(std::get<std::vector<uint8_t>>(dv), bv);
  EXPECT_EQ(h.true_count, 500u);
  ASSERT_TRUE(DecodeBlock(sb, &h, &dts, &dv).ok());
  EXPECT_EQ(std::get<std::vector<std::string>>(dv), sv);
  EXPECT_EQ(dts, ts);
}

TEST(BlockTest, EveryTruncationAndBitFlipIsDataLoss) {
  auto ts = testing::GappedTimestamps(300, 10 * kSecond, 2);
  auto v = testing::SensorValues(300, 2, 2);
  std::string block;
  EncodeBlock(ts, v, &block);
  BlockHeader h;
  std::vector<int64_t> dts;
  BlockValues dv;
  for (size_t len = 0; len < block.size(); ++len) {
    std::vector<char> exact(block.begin(), block.begin() + len);
    EXPECT_EQ(DecodeBlock(std::string_view(exact.data(), len), &h, &dts, &dv).code(),
              absl::StatusCode::kDataLoss);
  }
  for (size_t bit = 0; bit < block.size() * 8; ++bit) {
    std::string flipped = block;
    flipped[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_EQ(DecodeBlock(flipped, &h, &dts, &dv).code(), absl::StatusCode::kDataLoss) << bit;
  }
}

}  // namespace
}  // namespace lux::codec
