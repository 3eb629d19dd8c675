// What the engine stores and where it goes: the entropy stage, hot and cold
// partitions (re-encoding, its mark, late and backfilled data, the
// background sealer), lux.block-bytes, RocksDB's info log.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <future>
#include <random>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/synchronization/notification.h"
#include "engine/db/db_fixture.h"
#include "engine/db/db_test_util.h"
#include "engine/db/db_testing.h"
#include "gtest/gtest.h"
#include "lux/db.h"

namespace lux {
namespace {

using testing::DBTest;
using testing::kSec;
using testing::kT0;
using testing::MakePoint;
using testing::TempDir;

TEST_F(DBTest, BlockBytesPropertySaysWhereTheBytesGo) {
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::vector<Point> pts;
  for (int i = 0; i < 160; ++i) {
    pts.push_back(MakePoint("env", {{"zone", "a"}}, "temp", 20.0 + i / 10.0, kT0 + i * 10 * kSec));
    pts.push_back(
        MakePoint("env", {{"zone", "a"}}, "quality", int64_t{i % 3}, kT0 + i * 10 * kSec));
  }
  Write(pts);
  ASSERT_TRUE(db_->Flush().ok());  // 8 blocks of 20 points per field
  std::string json;
  ASSERT_TRUE(db_->GetProperty("lux.block-bytes", &json));
  auto field = [&](const std::string& type, const std::string& key) {
    return testing::JsonNumber(json, key, type);
  };
  EXPECT_EQ(field("float64", "blocks"), 8) << json;
  EXPECT_EQ(field("float64", "points"), 160) << json;
  EXPECT_EQ(field("int64", "blocks"), 8) << json;
  EXPECT_EQ(field("int64", "points"), 160) << json;
  EXPECT_EQ(field("float64", "checksum_bytes"), 8 * 8) << json;
  for (const char* k : {"header_bytes", "timestamp_bytes", "value_bytes"}) {
    EXPECT_GT(field("float64", k), 0) << k << " " << json;
  }
  EXPECT_NE(json.find("\"unreadable_blocks\":0,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"block_key_bytes\":"), std::string::npos) << json;
  EXPECT_FALSE(db_->GetProperty("lux.no-such-property", &json));
}

TEST_F(DBTest, EntropyCodedBlocksAreSmallerAndReadBackExactly) {
  auto bytes_after = [&](bool entropy, std::vector<double>* back) {
    db_.reset();
    TempDir dir;
    Options o = options_;
    o.block_points = 8192;  // full-size blocks: the stage needs room to pay off
    o.entropy_coding = entropy;
    o.cold_partition_age_ns = 0;  // the partition (ended now) is cold
    auto db = DB::Open(o, dir.path());
    EXPECT_TRUE(db.ok());
    EXPECT_TRUE((*db)->CreateDatabase("farm").ok());
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0, 3);
    WriteBatch b;
    b.database = "farm";
    for (int i = 0; i < 8192; ++i) {
      b.points.push_back(
          MakePoint("m", {}, "v", std::round(200 + noise(rng)) / 10, kT0 + i * kSec));
    }
    EXPECT_TRUE((*db)->Write(b).ok());
    EXPECT_TRUE((*db)->Flush().ok());
    QuerySpec q = Raw("m");
    auto c = (*db)->Query(q);
    Frame f;
    EXPECT_TRUE((*c)->Next(&f));
    for (const auto& v : f.values) back->push_back(std::get<double>(v));
    EXPECT_TRUE((*db)->Close().ok());
    int64_t bytes = 0;  // tables and logs: the blocks differ, the rest is alike
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".sst" || ext == ".log")) bytes += int64_t(e.file_size());
    }
    return bytes;
  };
  std::vector<double> hot, cold;
  const int64_t hot_bytes = bytes_after(false, &hot), cold_bytes = bytes_after(true, &cold);
  EXPECT_EQ(hot, cold);
  ASSERT_EQ(hot.size(), 8192u);
  EXPECT_LT(cold_bytes, hot_bytes) << "rANS should win on noise";
}

// Today's partition keeps the fast codecs; once it has been over for
// cold_partition_age_ns its blocks are re-encoded with the entropy stage,
// once (a meta mark survives reopening), with the same points; late points
// sealed into a cold partition, and old data arriving in a new partition,
// get the entropy stage directly.
TEST_F(DBTest, ColdPartitionsAreReencodedOnceWithTheEntropyStage) {
  options_.block_points = 8192;
  options_.cold_partition_age_ns = 3600 * kSec;
  clock_->Set(kT0 + 12 * 3600 * kSec);  // the partition [kT0, kT0 + 1 day) is today's
  Reopen();
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0, 3);
  std::vector<Point> pts;
  for (int i = 0; i < 8192; ++i) {
    pts.push_back(MakePoint("m", {}, "v", std::round(200 + noise(rng)) / 10, kT0 + i * kSec));
    // An integer field too: every value type is re-encoded, not only floats.
    pts.push_back(
        MakePoint("n", {}, "q", int64_t(std::llround(1000 + 4 * noise(rng))), kT0 + i * kSec));
  }
  Write(pts);
  ASSERT_TRUE(db_->Flush().ok());
  auto value_bytes_of = [&](const std::string& type) {
    return testing::BlockBytesStat(db_.get(), type, "value_bytes");
  };
  auto value_bytes = [&] { return value_bytes_of("float64"); };
  auto stat = [&](const std::string& key) { return testing::Stat(db_.get(), key); };
  auto values = [&] {
    std::vector<double> out;
    for (const Frame& f : Run(Raw("m"))) {
      for (const auto& v : f.values) out.push_back(std::get<double>(v));
    }
    return out;
  };
  const std::vector<double> written = values();
  ASSERT_EQ(written.size(), 8192u);
  const int64_t hot = value_bytes(), hot_ints = value_bytes_of("int64");
  ASSERT_TRUE(engine::TEST_EncodeColdPartitions(db_.get()).ok());
  EXPECT_EQ(value_bytes(), hot) << "still today's partition: fast codecs";
  EXPECT_EQ(value_bytes_of("int64"), hot_ints);
  EXPECT_EQ(stat("cold_partitions_encoded"), 0);

  clock_->Set(kT0 + 86400 * kSec + 3600 * kSec);  // over for an hour: cold
  ASSERT_TRUE(engine::TEST_EncodeColdPartitions(db_.get()).ok());
  const int64_t cold = value_bytes();
  EXPECT_LT(cold * 5, hot * 4) << "the entropy stage saves over 20 % on noise";
  EXPECT_LT(value_bytes_of("int64") * 10, hot_ints * 9) << "integer blocks too";
  EXPECT_EQ(stat("cold_partitions_encoded"), 1);
  EXPECT_EQ(stat("blocks_reencoded"), 2);
  EXPECT_EQ(stat("corrupt_blocks"), 0);
  EXPECT_EQ(values(), written);

  Reopen();  // the mark survives: nothing to do again
  ASSERT_TRUE(engine::TEST_EncodeColdPartitions(db_.get()).ok());
  EXPECT_EQ(stat("cold_partitions_encoded"), 0);
  EXPECT_EQ(value_bytes(), cold);
  EXPECT_EQ(values(), written);

  // A late point merged into the cold partition's block keeps it small.
  Write({MakePoint("m", {}, "v", 20.5, kT0 + 8192 * kSec)});
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_LT(value_bytes() * 5, hot * 4);

  // Old data in a partition of its own: cold from the start, never redone.
  std::vector<Point> old;
  for (int i = 0; i < 8192; ++i) {
    old.push_back(MakePoint("m", {}, "v", std::round(200 + noise(rng)) / 10,
                            kT0 - 10 * 86400 * kSec + i * kSec));
  }
  const int64_t before_old = value_bytes();
  Write(old);
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_LT((value_bytes() - before_old) * 5, hot * 4) << "sealed with the entropy stage";
  ASSERT_TRUE(engine::TEST_EncodeColdPartitions(db_.get()).ok());
  EXPECT_EQ(stat("cold_partitions_encoded"), 0);
  EXPECT_EQ(stat("blocks_reencoded"), 0);
}

TEST(OptionsTest, ColdPartitionAgeIsBounded) {
  Options o;
  EXPECT_TRUE(o.Validate().ok());
  o.cold_partition_age_ns = -1;
  EXPECT_NE(o.Validate().message().find("cold_partition_age_ns"), std::string::npos);
  o.cold_partition_age_ns = int64_t{101} * 365 * 86400 * kSec;
  EXPECT_FALSE(o.Validate().ok());
  o.cold_partition_age_ns = 0;
  EXPECT_TRUE(o.Validate().ok());
}

// Partitions turn cold as soon as they end (cold age 0), blocks of 1,024.
class DBColdTest : public DBTest {
 protected:
  // Opens the database at kT0 + 1 h with database "farm" holding `pts`,
  // sealed (its day's partition turns cold when the clock passes the day).
  void OpenAndSeal(const std::vector<Point>& pts) {
    options_.block_points = 1024;
    options_.cold_partition_age_ns = 0;
    clock_->Set(kT0 + 3600 * kSec);
    Reopen();
    ASSERT_TRUE(db_->CreateDatabase("farm").ok());
    Write(pts);
    ASSERT_TRUE(db_->Flush().ok());
  }
};

// Without a test hook: the background sealer finds partitions that turned
// cold as time passed and re-encodes them by itself.
TEST_F(DBColdTest, TheSealerReencodesPartitionsThatTurnCold) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0, 4);
  std::vector<Point> pts;
  std::vector<double> expect;
  for (int i = 0; i < 2048; ++i) {
    expect.push_back(std::round(500 + noise(rng)));
    pts.push_back(MakePoint("m", {}, "v", expect.back(), kT0 + i * kSec));
  }
  ASSERT_NO_FATAL_FAILURE(OpenAndSeal(pts));
  clock_->Set(kT0 + 86400 * kSec);
  for (int i = 0; i < 100 && testing::Stat(db_.get(), "cold_partitions_encoded") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // it looks once a second
  }
  EXPECT_EQ(testing::Stat(db_.get(), "cold_partitions_encoded"), 1);
  EXPECT_EQ(testing::Stat(db_.get(), "blocks_reencoded"), 2);
  std::vector<double> back;
  for (const Frame& f : Run(Raw("m"))) {
    for (const auto& v : f.values) back.push_back(std::get<double>(v));
  }
  EXPECT_EQ(back, expect);
}

// A cold partition's compaction (seconds for a large one) holds neither
// seals nor drops: a flush completes meanwhile, and a drop cancels it.
TEST_F(DBColdTest, ColdCompactionLetsSealsAndDropsGoOn) {
  std::vector<Point> pts;
  for (int i = 0; i < 2048; ++i)
    pts.push_back(MakePoint("m", {}, "v", 20.0 + i % 7, kT0 + i * kSec));
  ASSERT_NO_FATAL_FAILURE(OpenAndSeal(pts));
  absl::Notification entered, release;
  engine::TEST_SetBeforeColdCompaction(db_.get(), [&] {
    if (!entered.HasBeenNotified()) entered.Notify();
    release.WaitForNotification();
  });
  auto unhook = absl::MakeCleanup([&] {
    if (!release.HasBeenNotified()) release.Notify();
    engine::TEST_SetBeforeColdCompaction(db_.get(), nullptr);
  });
  clock_->Set(kT0 + 86400 * kSec);  // the background sealer re-encodes, then queues it
  ASSERT_TRUE(entered.WaitForNotificationWithTimeout(absl::Seconds(20)));
  // The compaction is held: a write and a flush (which seals) still finish.
  Write({MakePoint("today", {}, "v", 1.0, kT0 + 86400 * kSec + kSec)});
  auto flushed = std::async(std::launch::async, [&] { return db_->Flush(); });
  const bool flush_done = flushed.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  EXPECT_TRUE(flush_done) << "a flush waited for the cold compaction";
  // A drop cancels the compaction and waits for it to stop.
  auto dropped = std::async(std::launch::async, [&] { return db_->DropDatabase("farm"); });
  bool drop_waits = false;
  for (int i = 0; i < 1000 && !drop_waits; ++i) {
    drop_waits = engine::TEST_ColdPauseWaiters(db_.get()) == 1;
    if (!drop_waits) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(drop_waits) << "the drop did not wait for the compaction to stop";
  EXPECT_EQ(dropped.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  release.Notify();
  EXPECT_TRUE(flushed.get().ok());
  ASSERT_TRUE(dropped.get().ok());
  EXPECT_EQ(testing::Stat(db_.get(), "cold_partitions_encoded"), 0) << "cancelled, not marked";
  std::move(unhook).Invoke();
  // The database works on.
  ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  Write(pts);
  ASSERT_TRUE(db_->Flush().ok());  // a partition cold from its creation: marked at once
  ASSERT_TRUE(engine::TEST_EncodeColdPartitions(db_.get()).ok());
  size_t n = 0;
  for (const Frame& f : Run(Raw("m"))) n += f.values.size();
  EXPECT_EQ(n, 2048u);
}

TEST_F(DBTest, RocksDBInfoLogIsQuietUnlessAskedFor) {
  auto log_bytes = [&](bool info) {
    db_.reset();
    TempDir dir;
    Options o = options_;
    o.rocksdb_info_log = info;
    auto db = DB::Open(o, dir.path());
    EXPECT_TRUE(db.ok());
    EXPECT_TRUE((*db)->CreateDatabase("farm").ok());
    WriteBatch b;
    b.database = "farm";
    for (int i = 0; i < 64; ++i) b.points.push_back(MakePoint("m", {}, "v", i, kT0 + i * kSec));
    EXPECT_TRUE((*db)->Write(b).ok());
    EXPECT_TRUE((*db)->Flush().ok());  // seals: a new partition column family, flushes
    EXPECT_TRUE((*db)->Close().ok());
    return int64_t(std::filesystem::file_size(std::filesystem::path(dir.path()) / "LOG"));
  };
  const int64_t quiet = log_bytes(false), verbose = log_bytes(true);
  EXPECT_GT(verbose, 20'000) << "RocksDB dumps every column family's options at info level";
  EXPECT_LT(quiet, verbose / 10);
}

}  // namespace
}  // namespace lux
