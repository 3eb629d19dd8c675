// File: db_seal.cc
// Sealing head chunks into blocks and truncating the log (warm path, per
// block). A late chunk that overlaps stored blocks is merged with them, so
// a series' blocks never overlap within a partition.
#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/db/aggregate.h"
#include "engine/db/block_io.h"
#include "engine/db/db_impl.h"
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
  rocksdb::ColumnFamilyOptions cfo;
  cfo.compression = rocksdb::kNoCompression;  // blocks are compressed already
  RETURN_IF_ERROR(
      FromRocks(rocks_->CreateColumnFamily(cfo, p->cf_name, &p->cf), "creating a partition"));
  all_handles_.push_back(p->cf);
  RETURN_IF_ERROR(FromRocks(
      rocks_->Put(WriteOpts(), meta_cf_, PartitionKey(p->cf_name), EncodePartition(p->info)),
      "recording a partition"));
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

absl::Status DBImpl::SealSeries(uint64_t sid, rocksdb::WriteBatch* batch) {
  const Series& s = *series_.at(sid);
  if (s.head.points.size() == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(const RetentionPolicy* rp, ResolveRp(s.db, s.rp));
  const Column all = SortedUnique(s.head.points, s.head.in_order);
  // One run per partition.
  for (size_t lo = 0; lo < all.size();) {
    ASSIGN_OR_RETURN(Partition * part, GetOrCreatePartition(s.db, *rp, all.ts[lo]));
    size_t hi = lo;
    while (hi < all.size() && all.ts[hi] < part->info.end_ns) ++hi;
    Column run;
    run.type = all.type;
    for (size_t i = lo; i < hi; ++i) run.PushFrom(all, i);
    // Merge stored blocks that overlap [first, last] of the run.
    Column old;
    old.type = all.type;
    std::unique_ptr<rocksdb::Iterator> it(rocks_->NewIterator(rocksdb::ReadOptions(), part->cf));
    const std::string first_key = BlockKey(sid, run.ts.front());
    it->SeekForPrev(first_key);
    if (!it->Valid()) it->Seek(first_key);
    for (; it->Valid(); it->Next()) {
      uint64_t ksid;
      int64_t kfirst;
      if (!DecodeBlockKey(std::string_view(it->key().data(), it->key().size()), &ksid, &kfirst)) {
        continue;
      }
      if (ksid < sid) continue;  // SeekForPrev landed on the previous series
      if (ksid > sid || kfirst > run.ts.back()) break;
      const std::string_view block(it->value().data(), it->value().size());
      auto header = codec::ReadBlockHeader(block);
      if (header.ok() && header->last_ts < run.ts.front()) continue;
      codec::BlockHeader hd;
      absl::Status st = DecodeColumnBlock(block, &hd, &old);
      if (!st.ok()) {
        // Never silently drop stored data: refuse to seal over a corrupt block.
        ++corrupt_blocks_;
        return absl::DataLossError(absl::StrCat("sealing series ", sid, ": ", st.message()));
      }
      batch->Delete(part->cf, it->key());
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading blocks to merge"));
    if (old.size() != 0) run = MergeColumns(old, run);
    for (size_t c = 0; c < run.size(); c += options_.block_points) {
      const size_t n = std::min(options_.block_points, run.size() - c);
      std::string block;
      EncodeColumnBlock(run, c, n, &block);
      batch->Put(part->cf, BlockKey(sid, run.ts[c]), block);
      ++blocks_written_;
    }
    lo = hi;
  }
  return absl::OkStatus();
}

absl::Status DBImpl::SealAndTruncate(const std::vector<uint64_t>& only) {
  std::vector<uint64_t> sids = only;
  if (sids.empty()) {
    sids.assign(active_.begin(), active_.end());
    std::sort(sids.begin(), sids.end());
  }
  if (sids.empty()) return absl::OkStatus();
  rocksdb::WriteBatch b;
  absl::btree_map<uint64_t, int> pins = pins_;
  for (uint64_t sid : sids) {
    RETURN_IF_ERROR(SealSeries(sid, &b));
    const HeadSeries& h = series_.at(sid)->head;
    if (h.points.size() == 0) continue;
    auto it = pins.find(h.pinned_seq);
    if (--it->second == 0) pins.erase(it);
  }
  const uint64_t new_tail = pins.empty() ? next_seq_ : pins.begin()->first;
  if (new_tail > wal_tail_) {
    b.DeleteRange(wal_cf_, WalKey(wal_tail_), WalKey(new_tail));
  }
  RETURN_IF_ERROR(WriteToRocks(&b, "sealing blocks"));
  for (uint64_t sid : sids) {
    HeadSeries& h = series_.at(sid)->head;
    active_.erase(sid);
    head_points_ -= h.points.size();
    h.points.Clear();
    h.in_order = true;
  }
  pins_.swap(pins);
  wal_tail_ = std::max(wal_tail_, new_tail);
  return absl::OkStatus();
}

absl::Status DBImpl::ReclaimLogSpace() {
  rocksdb::FlushOptions fo;
  RETURN_IF_ERROR(FromRocks(rocks_->Flush(fo, all_handles_), "flushing memtables"));
  rocksdb::CompactRangeOptions co;
  return FromRocks(rocks_->CompactRange(co, wal_cf_, nullptr, nullptr), "compacting the log");
}

absl::Status DBImpl::Flush() {
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(CheckWritable());
  RETURN_IF_ERROR(SealAndTruncate({}));
  return ReclaimLogSpace();
}

}  // namespace lux::engine
