// Writers, readers and the background sealer at once: every acknowledged
// point is visible to every later query, counts never go backwards, and
// the final state is exact.
#include <atomic>
#include <thread>

#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"
#include "lux/db.h"

namespace lux {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1767225600 * kSec;

size_t CountPoints(DB* db) {
  QuerySpec q;
  q.selector = {"farm", "", "m", {}, {}};
  q.aggregate = Aggregate::kCount;
  auto c = db->Query(q);
  EXPECT_TRUE(c.ok()) << c.status();
  size_t n = 0;
  Frame f;
  while ((*c)->Next(&f)) n += size_t(std::get<int64_t>(f.values[0]));
  EXPECT_TRUE((*c)->status().ok()) << (*c)->status();
  return n;
}

TEST(DBConcurrencyTest, WritersReadersAndSealerAgree) {
  testing::TempDir dir;
  Options options;
  options.sync = false;
  options.block_points = 64;  // the sealer runs constantly
  auto opened = DB::Open(options, dir.path());
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<DB> db = std::move(*opened);
  ASSERT_TRUE(db->CreateDatabase("farm").ok());
  constexpr int kWriters = 2, kBatches = 200, kPerBatch = 50;
  std::atomic<size_t> acknowledged{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        WriteBatch batch;
        batch.database = "farm";
        for (int i = 0; i < kPerBatch; ++i) {
          const int64_t n = int64_t(b) * kPerBatch + i;
          batch.points.push_back(
              testing::MakePoint("m", {{"w", std::to_string(w)}, {"s", std::to_string(i % 10)}},
                                 "v", double(n), kT0 + n * kSec));
        }
        auto r = db->Write(batch);
        ASSERT_TRUE(r.ok()) << r.status();
        acknowledged += kPerBatch;
      }
    });
  }
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

}  // namespace
}  // namespace lux
