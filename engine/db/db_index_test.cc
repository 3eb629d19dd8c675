// The series index on disk: one group record per write that makes series,
// read back at open; drops delete the groups of a database or policy; a
// data directory written with one record per series (before groups) still
// opens and drops; a damaged group fails open with DATA_LOSS.
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "engine/db/db_fixture.h"
#include "engine/db/db_impl.h"
#include "engine/db/db_test_util.h"
#include "engine/db/db_testing.h"
#include "engine/db/keys.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"

namespace lux {
namespace {

using testing::DBTest;
using testing::kSec;
using testing::kT0;
using testing::MakePoint;

// The data directory's RocksDB opened raw (the DB closed), its index column
// family at hand.
class RawIndex {
 public:
  explicit RawIndex(const std::string& path) {
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::Options(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* raw = nullptr;
    EXPECT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, cfs, &handles_, &raw).ok());
    db_.reset(raw);
    for (auto* h : handles_) {
      if (h->GetName() == "index") index_ = h;
    }
    EXPECT_NE(index_, nullptr);
  }
  ~RawIndex() {
    for (auto* h : handles_) EXPECT_TRUE(db_->DestroyColumnFamilyHandle(h).ok());
    EXPECT_TRUE(db_->Close().ok());
  }
  // Every index record, key -> value.
  std::map<std::string, std::string> Records() {
    std::map<std::string, std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), index_));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out[it->key().ToString()] = it->value().ToString();
    EXPECT_TRUE(it->status().ok());
    return out;
  }
  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* index() { return index_; }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* index_ = nullptr;
  std::unique_ptr<rocksdb::DB> db_;
};

size_t CountKind(const std::map<std::string, std::string>& records, engine::IndexKind kind) {
  size_t n = 0;
  for (const auto& [k, v] : records) n += !k.empty() && k[0] == char(kind);
  return n;
}

// Series groups in the closed data directory at `path`.
size_t GroupsOnDisk(const std::string& path) {
  RawIndex raw(path);
  return CountKind(raw.Records(), engine::IndexKind::kSeriesGroup);
}

// `sensors` sensors of two fields (value, quality) at one time.
std::vector<Point> Sensors(int from, int to, const std::string& m = "env") {
  std::vector<Point> points;
  for (int i = from; i < to; ++i) {
    Point p = MakePoint(m, {{"sensor", absl::StrCat("s", i)}, {"zone", "z1"}}, "value",
                        double(i) + 0.5, kT0);
    p.fields.push_back(Field{"quality", int64_t{i}});
    points.push_back(std::move(p));
  }
  return points;
}

// Tag sets (sensors) of the database's measurement "env".
size_t SeriesCount(DB& db, const std::string& database) {
  auto series = db.ListSeries(Selector{database, "", "env", {}, {}});
  EXPECT_TRUE(series.ok()) << series.status();
  return series.ok() ? series->size() : 0;
}

// Points of field `field` in one policy of the database (one per sensor).
int64_t PointCount(DB& db, const std::string& database, const std::string& rp,
                   const std::string& field = "quality") {
  QuerySpec q;
  q.selector = Selector{database, rp, "env", {field}, {}};
  q.aggregate = Aggregate::kCount;
  auto cursor = db.Query(q);
  EXPECT_TRUE(cursor.ok()) << cursor.status();
  if (!cursor.ok()) return -1;
  int64_t n = 0;
  for (Frame f; (*cursor)->Next(&f);) {
    for (const auto& v : f.values) n += std::get<int64_t>(v);
  }
  EXPECT_TRUE((*cursor)->status().ok()) << (*cursor)->status();
  return n;
}

TEST_F(DBTest, AWritesNewSeriesAreOneIndexRecordReadBackAtOpen) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  ASSERT_TRUE(Write(Sensors(0, 500)).rejected.empty());
  db_.reset();
  {
    RawIndex raw(dir_.path());
    const auto records = raw.Records();
    EXPECT_EQ(CountKind(records, engine::IndexKind::kSeriesGroup), 1u);
    EXPECT_EQ(CountKind(records, engine::IndexKind::kSeriesBySid), 0u);
    // 1,000 series; the second field of a sensor shares all but its name.
    ASSERT_EQ(records.size(), 1u);
    EXPECT_LT(records.begin()->second.size(), 1000u * 16) << "prefixes are shared";
  }
  Reopen();
  EXPECT_EQ(SeriesCount(*db_, "farm"), 500u);
  EXPECT_EQ(PointCount(*db_, "farm", "", "value"), 500);
  EXPECT_EQ(PointCount(*db_, "farm", "", "quality"), 500);
  // New series after the reopen take new ids (a second group); the known
  // ones write no record.
  ASSERT_TRUE(Write(Sensors(400, 600)).rejected.empty());
  EXPECT_EQ(SeriesCount(*db_, "farm"), 600u);
  db_.reset();
  EXPECT_EQ(GroupsOnDisk(dir_.path()), 2u);
  Reopen();
  EXPECT_EQ(SeriesCount(*db_, "farm"), 600u);
  QuerySpec q = Raw("env");
  q.selector.fields = {"quality"};
  q.selector.tags = {{"sensor", TagFilter::Op::kEqual, {"s599"}}};
  auto frames = Run(q);
  ASSERT_EQ(frames.size(), 1u);
  ASSERT_EQ(frames[0].values.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(frames[0].values[0]), 599);
}

TEST_F(DBTest, DropsDeleteTheGroupsOfTheirDatabaseOrPolicyOnly) {
  // "farm" is a prefix of "farm2" as a string, not as a key (length-prefixed).
  for (const char* name : {"farm", "farm2"}) {
    ASSERT_TRUE(db_->CreateDatabase(name).ok());
    ASSERT_TRUE(db_->CreateRetentionPolicy(name, {"week", 7 * 86400 * kSec, 0, false}).ok());
  }
  auto write_to = [&](const std::string& database, const std::string& rp, int from, int to) {
    WriteBatch b;
    b.database = database;
    b.retention_policy = rp;
    b.points = Sensors(from, to);
    auto r = db_->Write(b);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->rejected.empty());
  };
  write_to("farm", "", 0, 10);       // autogen
  write_to("farm", "week", 10, 30);  // week
  write_to("farm2", "", 0, 5);       // autogen
  write_to("farm2", "week", 0, 7);   // week
  Reopen();
  ASSERT_TRUE(db_->DropRetentionPolicy("farm", "week").ok());
  Reopen();
  EXPECT_EQ(SeriesCount(*db_, "farm"), 10u) << "autogen's 10 sensors stay";
  EXPECT_EQ(PointCount(*db_, "farm", "autogen"), 10);
  EXPECT_EQ(PointCount(*db_, "farm2", "autogen"), 5);
  EXPECT_EQ(PointCount(*db_, "farm2", "week"), 7);
  ASSERT_TRUE(db_->DropDatabase("farm").ok());
  Reopen();
  EXPECT_EQ(db_->ListDatabases(), std::vector<std::string>{"farm2"});
  EXPECT_EQ(PointCount(*db_, "farm2", "autogen"), 5);
  EXPECT_EQ(PointCount(*db_, "farm2", "week"), 7);
  // A database made again under the dropped name starts empty, and its
  // new series are recorded past the drop's range delete.
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  EXPECT_EQ(SeriesCount(*db_, "farm"), 0u);
  write_to("farm", "", 100, 103);
  Reopen();
  EXPECT_EQ(SeriesCount(*db_, "farm"), 3u);
  EXPECT_EQ(PointCount(*db_, "farm", "autogen"), 3);
  db_.reset();
  EXPECT_EQ(GroupsOnDisk(dir_.path()), 3u) << "farm2's two and farm's new one";
}

// A data directory from before groups: one 'I' record per series. It opens
// with every series and its points, takes new series as groups beside them,
// and a drop deletes both kinds.
TEST_F(DBTest, PerSeriesRecordsFromBeforeGroupsStillOpenAndDrop) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  ASSERT_TRUE(Write(Sensors(0, 50)).rejected.empty());
  db_.reset();
  {
    // Rewrite the groups as the old per-series records.
    RawIndex raw(dir_.path());
    rocksdb::WriteBatch b;
    size_t converted = 0;
    for (const auto& [key, value] : raw.Records()) {
      std::string db, rp;
      uint64_t first;
      ASSERT_TRUE(engine::DecodeSeriesGroupKey(key, &db, &rp, &first));
      engine::SeriesGroupReader r(first, value);
      uint64_t sid;
      FieldType type;
      std::string_view series_key;
      while (r.Next(&sid, &type, &series_key)) {
        std::string v = engine::SeriesMapKey(db, rp, series_key);
        v.push_back(static_cast<char>(type));
        ASSERT_TRUE(b.Put(raw.index(), engine::SeriesBySidKey(sid), v).ok());
        ++converted;
      }
      ASSERT_TRUE(r.ok());
      ASSERT_TRUE(b.Delete(raw.index(), key).ok());
    }
    EXPECT_EQ(converted, 100u);
    ASSERT_TRUE(raw.db()->Write(rocksdb::WriteOptions(), &b).ok());
  }
  Reopen();
  EXPECT_EQ(SeriesCount(*db_, "farm"), 50u);
  EXPECT_EQ(PointCount(*db_, "farm", "", "quality"), 50);
  EXPECT_EQ(PointCount(*db_, "farm", "", "value"), 50);
  ASSERT_TRUE(Write(Sensors(40, 60)).rejected.empty());
  Reopen();
  EXPECT_EQ(SeriesCount(*db_, "farm"), 60u);
  ASSERT_TRUE(db_->DropDatabase("farm").ok());
  db_.reset();
  {
    RawIndex raw(dir_.path());
    EXPECT_TRUE(raw.Records().empty());
  }
  Reopen();
  EXPECT_TRUE(db_->ListDatabases().empty());
}

TEST_F(DBTest, ADamagedSeriesGroupFailsOpenWithDataLoss) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  ASSERT_TRUE(Write(Sensors(0, 20)).rejected.empty());
  db_.reset();
  {
    RawIndex raw(dir_.path());
    const auto records = raw.Records();
    ASSERT_EQ(records.size(), 1u);
    std::string value = records.begin()->second;
    value.resize(value.size() - 3);  // the last entry cut short
    ASSERT_TRUE(
        raw.db()->Put(rocksdb::WriteOptions(), raw.index(), records.begin()->first, value).ok());
  }
  auto db = DB::Open(options_, dir_.path());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
  EXPECT_NE(db.status().message().find("corrupt series group"), std::string::npos) << db.status();
}

TEST_F(DBTest, ARejectedWriteLeavesNoTraceOfItsMeasurement) {
  // Over the series limit, a write to a new measurement is refused point by
  // point; the measurement is then as unknown as one never written.
  options_.max_series_per_database = 2;
  Reopen();
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  ASSERT_TRUE(Write({MakePoint("m1", {{"s", "a"}}, "v", 1.0, kT0),
                     MakePoint("m1", {{"s", "b"}}, "v", 1.0, kT0)})
                  .rejected.empty());
  WriteResult r = Write({MakePoint("m2", {{"s", "a"}}, "v", 1.0, kT0)});
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(*db_->ListMeasurements("farm"), std::vector<std::string>{"m1"});
  auto written = db_->ListFieldKeys("farm", "m2");
  auto never = db_->ListFieldKeys("farm", "m3");
  EXPECT_EQ(written.status(), never.status());
  if (written.ok() && never.ok()) {
    EXPECT_EQ(*written, *never);
  }
}

TEST_F(DBTest, TheSeriesOfATagSetShareOneCopyOfItsTags) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  auto copies = [&] { return static_cast<engine::DBImpl*>(db_.get())->TEST_DistinctTagCopies(); };
  ASSERT_TRUE(Write(Sensors(0, 50)).rejected.empty());  // 50 tag sets, 100 series
  EXPECT_EQ(copies(), 50u);
  // A field added later to known tag sets takes their copy.
  std::vector<Point> more;
  for (int i = 0; i < 50; ++i) {
    more.push_back(MakePoint("env", {{"sensor", absl::StrCat("s", i)}, {"zone", "z1"}}, "battery",
                             3.3, kT0 + kSec));
  }
  ASSERT_TRUE(Write(more).rejected.empty());
  EXPECT_EQ(copies(), 50u);
  Reopen();  // as loaded from the index
  EXPECT_EQ(copies(), 50u);
  EXPECT_EQ(PointCount(*db_, "farm", "", "battery"), 50);
}

TEST_F(DBTest, ASeriesRecordedByTwoWritesKeepsBothGroups) {
  // Write A makes sensors a and b, and is held after its log write (so a
  // and b are not yet durable); write B adds a point to a, so it records a
  // again. Both groups start at a's id: told apart by their log sequence,
  // B's does not replace A's (without it b would be lost at the reopen).
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::atomic<int> logged{0};
  absl::Notification a_logged, b_logged;
  engine::TEST_SetAfterLogWrite(db_.get(), [&] {
    if (++logged == 1) {
      a_logged.Notify();
      b_logged.WaitForNotificationWithTimeout(absl::Seconds(10));
    } else {
      b_logged.Notify();
    }
  });
  std::thread a([&] {
    Write({MakePoint("env", {{"sensor", "a"}}, "value", 1.0, kT0),
           MakePoint("env", {{"sensor", "b"}}, "value", 2.0, kT0)});
  });
  a_logged.WaitForNotification();
  Write({MakePoint("env", {{"sensor", "a"}}, "value", 3.0, kT0 + kSec)});
  a.join();
  engine::TEST_SetAfterLogWrite(db_.get(), nullptr);
  EXPECT_TRUE(b_logged.HasBeenNotified());
  db_.reset();
  EXPECT_EQ(GroupsOnDisk(dir_.path()), 2u);
  Reopen();
  EXPECT_EQ(SeriesCount(*db_, "farm"), 2u);
  EXPECT_EQ(PointCount(*db_, "farm", "", "value"), 3);
  EXPECT_EQ(static_cast<engine::DBImpl*>(db_.get())->TEST_DistinctTagCopies(), 2u);
}

}  // namespace
}  // namespace lux
