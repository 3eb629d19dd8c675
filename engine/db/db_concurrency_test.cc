// Writers, readers and the background sealer at once: every acknowledged
// point is visible to every later query, counts never go backwards, and
// the final state is exact.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "engine/db/db_impl.h"
#include "engine/db/db_test_util.h"
#include "engine/db/db_testing.h"
#include "gtest/gtest.h"
#include "lux/db.h"

namespace lux {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1767225600 * kSec;

using testing::CountPoints;

// Opens a database with database "farm" in it, or null.
std::unique_ptr<DB> OpenFarm(const Options& options, const std::string& path) {
  auto opened = DB::Open(options, path);
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok() || !(*opened)->CreateDatabase("farm").ok()) return nullptr;
  return std::move(*opened);
}

// Starts `writers` threads, each writing `batches` batches of `per_batch`
// points: point i of batch b is n = b * per_batch + i, of series
// (w, i % series), at second slot(n, i) with that number as its value.
std::vector<std::thread> StartWriters(DB* db, int writers, int batches, int per_batch, int series,
                                      std::atomic<size_t>* acknowledged,
                                      int64_t (*slot)(int64_t n, int i) = nullptr) {
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([=] {
      for (int b = 0; b < batches; ++b) {
        WriteBatch batch;
        batch.database = "farm";
        for (int i = 0; i < per_batch; ++i) {
          int64_t n = int64_t(b) * per_batch + i;
          if (slot != nullptr) n = slot(n, i);
          batch.points.push_back(
              testing::MakePoint("m", {{"w", std::to_string(w)}, {"s", std::to_string(i % series)}},
                                 "v", double(n), kT0 + n * kSec));
        }
        auto r = db->Write(batch);
        ASSERT_TRUE(r.ok()) << r.status();
        *acknowledged += per_batch;
      }
    });
  }
  return threads;
}

// Options under which the background sealer runs constantly.
Options SealingOptions() {
  Options options;
  options.sync = false;
  options.block_points = 64;
  return options;
}

// Some points rewrite the one 100 s earlier (same series, same value).
int64_t Rewrite(int64_t n, int i) { return i % 7 == 3 && n >= 100 ? n - 100 : n; }

TEST(DBConcurrencyTest, WritersReadersAndSealerAgree) {
  testing::TempDir dir;
  const Options options = SealingOptions();
  std::unique_ptr<DB> db = OpenFarm(options, dir.path());
  ASSERT_NE(db, nullptr);
  constexpr int kWriters = 2, kBatches = 200, kPerBatch = 50;
  std::atomic<size_t> acknowledged{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads =
      StartWriters(db.get(), kWriters, kBatches, kPerBatch, /*series=*/10, &acknowledged);
  std::thread reader([&] {
    size_t last = 0;
    while (!done) {
      const size_t before = acknowledged;
      const size_t n = CountPoints(db.get());
      EXPECT_GE(n, before) << "an acknowledged point is missing";
      EXPECT_GE(n, last) << "the count went backwards";
      last = n;
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(CountPoints(db.get()), size_t(kWriters * kBatches * kPerBatch));
  ASSERT_TRUE(db->Flush().ok());
  EXPECT_EQ(CountPoints(db.get()), size_t(kWriters * kBatches * kPerBatch));
}

// The same with a compressed head: head segments of 16 points form (by the
// background sealer and a thread compacting without pause), full-block
// seals cut inside segments, and readers check every point they see.
TEST(DBConcurrencyTest, WritersReadersAndHeadCompactionAgree) {
  testing::TempDir dir;
  Options options;
  options.sync = false;
  options.head_segment_points = 16;
  options.block_points = 200;  // not a multiple of the segment size
  std::unique_ptr<DB> db = OpenFarm(options, dir.path());
  ASSERT_NE(db, nullptr);
  constexpr int kWriters = 2, kBatches = 200, kPerBatch = 50;
  std::atomic<size_t> acknowledged{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads = StartWriters(db.get(), kWriters, kBatches, kPerBatch,
                                                  /*series=*/5, &acknowledged, Rewrite);
  std::thread compactor([&] {
    while (!done) engine::TEST_CompactHeads(db.get());
  });
  std::thread sealer([&] {
    for (int k = 0; !done; ++k) {
      ASSERT_TRUE(engine::TEST_SealFullBlocks(db.get()).ok());
      if (k % 50 == 49) {
        ASSERT_TRUE(db->Flush().ok());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::thread reader([&] {
    while (!done) {
      QuerySpec q;
      q.selector = {"farm", "", "m", {}, {}};
      auto c = db->Query(q);
      ASSERT_TRUE(c.ok()) << c.status();
      Frame f;
      while ((*c)->Next(&f)) {
        for (size_t i = 0; i < f.times.size(); ++i) {
          ASSERT_EQ(std::get<double>(f.values[i]), double((f.times[i] - kT0) / kSec));
          if (i > 0) {
            ASSERT_LT(f.times[i - 1], f.times[i]);
          }
        }
      }
      ASSERT_TRUE((*c)->status().ok()) << (*c)->status();
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  compactor.join();
  sealer.join();
  reader.join();
  // Distinct timestamps per writer (series are per writer and n % 5).
  std::set<int64_t> distinct;
  for (int b = 0; b < kBatches; ++b) {
    for (int i = 0; i < kPerBatch; ++i) {
      const int64_t n = int64_t(b) * kPerBatch + i;
      distinct.insert(Rewrite(n, i));
    }
  }
  const size_t want = size_t(kWriters) * distinct.size();
  EXPECT_EQ(CountPoints(db.get()), want);
  std::string stats;
  ASSERT_TRUE(db->GetProperty("lux.stats", &stats));
  EXPECT_EQ(stats.find("\"head_segments_built\":0,"), std::string::npos) << stats;
  ASSERT_TRUE(db->Flush().ok());
  EXPECT_EQ(CountPoints(db.get()), want);
}

// Every series of measurement m, raw, as "tags|ts=value ..." lines.
std::vector<std::string> Snapshot(DB* db) {
  QuerySpec q;
  q.selector = {"farm", "", "m", {}, {}};
  auto c = db->Query(q);
  EXPECT_TRUE(c.ok()) << c.status();
  std::vector<std::string> out;
  Frame f;
  while ((*c)->Next(&f)) {
    std::string line;
    for (const Tag& t : f.tags) line += t.key + "=" + t.value + ",";
    line += f.field + "|";
    for (size_t i = 0; i < f.times.size(); ++i) {
      line +=
          " " + std::to_string(f.times[i]) + "=" + std::to_string(std::get<double>(f.values[i]));
    }
    out.push_back(line);
  }
  EXPECT_TRUE((*c)->status().ok()) << (*c)->status();
  std::sort(out.begin(), out.end());
  return out;
}

// ListDatabases (asked by luxd before every write) answers while the DB's
// lock is held exclusively, as a write making new series holds it: it
// waited for the lock, and the request's thread sat idle where it could
// have parsed its body.
TEST(DBConcurrencyTest, ListDatabasesAnswersWhileTheDBLockIsHeld) {
  testing::TempDir dir;
  std::unique_ptr<DB> db = OpenFarm(Options(), dir.path());
  ASSERT_NE(db, nullptr);
  absl::Notification listed;
  std::vector<std::string> names;
  absl::Mutex& mu = static_cast<engine::DBImpl*>(db.get())->mu();
  mu.Lock();
  std::thread lister([&] {
    names = db->ListDatabases();
    listed.Notify();
  });
  const bool answered_while_held = listed.WaitForNotificationWithTimeout(absl::Seconds(10));
  mu.Unlock();
  lister.join();
  EXPECT_TRUE(answered_while_held) << "ListDatabases waited for the DB's lock";
  EXPECT_EQ(names, std::vector<std::string>{"farm"});
  ASSERT_TRUE(db->CreateDatabase("barn").ok());
  EXPECT_EQ(db->ListDatabases(), (std::vector<std::string>{"barn", "farm"}));
  ASSERT_TRUE(db->DropDatabase("farm").ok());
  EXPECT_EQ(db->ListDatabases(), std::vector<std::string>{"barn"});
  db.reset();
  auto reopened = DB::Open(Options(), dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->ListDatabases(), std::vector<std::string>{"barn"});
}

// While one write applies to the head (its observer runs there), another
// resolves its units, makes its new series and writes its log record: the
// apply step holds only the head's lock. (Under the DB's one lock the two
// took turns, and half of the 2 cores sat idle.) Both end applied in log
// order.
TEST(DBConcurrencyTest, AWriteLogsWhileAnotherIsApplied) {
  testing::TempDir dir;
  std::unique_ptr<DB> db = OpenFarm(Options(), dir.path());
  ASSERT_NE(db, nullptr);
  std::atomic<int> logged{0};
  absl::Notification in_apply, second_logged;
  engine::TEST_SetAfterLogWrite(db.get(), [&] {
    if (++logged == 2) second_logged.Notify();
  });
  std::vector<double> applied;  // values in apply order
  bool logged_meanwhile = false;
  db->AddWriteObserver([&](const DB::WrittenBatch& w, std::string_view, const WriteResult&) {
    applied.push_back(std::get<double>(w.points->points[0].fields[0].value));
    if (applied.size() == 1) {
      in_apply.Notify();
      logged_meanwhile = second_logged.WaitForNotificationWithTimeout(absl::Seconds(10));
    }
  });
  auto batch = [](const char* sensor, double v) {
    WriteBatch b;
    b.database = "farm";
    b.points.push_back(testing::MakePoint("m", {{"s", sensor}}, "v", v, kT0));
    return b;
  };
  std::thread second([&] {
    in_apply.WaitForNotification();
    EXPECT_TRUE(db->Write(batch("b", 2.0)).ok());  // a new series
  });
  ASSERT_TRUE(db->Write(batch("a", 1.0)).ok());
  second.join();
  EXPECT_TRUE(logged_meanwhile) << "the second write waited for the first one's apply step";
  EXPECT_EQ(applied, (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(CountPoints(db.get()), 2u);
}

// Everything that drains the writes in flight (dropping a database,
// deleting a range, adding a retention policy) while writers write, some
// with batch ids and retries, and the sealer seals: nothing waits forever,
// every acknowledged point is there exactly once, before and after a
// reopen, and each retried batch id is answered as a duplicate.
TEST(DBConcurrencyTest, DropsDeletesAndPolicyChangesWhileWritersWrite) {
  testing::TempDir dir;
  const Options options = SealingOptions();
  std::unique_ptr<DB> db = OpenFarm(options, dir.path());
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->CreateDatabase("barn").ok());
  constexpr int kWriters = 2, kBatches = 150, kPerBatch = 50, kIdBatches = 100;
  std::atomic<size_t> acknowledged{0};
  std::atomic<int> writers_left{kWriters + 1};
  std::vector<std::thread> threads =
      StartWriters(db.get(), kWriters, kBatches, kPerBatch, /*series=*/10, &acknowledged);
  for (auto& t : threads) {
    std::thread inner = std::move(t);
    t = std::thread([&, inner = std::move(inner)]() mutable {
      inner.join();
      --writers_left;
    });
  }
  size_t duplicates = 0;
  threads.emplace_back([&] {
    for (int b = 0; b < kIdBatches; ++b) {
      WriteBatch batch;
      batch.database = "farm";
      batch.batch_id = "ids-" + std::to_string(b);
      for (int i = 0; i < 10; ++i) {
        batch.points.push_back(
            testing::MakePoint("ids", {{"s", std::to_string(i)}}, "v", double(b), kT0 + b * kSec));
      }
      auto first = db->Write(batch);
      ASSERT_TRUE(first.ok()) << first.status();
      EXPECT_FALSE(first->duplicate);
      auto again = db->Write(batch);
      ASSERT_TRUE(again.ok()) << again.status();
      duplicates += again->duplicate ? 1 : 0;
    }
    --writers_left;
  });
  int rounds = 0;
  while (writers_left > 0) {
    ++rounds;
    ASSERT_TRUE(db->DropDatabase("barn").ok());
    ASSERT_TRUE(db->CreateDatabase("barn").ok());
    WriteBatch barn;
    barn.database = "barn";
    barn.points.push_back(testing::MakePoint("m", {}, "v", 1.0, kT0));
    EXPECT_TRUE(db->Write(barn).ok());
    WriteBatch gone;
    gone.database = "farm";
    gone.points.push_back(testing::MakePoint("gone", {}, "v", 1.0, kT0 + rounds));
    EXPECT_TRUE(db->Write(gone).ok());
    EXPECT_TRUE(db->DeleteRange({"farm", "", "gone", {}, {}}, kT0, kT0 + 1'000'000 * kSec).ok());
    RetentionPolicy rp;
    rp.name = "rp" + std::to_string(rounds);
    EXPECT_TRUE(db->CreateRetentionPolicy("farm", rp).ok());
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(rounds, 1);
  const size_t points = size_t(kWriters) * kBatches * kPerBatch;
  EXPECT_EQ(acknowledged.load(), points);
  EXPECT_EQ(duplicates, size_t(kIdBatches));
  EXPECT_EQ(CountPoints(db.get()), points);
  EXPECT_EQ(CountPoints(db.get(), "ids"), size_t(kIdBatches) * 10);
  EXPECT_EQ(CountPoints(db.get(), "gone"), 0u);
  db.reset();
  auto reopened = DB::Open(options, dir.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(CountPoints(reopened->get()), points);
  EXPECT_EQ(CountPoints(reopened->get(), "ids"), size_t(kIdBatches) * 10);
  EXPECT_EQ(CountPoints(reopened->get(), "gone"), 0u);
}

// Concurrent writers overwrite the same timestamps of the same series and
// create series at the same moments: the head must hold what a replay of
// the log (in log order) gives, with one series per key and one type per
// field.
TEST(DBConcurrencyTest, ConcurrentWritersAgreeWithLogReplay) {
  testing::TempDir dir, copy;
  Options options;
  options.sync = false;
  options.block_points = 1 << 20;  // nothing seals: the copy must replay the log
  options.max_head_age_ns = 0;
  auto opened = DB::Open(options, dir.path());
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<DB> db = std::move(*opened);
  ASSERT_TRUE(db->CreateDatabase("farm").ok());
  constexpr int kWriters = 4, kBatches = 60, kPerBatch = 40;
  std::atomic<size_t> rejected_float{0}, rejected_int{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        WriteBatch batch;
        batch.database = "farm";
        for (int i = 0; i < kPerBatch; ++i) {
          batch.points.push_back(testing::MakePoint("m", {{"s", std::to_string((b + i) % 30)}}, "v",
                                                    double(w * 1'000'000 + b * 100 + i),
                                                    kT0 + (i % 20) * kSec));
        }
        // Racing first writes of one field with two types.
        if (b % 10 == 0) {
          batch.points.push_back(w % 2 == 0
                                     ? testing::MakePoint("race", {}, "x", 1.5, kT0 + b)
                                     : testing::MakePoint("race", {}, "x", int64_t{7}, kT0 + b));
        }
        auto r = db->Write(batch);
        ASSERT_TRUE(r.ok()) << r.status();
        for (const auto& rej : r->rejected) {
          EXPECT_EQ(rej.index, size_t(kPerBatch));
          EXPECT_NE(rej.status.message().find("field type conflict"), std::string::npos);
          ++(w % 2 == 0 ? rejected_float : rejected_int);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::vector<std::string> head = Snapshot(db.get());
  ASSERT_EQ(head.size(), 30u) << "one series per key";
  auto series = db->ListSeries(Selector{"farm", "", "m", {}, {}}, 0);
  ASSERT_TRUE(series.ok());
  EXPECT_EQ(series->size(), 30u);
  auto fields = db->ListFieldKeys("farm", "race");
  ASSERT_TRUE(fields.ok());
  ASSERT_EQ(fields->size(), 1u);
  // The losing type lost every write; the winning type none.
  const size_t race_writes = kWriters / 2 * (kBatches / 10);
  if ((*fields)[0].second == FieldType::kFloat) {
    EXPECT_EQ(rejected_float, 0u);
    EXPECT_EQ(rejected_int, race_writes);
  } else {
    EXPECT_EQ(rejected_int, 0u);
    EXPECT_EQ(rejected_float, race_writes);
  }

  // A copy of the files as they are now is what a crash leaves: opening it
  // replays the log.
  std::filesystem::copy(dir.path(), copy.path() + "/db", std::filesystem::copy_options::recursive);
  {
    auto replayed = DB::Open(options, copy.path() + "/db");
    ASSERT_TRUE(replayed.ok()) << replayed.status();
    EXPECT_EQ(Snapshot(replayed->get()), head);
  }
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  auto reopened = DB::Open(options, dir.path());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(Snapshot(reopened->get()), head);
}

}  // namespace
}  // namespace lux
