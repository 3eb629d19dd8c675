// File: db_impl.h
// -----------------------------------------------------------------------------
// The RocksDB-backed implementation of lux::DB. Split by concern:
// db_open.cc (open, recovery, close), db_admin.cc (databases, retention
// policies), db_write.cc (write path, head), db_seal.cc (sealing blocks, log
// truncation), db_read.cc (queries, last values, stats).
#ifndef LUX_ENGINE_DB_DB_IMPL_H_
#define LUX_ENGINE_DB_DB_IMPL_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "engine/codec/format.h"
#include "engine/db/aggregate.h"
#include "engine/db/column.h"
#include "engine/db/head.h"
#include "engine/db/keys.h"
#include "engine/db/tagset_index.h"
#include "engine/db/wal_record.h"
#include "lux/db.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/statistics.h"

namespace lux::engine {

// A series belongs to one retention policy of one database: its points live
// in that policy's partitions.
// Its id and head come first: what a write's apply step touches, in as
// few cache lines as the layout allows (HeadSeries).
struct Series {
  uint64_t sid = 0;
  HeadSeries head;  // guarded by DBImpl::head_mu_
  std::string db;
  std::string rp;
  SeriesKey key;
  FieldType type = FieldType::kFloat;
  // Whether its index record is on disk. A series made by a write whose log
  // record is not committed yet is known in memory but not durable: every
  // write that uses it records it again until one commits. Guarded by mu_.
  bool durable = true;
};

struct Partition {
  PartitionInfo info;
  std::string cf_name;
  rocksdb::ColumnFamilyHandle* cf = nullptr;
  // Its blocks were re-encoded with the entropy stage once it turned cold
  // (meta key 'c'). Read and written under DBImpl::seal_mu_.
  bool cold_encoded = false;
  // Re-encoded, its column family's compaction queued or running (not
  // persisted: after a restart the pass runs again, rewriting nothing).
  // Under DBImpl::seal_mu_.
  bool cold_pass_done = false;
};

struct DatabaseState {
  std::map<std::string, RetentionPolicy> rps;
  // measurement -> its series ids, in creation order.
  std::map<std::string, std::vector<uint64_t>> series_by_measurement;
  // measurement -> field -> type.
  std::map<std::string, std::map<std::string, FieldType>> schema;
};

class DBImpl : public DB {
 public:
  DBImpl(const Options& options, std::string path);
  ~DBImpl() override;

  // Opens RocksDB, loads metadata and the series index, replays the log.
  absl::Status OpenImpl(rocksdb::Env* env);

  absl::Status Close() override;
  absl::Status Flush() override;
  absl::Status CreateDatabase(std::string_view name) override;
  absl::Status DropDatabase(std::string_view name) override;
  std::vector<std::string> ListDatabases() override;
  absl::Status CreateRetentionPolicy(std::string_view db, const RetentionPolicy& rp) override;
  absl::Status AlterRetentionPolicy(std::string_view db, const RetentionPolicy& rp) override;
  absl::Status DropRetentionPolicy(std::string_view db, std::string_view name) override;
  absl::StatusOr<std::vector<RetentionPolicy>> ListRetentionPolicies(std::string_view db) override;
  absl::StatusOr<WriteResult> Write(const WriteBatch& batch) override;
  absl::StatusOr<WriteResult> Write(const ColumnBatch& batch) override;
  absl::StatusOr<std::unique_ptr<Cursor>> Query(const QuerySpec& spec) override;
  absl::StatusOr<std::vector<LastValue>> Last(const Selector& selector) override;
  bool GetProperty(std::string_view name, std::string* value) override;
  // "lux.block-bytes"; nullopt when closed. Scans every block holding
  // seal_mu_: seals, deletes and drops wait (writers go on into the head up
  // to max_head_points); queries go on. Not to be called from a
  // WriteObserver (mu_ held there).
  std::optional<std::string> BlockBytes() ABSL_LOCKS_EXCLUDED(seal_mu_, mu_);
  uint64_t AddWriteObserver(WriteObserver observer) override;
  void RemoveWriteObserver(uint64_t id) override;
  absl::Status DeleteRange(const Selector& selector, int64_t start, int64_t end) override;
  absl::StatusOr<std::vector<std::string>> ListMeasurements(std::string_view db,
                                                            size_t limit) override;
  absl::StatusOr<std::vector<std::string>> ListTagKeys(const Selector& selector,
                                                       size_t limit) override;
  absl::StatusOr<std::vector<std::string>> ListTagValues(const Selector& selector,
                                                         std::string_view key,
                                                         size_t limit) override;
  absl::StatusOr<std::vector<std::pair<std::string, FieldType>>> ListFieldKeys(
      std::string_view db, std::string_view measurement) override;
  absl::StatusOr<std::vector<std::string>> ListSeries(const Selector& selector,
                                                      size_t limit) override;

  // --- used by the query cursor (db_read.cc) ---
  // Series matching the selector's measurement, fields and tags in any
  // retention policy (all_rps) or the selected one.
  absl::StatusOr<std::vector<const Series*>> MatchSeries(const Selector& sel, bool all_rps)
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The series a schema listing covers: fields ignored, every retention
  // policy when the selector names none.
  absl::StatusOr<std::vector<const Series*>> ListingSeries(const Selector& selector)
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Series matching the selector, grouped by nothing. REQUIRES: mu_ held.
  absl::StatusOr<std::vector<const Series*>> SelectSeries(const Selector& sel,
                                                          const RetentionPolicy** rp)
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Points of one series in [start, end), merged from blocks and head, time
  // ordered, one per timestamp. Corrupt blocks are skipped and described in
  // *problems. REQUIRES: mu_ held (shared).
  absl::Status ReadSeries(const Series& s, const RetentionPolicy& rp, int64_t start, int64_t end,
                          Column* out, std::vector<std::string>* problems,
                          QueryStats* stats = nullptr) ABSL_SHARED_LOCKS_REQUIRED(mu_, head_mu_);
  // Adds the series' points in [start, end) to *acc, taking whole blocks
  // from their header statistics where the accumulator allows.
  absl::Status ScanSeries(const Series& s, const RetentionPolicy& rp, int64_t start, int64_t end,
                          WindowAccumulator* acc, std::vector<std::string>* problems,
                          QueryStats* stats = nullptr) ABSL_SHARED_LOCKS_REQUIRED(mu_, head_mu_);
  // Counts a corrupt block and describes it (series, block start, cause)
  // for the query's kDataLoss status; the query goes on without it.
  void NoteCorruptBlock(const Series& s, int64_t first_ts, const absl::Status& st,
                        std::vector<std::string>* problems) const;
  // Calls fn(key, first_ts, block) for each block of series `sid` in `cf`
  // that may hold points in [start, end): from the one starting at or before
  // `start` through the last starting before `end`, in time order. fn
  // returns an error to stop. No lock needed (RocksDB reads).
  absl::Status ForEachBlock(
      rocksdb::ColumnFamilyHandle* cf, uint64_t sid, int64_t start, int64_t end,
      const std::function<absl::Status(const rocksdb::Slice& key, int64_t first_ts,
                                       std::string_view block)>& fn) const;
  // Latest point of a series strictly before `before`, if any.
  absl::Status ReadLastBefore(const Series& s, const RetentionPolicy& rp, int64_t before,
                              bool* found, int64_t* ts, FieldValue* value,
                              std::vector<std::string>* problems, QueryStats* stats = nullptr)
      ABSL_SHARED_LOCKS_REQUIRED(mu_, head_mu_);
  absl::Mutex& mu() ABSL_LOCK_RETURNED(mu_) { return mu_; }
  absl::Mutex& head_mu() ABSL_LOCK_RETURNED(head_mu_) { return head_mu_; }
  // Test hooks (db_testing.h).
  void TEST_CompactHeads() ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status TEST_SealFullBlocks() ABSL_LOCKS_EXCLUDED(seal_mu_, mu_);
  int64_t Now() const { return options_.clock->NowNanos(); }
  // Whether blocks of `p` are encoded with the entropy stage: it is cold
  // (ended cold_partition_age_ns ago) and entropy_coding is on.
  bool EntropyFor(const Partition& p) const {
    return options_.entropy_coding && p.info.end_ns <= Now() - options_.cold_partition_age_ns;
  }
  // The codecs' options for blocks of `p`: the cold tier (the entropy stage,
  // and zstd where it clearly wins; codec_ratio's lux_cold) or the hot one
  // (lux).
  static constexpr codec::EncodeOptions kColdTier{.allow_zstd = true, .allow_rans = true};
  codec::EncodeOptions BlockOptionsFor(const Partition& p) const {
    return EntropyFor(p) ? kColdTier : codec::EncodeOptions{};
  }
  // One step of re-encoding cold partitions' blocks with the entropy stage:
  // up to kColdChunkBlocks blocks of the partition in progress (or of the
  // next cold one not yet re-encoded); a block is rewritten when that
  // makes it smaller, its key and values unchanged. A finished partition
  // goes to the cold compactor (ColdCompactorLoop), which compacts its
  // column family, so that the old blocks stop taking space, and then
  // marks it in meta. Returns whether work remains.
  // REQUIRES: seal_mu_ held (seals, deletes and drops wait), mu_ not held.
  absl::StatusOr<bool> EncodeColdStep() ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Re-encodes every cold partition and waits for their compactions.
  absl::Status TEST_EncodeColdPartitions() ABSL_LOCKS_EXCLUDED(seal_mu_, mu_);
  // Testing: called by the cold compactor before each compaction, no lock
  // held (a test blocks it there to act meanwhile).
  void TEST_SetBeforeColdCompaction(std::function<void()> hook) ABSL_LOCKS_EXCLUDED(seal_mu_);
  // Threads waiting in PauseColdCompaction.
  int TEST_ColdPauseWaiters() ABSL_LOCKS_EXCLUDED(seal_mu_);
  void TEST_SetAfterLogWrite(std::function<void()> hook) ABSL_LOCKS_EXCLUDED(mu_);
  // How many tag vectors the series hold between them (the series of one
  // tag set share one).
  size_t TEST_DistinctTagCopies() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class QueryCursor;

  absl::Status CheckOpen() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Before a write takes mu_: recovers from an earlier failed write (which
  // rebuilds the in-memory state, so no pointer into it may be held).
  absl::Status RecoverBeforeWrite() ABSL_LOCKS_EXCLUDED(seal_mu_, mu_);
  // Opens RocksDB on env_ and rebuilds every in-memory structure; on
  // failure leaves RocksDB closed.
  absl::Status OpenLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_, mu_, head_mu_);
  absl::Status OpenRocksAndLoad() ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_, mu_, head_mu_);
  // Closes RocksDB and forgets the in-memory state (head included: it is
  // rebuilt from the log by OpenLocked).
  void CloseRocksAndForget() ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_, mu_, head_mu_);
  // After a failed write: RocksDB's Resume(), else a reopen in place.
  absl::Status RecoverFromWriteFailure() ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_, mu_, head_mu_);
  absl::Status LoadMeta() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadIndex() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ReplayWal() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_, head_mu_);
  absl::StatusOr<const RetentionPolicy*> ResolveRp(std::string_view db, std::string_view rp) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status PutRetentionPolicy(std::string_view db, const RetentionPolicy& rp, bool create)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Removes head points of `sids` with start <= ts < end (delete path and
  // replay of a delete record).
  void DeleteFromHead(const std::vector<uint64_t>& sids, int64_t start, int64_t end)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_, head_mu_);
  // The write path (db_write.cc), over units: a Point, or a SeriesPoints
  // run (Input: PointInput or ColumnInput there). ResolveUnits validates the
  // units of a batch and finds their series; with `exclusive` false (mu_
  // held shared) it leaves units that need a new series kDeferred, with
  // `exclusive` (mu_ held exclusively) it makes those series. Units already
  // settled in *rb are skipped.
  struct ResolvedUnit;
  struct ResolvedBatch;
  template <class Input>
  void ResolveUnits(const Input& in, const std::string& database, const RetentionPolicy& rp,
                    bool exclusive, ResolvedBatch* rb) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  template <class Input>
  absl::StatusOr<WriteResult> WriteUnits(const Input& in, const std::string& database,
                                         const std::string& rp_name, const std::string& batch_id,
                                         const WrittenBatch& written);
  // Waits until no write is between taking its log sequence number and
  // applying it to the head (mu_, held throughout, keeps new ones out); then bumps
  // layout_epoch_. Every change that removes series, partitions or
  // policies, or reopens RocksDB, calls it first.
  void DrainWrites() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_, head_mu_);
  // Adds points to the head (write path and replay).
  // `targets[r]` is the series of run r.
  void ApplyToHead(const WalBatch& batch, const std::vector<Series*>& targets, uint64_t seq)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(head_mu_);
  // Makes a series known in memory (index maps, tag sets).
  // tagset_key: TagSetKey(s->db, s->rp, s->key.measurement, s->key.tags);
  // tagset_hash: TagSetIndex::Hash of it.
  // measurement_series: its database's series list of its measurement, if
  // the caller has it at hand.
  void AddSeries(std::unique_ptr<Series> s, std::string_view tagset_key, uint64_t tagset_hash,
                 std::vector<uint64_t>* measurement_series = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Seals the given series (or every one with head points) into blocks and
  // truncates the log, in three steps: copy the heads (under mu_ and
  // head_mu_), encode and merge with stored blocks (without them: writers
  // go on), commit and drop the sealed points from the heads (under both).
  // REQUIRES: seal_mu_ held, mu_ not held.
  // full_blocks_only: seal whole multiples of block_points and leave the
  // rest in the head (blocks stay full-size while a series streams in).
  absl::Status Seal(std::vector<uint64_t> sids, bool full_blocks_only = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_) ABSL_LOCKS_EXCLUDED(mu_, head_mu_);
  struct SealJob;
  // Largest block a seal writes: block_points and a quarter, so that a
  // partition's remainder joins its last block instead of forming its own.
  size_t MaxBlockPoints() const {
    return std::min(options_.block_points + options_.block_points / 4, codec::kMaxBlockValues);
  }
  // Encodes one job's blocks into *batch (no mu_ needed).
  absl::Status BuildBlocks(const SealJob& job, rocksdb::WriteBatch* batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_);
  // Removes the first `taken` points of a series' head, moving its log pin.
  void DropSealed(HeadSeries& h, size_t taken) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_, head_mu_);
  // Compresses the full runs of head_segment_points of the given series'
  // head tails into segments: copies them under mu_ and head_mu_ shared,
  // encodes with no lock held, installs under both unless the head changed meanwhile
  // (HeadSeries::generation). Writers go on throughout. REQUIRES: mu_ not held.
  void CompactHeads(const std::vector<uint64_t>& sids) ABSL_LOCKS_EXCLUDED(mu_, head_mu_);
  // The background sealer: compacts head tails, seals series whose head
  // filled a block.
  void SealerLoop();
  // Stops and joins the cold compactor (cancelling its compaction).
  void StopColdCompactor() ABSL_LOCKS_EXCLUDED(seal_mu_, mu_);
  // The cold compactor thread: compacts the column family of each cold
  // partition whose re-encoding pass is done, without seal_mu_ (a large
  // partition's compaction takes seconds, during which seals, drops and
  // deletes go on), then marks it cold in meta.
  void ColdCompactorLoop() ABSL_LOCKS_EXCLUDED(seal_mu_, mu_);
  // Cancels the cold compaction in progress, if any, and waits until it has
  // stopped; none starts again before seal_mu_ is released. Whatever drops
  // partitions or reopens RocksDB calls this first: the compaction's column
  // family handle stays valid until then.
  void PauseColdCompaction() ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  // The partition of a column family, or null.
  Partition* FindPartitionByCf(const std::string& cf_name) ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Recovers from an earlier failed write, if any. REQUIRES: seal_mu_ and
  // mu_ held.
  absl::Status RecoverIfNeeded() ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_, mu_, head_mu_);
  absl::StatusOr<Partition*> GetOrCreatePartition(const std::string& db, const RetentionPolicy& rp,
                                                  int64_t ts) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<const Partition*> PartitionsOf(const std::string& db, const std::string& rp,
                                             int64_t start, int64_t end) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void Unpin(uint64_t seq) ABSL_EXCLUSIVE_LOCKS_REQUIRED(head_mu_);
  // Deletes the index records of database db's series (of its policy *rp
  // only, when rp is given) in *batch: their groups, and the per-series
  // records of sids; ForgetSeries drops them from memory once that batch is
  // written.
  void DeleteSeriesRecords(std::string_view db, const std::string* rp,
                           const std::vector<uint64_t>& sids, rocksdb::WriteBatch* batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ForgetSeries(const std::vector<uint64_t>& sids) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_, head_mu_);
  // Drops the partitions of (db, rp) (every rp when rp is null), deleting
  // their metadata in *batch; the column families go in DropPartitionCfs.
  std::vector<std::unique_ptr<Partition>> TakePartitions(std::string_view db, const std::string* rp,
                                                         rocksdb::WriteBatch* batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_, mu_);
  absl::Status DropPartitionCfs(std::vector<std::unique_ptr<Partition>> parts)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seal_mu_, mu_);
  rocksdb::WriteOptions WriteOpts() const;
  // Seal batches need no sync of their own: the next synced write syncs
  // them, and until then the log they replace is still there.
  rocksdb::WriteOptions SealWriteOpts() const;
  // Writes `batch` to RocksDB; after a failure the next write recovers
  // first (RecoverBeforeWrite / RecoverIfNeeded).
  absl::Status WriteToRocks(rocksdb::WriteBatch* batch, std::string_view what, bool sync = true)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Flushes memtables and compacts the log column family, so that sealed
  // and truncated data stops taking space.
  absl::Status ReclaimLogSpace() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const std::string path_;
  rocksdb::Env* env_ = nullptr;  // null: RocksDB's default
  // Serialises sealing and every change to blocks, partitions or series
  // sets (drops, deletes, recovery). Lock order: seal_mu_, then mu_.
  absl::Mutex seal_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  // The partition EncodeColdStep is in (cf name) and the block key to go on
  // from.
  std::string cold_cf_ ABSL_GUARDED_BY(seal_mu_);
  std::string cold_resume_key_ ABSL_GUARDED_BY(seal_mu_);
  std::atomic<uint64_t> blocks_reencoded_{0};
  // Set by Close and PauseColdCompaction: the cold compaction in progress
  // stops. Reset by the compactor (under seal_mu_) as it starts one.
  std::atomic<bool> cancel_cold_compaction_{false};
  // Column families of cold partitions waiting for their compaction, the
  // one being compacted (empty: none), and the compactor's thread.
  std::deque<std::string> cold_compact_queue_ ABSL_GUARDED_BY(seal_mu_);
  // While cold_compacting_ is set, rocks_ and that partition's handle stay
  // valid (PauseColdCompaction). cold_compactor_ is only started and joined
  // by Open, Close and the destructor.
  std::string cold_compacting_ ABSL_GUARDED_BY(seal_mu_);
  int cold_pause_waiters_ ABSL_GUARDED_BY(seal_mu_) = 0;
  bool stop_cold_compactor_ ABSL_GUARDED_BY(seal_mu_) = false;
  std::thread cold_compactor_;
  std::function<void()> test_before_cold_compaction_ ABSL_GUARDED_BY(seal_mu_);
  std::atomic<uint64_t> cold_partitions_encoded_{0};
  mutable absl::Mutex mu_;
  // The head: every series' HeadSeries (Series::head), which series have
  // points there, their log pins, the sealer's queues and the order writes
  // apply in. Lock order: mu_, then head_mu_. What reads or changes any of
  // these takes head_mu_ (with mu_ where it needs series, partitions or
  // policies too); schema listings, partition and cold-tier work and the
  // write path's steps before its apply step take mu_ alone, and the apply
  // step takes head_mu_ alone: one write applies to the head while others
  // resolve, build and log theirs (with both under mu_, the apply steps and
  // those steps took turns on 2 cores).
  mutable absl::Mutex head_mu_ ABSL_ACQUIRED_AFTER(mu_);
  // Series queued for the background sealer, and its thread.
  std::vector<uint64_t> seal_queue_ ABSL_GUARDED_BY(head_mu_);
  absl::flat_hash_set<uint64_t> queued_ ABSL_GUARDED_BY(head_mu_);
  // Series whose head tail holds a full segment run, for the sealer.
  std::vector<uint64_t> compact_queue_ ABSL_GUARDED_BY(head_mu_);
  // Source of HeadSeries::generation values (never reset, so a series made
  // again after a reopen never meets an old value). Changed with mu_ and
  // head_mu_ held, or for a series no other thread knows yet (mu_ alone).
  std::atomic<uint64_t> head_generation_{0};
  bool stop_sealer_ ABSL_GUARDED_BY(head_mu_) = false;
  std::thread sealer_;
  bool closed_ ABSL_GUARDED_BY(mu_) = true;
  std::unique_ptr<rocksdb::DB> rocks_;
  // Shared by every open of this DBImpl (reopen in place keeps counting).
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::shared_ptr<rocksdb::Statistics> rocks_stats_;
  // Options of every partition column family, made and reopened alike
  // (shared block cache, no compression). Set by OpenLocked.
  rocksdb::ColumnFamilyOptions partition_cf_options_;
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* index_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* wal_cf_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles_;

  std::map<std::string, DatabaseState> dbs_ ABSL_GUARDED_BY(mu_);
  // The names of dbs_, for ListDatabases: every write request of luxd asks
  // whether its database exists, and waiting for mu_ (held exclusively by
  // other writes' apply steps) left its thread idle where it could have
  // parsed. A leaf lock, set from dbs_ (PublishDatabaseNames) whenever a
  // database comes or goes.
  mutable absl::Mutex names_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::vector<std::string> db_names_ ABSL_GUARDED_BY(names_mu_);
  void PublishDatabaseNames() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) ABSL_LOCKS_EXCLUDED(names_mu_);
  absl::flat_hash_map<uint64_t, std::unique_ptr<Series>> series_ ABSL_GUARDED_BY(mu_);
  // Series whose head holds points, each at HeadSeries::active_pos: adding
  // one appends, removing one moves the last into its place. (A hash set
  // cost a first wave of 128,000 new series ~5 % of its time: growing
  // tables, scattered inserts.) Any order.
  std::vector<uint64_t> active_ ABSL_GUARDED_BY(head_mu_);
  void Activate(uint64_t sid, HeadSeries& h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(head_mu_);
  void Deactivate(HeadSeries& h) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_, head_mu_);
  // TagSetKey(db, rp, measurement, tags) -> its series, one per field: one
  // lookup per unit on the write path.
  TagSetIndex tagsets_ ABSL_GUARDED_BY(mu_);
  // (db, rp) -> partition start -> partition.
  std::map<std::pair<std::string, std::string>, std::map<int64_t, std::unique_ptr<Partition>>>
      partitions_ ABSL_GUARDED_BY(mu_);
  // WAL seq -> number of head series whose oldest unsealed point is there.
  // A write's own record is kept from its sequence step on by
  // next_apply_seq_ (nothing at or after it is deleted).
  absl::btree_map<uint64_t, int> pins_ ABSL_GUARDED_BY(head_mu_);
  // A RocksDB write failed (I/O error, full disk): RocksDB stops writes
  // until Resume(), which the next write attempts.
  std::atomic<bool> needs_resume_{false};
  // Series ids recorded twice for one series key (a write that failed in
  // the process but reached the disk) -> the id in use.
  absl::flat_hash_map<uint64_t, uint64_t> sid_aliases_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  // Writes apply to the head in log order: the next seq to apply. Equal to
  // next_seq_ whenever no write is in flight.
  uint64_t next_apply_seq_ ABSL_GUARDED_BY(head_mu_) = 1;
  std::function<void()> test_after_log_write_ ABSL_GUARDED_BY(mu_);
  // Bumped by DrainWrites and policy changes: series pointers resolved
  // under a shared lock are valid only while it stays the same.
  uint64_t layout_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  size_t nondurable_series_ ABSL_GUARDED_BY(mu_) = 0;
  // Write observers, called under head_mu_ in log order (Write's apply
  // step).
  std::map<uint64_t, WriteObserver> observers_ ABSL_GUARDED_BY(head_mu_);
  uint64_t next_observer_id_ ABSL_GUARDED_BY(head_mu_) = 1;
  // Batch ids written within Options::batch_id_window_ns, and those being
  // written (pending), with the answer to repeat; oldest first in
  // batch_order_ for expiry.
  struct BatchRecord {
    int64_t time_ns = 0;
    size_t points_written = 0;
    bool pending = false;
  };
  absl::flat_hash_map<std::string, BatchRecord> batches_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<int64_t, std::string>> batch_order_ ABSL_GUARDED_BY(mu_);
  uint64_t wal_tail_ ABSL_GUARDED_BY(mu_) = 1;  // lowest seq not yet deleted
  uint64_t next_sid_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_partition_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Points in the head: changed under head_mu_, read by writes without it.
  std::atomic<size_t> head_points_{0};
  mutable std::atomic<uint64_t> corrupt_blocks_{0};  // counted by readers too
  std::atomic<uint64_t> blocks_written_{0};          // counted by the sealer outside mu_
  std::atomic<uint64_t> seal_failures_{0};
  std::atomic<uint64_t> head_segments_built_{0};  // installed by CompactHeads
  std::atomic<uint64_t> head_compactions_discarded_{0};
  // Write records logged by this process: bytes before zstd, bytes written.
  std::atomic<uint64_t> log_bytes_uncompressed_{0};
  std::atomic<uint64_t> log_bytes_logged_{0};
};

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_DB_IMPL_H_
