// File: db_seal.cc
// Sealing head chunks into blocks and truncating the log (warm path, per
// block). A late chunk that overlaps stored blocks is merged with them, so
// a series' blocks never overlap within a partition.
#include <algorithm>
#include <map>
#include <numeric>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/db/aggregate.h"
#include "engine/db/block_io.h"
#include "engine/db/db_impl.h"
#include "engine/db/db_testing.h"
#include "engine/db/rocks_status.h"

namespace lux::engine {

absl::StatusOr<Partition*> DBImpl::GetOrCreatePartition(const std::string& db,
                                                        const RetentionPolicy& rp, int64_t ts) {
  const int64_t start = WindowStart(ts, rp.partition_ns, 0);
  auto& parts = partitions_[{db, rp.name}];
  auto it = parts.find(start);
  if (it != parts.end()) return it->second.get();
  auto p = std::make_unique<Partition>();
  p->info = PartitionInfo{db, rp.name, start, start + rp.partition_ns};
  p->cf_name = absl::StrCat("p", next_partition_id_++);
  RETURN_IF_ERROR(FromRocks(rocks_->CreateColumnFamily(partition_cf_options_, p->cf_name, &p->cf),
                            "creating a partition"));
  all_handles_.push_back(p->cf);
  rocksdb::WriteBatch b;
  b.Put(meta_cf_, PartitionKey(p->cf_name), EncodePartition(p->info));
  // Cold from the start (old data arriving): every block of it is sealed
  // with the entropy stage, none needs re-encoding.
  p->cold_encoded = EntropyFor(*p);
  if (p->cold_encoded) b.Put(meta_cf_, ColdPartitionKey(p->cf_name), "");
  RETURN_IF_ERROR(FromRocks(rocks_->Write(WriteOpts(), &b), "recording a partition"));
  Partition* raw = p.get();
  parts[start] = std::move(p);
  return raw;
}

std::vector<const Partition*> DBImpl::PartitionsOf(const std::string& db, const std::string& rp,
                                                   int64_t start, int64_t end) const {
  std::vector<const Partition*> out;
  auto it = partitions_.find({db, rp});
  if (it == partitions_.end()) return out;
  for (const auto& [pstart, p] : it->second) {
    if (p->info.end_ns > start && pstart < end) out.push_back(p.get());
  }
  return out;
}

struct DBImpl::SealJob {
  uint64_t sid = 0;
  const Series* series = nullptr;  // stable while seal_mu_ is held
  size_t taken = 0;                // the head's first points, sealed
  // Under mu_: the segments holding the first of those points (shared,
  // immutable) and, in `points`, the rest from the tail. Without mu_, the
  // segments are decoded in front of them.
  std::vector<std::shared_ptr<const HeadSegment>> segments;
  Column points;
  bool in_order = true;
  std::map<int64_t, Partition*> partitions;  // by start, covering the points
};

absl::Status DBImpl::BuildBlocks(const SealJob& job, rocksdb::WriteBatch* batch) {
  const uint64_t sid = job.sid;
  const Column all = SortedUnique(job.points, job.in_order);
  // One run per partition.
  for (size_t lo = 0; lo < all.size();) {
    auto pit = job.partitions.upper_bound(all.ts[lo]);
    LUX_CHECK(pit != job.partitions.begin(), "sealed point outside its partitions");
    const Partition* part = std::prev(pit)->second;
    size_t hi = lo;
    while (hi < all.size() && all.ts[hi] < part->info.end_ns) ++hi;
    Column run = Slice(all, all.ts[lo], hi < all.size() ? all.ts[hi] : all.ts.back() + 1);
    // Merge stored blocks that overlap [first, last] of the run, and the
    // block just before it when both fit one block: a partition's points
    // sealed in pieces (a head cut at block_points, one aged out every
    // hour) end up in full blocks, not in a tail of small ones.
    Column old;
    old.type = all.type;
    const size_t max_block = MaxBlockPoints();
    RETURN_IF_ERROR(ForEachBlock(
        part->cf, sid, run.ts.front(), run.ts.back() + 1,
        [&](const rocksdb::Slice& key, int64_t, std::string_view block) {
          auto header = codec::ReadBlockHeader(block);
          if (header.ok() && header->last_ts < run.ts.front() &&
              header->count + run.size() > max_block) {
            return absl::OkStatus();
          }
          codec::BlockHeader hd;
          if (absl::Status st = DecodeColumnBlock(block, &hd, &old); !st.ok()) {
            // Never silently drop stored data: refuse to seal over a corrupt block.
            ++corrupt_blocks_;
            return absl::DataLossError(absl::StrCat("sealing series ", sid, ": ", st.message()));
          }
          batch->Delete(part->cf, key);
          return absl::OkStatus();
        }));
    if (old.size() != 0) run = MergeColumns(old, run);
    // Blocks of equal size, none above max_block.
    const size_t blocks = (run.size() + max_block - 1) / max_block;
    for (size_t b = 0, c = 0; b < blocks; ++b) {
      const size_t n = (run.size() - c) / (blocks - b);
      std::string block;
      EncodeColumnBlock(run, c, n, &block, BlockOptionsFor(*part));
      batch->Put(part->cf, BlockKey(sid, run.ts[c]), block);
      ++blocks_written_;
      c += n;
    }
    lo = hi;
  }
  return absl::OkStatus();
}

namespace {

// WAL seq pinning a head once its first `taken` points are gone.
std::optional<uint64_t> SeqAfterDrop(const HeadSeries& h, size_t taken) {
  if (taken >= h.size()) return std::nullopt;
  uint64_t seq = h.marks.front().second;
  for (const auto& [index, s] : h.marks) {
    if (index > taken) break;
    seq = s;
  }
  return seq;
}

}  // namespace

void DBImpl::DropSealed(HeadSeries& h, size_t taken) {
  const size_t n = h.size();
  Unpin(h.marks.front().second);
  head_points_ -= std::min(taken, n);
  h.generation = ++head_generation_;
  if (taken >= n) {
    h.DropPrefix(n);
    h.marks.clear();
    h.in_order = true;
    Deactivate(h);
    return;
  }
  const uint64_t first = *SeqAfterDrop(h, taken);
  h.DropPrefix(taken);
  std::vector<std::pair<uint32_t, uint64_t>> marks = {{0, first}};
  for (const auto& [index, seq] : h.marks) {
    if (index > taken) marks.emplace_back(uint32_t(index - taken), seq);
  }
  h.marks.swap(marks);
  h.opened_ns = Now();  // the rest arrived while the sealed part was encoded
  ++pins_[first];
}

absl::Status DBImpl::Seal(std::vector<uint64_t> sids, bool full_blocks_only) {
  // 1. Snapshot the heads: segments are shared, only the tail is copied.
  std::vector<SealJob> jobs;
  {
    absl::ReaderMutexLock l(&mu_);
    absl::ReaderMutexLock h(&head_mu_);
    RETURN_IF_ERROR(CheckOpen());
    if (sids.empty()) sids.assign(active_.begin(), active_.end());
    std::sort(sids.begin(), sids.end());
    sids.erase(std::unique(sids.begin(), sids.end()), sids.end());
    for (uint64_t sid : sids) {
      auto it = series_.find(sid);
      if (it == series_.end() || it->second->head.size() == 0) continue;
      const Series& s = *it->second;
      const HeadSeries& h = s.head;
      size_t taken = h.size();
      if (full_blocks_only) taken -= taken % options_.block_points;
      if (taken == 0) continue;
      SealJob job;
      job.sid = sid;
      job.series = &s;
      job.taken = taken;
      job.in_order = h.in_order;
      size_t covered = 0;
      for (size_t k = 0; k < h.segments.size() && covered < taken; ++k) {
        job.segments.push_back(h.segments[k]);
        covered += h.segments[k]->count;
      }
      job.points = Prefix(h.tail, taken > covered ? taken - covered : 0);
      jobs.push_back(std::move(job));
    }
  }
  if (jobs.empty()) return absl::OkStatus();
  // Decode with no lock held. The sealed prefix cannot change meanwhile:
  // whatever removes head points holds seal_mu_, and compaction keeps the
  // logical sequence.
  for (SealJob& job : jobs) {
    if (!job.segments.empty()) {
      Column all;
      all.type = job.series->type;
      all.ts.reserve(job.taken);
      all.bits.reserve(job.taken);
      for (const auto& seg : job.segments) DecodeHeadSegment(*seg, &all);
      job.segments.clear();
      for (size_t i = 0; i < job.points.size(); ++i) all.PushFrom(job.points, i);
      if (all.size() > job.taken) all = Prefix(all, job.taken);
      job.points = std::move(all);
    }
    LUX_CHECK(job.points.size() == job.taken, "sealed head prefix changed size");
  }
  // Find (or make) the partitions of the points.
  {
    absl::MutexLock l(&mu_);
    RETURN_IF_ERROR(CheckOpen());
    for (SealJob& job : jobs) {
      const Series& s = *job.series;
      ASSIGN_OR_RETURN(const RetentionPolicy* rp, ResolveRp(s.db, s.rp));
      for (int64_t ts : job.points.ts) {
        const int64_t start = WindowStart(ts, rp->partition_ns, 0);
        if (job.partitions.contains(start)) continue;
        ASSIGN_OR_RETURN(Partition * p, GetOrCreatePartition(s.db, *rp, ts));
        job.partitions[start] = p;
      }
    }
  }
  if (jobs.empty()) return absl::OkStatus();
  // 2. Encode, merging with stored blocks; writers carry on meanwhile.
  rocksdb::WriteBatch b;
  for (const SealJob& job : jobs) RETURN_IF_ERROR(BuildBlocks(job, &b));
  // 3. Commit with the log truncation, and drop the sealed points.
  absl::MutexLock l(&mu_);
  absl::MutexLock h(&head_mu_);
  absl::btree_map<uint64_t, int> pins = pins_;
  for (const SealJob& job : jobs) {
    const HeadSeries& h = job.series->head;
    auto it = pins.find(h.marks.front().second);
    if (--it->second == 0) pins.erase(it);
    if (auto next = SeqAfterDrop(h, job.points.size())) ++pins[*next];
  }
  // Records of writes not applied yet (from next_apply_seq_ on) stay.
  const uint64_t new_tail =
      pins.empty() ? next_apply_seq_ : std::min(next_apply_seq_, pins.begin()->first);
  if (new_tail > wal_tail_) b.DeleteRange(wal_cf_, WalKey(wal_tail_), WalKey(new_tail));
  RETURN_IF_ERROR(WriteToRocks(&b, "sealing blocks", /*sync=*/false));
  for (const SealJob& job : jobs) {
    DropSealed(series_.at(job.sid)->head, job.points.size());
  }
  wal_tail_ = std::max(wal_tail_, new_tail);
  return absl::OkStatus();
}

void DBImpl::CompactHeads(const std::vector<uint64_t>& sids) {
  const size_t seg = options_.head_segment_points;
  if (seg == 0) return;
  struct Job {
    uint64_t sid = 0;
    uint64_t generation = 0;
    Column run;  // whole segments' worth of the tail's first points
    std::vector<std::shared_ptr<const HeadSegment>> segments;
  };
  std::vector<Job> jobs;
  {
    absl::ReaderMutexLock l(&mu_);
    absl::ReaderMutexLock h(&head_mu_);
    if (closed_) return;
    for (uint64_t sid : sids) {
      auto it = series_.find(sid);
      if (it == series_.end()) continue;
      const HeadSeries& h = it->second->head;
      const size_t n = h.tail.size() - h.tail.size() % seg;
      if (n == 0 || h.tail.is_string()) continue;
      Job& job = jobs.emplace_back();
      job.sid = sid;
      job.generation = h.generation;
      job.run = Prefix(h.tail, n);
    }
  }
  if (jobs.empty()) return;
  for (Job& job : jobs) {
    for (size_t off = 0; off < job.run.size(); off += seg) {
      job.segments.push_back(EncodeHeadSegment(job.run, off, seg));
    }
  }
  absl::MutexLock l(&mu_);
  absl::MutexLock h(&head_mu_);
  for (Job& job : jobs) {
    auto it = series_.find(job.sid);
    if (it == series_.end() || it->second->head.generation != job.generation) {
      ++head_compactions_discarded_;  // sealed or deleted meanwhile
      continue;
    }
    HeadSeries& h = it->second->head;
    // Only appends happened since the copy: the run is still the tail's start.
    LUX_DCHECK(h.tail.size() >= job.run.size() && h.tail.ts.front() == job.run.ts.front(),
               "BUG: head tail changed under an unchanged generation");
    head_segments_built_ += job.segments.size();
    h.InstallSegments(std::move(job.segments), job.run.size());
    h.generation = ++head_generation_;  // a second copy of this run must not install
  }
}

// Series queued for compaction that wake the sealer: fewer wake-ups (each
// takes head_mu_, which the write path's apply step needs) at the cost of tails
// a little longer; fewer wait for the once-a-second round.
constexpr size_t kCompactBatch = 32;

void DBImpl::SealerLoop() {
  bool cold_pending = true;  // cold partitions to re-encode: go on without waiting
  absl::Time last_cold_check = absl::InfinitePast();
  for (;;) {
    std::vector<uint64_t> sids, aged, compact;
    {
      // Waits with head_mu_ alone (what the queues and stop_sealer_ live
      // under), then takes mu_ before it: the lock order.
      absl::MutexLock h(&head_mu_);
      head_mu_.AwaitWithTimeout(absl::Condition(
                                    +[](DBImpl* d) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                      return d->stop_sealer_ || !d->seal_queue_.empty() ||
                                             d->compact_queue_.size() >= kCompactBatch ||
                                             d->head_points_ >= d->options_.max_head_points / 2;
                                    },
                                    this),
                                cold_pending ? absl::ZeroDuration() : absl::Seconds(1));
      if (stop_sealer_) return;  // Close seals what is left
    }
    {
      absl::MutexLock l(&mu_);
      absl::MutexLock h(&head_mu_);
      if (stop_sealer_) return;
      sids.swap(seal_queue_);
      queued_.clear();
      compact.swap(compact_queue_);
      for (uint64_t sid : compact) {
        auto it = series_.find(sid);
        if (it != series_.end()) it->second->head.compact_queued = false;
      }
      if (head_points_ >= options_.max_head_points / 2 && !closed_) {
        // Memory pressure: seal every head, partial blocks too.
        aged.assign(active_.begin(), active_.end());
      } else if (options_.max_head_age_ns > 0 && !closed_) {
        const int64_t cutoff = Now() - options_.max_head_age_ns;
        for (uint64_t sid : active_) {
          if (series_.at(sid)->head.opened_ns <= cutoff) aged.push_back(sid);
        }
      }
    }
    // Compress full tail runs first (cheap, no seal_mu_): a seal then
    // shares the segments instead of copying raw points.
    if (!compact.empty()) CompactHeads(compact);
    const bool cold_due = cold_pending || absl::Now() - last_cold_check >= absl::Seconds(1);
    if (sids.empty() && aged.empty() && !cold_due) continue;
    absl::MutexLock s(&seal_mu_);
    // A failed seal leaves the points in the head; the series is queued
    // again by its next write.
    if (!sids.empty() && !Seal(std::move(sids), /*full_blocks_only=*/true).ok()) ++seal_failures_;
    if (!aged.empty() && !Seal(std::move(aged)).ok()) ++seal_failures_;
    // Then a chunk of cold re-encoding (partitions turn cold as time
    // passes: checked every round). A failure is retried next round.
    if (!cold_due) continue;
    last_cold_check = absl::Now();
    auto more = EncodeColdStep();
    if (!more.ok()) ++seal_failures_;
    cold_pending = more.ok() && *more;
  }
}

void DBImpl::TEST_CompactHeads() {
  std::vector<uint64_t> sids;
  {
    absl::ReaderMutexLock l(&mu_);
    absl::ReaderMutexLock h(&head_mu_);
    sids.assign(active_.begin(), active_.end());
  }
  CompactHeads(sids);
}

absl::Status DBImpl::TEST_SealFullBlocks() {
  absl::MutexLock s(&seal_mu_);
  std::vector<uint64_t> sids;
  {
    absl::ReaderMutexLock l(&mu_);
    absl::ReaderMutexLock h(&head_mu_);
    sids.assign(active_.begin(), active_.end());
  }
  if (sids.empty()) return absl::OkStatus();
  return Seal(std::move(sids), /*full_blocks_only=*/true);
}

void TEST_CompactHeads(DB* db) { static_cast<DBImpl*>(db)->TEST_CompactHeads(); }

absl::Status TEST_SealFullBlocks(DB* db) { return static_cast<DBImpl*>(db)->TEST_SealFullBlocks(); }

// Blocks re-encoded per step: ~250 blocks of a day are ~10-50 ms of work,
// during which seals wait.
constexpr size_t kColdChunkBlocks = 256;

absl::StatusOr<bool> DBImpl::EncodeColdStep() {
  if (!options_.entropy_coding) return false;
  Partition* part = nullptr;
  {
    absl::ReaderMutexLock l(&mu_);
    if (closed_) return false;  // e.g. a recovery reopen that failed
    for (auto& [key, parts] : partitions_) {
      for (auto& [start, p] : parts) {
        if (p->cold_encoded || p->cold_pass_done || !EntropyFor(*p)) continue;
        if (part == nullptr || p->cf_name == cold_cf_) part = p.get();
      }
    }
  }
  if (part == nullptr) return false;
  if (part->cf_name != cold_cf_) {
    cold_cf_ = part->cf_name;
    cold_resume_key_.clear();
  }
  // The partition stays while seal_mu_ is held (drops take it).
  rocksdb::WriteBatch batch;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // one pass over old blocks: keep the cache for queries
  std::unique_ptr<rocksdb::Iterator> it(rocks_->NewIterator(ro, part->cf));
  size_t n = 0, rewritten = 0, corrupt = 0;
  for (it->Seek(cold_resume_key_); it->Valid() && n < kColdChunkBlocks; it->Next(), ++n) {
    const std::string_view block(it->value().data(), it->value().size());
    auto header = codec::ReadBlockHeader(block);
    if (header.ok() &&
        (header->type == codec::ValueType::kBool || header->type == codec::ValueType::kString)) {
      continue;  // their codecs have no cold form
    }
    Column c;
    c.type = header.ok() ? FieldTypeOf(header->type) : FieldType::kFloat;
    codec::BlockHeader h;
    if (!header.ok() || !DecodeColumnBlock(block, &h, &c).ok()) {
      ++corrupt;  // it stays as it is (queries report it); never dropped
      continue;
    }
    std::string cold;
    EncodeColumnBlock(c, 0, c.size(), &cold, kColdTier);
    if (cold.size() < block.size()) {
      batch.Put(part->cf, it->key(), cold);
      ++rewritten;
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading a cold partition"));
  const bool done = !it->Valid();
  const std::string resume = done ? std::string() : it->key().ToString();
  it.reset();
  {
    // Not synced: a re-encode lost in a crash is redone.
    absl::MutexLock l(&mu_);
    RETURN_IF_ERROR(WriteToRocks(&batch, "re-encoding a cold partition", /*sync=*/false));
  }
  blocks_reencoded_ += rewritten;
  corrupt_blocks_ += corrupt;
  if (!done) {
    cold_resume_key_ = resume;
    return true;
  }
  cold_cf_.clear();
  cold_resume_key_.clear();
  // The replaced blocks take space until RocksDB compacts them away: the
  // cold compactor does that, then marks the partition.
  part->cold_pass_done = true;
  cold_compact_queue_.push_back(part->cf_name);
  return true;  // the next cold partition, if any, on the next step
}

Partition* DBImpl::FindPartitionByCf(const std::string& cf_name) {
  for (auto& [key, parts] : partitions_) {
    for (auto& [start, p] : parts) {
      if (p->cf_name == cf_name) return p.get();
    }
  }
  return nullptr;
}

void DBImpl::PauseColdCompaction() {
  if (cold_compacting_.empty()) return;
  // Counted while waiting: the compactor starts no other compaction until
  // the waiters have the lock (else it could start the next queued one
  // before a waiter wakes, and the waiter would wait for that too).
  ++cold_pause_waiters_;
  cancel_cold_compaction_ = true;
  seal_mu_.Await(absl::Condition(
      +[](DBImpl* d) ABSL_NO_THREAD_SAFETY_ANALYSIS { return d->cold_compacting_.empty(); }, this));
  --cold_pause_waiters_;
}

void DBImpl::ColdCompactorLoop() {
  for (;;) {
    std::string name;
    rocksdb::ColumnFamilyHandle* cf = nullptr;
    std::function<void()> hook;
    {
      absl::MutexLock s(&seal_mu_);
      seal_mu_.Await(absl::Condition(
          +[](DBImpl* d) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return d->stop_cold_compactor_ ||
                   (!d->cold_compact_queue_.empty() && d->cold_pause_waiters_ == 0);
          },
          this));
      if (stop_cold_compactor_) return;
      name = std::move(cold_compact_queue_.front());
      cold_compact_queue_.pop_front();
      {
        absl::ReaderMutexLock l(&mu_);
        if (closed_) continue;  // a failed recovery: nothing to compact
        const Partition* p = FindPartitionByCf(name);
        if (p == nullptr || p->cold_encoded) continue;  // dropped meanwhile
        cf = p->cf;
      }
      // From here until cold_compacting_ is cleared, drops and recovery wait
      // in PauseColdCompaction: the handle stays valid.
      cold_compacting_ = name;
      cancel_cold_compaction_ = false;
      hook = test_before_cold_compaction_;
    }
    if (hook) hook();
    rocksdb::CompactRangeOptions co;
    co.canceled = &cancel_cold_compaction_;
    const rocksdb::Status cs = rocks_->CompactRange(co, cf, nullptr, nullptr);
    absl::MutexLock s(&seal_mu_);
    cold_compacting_.clear();
    absl::Status done = FromRocks(cs, "compacting a cold partition");
    absl::MutexLock l(&mu_);
    Partition* p = closed_ ? nullptr : FindPartitionByCf(name);
    if (p == nullptr) continue;
    if (cs.IsIncomplete()) {
      // Cancelled (a drop elsewhere, or a recovery, which clears the queue):
      // compacted again later, its blocks are re-encoded already.
      cold_compact_queue_.push_back(name);
      continue;
    }
    if (done.ok()) {
      // Marked only once compacted: after a failed compaction or a crash,
      // the next pass finds every block in its cold form (nothing to
      // rewrite) and the compaction runs again.
      rocksdb::WriteBatch mark;
      mark.Put(meta_cf_, ColdPartitionKey(name), "");
      done = WriteToRocks(&mark, "marking a cold partition", /*sync=*/false);
    }
    if (done.ok()) {
      p->cold_encoded = true;
      ++cold_partitions_encoded_;
    } else {
      p->cold_pass_done = false;  // the sealer's next pass (a second on) queues it again
      ++seal_failures_;
    }
  }
}

void DBImpl::TEST_SetBeforeColdCompaction(std::function<void()> hook) {
  absl::MutexLock s(&seal_mu_);
  test_before_cold_compaction_ = std::move(hook);
}

absl::Status DBImpl::TEST_EncodeColdPartitions() {
  absl::MutexLock s(&seal_mu_);
  for (;;) {
    ASSIGN_OR_RETURN(bool more, EncodeColdStep());
    if (!more) break;
  }
  seal_mu_.Await(absl::Condition(
      +[](DBImpl* d) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return d->stop_cold_compactor_ ||
               (d->cold_compact_queue_.empty() && d->cold_compacting_.empty());
      },
      this));
  absl::ReaderMutexLock l(&mu_);
  for (const auto& [key, parts] : partitions_) {
    for (const auto& [start, p] : parts) {
      if (EntropyFor(*p) && !p->cold_encoded) {
        return absl::InternalError(
            absl::StrCat("cold partition ", p->cf_name, " was not compacted and marked"));
      }
    }
  }
  return absl::OkStatus();
}

int DBImpl::TEST_ColdPauseWaiters() {
  absl::MutexLock s(&seal_mu_);
  return cold_pause_waiters_;
}

int TEST_ColdPauseWaiters(DB* db) { return static_cast<DBImpl*>(db)->TEST_ColdPauseWaiters(); }

absl::Status TEST_EncodeColdPartitions(DB* db) {
  return static_cast<DBImpl*>(db)->TEST_EncodeColdPartitions();
}

absl::Status DBImpl::ReclaimLogSpace() {
  rocksdb::FlushOptions fo;
  RETURN_IF_ERROR(FromRocks(rocks_->Flush(fo, all_handles_), "flushing memtables"));
  rocksdb::CompactRangeOptions co;
  return FromRocks(rocks_->CompactRange(co, wal_cf_, nullptr, nullptr), "compacting the log");
}

absl::Status DBImpl::Flush() {
  absl::MutexLock s(&seal_mu_);
  if (needs_resume_) PauseColdCompaction();  // recovery below reopens RocksDB
  {
    absl::MutexLock l(&mu_);
    absl::MutexLock h(&head_mu_);
    RETURN_IF_ERROR(CheckOpen());
    RETURN_IF_ERROR(RecoverIfNeeded());
  }
  RETURN_IF_ERROR(Seal({}));
  absl::MutexLock l(&mu_);
  return ReclaimLogSpace();
}

void TEST_SetBeforeColdCompaction(DB* db, std::function<void()> hook) {
  static_cast<DBImpl*>(db)->TEST_SetBeforeColdCompaction(std::move(hook));
}

}  // namespace lux::engine
