// The compressed head through the DB: segments form off the write path and
// every reader, seal, delete, drop and log replay sees the same points as
// an uncompressed head would.
#include <filesystem>
#include <map>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/db/db_test_util.h"
#include "engine/db/db_testing.h"
#include "gtest/gtest.h"
#include "lux/db.h"

namespace lux {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1767225600 * kSec;  // 2026-01-01
const char* const kFields[] = {"f", "i", "u", "b", "s"};

using testing::MakePoint;
using testing::Stat;

class DBHeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.clock = std::make_shared<FakeClock>(kT0 + 100000 * kSec);
    options_.sync = false;
    options_.head_segment_points = 16;
    options_.block_points = 1 << 20;  // nothing seals unless a test says so
    options_.max_head_age_ns = 0;
    Reopen();
    ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  }

  void Reopen() {
    db_.reset();
    auto db = DB::Open(options_, path_.empty() ? dir_.path() : path_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  // Writes n points of every field type to sensor `sensor`: in order,
  // late, repeated timestamps and gaps, in batches of 7.
  void WritePoints(int n, std::mt19937_64& rng, const std::string& sensor = "a") {
    WriteBatch b;
    b.database = "farm";
    for (int k = 0; k < n; ++k) {
      const int mode = int(rng() % 10);
      int64_t slot;
      if (mode < 6) {
        slot = next_slot_++;
      } else if (mode < 9) {
        slot = int64_t(rng() % uint64_t(next_slot_ + 1));  // late or a repeat
      } else {
        next_slot_ += int64_t(rng() % 40);
        slot = next_slot_++;
      }
      const int64_t ts = kT0 + slot * kSec;
      Point p;
      p.measurement = "m";
      p.tags = {{"sensor", sensor}};
      p.timestamp_ns = ts;
      p.fields = {{"f", double(int64_t(rng() % 2000) - 1000) / 8},
                  {"i", int64_t(rng() % 7) - 3 + slot},
                  {"u", uint64_t(rng() % 1000)},
                  {"b", rng() % 3 == 0},
                  {"s", absl::StrCat("v", rng() % 50)}};
      for (const Field& f : p.fields) model_[{sensor, f.key}][ts] = f.value;
      b.points.push_back(std::move(p));
      if (b.points.size() == 7 || k == n - 1) {
        auto r = db_->Write(b);
        ASSERT_TRUE(r.ok()) << r.status();
        ASSERT_TRUE(r->rejected.empty());
        b.points.clear();
      }
    }
  }

  void DeleteRange(int64_t from, int64_t to) {
    ASSERT_TRUE(db_->DeleteRange(Selector{"farm", "", "m", {}, {}}, from, to).ok());
    for (auto& [key, pts] : model_) pts.erase(pts.lower_bound(from), pts.lower_bound(to));
  }

  // Raw points, the latest value, a count and a fill(previous) window
  // query of every field agree with the model.
  void Check() {
    for (const auto& [key, want] : model_) {
      const auto& [sensor, field] = key;
      SCOPED_TRACE(absl::StrCat("sensor ", sensor, " field ", field));
      QuerySpec q;
      q.selector = {"farm", "", "m", {field}, {{"sensor", TagFilter::Op::kEqual, {sensor}}}};
      auto c = db_->Query(q);
      ASSERT_TRUE(c.ok()) << c.status();
      Frame f;
      if (want.empty()) {
        EXPECT_FALSE((*c)->Next(&f));
        continue;
      }
      ASSERT_TRUE((*c)->Next(&f));
      ASSERT_EQ(f.times.size(), want.size());
      size_t i = 0;
      for (const auto& [ts, v] : want) {
        ASSERT_EQ(f.times[i], ts) << i;
        ASSERT_EQ(f.values[i], v) << "ts " << ts;
        ++i;
      }
      EXPECT_FALSE((*c)->Next(&f));
      ASSERT_TRUE((*c)->status().ok()) << (*c)->status();

      auto last = db_->Last(q.selector);
      ASSERT_TRUE(last.ok()) << last.status();
      ASSERT_EQ(last->size(), 1u);
      EXPECT_EQ((*last)[0].timestamp_ns, want.rbegin()->first);
      EXPECT_EQ((*last)[0].value, want.rbegin()->second);

      // Windows from the middle with fill(previous): empty windows take the
      // latest earlier point, found before the range by ReadLastBefore.
      q.aggregate = Aggregate::kLast;
      q.start_ns = kT0 + 37 * kSec;
      q.end_ns = kT0 + 137 * kSec;
      q.interval_ns = 10 * kSec;
      q.fill = Fill::kPrevious;
      c = db_->Query(q);
      ASSERT_TRUE(c.ok()) << c.status();
      std::map<int64_t, FieldValue> got;
      while ((*c)->Next(&f)) {
        for (size_t w = 0; w < f.times.size(); ++w) {
          if (f.valid[w]) got[f.times[w]] = f.values[w];
        }
      }
      ASSERT_TRUE((*c)->status().ok()) << (*c)->status();
      std::map<int64_t, FieldValue> expect;
      for (int64_t w = kT0 + 30 * kSec; w < q.end_ns; w += q.interval_ns) {
        auto p = want.lower_bound(std::min(w + q.interval_ns, q.end_ns));
        if (p != want.begin()) expect[w] = std::prev(p)->second;
      }
      EXPECT_EQ(got, expect);
    }
  }

  testing::TempDir dir_;
  std::string path_;  // empty: dir_
  Options options_;
  std::unique_ptr<DB> db_;
  int64_t next_slot_ = 0;
  std::map<std::pair<std::string, std::string>, std::map<int64_t, FieldValue>> model_;
};

TEST_F(DBHeadTest, SegmentsFormAndEveryReaderSeesTheWholeHead) {
  std::mt19937_64 rng(1);
  WritePoints(200, rng);
  // Twice: the background sealer may compact a shorter tail at the same
  // time, and whichever installs first makes the other's copy stale.
  engine::TEST_CompactHeads(db_.get());
  engine::TEST_CompactHeads(db_.get());
  // 4 numeric series of 200 points: 12 segments of 16 each; strings stay raw.
  EXPECT_EQ(Stat(db_.get(), "head_segments"), 4 * 12);
  EXPECT_EQ(Stat(db_.get(), "head_points"), 5 * 200);
  EXPECT_GT(Stat(db_.get(), "head_bytes"), 0);
  Check();
  WritePoints(30, rng);  // more tail after the segments
  Check();
}

TEST_F(DBHeadTest, TheBackgroundSealerCompactsFullTails) {
  std::mt19937_64 rng(2);
  WritePoints(100, rng);
  for (int i = 0; i < 500 && Stat(db_.get(), "head_segments") < 4 * 6; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(Stat(db_.get(), "head_segments"), 4 * 6);
  EXPECT_GE(Stat(db_.get(), "head_segments_built"), 4 * 6);
  Check();
}

TEST_F(DBHeadTest, DeletesAcrossSegmentAndTailBoundaries) {
  std::mt19937_64 rng(3);
  WritePoints(150, rng);
  engine::TEST_CompactHeads(db_.get());
  DeleteRange(kT0 + 10 * kSec, kT0 + 20 * kSec);   // inside the first segments
  DeleteRange(kT0 + 60 * kSec, kT0 + 140 * kSec);  // segments and tail
  Check();
  WritePoints(40, rng);
  engine::TEST_CompactHeads(db_.get());  // the rewritten head compacts again
  EXPECT_GT(Stat(db_.get(), "head_segments"), 0);
  Check();
  DeleteRange(kT0, kT0 + 100000 * kSec);  // everything
  EXPECT_EQ(Stat(db_.get(), "head_points"), 0);
  Check();
}

TEST_F(DBHeadTest, SealsCutInsideSegmentsAndKeepTheRest) {
  options_.block_points = 40;  // not a multiple of the segment size
  Reopen();
  std::mt19937_64 rng(4);
  WritePoints(150, rng);
  engine::TEST_CompactHeads(db_.get());
  ASSERT_TRUE(engine::TEST_SealFullBlocks(db_.get()).ok());
  EXPECT_GT(Stat(db_.get(), "blocks_written"), 0);
  Check();
  WritePoints(70, rng);
  engine::TEST_CompactHeads(db_.get());
  ASSERT_TRUE(engine::TEST_SealFullBlocks(db_.get()).ok());
  Check();
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(Stat(db_.get(), "head_points"), 0);
  EXPECT_EQ(Stat(db_.get(), "head_segments"), 0);
  Check();
}

TEST_F(DBHeadTest, LogReplayRebuildsTheHeadAndItCompactsAgain) {
  std::mt19937_64 rng(5);
  WritePoints(120, rng, "a");
  WritePoints(60, rng, "b");
  engine::TEST_CompactHeads(db_.get());
  DeleteRange(kT0 + 30 * kSec, kT0 + 50 * kSec);
  // A copy of the files as they are now is what a crash leaves (Close
  // would seal the head): opening it replays the log.
  testing::TempDir copy;
  std::filesystem::copy(dir_.path(), copy.path() + "/db", std::filesystem::copy_options::recursive);
  path_ = copy.path() + "/db";
  Reopen();
  EXPECT_GT(Stat(db_.get(), "head_points"), 5 * 100) << "the head was replayed";
  Check();
  engine::TEST_CompactHeads(db_.get());
  EXPECT_GT(Stat(db_.get(), "head_segments"), 0);
  Check();
}

TEST_F(DBHeadTest, DroppingADatabaseDropsItsSegments) {
  std::mt19937_64 rng(6);
  WritePoints(100, rng);
  engine::TEST_CompactHeads(db_.get());
  ASSERT_GT(Stat(db_.get(), "head_segments"), 0);
  ASSERT_TRUE(db_->DropDatabase("farm").ok());
  EXPECT_EQ(Stat(db_.get(), "head_points"), 0);
  EXPECT_EQ(Stat(db_.get(), "head_segments"), 0);
  EXPECT_EQ(Stat(db_.get(), "head_bytes"), 0);
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  model_.clear();
  next_slot_ = 0;
  WritePoints(20, rng);
  Check();
  Reopen();
  Check();
}

// A series' first point reserves room for a few, not for a segment: many
// series written rarely (or once) keep a small head.
TEST_F(DBHeadTest, ASeriesWithOnePointHoldsASmallHead) {
  WriteBatch b;
  b.database = "farm";
  for (int s = 0; s < 1000; ++s) {
    b.points.push_back(MakePoint("m", {{"sensor", absl::StrCat(s)}}, "f", 1.5, kT0));
  }
  ASSERT_TRUE(db_->Write(b).ok());
  EXPECT_EQ(Stat(db_.get(), "head_points"), 1000);
  EXPECT_LE(Stat(db_.get(), "head_bytes"), 1000 * 8 * 16) << "8 timestamps and values each";
}

// Past a segment's worth a tail doubles, as a vector would: no fourfold
// step leaves a busy series with twice the room it needs.
TEST_F(DBHeadTest, ATailPastASegmentGrowsByDoubling) {
  options_.head_segment_points = 256;
  Reopen();
  auto write = [&](int from, int n) {
    WriteBatch b;
    b.database = "farm";
    for (int i = from; i < from + n; ++i) {
      b.points.push_back(MakePoint("m", {{"sensor", "a"}}, "f", 0.5 * i, kT0 + i * kSec));
    }
    ASSERT_TRUE(db_->Write(b).ok());
  };
  // Point by point: the tail grows 8, 16 to 44, four times that, 256 (a
  // segment), then 512.
  write(0, 200);
  write(200, 100);  // 300 points: past the 256 of a segment
  EXPECT_EQ(Stat(db_.get(), "head_points"), 300);
  EXPECT_LE(Stat(db_.get(), "head_bytes"), 512 * 16) << "room for 512 points, not 1,024";
}

// Series written at one rate (sensors) do not all outgrow their tails at
// the same write: each growth copies the tail into fresh memory, and 128k
// series doing it in the same few writes stalled every writer for hundreds
// of ms (page faults). The head's memory grows at many writes, none taking
// a large share of it.
TEST_F(DBHeadTest, TailsOfSeriesWrittenAtOneRateGrowAtDifferentWrites) {
  options_.head_segment_points = 256;
  Reopen();
  int64_t last = 0, largest_step = 0;
  int growing_writes = 0;
  for (int i = 0; i < 200; ++i) {
    WriteBatch b;
    b.database = "farm";
    for (int s = 0; s < 64; ++s) {
      b.points.push_back(
          MakePoint("m", {{"sensor", absl::StrCat(s)}}, "f", 0.5 * i, kT0 + i * kSec));
    }
    ASSERT_TRUE(db_->Write(b).ok());
    const int64_t bytes = Stat(db_.get(), "head_bytes");
    if (bytes > last) {
      ++growing_writes;
      if (i > 0) largest_step = std::max(largest_step, bytes - last);  // not the first write's
    }
    last = bytes;
  }
  // In step, the tails grew at 4 writes (the points outgrowing 8, 32, 128)
  // and the last step was half the head.
  EXPECT_GE(growing_writes, 12);
  EXPECT_LE(largest_step * 5, last) << largest_step << " of " << last;
}

// Heads that empty (a delete) and fill again stay tracked among the series
// with head points, whatever order they leave in: a flush then seals every
// one of them (a series lost from that set would keep its points in the
// head, and the log pinned).
TEST_F(DBHeadTest, HeadsThatEmptyAndRefillAreAllSealedByAFlush) {
  auto write = [&](int sensor, int64_t second) {
    WriteBatch b;
    b.database = "farm";
    b.points.push_back(
        MakePoint("m", {{"sensor", absl::StrCat(sensor)}}, "f", 1.0 * sensor, kT0 + second * kSec));
    ASSERT_TRUE(db_->Write(b).ok());
  };
  auto erase = [&](int sensor) {
    Selector sel{"farm", "", "m", {}, {}};
    sel.tags.push_back({"sensor", TagFilter::Op::kEqual, {absl::StrCat(sensor)}});
    ASSERT_TRUE(db_->DeleteRange(sel, kT0, kT0 + 1000 * kSec).ok());
  };
  for (int s = 0; s < 40; ++s) write(s, 1);
  // Empty heads in an order unlike the one they filled in: first, last,
  // middle ones, so that removals move other series around.
  for (int s : {0, 39, 17, 3, 38, 20, 1, 36}) erase(s);
  EXPECT_EQ(Stat(db_.get(), "head_points"), 32);
  for (int s : {39, 0, 20}) write(s, 2);  // fill some again
  for (int s : {5, 39, 11}) erase(s);
  EXPECT_EQ(Stat(db_.get(), "head_points"), 32);
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(Stat(db_.get(), "head_points"), 0);
  EXPECT_EQ(Stat(db_.get(), "wal_records"), 0) << "every head sealed, the log truncated";
  EXPECT_EQ(testing::CountPoints(db_.get()), 32u);
}

// Close seals every head, so a reopened database has no log to replay
// (what going back to a version that cannot read today's log records needs).
TEST_F(DBHeadTest, ACleanCloseLeavesNoLogToReplay) {
  std::mt19937_64 rng(9);
  WritePoints(50, rng);
  EXPECT_GT(Stat(db_.get(), "wal_records"), 0);
  Reopen();
  EXPECT_EQ(Stat(db_.get(), "wal_records"), 0);
  EXPECT_EQ(Stat(db_.get(), "head_points"), 0);
  Check();
}

TEST_F(DBHeadTest, SegmentSizeZeroKeepsTheHeadUncompressed) {
  options_.head_segment_points = 0;
  Reopen();
  std::mt19937_64 rng(7);
  WritePoints(100, rng);
  engine::TEST_CompactHeads(db_.get());
  EXPECT_EQ(Stat(db_.get(), "head_segments"), 0);
  Check();
  options_.head_segment_points = 8;
  EXPECT_FALSE(options_.Validate().ok());
}

}  // namespace
}  // namespace lux
