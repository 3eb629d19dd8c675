#include "engine/db/wal_record.h"

#include <zstd.h>

#include <bit>
#include <cmath>
#include <limits>

#include "engine/common/varint.h"
#include "engine/db/keys.h"
#include "gtest/gtest.h"

namespace lux::engine {
namespace {

// Every type, runs of several points and of one, extreme timestamps.
WalBatch EveryType() {
  WalBatch b;
  b.BeginRun(1, FieldType::kFloat);
  b.Add(-5, std::bit_cast<uint64_t>(21.5));
  b.Add(10'000'000'000, std::bit_cast<uint64_t>(-0.0));
  b.Add(std::numeric_limits<int64_t>::max(), std::bit_cast<uint64_t>(1e300));
  b.Add(std::numeric_limits<int64_t>::min(), std::bit_cast<uint64_t>(2.0));
  b.BeginRun(2, FieldType::kInteger);
  b.Add(0, uint64_t(int64_t{-7}));
  b.BeginRun(3, FieldType::kUnsigned);
  b.Add(1, uint64_t{1} << 63);
  b.Add(1, 0);
  b.BeginRun(4, FieldType::kBoolean);
  b.Add(2, 1);
  b.BeginRun(5, FieldType::kString);
  b.AddString(3, std::string("a\0b", 3));
  b.AddString(4, "");
  return b;
}

void ExpectSame(const WalBatch& got, const WalBatch& want) {
  ASSERT_EQ(got.runs.size(), want.runs.size());
  for (size_t r = 0; r < want.runs.size(); ++r) {
    const WalRun &g = got.runs[r], &w = want.runs[r];
    EXPECT_EQ(g.sid, w.sid);
    EXPECT_EQ(g.type, w.type);
    ASSERT_EQ(g.end - g.begin, w.end - w.begin) << "run " << r;
    for (uint32_t i = 0; i < w.end - w.begin; ++i) {
      EXPECT_EQ(got.ts[g.begin + i], want.ts[w.begin + i]) << "run " << r << " point " << i;
      if (w.type == FieldType::kString) {
        EXPECT_EQ(got.strs[got.bits[g.begin + i]], want.strs[want.bits[w.begin + i]]);
      } else {
        EXPECT_EQ(got.bits[g.begin + i], want.bits[w.begin + i]) << "run " << r;
      }
    }
  }
}

TEST(WalRecordTest, RoundTripsEveryTypeAndRejectsEveryTruncation) {
  const WalBatch in = EveryType();
  std::string rec = "prefix";
  const size_t body = EncodeWalRecord(in, &rec);
  EXPECT_EQ(body, rec.size() - 6) << "uncompressed: the record's size";
  rec.erase(0, 6);
  EXPECT_EQ(rec[0], 5) << "plain shared runs (small)";
  WalBatch out;
  std::optional<WalDelete> del;
  ASSERT_TRUE(DecodeWalRecord(rec, &out, &del).ok());
  EXPECT_FALSE(del.has_value());
  ExpectSame(out, in);
  EXPECT_TRUE(std::signbit(std::bit_cast<double>(out.bits[1])));
  for (size_t len = 0; len < rec.size(); ++len) {
    EXPECT_EQ(DecodeWalRecord(rec.substr(0, len), &out, &del).code(), absl::StatusCode::kDataLoss)
        << len;
  }
  // A bad type byte, a boolean that is neither 0 nor 1.
  std::string bad = rec;
  bad[3] = 9;  // format, run count, sid, type
  EXPECT_EQ(DecodeWalRecord(bad, &out, &del).code(), absl::StatusCode::kDataLoss);
}

TEST(WalRecordTest, LargeRecordsAreCompressedRegularTimestampsCostAByte) {
  WalBatch in;
  for (uint64_t sid = 0; sid < 7; ++sid) {
    in.BeginRun(sid, FieldType::kFloat);
    for (int i = 0; i < 1000; ++i) in.Add(i * 10'000'000'000LL, std::bit_cast<uint64_t>(21.5));
  }
  std::string rec;
  const size_t body = EncodeWalRecord(in, &rec);
  EXPECT_EQ(rec[0], 6) << "zstd shared runs";
  EXPECT_GT(body, 7 * 1000u) << "over a byte a point before zstd";
  EXPECT_LT(rec.size(), 7000u) << "under a byte a point";
  WalBatch out;
  std::optional<WalDelete> del;
  ASSERT_TRUE(DecodeWalRecord(rec, &out, &del).ok());
  ExpectSame(out, in);
  // A frame cut short or followed by other bytes is damaged.
  for (size_t len = 1; len < rec.size(); ++len) {
    EXPECT_EQ(DecodeWalRecord(rec.substr(0, len), &out, &del).code(), absl::StatusCode::kDataLoss)
        << len;
  }
  EXPECT_EQ(DecodeWalRecord(rec + "x", &out, &del).code(), absl::StatusCode::kDataLoss);
  std::string d;
  EncodeWalDelete({{3, 300}, -5, 77}, &d);
  ASSERT_TRUE(DecodeWalRecord(d, &out, &del).ok());
  ASSERT_TRUE(del.has_value());
  EXPECT_TRUE(out.runs.empty());
  EXPECT_EQ(del->sids, (std::vector<uint64_t>{3, 300}));
  EXPECT_EQ(del->start, -5);
  EXPECT_EQ(del->end, 77);
  EXPECT_FALSE(DecodeWalRecord(d.substr(0, d.size() - 1), &out, &del).ok());
}

// Records written before runs (formats 0 and 1) are read as runs of one
// point: logs left by an older luxd replay.
TEST(WalRecordTest, ReadsThePointFormatsOfEarlierVersions) {
  std::string body;
  PutVarint64(&body, 3);
  PutVarint64(&body, 7);  // sid
  PutVarint64(&body, ZigZag(-5));
  body.push_back(1);  // float
  PutFixed64(&body, std::bit_cast<uint64_t>(21.5));
  PutVarint64(&body, 8);
  PutVarint64(&body, ZigZag(6));
  body.push_back(2);  // integer
  PutVarint64(&body, ZigZag(-7));
  PutVarint64(&body, 9);
  PutVarint64(&body, ZigZag(7));
  body.push_back(5);  // string
  PutLengthPrefixed(&body, "x");
  WalBatch want;
  want.BeginRun(7, FieldType::kFloat);
  want.Add(-5, std::bit_cast<uint64_t>(21.5));
  want.BeginRun(8, FieldType::kInteger);
  want.Add(6, uint64_t(int64_t{-7}));
  want.BeginRun(9, FieldType::kString);
  want.AddString(7, "x");

  WalBatch out;
  std::optional<WalDelete> del;
  ASSERT_TRUE(DecodeWalRecord(std::string(1, '\0') + body, &out, &del).ok());
  ExpectSame(out, want);
  std::string frame(ZSTD_compressBound(body.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), body.data(), body.size(), 1));
  ASSERT_TRUE(DecodeWalRecord(std::string(1, '\1') + frame, &out, &del).ok());
  ExpectSame(out, want);
  EXPECT_EQ(DecodeWalRecord(std::string(1, '\7') + body, &out, &del).code(),
            absl::StatusCode::kDataLoss)
      << "unknown format";
}

// The fields of one line share their timestamps: a run with the previous
// non-empty run's timestamps writes none; sids and first timestamps are
// deltas, whatever their order.
TEST(WalRecordTest, FieldsOfALineWriteTheirTimestampsOnce) {
  const int64_t t0 = 1'767'225'600'000'000'000;
  auto run = [&](WalBatch* b, uint64_t sid, int64_t first, int n) {
    b->BeginRun(sid, FieldType::kFloat);
    for (int i = 0; i < n; ++i)
      b->Add(first + i * 10'000'000'000LL, std::bit_cast<uint64_t>(0.5 * i));
  };
  WalBatch one, two;
  run(&one, 1000, t0, 5);
  run(&two, 1000, t0, 5);
  run(&two, 1001, t0, 5);  // the line's second field
  std::string rec_one, rec_two;
  EncodeWalRecord(one, &rec_one);
  EncodeWalRecord(two, &rec_two);
  ASSERT_EQ(rec_two[0], 5);
  EXPECT_EQ(rec_two.size() - rec_one.size(), 3u + 5 * 8)
      << "sid delta, type, count, five values: no timestamps";

  WalBatch mixed;
  run(&mixed, 70, t0, 3);
  mixed.BeginRun(71, FieldType::kInteger);  // empty: does not break the sharing
  run(&mixed, 72, t0, 3);                   // same as run 70
  run(&mixed, 5, t0 - 7, 3);                // smaller sid, earlier time
  run(&mixed, 6, t0 - 7, 2);                // same first times, fewer points
  run(&mixed, std::numeric_limits<uint64_t>::max(), std::numeric_limits<int64_t>::min(), 1);
  run(&mixed, 0, std::numeric_limits<int64_t>::max(), 1);
  std::string rec;
  EncodeWalRecord(mixed, &rec);
  WalBatch out;
  std::optional<WalDelete> del;
  ASSERT_TRUE(DecodeWalRecord(rec, &out, &del).ok());
  ExpectSame(out, mixed);
  for (size_t len = 0; len < rec.size(); ++len) {
    EXPECT_EQ(DecodeWalRecord(rec.substr(0, len), &out, &del).code(), absl::StatusCode::kDataLoss)
        << len;
  }

  // "Same timestamps" where no run wrote any is corrupt, not a crash.
  std::string bad(1, '\5');
  PutVarint64(&bad, 1);  // one run
  PutVarint64(&bad, 0);  // sid delta
  bad.push_back(1);      // float
  PutVarint64(&bad, 1 << 1 | 1);
  PutFixed64(&bad, 0);
  EXPECT_EQ(DecodeWalRecord(bad, &out, &del).code(), absl::StatusCode::kDataLoss);
}

// Records of format 3 (runs without sharing) and 4 (its zstd frame), as
// the previous version wrote them, replay.
TEST(WalRecordTest, ReadsTheRunFormatOfEarlierVersions) {
  std::string body;
  PutVarint64(&body, 2);  // runs
  PutVarint64(&body, 7);  // sid
  body.push_back(1);      // float
  PutVarint64(&body, 2);  // points
  PutVarint64(&body, ZigZag(100));
  PutVarint64(&body, ZigZag(10));  // first delta, from 0
  PutFixed64(&body, std::bit_cast<uint64_t>(1.5));
  PutFixed64(&body, std::bit_cast<uint64_t>(2.5));
  PutVarint64(&body, 3);  // sid, absolute
  body.push_back(2);      // integer
  PutVarint64(&body, 1);
  PutVarint64(&body, ZigZag(100));
  PutVarint64(&body, ZigZag(-4));
  WalBatch want;
  want.BeginRun(7, FieldType::kFloat);
  want.Add(100, std::bit_cast<uint64_t>(1.5));
  want.Add(110, std::bit_cast<uint64_t>(2.5));
  want.BeginRun(3, FieldType::kInteger);
  want.Add(100, uint64_t(int64_t{-4}));
  WalBatch out;
  std::optional<WalDelete> del;
  ASSERT_TRUE(DecodeWalRecord(std::string(1, '\3') + body, &out, &del).ok());
  ExpectSame(out, want);
  std::string frame(ZSTD_compressBound(body.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), body.data(), body.size(), 1));
  ASSERT_TRUE(DecodeWalRecord(std::string(1, '\4') + frame, &out, &del).ok());
  ExpectSame(out, want);
}

}  // namespace
}  // namespace lux::engine
