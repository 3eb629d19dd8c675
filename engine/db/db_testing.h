// File: db_testing.h
// -----------------------------------------------------------------------------
// Test-only entry points of the engine (TEST_ hooks).
#ifndef LUX_ENGINE_DB_DB_TESTING_H_
#define LUX_ENGINE_DB_DB_TESTING_H_

#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "lux/db.h"
#include "rocksdb/env.h"

namespace lux::engine {

// DB::Open with RocksDB running on `env` (e.g. a fault-injecting one).
// REQUIRES: env outlives the DB.
absl::StatusOr<std::unique_ptr<DB>> TEST_OpenWithEnv(const Options& options, std::string_view path,
                                                     rocksdb::Env* env);

// Compresses the full runs of every head tail now, as the background
// sealer does (it may run at the same time). REQUIRES: db is open.
void TEST_CompactHeads(DB* db);

// Seals the whole blocks of every head now, leaving the rest in the head,
// as the background sealer does for full heads. REQUIRES: db is open.
absl::Status TEST_SealFullBlocks(DB* db);

// Re-encodes every cold partition that still needs it now (what the
// background sealer does a chunk at a time).
absl::Status TEST_EncodeColdPartitions(DB* db);

// Calls `hook` (no lock held) before each cold partition's compaction.
void TEST_SetBeforeColdCompaction(DB* db, std::function<void()> hook);

// Calls `hook` (no lock held) in every write after its log record is
// written, before it waits for its turn to apply to the head.
void TEST_SetAfterLogWrite(DB* db, std::function<void()> hook);

// Threads waiting for the cold compaction in progress to stop (drops,
// recovery).
int TEST_ColdPauseWaiters(DB* db);

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_DB_TESTING_H_
