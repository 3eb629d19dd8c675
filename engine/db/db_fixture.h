// File: db_fixture.h
// The DBTest fixture of the engine's tests: a database in a temporary
// directory on a fake clock (one day after 2026-01-01), 16-point blocks so
// that tests seal often, unsynced writes (crash safety has its own test).
#ifndef LUX_ENGINE_DB_DB_FIXTURE_H_
#define LUX_ENGINE_DB_DB_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"
#include "lux/db.h"

namespace lux::testing {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1767225600 * kSec;  // 2026-01-01

class DBTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<FakeClock>(kT0 + 86400 * kSec);
    options_.clock = clock_;
    options_.block_points = 16;  // seal often
    options_.sync = false;       // crash safety has its own test
    Reopen();
  }

  void Reopen() {
    db_.reset();
    auto db = DB::Open(options_, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  WriteResult Write(std::vector<Point> points, std::string db = "farm") {
    WriteBatch b;
    b.database = std::move(db);
    b.points = std::move(points);
    auto r = db_->Write(b);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : WriteResult{};
  }

  std::vector<Frame> Run(const QuerySpec& spec, absl::Status* status = nullptr) {
    auto cursor = db_->Query(spec);
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    std::vector<Frame> frames;
    if (!cursor.ok()) return frames;
    Frame f;
    while ((*cursor)->Next(&f)) frames.push_back(f);
    if (status != nullptr) {
      *status = (*cursor)->status();
    } else {
      EXPECT_TRUE((*cursor)->status().ok()) << (*cursor)->status();
    }
    return frames;
  }

  QuerySpec Raw(std::string measurement) {
    QuerySpec q;
    q.selector.database = "farm";
    q.selector.measurement = std::move(measurement);
    return q;
  }

  TempDir dir_;
  std::shared_ptr<FakeClock> clock_;
  Options options_;
  std::unique_ptr<DB> db_;
};

}  // namespace lux::testing

#endif  // LUX_ENGINE_DB_DB_FIXTURE_H_
