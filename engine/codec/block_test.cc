#include "engine/codec/block.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
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

// Version 2 statistics are short (decimal digits, integer distances) where
// they can be and exact everywhere: every extreme and special value comes
// back as the same 64-bit pattern.
TEST(BlockTest, StatisticsRoundTripBitExactInEveryForm) {
  const std::vector<int64_t> ts3 = {1, 2, 3};
  auto stats_of = [](const std::string& block) {
    auto h = ReadBlockHeader(block);
    EXPECT_TRUE(h.ok()) << h.status();
    return h.ok() ? std::vector<uint64_t>{h->min, h->max, h->sum, h->first, h->last}
                  : std::vector<uint64_t>{};
  };
  auto bits = [](double d) { return std::bit_cast<uint64_t>(d); };
  const double kInf = std::numeric_limits<double>::infinity();
  const std::vector<std::vector<double>> floats = {
      {21.5, 21.6, 21.4},         {-40.25, 0, 1e15},     {0.1, 0.2, 0.3},
      {123456.789012, 1e-18, 5},  {-0.0, 1, 2},          {1e300, -1e300, 3},
      {4.9e-324, 1, 2},           {NAN, 7.5, 1},         {kInf, -kInf, 0},
      {2251799813685248.0, 0, 1}, {1.0 / 3, 2.0 / 3, 1}, {NAN, NAN, NAN}};
  for (const auto& v : floats) {
    std::string block;
    EncodeBlock(ts3, v, &block);
    double mn = NAN, mx = NAN, sum = 0;
    for (double x : v) {
      sum += x;
      if (std::isnan(x)) continue;
      if (!(x >= mn)) mn = x;
      if (!(x <= mx)) mx = x;
    }
    EXPECT_EQ(stats_of(block), (std::vector<uint64_t>{bits(mn), bits(mx), bits(sum),
                                                      bits(v.front()), bits(v.back())}))
        << v[0] << " " << v[1] << " " << v[2];
  }
  // Decimal statistics take a few bytes where raw ones take 40.
  std::string decimal, raw;
  EncodeBlock(ts3, std::vector<double>{21.5, 21.6, 21.4}, &decimal);
  EncodeBlock(ts3, std::vector<double>{1.0 / 3, 21.6, 21.4}, &raw);
  EXPECT_LT(decimal.size() + 20, raw.size());

  const int64_t kMin = std::numeric_limits<int64_t>::min(),
                kMax = std::numeric_limits<int64_t>::max();
  for (const auto& v : std::vector<std::vector<int64_t>>{
           {-3, 7, 5}, {kMin, kMax, 0}, {kMax, kMax, kMax}, {kMin, kMin, -1}, {0, 0, 0}}) {
    std::string block;
    EncodeBlock(ts3, v, &block);
    uint64_t sum = 0;
    for (int64_t x : v) sum += uint64_t(x);
    EXPECT_EQ(stats_of(block),
              (std::vector<uint64_t>{uint64_t(*std::min_element(v.begin(), v.end())),
                                     uint64_t(*std::max_element(v.begin(), v.end())), sum,
                                     uint64_t(v.front()), uint64_t(v.back())}));
  }
  const uint64_t kUMax = std::numeric_limits<uint64_t>::max();
  for (const auto& v :
       std::vector<std::vector<uint64_t>>{{0, kUMax, 1}, {kUMax, kUMax, 5}, {9, 3, 4}}) {
    std::string block;
    EncodeBlock(ts3, v, &block);
    uint64_t sum = 0;
    for (uint64_t x : v) sum += x;
    EXPECT_EQ(stats_of(block), (std::vector<uint64_t>{*std::min_element(v.begin(), v.end()),
                                                      *std::max_element(v.begin(), v.end()), sum,
                                                      v.front(), v.back()}));
  }
}

// A block whose checksum matches but whose statistics cannot be right is
// still refused: the header is never trusted for more than it can say.
TEST(BlockTest, ImpossibleStatisticsAreDataLoss) {
  auto reseal = [](std::string block, size_t at, uint8_t byte) {
    block.resize(block.size() - 8);
    block[at] = static_cast<char>(byte);
    const uint64_t sum = XXH3_64bits(block.data(), block.size());
    for (int i = 0; i < 8; ++i) block.push_back(static_cast<char>(sum >> (8 * i)));
    return block;
  };
  const std::vector<int64_t> ts3 = {1, 2, 3};
  constexpr size_t kStats = 8;  // magic, version, 3 ids, count 3, first ts 1, span 2
  std::string f;
  EncodeBlock(ts3, std::vector<double>{21.5, 21.6, 21.4}, &f);
  ASSERT_EQ(uint8_t(f[kStats]), 1) << "decimal statistics at exponent 1";
  ASSERT_TRUE(ReadBlockHeader(reseal(f, kStats, 1)).ok());
  auto bad_exponent = ReadBlockHeader(reseal(f, kStats, 19));
  EXPECT_EQ(bad_exponent.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(bad_exponent.status().message().find("exponent 19"), std::string::npos);
  // max - min 2, first - min 1: a first of 3 above min exceeds the max.
  EXPECT_EQ(ReadBlockHeader(reseal(f, kStats + 4, 3)).status().code(), absl::StatusCode::kDataLoss);

  std::string i;
  EncodeBlock(ts3, std::vector<int64_t>{-3, 7, 5}, &i);
  ASSERT_TRUE(ReadBlockHeader(reseal(i, kStats + 2, 0)).ok());
  EXPECT_EQ(ReadBlockHeader(reseal(i, kStats + 2, 11)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(BlockTest, LayoutAddsUpToTheBlock) {
  auto ts = testing::ConstantIntervalTimestamps(512, 10 * kSecond);
  auto v = testing::SensorValues(512, 1, 3);
  std::string block;
  EncodeBlock(ts, v, &block);
  auto l = ReadBlockLayout(block);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->header.count, 512u);
  EXPECT_EQ(l->checksum_bytes, 8u);
  EXPECT_EQ(l->header_bytes + l->ts_bytes + l->value_bytes + l->checksum_bytes, block.size());
  EXPECT_GT(l->value_bytes, l->ts_bytes) << "constant 10 s timestamps cost a few bytes";
  EXPECT_LT(l->header_bytes, 40u) << "version 2 statistics are short";
  block[block.size() / 2] ^= 1;
  EXPECT_EQ(ReadBlockLayout(block).status().code(), absl::StatusCode::kDataLoss);
}

TEST(BlockTest, DecodeBlockAppendMatchesDecodeBlockAndKeepsOldContents) {
  auto ts = testing::ConstantIntervalTimestamps(1000, 10 * kSecond);
  auto v = testing::SensorValues(1000, 1, 9);
  std::string fblock, iblock, bblock, sblock;
  EncodeBlock(ts, v, &fblock);
  std::vector<int64_t> ints(1000);
  for (size_t i = 0; i < ints.size(); ++i) ints[i] = int64_t(i * 7919 % 1000) - 500;
  EncodeBlock(ts, ints, &iblock);
  std::vector<uint8_t> bools(1000);
  for (size_t i = 0; i < bools.size(); ++i) bools[i] = i % 3 == 0;
  EncodeBoolBlock(ts, bools, &bblock);
  EncodeBlock(std::vector<int64_t>{1}, std::vector<std::string>{"x"}, &sblock);

  std::vector<int64_t> t = {-1};
  std::vector<uint64_t> b = {42};
  BlockHeader h;
  ASSERT_TRUE(DecodeBlockAppend(fblock, &h, &t, &b).ok());
  ASSERT_TRUE(DecodeBlockAppend(iblock, &h, &t, &b).ok());
  ASSERT_TRUE(DecodeBlockAppend(bblock, &h, &t, &b).ok());
  ASSERT_EQ(t.size(), 3001u);
  ASSERT_EQ(b.size(), 3001u);
  EXPECT_EQ(t[0], -1);
  EXPECT_EQ(b[0], 42u);
  for (size_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(t[1 + i], ts[i]);
    EXPECT_EQ(b[1 + i], std::bit_cast<uint64_t>(v[i])) << i;
    EXPECT_EQ(b[1001 + i], uint64_t(ints[i])) << i;
    EXPECT_EQ(b[2001 + i], bools[i] ? 1u : 0u) << i;
  }
  // Refused: strings, and any corruption; the vectors keep their size.
  EXPECT_EQ(DecodeBlockAppend(sblock, &h, &t, &b).code(), absl::StatusCode::kDataLoss);
  std::string bad = fblock;
  bad[bad.size() / 2] ^= 4;
  EXPECT_EQ(DecodeBlockAppend(bad, &h, &t, &b).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(t.size(), 3001u);
  EXPECT_EQ(b.size(), 3001u);
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
