#include "engine/db/wal_record.h"

#include <cmath>

#include "gtest/gtest.h"

namespace lux::engine {
namespace {

TEST(WalRecordTest, RoundTripsEveryType) {
  std::vector<WalPoint> in = {{1, -5, 21.5},
                              {2, 0, int64_t{-7}},
                              {3, 1, uint64_t{1} << 63},
                              {4, 2, true},
                              {5, 3, std::string("a\0b", 3)},
                              {6, 4, -0.0}};
  std::string rec;
  EncodeWalRecord(in, &rec);
  std::vector<WalPoint> out;
  std::optional<WalDelete> del;
  ASSERT_TRUE(DecodeWalRecord(rec, &out, &del).ok());
  EXPECT_FALSE(del.has_value());
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].sid, in[i].sid);
    EXPECT_EQ(out[i].ts, in[i].ts);
    EXPECT_EQ(out[i].value.index(), in[i].value.index());
  }
  EXPECT_TRUE(std::signbit(std::get<double>(out[5].value)));
  EXPECT_EQ(std::get<std::string>(out[4].value), std::string("a\0b", 3));
  for (size_t len = 0; len < rec.size(); ++len) {
    EXPECT_EQ(DecodeWalRecord(rec.substr(0, len), &out, &del).code(), absl::StatusCode::kDataLoss);
  }
}

TEST(WalRecordTest, LargeRecordsAreCompressedAndDeletesRoundTrip) {
  std::vector<WalPoint> in;
  for (int i = 0; i < 1000; ++i) in.push_back({uint64_t(i % 7), i * 10'000'000'000LL, 21.5});
  std::string rec;
  EncodeWalRecord(in, &rec);
  EXPECT_EQ(rec[0], 1) << "zstd format";
  EXPECT_LT(rec.size(), 1000u * 19 / 2) << "under half the plain 19 bytes a point";
  std::vector<WalPoint> out;
  std::optional<WalDelete> del;
  ASSERT_TRUE(DecodeWalRecord(rec, &out, &del).ok());
  EXPECT_EQ(out.size(), 1000u);
  std::string d;
  EncodeWalDelete({{3, 300}, -5, 77}, &d);
  ASSERT_TRUE(DecodeWalRecord(d, &out, &del).ok());
  ASSERT_TRUE(del.has_value());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(del->sids, (std::vector<uint64_t>{3, 300}));
  EXPECT_EQ(del->start, -5);
  EXPECT_EQ(del->end, 77);
  EXPECT_FALSE(DecodeWalRecord(d.substr(0, d.size() - 1), &out, &del).ok());
}

}  // namespace
}  // namespace lux::engine
