// Fault injection through RocksDB's FileSystem: a failed fsync, a full disk
// and a torn write fail the write with a clear error, keep every earlier
// acknowledged point, and the database is usable again once the fault is
// gone.
#include "engine/db/db_test_util.h"
#include "engine/db/db_testing.h"
#include "engine/db/testing/fault_fs.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"

namespace lux {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1767225600 * kSec;

class DBFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = std::make_shared<testing::FaultFs>();
    env_ = rocksdb::NewCompositeEnv(fs_);
    auto db = engine::TEST_OpenWithEnv(Options(), dir_.path(), env_.get());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->CreateDatabase("farm").ok());
  }

  absl::Status WriteBatchAt(int64_t first) {
    WriteBatch b;
    b.database = "farm";
    for (int i = 0; i < 10; ++i) {
      b.points.push_back(
          testing::MakePoint("m", {}, "v", double(first + i), kT0 + (first + i) * kSec));
    }
    return db_->Write(b).status();
  }

  // Points stored, read through a fresh handle without faults.
  size_t CountAfterReopen() {
    db_.reset();
    auto db = DB::Open(Options(), dir_.path());
    EXPECT_TRUE(db.ok()) << db.status();
    QuerySpec q;
    q.selector = {"farm", "", "m", {}, {}};
    auto c = (*db)->Query(q);
    EXPECT_TRUE(c.ok());
    size_t n = 0;
    Frame f;
    while ((*c)->Next(&f)) n += f.times.size();
    return n;
  }

  testing::TempDir dir_;
  std::shared_ptr<testing::FaultFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<DB> db_;
};

TEST_F(DBFaultTest, FailedSyncFailsTheWriteAndTheDatabaseRecovers) {
  ASSERT_TRUE(WriteBatchAt(0).ok());
  fs_->fail_sync = true;
  absl::Status s = WriteBatchAt(10);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_NE(s.message().find("injected sync failure"), std::string::npos) << s;
  fs_->fail_sync = false;
  absl::Status again = WriteBatchAt(20);
  EXPECT_TRUE(again.ok()) << "usable again once syncs work: " << again;
  const size_t n = CountAfterReopen();
  EXPECT_GE(n, 20u) << "acknowledged batches 0 and 20 are kept";
  EXPECT_LE(n, 30u);
}

TEST_F(DBFaultTest, FullDiskFailsTheWriteClearlyAndRecoversWhenSpaceReturns) {
  ASSERT_TRUE(WriteBatchAt(0).ok());
  fs_->no_space = true;
  absl::Status s = WriteBatchAt(10);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("no space"), std::string::npos) << s;
  fs_->no_space = false;
  absl::Status again = WriteBatchAt(20);
  EXPECT_TRUE(again.ok()) << "usable again once space returns: " << again;
  const size_t n = CountAfterReopen();
  EXPECT_GE(n, 20u);
  EXPECT_LE(n, 30u);
}

TEST_F(DBFaultTest, TornWriteLosesOnlyTheUnacknowledgedBatch) {
  ASSERT_TRUE(WriteBatchAt(0).ok());
  ASSERT_TRUE(WriteBatchAt(10).ok());
  fs_->torn = true;
  EXPECT_FALSE(WriteBatchAt(20).ok());
  // Crash here: closing is not possible while every append tears.
  EXPECT_FALSE(db_->Close().ok());
  fs_->torn = false;
  const size_t n = CountAfterReopen();
  EXPECT_GE(n, 20u);
  EXPECT_LE(n, 30u);
}

}  // namespace
}  // namespace lux
