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
  ASSERT_TRUE(DecodeWalRecord(rec, &out).ok());
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].sid, in[i].sid);
    EXPECT_EQ(out[i].ts, in[i].ts);
    EXPECT_EQ(out[i].value.index(), in[i].value.index());
  }
  EXPECT_TRUE(std::signbit(std::get<double>(out[5].value)));
  EXPECT_EQ(std::get<std::string>(out[4].value), std::string("a\0b", 3));
  for (size_t len = 0; len < rec.size(); ++len) {
    EXPECT_EQ(DecodeWalRecord(rec.substr(0, len), &out).code(), absl::StatusCode::kDataLoss);
  }
}

}  // namespace
}  // namespace lux::engine
