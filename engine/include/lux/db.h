// File: db.h
// -----------------------------------------------------------------------------
// lux::DB — the embedded time-series engine. Open one per data directory.
// Every method is thread-safe.
#ifndef LUX_DB_H_
#define LUX_DB_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lux/options.h"
#include "lux/point.h"
#include "lux/query.h"

namespace lux {

struct RetentionPolicy {
  std::string name;
  int64_t duration_ns = 0;   // 0 = keep forever
  int64_t partition_ns = 0;  // 0 = Options::default_partition_ns
  bool is_default = false;
};

class DB {
 public:
  // Opens (creating when allowed) the database in directory `path`,
  // replaying its write-ahead log into the head.
  static absl::StatusOr<std::unique_ptr<DB>> Open(const Options& options, std::string_view path);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Closes if Close() was not called.
  virtual ~DB() = default;

  // Seals the head and closes. Further calls fail with kFailedPrecondition.
  virtual absl::Status Close() = 0;
  // Seals every open head chunk into blocks and truncates the log.
  virtual absl::Status Flush() = 0;

  // Databases. Creating an existing database is OK; a new one gets the
  // default retention policy "autogen" (keep forever).
  virtual absl::Status CreateDatabase(std::string_view name) = 0;
  virtual absl::Status DropDatabase(std::string_view name) = 0;
  virtual std::vector<std::string> ListDatabases() = 0;

  // Retention policies of a database. Exactly one is the default: creating
  // or altering one with is_default moves the flag.
  virtual absl::Status CreateRetentionPolicy(std::string_view db, const RetentionPolicy& rp) = 0;
  virtual absl::Status AlterRetentionPolicy(std::string_view db, const RetentionPolicy& rp) = 0;
  virtual absl::Status DropRetentionPolicy(std::string_view db, std::string_view name) = 0;
  virtual absl::StatusOr<std::vector<RetentionPolicy>> ListRetentionPolicies(
      std::string_view db) = 0;

  // Stores every valid point of the batch; returns the others with their
  // reasons (type conflict, invalid name, outside the retention window,
  // limits). A non-OK status means nothing was stored (unknown database or
  // retention policy, I/O failure); an OK result is durable per
  // Options::sync. Same series and timestamp: the last write wins.
  virtual absl::StatusOr<WriteResult> Write(const WriteBatch& batch) = 0;
  // The same for a columnar batch, with the same checks and durability (a
  // series' points are its timestamps, each with every field). Reasons that
  // belong to the series (its name, tags or fields invalid, a field type
  // conflict, a column without one value per timestamp, the series limit)
  // reject all its points with that reason, even points that also have a
  // reason of their own; a point's own reasons (its timestamp, a non-finite
  // value in a kept column) reject it alone.
  virtual absl::StatusOr<WriteResult> Write(const ColumnBatch& batch) = 0;

  // Streams the answer to `spec`. kInvalidArgument for a malformed spec,
  // kNotFound for an unknown database or retention policy.
  virtual absl::StatusOr<std::unique_ptr<Cursor>> Query(const QuerySpec& spec) = 0;

  // Latest point of every series matching `selector`.
  virtual absl::StatusOr<std::vector<LastValue>> Last(const Selector& selector) = 0;

  // Deletes the points of every series matching `selector` with
  // start <= timestamp < end, in the head and in blocks. Durable like a
  // write; a crash never brings deleted points back.
  virtual absl::Status DeleteRange(const Selector& selector, int64_t start, int64_t end) = 0;

  // Schema listing for dashboard pickers. A selector with an empty
  // retention_policy spans every policy of the database; `limit` 0 means no
  // limit. Results are sorted and unique.
  virtual absl::StatusOr<std::vector<std::string>> ListMeasurements(std::string_view db,
                                                                    size_t limit = 0) = 0;
  // Tag keys of the series matching `selector` (its fields are ignored).
  virtual absl::StatusOr<std::vector<std::string>> ListTagKeys(const Selector& selector,
                                                               size_t limit = 0) = 0;
  // Values of tag `key` among the series matching `selector`.
  virtual absl::StatusOr<std::vector<std::string>> ListTagValues(const Selector& selector,
                                                                 std::string_view key,
                                                                 size_t limit = 0) = 0;
  // Field keys of a measurement with their types.
  virtual absl::StatusOr<std::vector<std::pair<std::string, FieldType>>> ListFieldKeys(
      std::string_view db, std::string_view measurement) = 0;
  // Series keys ("measurement,k1=v1,k2=v2", InfluxDB's SHOW SERIES form) of
  // the series matching `selector`.
  virtual absl::StatusOr<std::vector<std::string>> ListSeries(const Selector& selector,
                                                              size_t limit = 0) = 0;

  // Introspection: "lux.stats" is a JSON object with series, head_points,
  // wal_records, wal_bytes, log_bytes_logged and log_bytes_uncompressed
  // (the write records this process logged, and their bytes before zstd),
  // partitions, blocks (estimated), block_bytes,
  // blocks_written (by this process), corrupt_blocks (seen by reads) and
  // the block cache's block_cache_hits, block_cache_misses,
  // block_cache_usage_bytes and block_cache_capacity_bytes.
  // Sealed bytes per point = block_bytes / (points - head_points).
  // "lux.block-bytes" reads every sealed block (a cold, full scan for
  // inspection and benchmarks, during which sealing waits) and says where
  // the bytes go: per value type
  // the blocks, points and bytes of block headers, timestamp columns,
  // value columns and checksums; the RocksDB keys of the blocks; and the
  // table files of the partitions, the series index, meta and the log.
  virtual bool GetProperty(std::string_view name, std::string* value) = 0;

  // Live points (luxd's Subscribe). The observer is called once per write
  // that stored points, after they are durable and visible, in log order,
  // with the batch and its result (the points not in result.rejected were
  // stored, with the batch's retention policy resolved in
  // `retention_policy`). It runs while other writes wait: it must only copy
  // or queue, never block or call into the DB. Returns an id for
  // RemoveWriteObserver, which returns once no call is running.
  // Exactly one of `points` and `columns` is set: the batch as written.
  struct WrittenBatch {
    const WriteBatch* points = nullptr;
    const ColumnBatch* columns = nullptr;
    // The write's place in log order, increasing from write to write: a
    // raw query frame whose Frame::sequence is at least this holds its
    // points, one whose sequence is below does not.
    uint64_t sequence = 0;
    const std::string& database() const {
      return points != nullptr ? points->database : columns->database;
    }
  };
  using WriteObserver = std::function<void(const WrittenBatch& batch, std::string_view rp,
                                           const WriteResult& result)>;
  virtual uint64_t AddWriteObserver(WriteObserver observer) = 0;
  virtual void RemoveWriteObserver(uint64_t id) = 0;
};

}  // namespace lux

#endif  // LUX_DB_H_
