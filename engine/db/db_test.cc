#include "lux/db.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <thread>

#include "engine/db/db_fixture.h"
#include "engine/db/db_test_util.h"
#include "engine/db/db_testing.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"

namespace lux {
namespace {

using testing::MakePoint;
using testing::Stat;
using testing::TempDir;

using testing::DBTest;
using testing::kSec;
using testing::kT0;

// The message of a point whose float is NaN or infinite (field "v").
const char kNonFiniteV[] =
    "invalid number: field \"v\" is NaN or infinite, which line protocol cannot carry";

// A write's rejected points as (index, message).
std::vector<std::pair<size_t, std::string>> Errors(const WriteResult& r) {
  std::vector<std::pair<size_t, std::string>> out;
  for (const PointError& e : r.rejected) out.emplace_back(e.index, std::string(e.status.message()));
  return out;
}

TEST_F(DBTest, NewDatabaseHasTheAutogenDefaultPolicy) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  ASSERT_TRUE(db_->CreateDatabase("farm").ok()) << "creating twice is fine";
  EXPECT_EQ(db_->ListDatabases(), std::vector<std::string>{"farm"});
  auto rps = db_->ListRetentionPolicies("farm");
  ASSERT_TRUE(rps.ok());
  ASSERT_EQ(rps->size(), 1u);
  EXPECT_EQ((*rps)[0].name, "autogen");
  EXPECT_TRUE((*rps)[0].is_default);
  EXPECT_EQ(db_->ListRetentionPolicies("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(DBTest, DefaultRetentionPolicyMovesAndSurvivesReopen) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  ASSERT_TRUE(db_->CreateRetentionPolicy("farm", {"week", 7 * 86400 * kSec, 0, true}).ok());
  EXPECT_EQ(db_->CreateRetentionPolicy("farm", {"week", 0, 0, false}).code(),
            absl::StatusCode::kAlreadyExists);
  Reopen();
  auto rps = db_->ListRetentionPolicies("farm");
  ASSERT_TRUE(rps.ok());
  ASSERT_EQ(rps->size(), 2u);
  EXPECT_FALSE((*rps)[0].is_default);  // autogen
  EXPECT_TRUE((*rps)[1].is_default);   // week
  EXPECT_EQ((*rps)[1].partition_ns, options_.default_partition_ns);
  ASSERT_TRUE(db_->DropRetentionPolicy("farm", "week").ok());
  ASSERT_TRUE(db_->DropDatabase("farm").ok());
  EXPECT_TRUE(db_->ListDatabases().empty());
}

// The cursor reports what it read: whole blocks an aggregate takes from
// their header statistics are not decoded.
TEST_F(DBTest, QueryStatsCountSeriesBlocksAndPoints) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<Point> pts;
  for (int i = 0; i < 160; ++i) {
    pts.push_back(MakePoint("env", {{"zone", "a"}}, "temp", 20.0 + i, kT0 + i * 10 * kSec));
  }
  Write(pts);
  Write({MakePoint("env", {{"zone", "b"}}, "temp", 1.0, kT0)});
  ASSERT_TRUE(db_->Flush().ok());  // 8 blocks of 20 for zone a (16 and a quarter), 1 for b
  auto stats_of = [&](const QuerySpec& q) {
    auto cursor = db_->Query(q);
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    if (!cursor.ok()) return QueryStats{};
    Frame f;
    while ((*cursor)->Next(&f)) {
    }
    EXPECT_TRUE((*cursor)->status().ok()) << (*cursor)->status();
    return (*cursor)->stats();
  };
  QuerySpec raw = Raw("env");
  raw.selector.tags = {{"zone", TagFilter::Op::kEqual, {"a"}}};
  QueryStats s = stats_of(raw);
  EXPECT_EQ(s.series_matched, 1u);
  EXPECT_EQ(s.blocks_decoded, 8u);
  EXPECT_EQ(s.blocks_from_headers, 0u);
  EXPECT_EQ(s.points_scanned, 160u);

  QuerySpec mean = Raw("env");
  mean.aggregate = Aggregate::kMean;
  mean.start_ns = kT0;
  mean.end_ns = kT0 + 86400 * kSec;
  mean.interval_ns = 86400 * kSec;  // one window holds every block
  s = stats_of(mean);
  EXPECT_EQ(s.series_matched, 2u);
  EXPECT_EQ(s.blocks_decoded, 0u);
  EXPECT_EQ(s.blocks_from_headers, 9u);
  EXPECT_EQ(s.points_scanned, 0u);

  Write({MakePoint("env", {{"zone", "a"}}, "temp", 1.0, kT0 + 5000 * kSec)});  // unsealed
  s = stats_of(raw);
  EXPECT_EQ(s.points_scanned, 161u);
}

// A partition sealed in pieces (aged heads, Flush) fills its last block up
// to block_points and a quarter instead of leaving a trail of small ones.
TEST_F(DBTest, SealsInPiecesFillThePartitionsLastBlock) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  int next = 0;
  auto write_and_flush = [&](int n) {
    std::vector<Point> pts;
    for (int i = 0; i < n; ++i, ++next) {
      pts.push_back(MakePoint("env", {}, "temp", 0.5 * next, kT0 + next * 10 * kSec));
    }
    Write(pts);
    ASSERT_TRUE(db_->Flush().ok());
  };
  auto blocks = [&] {
    auto cursor = db_->Query(Raw("env"));
    EXPECT_TRUE(cursor.ok());
    Frame f;
    size_t points = 0;
    while ((*cursor)->Next(&f)) {
      for (size_t i = 0; i < f.times.size(); ++i) {
        EXPECT_EQ(f.times[i], kT0 + int64_t(i) * 10 * kSec);
        EXPECT_EQ(std::get<double>(f.values[i]), 0.5 * double(i));
      }
      points += f.times.size();
    }
    EXPECT_EQ(points, size_t(next));
    return (*cursor)->stats().blocks_decoded;
  };
  write_and_flush(10);
  EXPECT_EQ(blocks(), 1u);
  write_and_flush(10);
  EXPECT_EQ(blocks(), 1u) << "10 + 10 fit one block of at most 20";
  write_and_flush(5);
  EXPECT_EQ(blocks(), 2u) << "the full block stays, 5 start the next";
  write_and_flush(14);
  EXPECT_EQ(blocks(), 2u) << "5 + 14";
  write_and_flush(2);
  EXPECT_EQ(blocks(), 3u);
  Reopen();
  EXPECT_EQ(blocks(), 3u);
  // 41 points sealed at once: three blocks of equal size (13, 14, 14).
  ASSERT_TRUE(db_->CreateDatabase("big").ok());
  std::vector<Point> pts;
  for (int i = 0; i < 41; ++i) pts.push_back(MakePoint("env", {}, "v", 1.0, kT0 + i * kSec));
  Write(pts, "big");
  ASSERT_TRUE(db_->Flush().ok());
  QuerySpec q = Raw("env");
  q.selector.database = "big";
  auto cursor = db_->Query(q);
  ASSERT_TRUE(cursor.ok());
  Frame f;
  while ((*cursor)->Next(&f)) {
  }
  EXPECT_EQ((*cursor)->stats().blocks_decoded, 3u);
}

TEST_F(DBTest, WritesReadBackFromHeadBlocksAndAfterReopen) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<Point> pts;
  for (int i = 0; i < 100; ++i) {
    pts.push_back(MakePoint("env", {{"zone", "a"}}, "temp", 20.0 + i * 0.1, kT0 + i * 10 * kSec));
  }
  WriteResult r = Write(pts);
  EXPECT_EQ(r.points_written, 100u);
  EXPECT_TRUE(r.rejected.empty());
  for (int round = 0; round < 3; ++round) {
    auto frames = Run(Raw("env"));
    ASSERT_EQ(frames.size(), 1u) << round;
    ASSERT_EQ(frames[0].times.size(), 100u) << round;
    EXPECT_EQ(frames[0].field, "temp");
    EXPECT_EQ(frames[0].tags, (std::vector<Tag>{{"zone", "a"}}));
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(frames[0].times[i], kT0 + i * 10 * kSec);
      EXPECT_DOUBLE_EQ(std::get<double>(frames[0].values[i]), 20.0 + i * 0.1);
    }
    if (round == 0) {
      ASSERT_TRUE(db_->Flush().ok());
    }
    if (round == 1) Reopen();
  }
  std::string stats;
  ASSERT_TRUE(db_->GetProperty("lux.stats", &stats));
  EXPECT_NE(stats.find("\"series\":1"), std::string::npos) << stats;
  EXPECT_NE(
      stats.find(absl::StrCat("\"block_cache_capacity_bytes\":", Options().block_cache_bytes)),
      std::string::npos)
      << stats;
  EXPECT_NE(stats.find("\"block_cache_hits\":"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"block_cache_misses\":"), std::string::npos) << stats;
}

TEST_F(DBTest, StatsCountTheLogBytesBeforeAndAfterCompression) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  EXPECT_EQ(Stat(db_.get(), "log_bytes_logged"), 0);
  std::vector<Point> pts;
  for (int i = 0; i < 2000; ++i) {
    pts.push_back(MakePoint("env", {{"zone", "a"}}, "temp", 21.5, kT0 + i * 10 * kSec));
  }
  Write(pts);
  const int64_t logged = Stat(db_.get(), "log_bytes_logged");
  const int64_t before = Stat(db_.get(), "log_bytes_uncompressed");
  EXPECT_GT(logged, 0);
  EXPECT_LT(logged, 2000) << "one regular series compresses under a byte a point";
  EXPECT_GT(before, 2000) << "its body takes at least a byte a point";
  Write({MakePoint("env", {{"zone", "a"}}, "temp", 1.0, kT0 - kSec)});  // small: no zstd
  const int64_t small = Stat(db_.get(), "log_bytes_logged") - logged;
  EXPECT_GT(small, 0);
  EXPECT_EQ(Stat(db_.get(), "log_bytes_uncompressed") - before, small);
}

TEST_F(DBTest, BatchIdsApplyABatchOnceAcrossReopenWithinTheWindow) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  auto batch = [](double v, std::string id) {
    WriteBatch b;
    b.database = "farm";
    b.batch_id = std::move(id);
    b.points.push_back(MakePoint("env", {{"zone", "a"}}, "temp", v, kT0));
    b.points.push_back(MakePoint("env", {{"zone", "a"}}, "temp", v, kT0 + kSec));
    return b;
  };
  auto value_at_t0 = [&] {
    auto frames = Run(Raw("env"));
    EXPECT_EQ(frames.size(), 1u);
    return frames.empty() ? -1 : std::get<double>(frames[0].values[0]);
  };
  auto first = db_->Write(batch(1, "gw7-000001"));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->duplicate);
  EXPECT_EQ(first->points_written, 2u);
  ASSERT_TRUE(db_->Write(batch(2, "")).ok());  // a later write of the same points
  // The retry of the first batch changes nothing and says so.
  auto retry = db_->Write(batch(1, "gw7-000001"));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->points_written, 2u);
  EXPECT_EQ(value_at_t0(), 2);
  Reopen();  // the id was stored with the points
  retry = db_->Write(batch(1, "gw7-000001"));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(value_at_t0(), 2);
  // Past the window the id is forgotten: the batch applies again.
  clock_->Advance(options_.batch_id_window_ns + kSec);
  ASSERT_TRUE(db_->Write(batch(3, "other")).ok());  // expires the old id
  Reopen();
  retry = db_->Write(batch(1, "gw7-000001"));
  ASSERT_TRUE(retry.ok());
  EXPECT_FALSE(retry->duplicate);
  EXPECT_EQ(value_at_t0(), 1);
  // Ids longer than the limit are refused.
  EXPECT_EQ(db_->Write(batch(1, std::string(options_.max_batch_id_bytes + 1, 'x'))).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(DBTest, WriteObserversSeeStoredWritesInLogOrder) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<std::string> seen;
  std::vector<uint64_t> sequences;
  const uint64_t id = db_->AddWriteObserver(
      [&](const DB::WrittenBatch& w, std::string_view rp, const WriteResult& r) {
        ASSERT_NE(w.points, nullptr);
        seen.push_back(absl::StrCat(w.points->points.size(), " points to ", std::string(rp), ", ",
                                    r.points_written, " stored, ", r.rejected.size(), " rejected"));
        sequences.push_back(w.sequence);
      });
  // A raw query's frame says which writes it holds: those up to its sequence.
  auto frame_sequence = [&] {
    QuerySpec q;
    q.selector.database = "farm";
    q.selector.measurement = "env";
    auto cursor = db_->Query(q);
    Frame f;
    EXPECT_TRUE(cursor.ok() && (*cursor)->Next(&f));
    return f.sequence;
  };
  Write({MakePoint("env", {}, "t", 1.0, kT0), MakePoint("env", {}, "t", int64_t{1}, kT0)});
  const uint64_t after_first = frame_sequence();
  Write({MakePoint("", {}, "t", 1.0, kT0)});  // nothing stored: not observed
  Write({MakePoint("env", {}, "t", 2.0, kT0 + 1)});
  const uint64_t after_second = frame_sequence();
  db_->RemoveWriteObserver(id);
  Write({MakePoint("env", {}, "t", 3.0, kT0 + 2)});
  EXPECT_EQ(seen, (std::vector<std::string>{"2 points to autogen, 1 stored, 1 rejected",
                                            "1 points to autogen, 1 stored, 0 rejected"}));
  ASSERT_EQ(sequences.size(), 2u);
  EXPECT_LT(sequences[0], sequences[1]) << "in log order";
  EXPECT_EQ(after_first, sequences[0]) << "the frame holds the first write, not the second";
  EXPECT_EQ(after_second, sequences[1]);
  EXPECT_GT(frame_sequence(), sequences[1]) << "a later write moves it";
}

TEST_F(DBTest, BadPointsAreRejectedAndTheRestStored) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  ASSERT_TRUE(db_->CreateRetentionPolicy("farm", {"day", 86400 * kSec, 0, true}).ok());
  Write({MakePoint("env", {}, "temp", 21.5, kT0 + 86000 * kSec)});
  std::vector<Point> pts = {
      MakePoint("env", {}, "temp", int64_t{3}, kT0 + 86001 * kSec),  // type conflict
      MakePoint("env", {{"time", "x"}}, "temp", 1.0, kT0 + 86002 * kSec),
      MakePoint("env", {}, "temp", 22.0, kT0 - kSec),  // beyond retention
      MakePoint("", {}, "temp", 1.0, kT0 + 86003 * kSec),
      MakePoint("env", {}, "temp", 22.5, kT0 + 86004 * kSec),  // good
  };
  WriteResult r = Write(pts);
  EXPECT_EQ(r.points_written, 1u);
  ASSERT_EQ(r.rejected.size(), 4u);
  EXPECT_EQ(r.rejected[0].index, 0u);
  EXPECT_EQ(r.rejected[0].status.message(),
            "field type conflict: input field \"temp\" on measurement \"env\" is type integer, "
            "already exists as type float");
  EXPECT_EQ(r.rejected[1].status.message(),
            "invalid tag key: input tag \"time\" on measurement \"env\" is invalid");
  EXPECT_EQ(r.rejected[2].status.message(), "points beyond retention policy");
  EXPECT_EQ(r.rejected[3].status.message(), "missing measurement");
  auto frames = Run(Raw("env"));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].times.size(), 2u);
  WriteBatch unknown;
  unknown.database = "nope";
  unknown.points = {MakePoint("env", {}, "temp", 1.0, kT0)};
  EXPECT_EQ(db_->Write(unknown).status().code(), absl::StatusCode::kNotFound);
  // One point giving a field two types is refused whole.
  Point twice = MakePoint("twice", {}, "v", 1.0, kT0);
  twice.fields.push_back(Field{"v", int64_t{2}});
  r = Write({twice});
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].status.message(),
            "field type conflict: input field \"v\" on measurement \"twice\" is type integer, "
            "already exists as type float");
  EXPECT_TRUE(Run(Raw("twice")).empty());
  // NaN and infinities cannot be exported as line protocol: refused.
  r = Write({MakePoint("nan", {}, "v", std::nan(""), kT0),
             MakePoint("nan", {}, "v", -std::numeric_limits<double>::infinity(), kT0 + 1)});
  ASSERT_EQ(r.rejected.size(), 2u);
  EXPECT_EQ(r.rejected[0].status.message(),
            "invalid number: field \"v\" is NaN or infinite, which line protocol cannot carry");
  // A tag with an empty value is no tag.
  r = Write({MakePoint("empty", {{"k", ""}, {"z", "1"}}, "v", 1.0, kT0),
             MakePoint("empty", {{"z", "1"}}, "v", 2.0, kT0 + 1)});
  EXPECT_TRUE(r.rejected.empty());
  frames = Run(Raw("empty"));
  ASSERT_EQ(frames.size(), 1u) << "one series";
  EXPECT_EQ(frames[0].tags, (std::vector<Tag>{{"z", "1"}}));
  EXPECT_EQ(frames[0].times.size(), 2u);
}

// The columnar form validates point for point as the point form does.
TEST_F(DBTest, ColumnarWritesAnswerErrorForErrorAsPointWrites) {
  for (const char* db : {"points", "columns"}) {
    ASSERT_TRUE(db_->CreateDatabase(db).ok());
    ASSERT_TRUE(db_->CreateRetentionPolicy(db, {"day", 86400 * kSec, 0, true}).ok());
  }
  const int64_t t = kT0 + 86000 * kSec;
  Point twice = MakePoint("twice", {}, "v", 1.0, t);
  twice.fields.push_back(Field{"v", int64_t{2}});
  Point same_twice = MakePoint("m", {{"s", "1"}}, "v", 1.0, t + 9);
  same_twice.fields.push_back(Field{"v", 7.0});  // the last wins
  Point only_time = MakePoint("m", {}, "time", 1.0, t);
  Point no_fields = MakePoint("m", {}, "v", 1.0, t);
  no_fields.fields.clear();
  Point two_fields = MakePoint("m", {{"s", "2"}}, "v", 1.5, t + 10);
  two_fields.fields.push_back(Field{"q", int64_t{3}});
  two_fields.fields.push_back(Field{"time", int64_t{3}});  // stripped
  WriteBatch b;
  b.points = {
      MakePoint("m", {{"s", "1"}}, "v", 21.5, t),
      MakePoint("m", {{"s", "1"}}, "v", int64_t{3}, t + 1),  // type conflict in the batch
      MakePoint("m", {{"time", "x"}}, "v", 1.0, t + 2),
      MakePoint("m", {{"", "x"}}, "v", 1.0, t + 2),
      MakePoint("m", {}, "v", 22.0, kT0 - kSec),  // beyond retention
      MakePoint("m", {}, "v", 22.0, std::numeric_limits<int64_t>::min()),
      MakePoint("", {}, "v", 1.0, t + 3),
      MakePoint("m", {}, "", 1.0, t + 3),
      MakePoint("nan", {}, "v", std::nan(""), t + 4),
      MakePoint("m", {{"z", "1"}, {"a", "2"}, {"z", "3"}}, "v", 4.0, t + 5),  // unsorted, repeated
      MakePoint("m", {{"e", ""}, {"s", "1"}}, "v", 5.0, t + 6),               // empty tag value
      MakePoint("m", {{"s", "1"}}, "s", std::string("text"), t + 7),
      MakePoint("m", {{"s", "1"}}, "b", true, t + 8),
      MakePoint("m", {{"s", "1"}}, "u", uint64_t{1} << 63, t + 8),
      twice,
      same_twice,
      only_time,
      no_fields,
      two_fields,
  };
  b.database = "points";
  auto by_points = db_->Write(b);
  b.database = "columns";
  auto by_columns = db_->Write(testing::OneSeriesPerPoint(b));
  ASSERT_TRUE(by_points.ok() && by_columns.ok());
  EXPECT_EQ(by_columns->points_written, by_points->points_written);
  EXPECT_EQ(by_points->points_written, 8u);
  ASSERT_EQ(by_columns->rejected.size(), by_points->rejected.size());
  for (size_t i = 0; i < by_points->rejected.size(); ++i) {
    EXPECT_EQ(by_columns->rejected[i].index, by_points->rejected[i].index);
    EXPECT_EQ(by_columns->rejected[i].status, by_points->rejected[i].status);
  }
  for (const char* m : {"m", "twice", "nan"}) {
    QuerySpec q = Raw(m);
    q.selector.database = "points";
    auto want = Run(q);
    q.selector.database = "columns";
    auto got = Run(q);
    ASSERT_EQ(got.size(), want.size()) << m;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i].field, want[i].field);
      EXPECT_EQ(got[i].tags, want[i].tags);
      EXPECT_EQ(got[i].times, want[i].times);
      EXPECT_EQ(got[i].values, want[i].values);
    }
  }
}

// Grouped into columns, each series keeps its points' order: the later of
// two writes at one timestamp wins as it does point by point, even when the
// tag set's field sets or its tags' order change in between.
TEST_F(DBTest, ToColumnBatchKeepsEachSeriesInOrder) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  const int64_t t = kT0 + 86000 * kSec;
  Point both = MakePoint("cpu", {{"host", "a"}}, "usage", 2.0, t);
  both.fields.push_back(Field{"idle", 5.0});
  WriteBatch b;
  b.database = "farm";
  b.points = {MakePoint("cpu", {{"host", "a"}}, "usage", 1.0, t),
              both,
              MakePoint("cpu", {{"host", "a"}}, "usage", 3.0, t),
              MakePoint("m", {{"a", "1"}, {"b", "2"}}, "v", 1.0, t),
              MakePoint("m", {{"b", "2"}, {"a", "1"}}, "v", 2.0, t),
              MakePoint("m", {{"a", "1"}, {"b", "2"}}, "v", 3.0, t)};
  const ColumnBatch c = ToColumnBatch(b);
  EXPECT_EQ(c.series.size(), 4u) << "m's tag orders are one tag set";
  auto r = db_->Write(c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->points_written, 6u);
  auto last = db_->Last(Selector{"farm", "", "cpu", {}, {}});
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 2u);
  for (const LastValue& lv : *last) {
    EXPECT_EQ(std::get<double>(lv.value), lv.field == "usage" ? 3.0 : 5.0) << lv.field;
  }
  auto frames = Run(Raw("m"));
  ASSERT_EQ(frames.size(), 1u);
  ASSERT_EQ(frames[0].values.size(), 1u);
  EXPECT_EQ(std::get<double>(frames[0].values[0]), 3.0);
}

TEST_F(DBTest, ColumnarWriteRejectsPointsAloneOrTheWholeSeries) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  ASSERT_TRUE(db_->CreateRetentionPolicy("farm", {"day", 86400 * kSec, 0, true}).ok());
  const int64_t t = kT0 + 86000 * kSec;
  Write({MakePoint("env", {{"s", "3"}}, "v", 1.0, t)});
  std::vector<std::string> observed;
  const uint64_t id =
      db_->AddWriteObserver([&](const DB::WrittenBatch& w, std::string_view, const WriteResult& r) {
        ASSERT_NE(w.columns, nullptr);
        observed.push_back(
            absl::StrCat(w.columns->series.size(), " series, ", r.points_written, " stored"));
      });
  ColumnBatch c;
  c.database = "farm";
  SeriesPoints a;
  a.measurement = "env";
  a.tags = {{"s", "1"}};
  a.timestamps_ns = {t, kT0 - kSec, t + 2, t + 3};
  a.fields = {{"v", std::vector<double>{1, 2, std::nan(""), 4}},
              {"q", std::vector<int64_t>{1, 2, 3, 4}}};
  SeriesPoints short_column = a;
  short_column.tags = {{"s", "2"}};
  short_column.timestamps_ns = {t, t + 1};
  short_column.fields = {{"v", std::vector<double>{1}}};
  SeriesPoints conflict = short_column;
  conflict.tags = {{"s", "3"}};
  conflict.fields = {{"v", std::vector<int64_t>{1, 2}}};
  c.series = {a, short_column, conflict};
  auto r = db_->Write(c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->points_written, 2u);
  const auto errors = Errors(*r);
  const std::string nan = kNonFiniteV;
  const std::string shortc = "field \"v\" has 1 values for 2 timestamps";
  const std::string conflictc =
      "field type conflict: input field \"v\" on measurement \"env\" is type integer, already "
      "exists as type float";
  EXPECT_EQ(errors,
            (std::vector<std::pair<size_t, std::string>>{{1, "points beyond retention policy"},
                                                         {2, nan},
                                                         {4, shortc},
                                                         {5, shortc},
                                                         {6, conflictc},
                                                         {7, conflictc}}));
  QuerySpec q = Raw("env");
  q.selector.tags = {{"s", TagFilter::Op::kEqual, {"1"}}};
  auto frames = Run(q);
  ASSERT_EQ(frames.size(), 2u) << "q and v";
  EXPECT_EQ(frames[0].times, (std::vector<int64_t>{t, t + 3}));
  EXPECT_EQ(frames[1].times, (std::vector<int64_t>{t, t + 3}));
  // Every point of a series rejected alone: nothing stored, no series made.
  SeriesPoints late = a;
  late.tags = {{"s", "9"}};
  late.timestamps_ns = {kT0 - 4 * kSec, kT0 - 3 * kSec, kT0 - 2 * kSec, kT0 - kSec};
  c.series = {late, SeriesPoints{"env", {{"s", "8"}}, {}, {{"v", std::vector<double>{}}}}};
  r = db_->Write(c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->points_written, 0u);
  EXPECT_EQ(r->rejected.size(), 4u);
  Selector all{"farm", "", "env", {}, {}};
  auto series = db_->ListSeries(all);
  ASSERT_TRUE(series.ok());
  EXPECT_EQ(*series, (std::vector<std::string>{"env,s=1", "env,s=3"}));
  db_->RemoveWriteObserver(id);
  EXPECT_EQ(observed, (std::vector<std::string>{"3 series, 2 stored"}));
}

TEST_F(DBTest, ColumnarPointsAtTheBoundsAreJudgedOneByOne) {
  // A column whose timestamps and floats are all good is taken whole; one
  // bad value sends the column point by point. The bounds: the retention
  // window's first nanosecond is in, the one before is out; infinities and
  // the ends of int64 time are out.
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  ASSERT_TRUE(db_->CreateRetentionPolicy("farm", {"day", 86400 * kSec, 0, true}).ok());
  const double inf = std::numeric_limits<double>::infinity();
  auto series = [](std::string s, std::vector<int64_t> ts, std::vector<double> v) {
    return SeriesPoints{"env", {{"s", std::move(s)}}, std::move(ts), {{"v", std::move(v)}}};
  };
  ColumnBatch c;
  c.database = "farm";
  c.series = {
      series("edge", {kT0 - 1, kT0, kT0 + 1}, {1, 2, 3}),
      series("inf", {kT0 + 5, kT0 + 6, kT0 + 7}, {1, inf, -inf}),
      series("good", {kT0 + 5, kT0 + 6}, {4, 5}),
      series("ends",
             {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), kT0 + 9},
             {6, 7, 8})};
  auto r = db_->Write(c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->points_written, 6u);
  const auto errors = Errors(*r);
  const std::string nonfinite = kNonFiniteV;
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0], (std::pair<size_t, std::string>{0, "points beyond retention policy"}));
  EXPECT_EQ(errors[1], (std::pair<size_t, std::string>{4, nonfinite}));
  EXPECT_EQ(errors[2], (std::pair<size_t, std::string>{5, nonfinite}));
  EXPECT_EQ(errors[3].first, 8u);
  EXPECT_NE(errors[3].second.find("time outside range"), std::string::npos) << errors[3].second;
  EXPECT_EQ(errors[4].first, 9u);
  EXPECT_NE(errors[4].second.find("time outside range"), std::string::npos) << errors[4].second;
  QuerySpec q = Raw("env");
  q.selector.tags = {{"s", TagFilter::Op::kEqual, {"edge"}}};
  auto frames = Run(q);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].times, (std::vector<int64_t>{kT0, kT0 + 1}));
}

TEST_F(DBTest, LastWriteWinsAcrossHeadBlocksAndLateData) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<Point> pts;
  for (int i = 0; i < 40; ++i) pts.push_back(MakePoint("m", {}, "v", double(i), kT0 + i * kSec));
  Write(pts);  // seals two blocks of 16, 8 points stay in the head
  Write({MakePoint("m", {}, "v", 100.0, kT0 + 5 * kSec),        // overwrites a sealed point
         MakePoint("m", {}, "v", 200.0, kT0 + 35 * kSec),       // overwrites a head point
         MakePoint("m", {}, "v", 300.0, kT0 + 5 * kSec / 2)});  // late, between points
  auto check = [&] {
    auto frames = Run(Raw("m"));
    ASSERT_EQ(frames.size(), 1u);
    ASSERT_EQ(frames[0].times.size(), 41u);
    std::map<int64_t, double> got;
    for (size_t i = 0; i < frames[0].times.size(); ++i) {
      got[frames[0].times[i]] = std::get<double>(frames[0].values[i]);
    }
    EXPECT_EQ(got[kT0 + 5 * kSec], 100.0);
    EXPECT_EQ(got[kT0 + 35 * kSec], 200.0);
    EXPECT_EQ(got[kT0 + 5 * kSec / 2], 300.0);
    EXPECT_EQ(got[kT0 + 6 * kSec], 6.0);
  };
  check();
  ASSERT_TRUE(db_->Flush().ok());
  check();
  Reopen();
  check();
}

TEST_F(DBTest, LastValuesComeFromHeadAndBlocks) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<Point> pts;
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < 20; ++i) {
      pts.push_back(MakePoint("env", {{"sensor", "s" + std::to_string(s)}}, "temp",
                              double(s * 100 + i), kT0 + i * kSec));
    }
  }
  Write(pts);
  ASSERT_TRUE(db_->Flush().ok());
  Reopen();
  Selector sel;
  sel.database = "farm";
  sel.measurement = "env";
  sel.tags = {{"sensor", TagFilter::Op::kIn, {"s0", "s2"}}};
  auto last = db_->Last(sel);
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_EQ(last->size(), 2u);
  EXPECT_EQ(std::get<double>((*last)[0].value), 19.0);
  EXPECT_EQ((*last)[1].timestamp_ns, kT0 + 19 * kSec);
  Write({MakePoint("env", {{"sensor", "s0"}}, "temp", -1.0, kT0 + 50 * kSec)});
  last = db_->Last(sel);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(std::get<double>((*last)[0].value), -1.0);
}

TEST_F(DBTest, GroupByTimeAndTagsMergesSeries) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<Point> pts;
  for (int s = 0; s < 4; ++s) {
    for (int i = 0; i < 60; ++i) {
      pts.push_back(MakePoint("env",
                              {{"zone", s < 2 ? "a" : "b"}, {"sensor", "s" + std::to_string(s)}},
                              "temp", double(s * 1000 + i), kT0 + i * 10 * kSec));
    }
  }
  Write(pts);
  QuerySpec q = Raw("env");
  q.aggregate = Aggregate::kMax;
  q.start_ns = kT0;
  q.end_ns = kT0 + 600 * kSec;
  q.interval_ns = 300 * kSec;
  q.group_by_tags = {"zone"};
  auto frames = Run(q);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].tags, (std::vector<Tag>{{"zone", "a"}}));
  EXPECT_EQ(frames[0].times, (std::vector<int64_t>{kT0, kT0 + 300 * kSec}));
  EXPECT_EQ(std::get<double>(frames[0].values[0]), 1029.0);
  EXPECT_EQ(std::get<double>(frames[1].values[1]), 3059.0);
  q.aggregate = Aggregate::kCount;
  q.group_by_tags.clear();
  frames = Run(q);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(frames[0].values[0]), 120);
}

TEST_F(DBTest, QueryHonoursCancellationAndRejectsBadSpecs) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  Write({MakePoint("m", {}, "v", 1.0, kT0)});
  std::atomic<bool> cancelled{true};
  QuerySpec q = Raw("m");
  q.cancelled = &cancelled;
  absl::Status st;
  EXPECT_TRUE(Run(q, &st).empty());
  EXPECT_EQ(st.code(), absl::StatusCode::kCancelled);
  q.cancelled = nullptr;
  q.deadline = absl::Now() - absl::Seconds(1);
  Run(q, &st);
  EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded);
  QuerySpec bad = Raw("m");
  bad.interval_ns = kSec;
  EXPECT_EQ(db_->Query(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad.aggregate = Aggregate::kMean;
  EXPECT_EQ(db_->Query(bad).status().code(), absl::StatusCode::kInvalidArgument)
      << "unbounded range";
}

TEST_F(DBTest, DeleteRangeRemovesHeadAndBlockPointsDurably) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<Point> pts;
  for (int s = 0; s < 2; ++s) {
    for (int i = 0; i < 40; ++i) {
      pts.push_back(MakePoint("m", {{"s", std::to_string(s)}}, "v", double(i), kT0 + i * kSec));
    }
  }
  Write(pts);  // 2 blocks of 16 + 8 head points per series
  Selector sel{"farm", "", "m", {}, {{"s", TagFilter::Op::kEqual, {"0"}}}};
  // Points 10..35 of series 0: part of block 1, all of block 2, part of the head.
  ASSERT_TRUE(db_->DeleteRange(sel, kT0 + 10 * kSec, kT0 + 36 * kSec).ok());
  auto check = [&] {
    auto frames = Run(Raw("m"));
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(frames[0].times.size(), 40u - 26u);
    for (int64_t t : frames[0].times) {
      EXPECT_TRUE(t < kT0 + 10 * kSec || t >= kT0 + 36 * kSec) << t;
    }
    EXPECT_EQ(frames[1].times.size(), 40u) << "the other series is untouched";
    Selector last_sel = sel;
    auto last = db_->Last(last_sel);
    ASSERT_TRUE(last.ok());
    ASSERT_EQ(last->size(), 1u);
    EXPECT_EQ((*last)[0].timestamp_ns, kT0 + 39 * kSec);
  };
  check();
  Reopen();
  check();
  EXPECT_EQ(db_->DeleteRange(sel, 5, 5).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(DBTest, SchemaListingForPickers) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  Write({MakePoint("env", {{"zone", "a"}, {"sensor", "t1"}}, "temp", 1.0, kT0),
         MakePoint("env", {{"zone", "b"}, {"sensor", "t2"}}, "temp", 1.0, kT0),
         MakePoint("env", {{"zone", "b"}, {"sensor", "h1"}}, "hum", int64_t{40}, kT0),
         MakePoint("power", {{"meter", "m1"}}, "kw", 2.5, kT0)});
  EXPECT_EQ(*db_->ListMeasurements("farm"), (std::vector<std::string>{"env", "power"}));
  EXPECT_EQ(*db_->ListMeasurements("farm", 1), (std::vector<std::string>{"env"}));
  Selector env{"farm", "", "env", {}, {}};
  EXPECT_EQ(*db_->ListTagKeys(env), (std::vector<std::string>{"sensor", "zone"}));
  EXPECT_EQ(*db_->ListTagValues(env, "zone"), (std::vector<std::string>{"a", "b"}));
  Selector zone_b = env;
  zone_b.tags = {{"zone", TagFilter::Op::kEqual, {"b"}}};
  EXPECT_EQ(*db_->ListTagValues(zone_b, "sensor"), (std::vector<std::string>{"h1", "t2"}));
  auto fields = db_->ListFieldKeys("farm", "env");
  ASSERT_TRUE(fields.ok());
  ASSERT_EQ(fields->size(), 2u);
  EXPECT_EQ((*fields)[0], (std::pair<std::string, FieldType>{"hum", FieldType::kInteger}));
  EXPECT_EQ((*fields)[1], (std::pair<std::string, FieldType>{"temp", FieldType::kFloat}));
  EXPECT_EQ(*db_->ListSeries(zone_b),
            (std::vector<std::string>{"env,sensor=h1,zone=b", "env,sensor=t2,zone=b"}));
  Selector all{"farm", "", "", {}, {}};
  EXPECT_EQ(db_->ListSeries(all)->size(), 4u);
  EXPECT_EQ(db_->ListMeasurements("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(DBTest, FieldTypesOfManySeriesInOneWriteSurviveReopen) {
  // One write makes many series of two fields; the schema it records (once
  // per field, not once per series) holds after a reopen for series that
  // do not exist yet.
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<Point> points;
  for (int i = 0; i < 50; ++i) {
    Point p = MakePoint("env", {{"sensor", absl::StrCat("s", i)}}, "temp", 1.0, kT0);
    p.fields.push_back(Field{"quality", int64_t{100}});
    points.push_back(std::move(p));
  }
  ASSERT_TRUE(Write(points).rejected.empty());
  Reopen();
  auto fields = db_->ListFieldKeys("farm", "env");
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(*fields, (std::vector<std::pair<std::string, FieldType>>{
                         {"quality", FieldType::kInteger}, {"temp", FieldType::kFloat}}));
  WriteResult r = Write({MakePoint("env", {{"sensor", "new"}}, "quality", 1.5, kT0)});
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].status.message(),
            "field type conflict: input field \"quality\" on measurement \"env\" is type float, "
            "already exists as type integer");
  EXPECT_EQ(db_->ListSeries(Selector{"farm", "", "env", {}, {}})->size(), 50u);
}

TEST_F(DBTest, OneWriteMakesATagSetAndGrowsItWhateverTheTagOrder) {
  // The write resolves its tag sets before it makes any: later points of a
  // tag set made earlier in the same write (tags in another order, a repeated
  // tag, a tag without a value) must find it, and add their fields to it.
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<Point> points;
  points.push_back(MakePoint("env", {{"a", "1"}, {"b", "2"}}, "temp", 1.0, kT0));
  points.push_back(MakePoint("env", {{"b", "2"}, {"a", "1"}}, "temp", 2.0, kT0 + kSec));
  points.push_back(MakePoint("env", {{"a", "1"}, {"b", "2"}, {"c", ""}}, "rh", 50.0, kT0));
  points.push_back(MakePoint("env", {{"a", "9"}, {"a", "1"}, {"b", "2"}}, "rh", 51.0, kT0 + kSec));
  points.push_back(MakePoint("env", {{"a", "1"}, {"b", "3"}}, "temp", 3.0, kT0));
  points.push_back(MakePoint("env", {{"a", "1"}, {"b", "2"}}, "temp", 4.0, kT0 + 2 * kSec));
  for (int round = 0; round < 2; ++round) {
    if (round == 1) Reopen();
    WriteResult r = Write(points);
    EXPECT_EQ(r.points_written, 6u);
    EXPECT_TRUE(r.rejected.empty());
    auto series = db_->ListSeries(Selector{"farm", "", "env", {}, {}});
    ASSERT_TRUE(series.ok());
    EXPECT_EQ(series->size(), 2u) << round;  // tag sets, as SHOW SERIES
    auto frames = Run(Raw("env"));
    ASSERT_EQ(frames.size(), 3u);
    std::vector<std::string> got;
    for (const Frame& f : frames) {
      std::string line = absl::StrCat(f.field, ":");
      for (const Tag& t : f.tags) absl::StrAppend(&line, t.key, "=", t.value, ",");
      for (size_t i = 0; i < f.times.size(); ++i) {
        absl::StrAppend(&line, " ", (f.times[i] - kT0) / kSec, "=", std::get<double>(f.values[i]));
      }
      got.push_back(line);
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{"rh:a=1,b=2, 0=50 1=51", "temp:a=1,b=2, 0=1 1=2 2=4",
                                             "temp:a=1,b=3, 0=3"}))
        << round;
  }
}

TEST_F(DBTest, IdleHeadsSealOnceTheyAge) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  Write({MakePoint("m", {}, "v", 1.0, kT0), MakePoint("m", {}, "v", 2.0, kT0 + kSec)});
  auto head_points = [&] {
    std::string stats;
    EXPECT_TRUE(db_->GetProperty("lux.stats", &stats));
    return stats.find("\"head_points\":0,") == std::string::npos ? 1 : 0;
  };
  EXPECT_EQ(head_points(), 1);
  clock_->Advance(options_.max_head_age_ns + kSec);
  // The sealer checks about once a second.
  for (int i = 0; i < 100 && head_points() != 0; ++i) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(head_points(), 0) << "two points older than max_head_age_ns are still unsealed";
  auto frames = Run(Raw("m"));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].times.size(), 2u);
}

// Many series with few points each never fill a block: past half of
// max_head_points the sealer seals them anyway, and at the bound writes are
// refused (retry) instead of growing memory.
TEST_F(DBTest, TheHeadIsBoundedByMaxHeadPoints) {
  options_.max_head_points = 400;
  Reopen();
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  auto head_points = [&] {
    std::string stats;
    EXPECT_TRUE(db_->GetProperty("lux.stats", &stats));
    const size_t at = stats.find("\"head_points\":");
    return std::stoll(stats.substr(at + 14));
  };
  size_t written = 0, refused = 0;
  for (int round = 0; round < 50; ++round) {
    std::vector<Point> pts;
    for (int s = 0; s < 100; ++s) {
      pts.push_back(
          MakePoint("m", {{"s", std::to_string(s)}}, "v", double(round), kT0 + round * kSec));
    }
    WriteBatch b;
    b.database = "farm";
    b.points = std::move(pts);
    auto r = db_->Write(b);
    if (r.ok()) {
      written += r->points_written;
    } else {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
      ++refused;
      absl::SleepFor(absl::Milliseconds(20));  // let the sealer catch up
    }
    EXPECT_LE(head_points(), 400 + 100) << "a write may cross the bound, not more";
  }
  EXPECT_GE(written, 2000u) << "the sealer kept up at least part of the time";
  QuerySpec count = Raw("m");
  count.aggregate = Aggregate::kCount;
  auto frames = Run(count);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(frames[0].values[0]), int64_t(written)) << refused << " refused";
}

TEST_F(DBTest, CorruptBlockIsDataLossAndTheRestStillAnswers) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<Point> pts;
  for (int s = 0; s < 2; ++s) {
    for (int i = 0; i < 16; ++i) {
      pts.push_back(MakePoint("m", {{"s", std::to_string(s)}}, "v", double(i), kT0 + i * kSec));
    }
  }
  Write(pts);  // one full block per series
  db_.reset();
  {
    // Flip one byte in the first block of the first partition.
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(), dir_.path(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir_.path(), cfs, &handles, &raw).ok());
    rocksdb::ColumnFamilyHandle* part = nullptr;
    for (auto* h : handles) {
      if (h->GetName() == "p1") part = h;
    }
    ASSERT_NE(part, nullptr);
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), part));
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    std::string key = it->key().ToString(), value = it->value().ToString();
    value[value.size() / 2] ^= 0x40;
    it.reset();
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), part, key, value).ok());
    for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
    delete raw;
  }
  Reopen();
  absl::Status st;
  auto frames = Run(Raw("m"), &st);
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("corrupt block of series m,s=0 v"), std::string::npos) << st;
  ASSERT_EQ(frames.size(), 1u) << "the other series still answers";
  EXPECT_EQ(frames[0].tags[0].value, "1");
  EXPECT_EQ(frames[0].times.size(), 16u);
  std::string stats;
  ASSERT_TRUE(db_->GetProperty("lux.stats", &stats));
  EXPECT_NE(stats.find("\"corrupt_blocks\":1"), std::string::npos) << stats;
}

}  // namespace
}  // namespace lux
