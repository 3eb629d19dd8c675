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
  HeadSeries& h = head_[sid];
  if (h.ts.empty()) return absl::OkStatus();
  const Series& s = *series_[sid];
  ASSIGN_OR_RETURN(const RetentionPolicy* rp, ResolveRp(s.db, s.rp));
  // Time order; for a repeated timestamp the last arrival wins.
  std::vector<uint32_t> order(h.ts.size());
  std::iota(order.begin(), order.end(), 0);
  if (!h.in_order) {
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return h.ts[a] < h.ts[b]; });
  }
  std::vector<int64_t> ts;
  std::vector<FieldValue> values;
  ts.reserve(order.size());
  values.reserve(order.size());
  for (uint32_t i : order) {
    if (!ts.empty() && ts.back() == h.ts[i]) {
      values.back() = h.values[i];
    } else {
      ts.push_back(h.ts[i]);
      values.push_back(h.values[i]);
    }
  }
  // One run per partition.
  for (size_t lo = 0; lo < ts.size();) {
    ASSIGN_OR_RETURN(Partition * part, GetOrCreatePartition(s.db, *rp, ts[lo]));
    size_t hi = lo;
    while (hi < ts.size() && ts[hi] < part->info.end_ns) ++hi;
    std::vector<int64_t> run_ts(ts.begin() + lo, ts.begin() + hi);
    std::vector<FieldValue> run_v(values.begin() + lo, values.begin() + hi);
    // Merge stored blocks that overlap [first, last] of the run.
    std::vector<int64_t> old_ts;
    std::vector<FieldValue> old_v;
    std::unique_ptr<rocksdb::Iterator> it(rocks_->NewIterator(rocksdb::ReadOptions(), part->cf));
    const std::string first_key = BlockKey(sid, run_ts.front());
    it->SeekForPrev(first_key);
    if (!it->Valid()) it->Seek(first_key);
    for (; it->Valid(); it->Next()) {
      uint64_t ksid;
      int64_t kfirst;
      if (!DecodeBlockKey(std::string_view(it->key().data(), it->key().size()), &ksid, &kfirst)) {
        continue;
      }
      if (ksid < sid) continue;  // SeekForPrev landed on the previous series
      if (ksid > sid) break;
      if (kfirst > run_ts.back()) break;
      const std::string_view block(it->value().data(), it->value().size());
      auto header = codec::ReadBlockHeader(block);
      if (header.ok() && header->last_ts < run_ts.front()) continue;
      codec::BlockHeader hd;
      absl::Status st = DecodePointsBlock(block, &hd, &old_ts, &old_v);
      if (!st.ok()) {
        // Never silently drop stored data: refuse to seal over a corrupt block.
        ++corrupt_blocks_;
        return absl::DataLossError(absl::StrCat("sealing series ", sid, ": ", st.message()));
      }
      batch->Delete(part->cf, it->key());
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading blocks to merge"));
    if (!old_ts.empty()) {
      // Stored points not overwritten by the run are kept; the run wins ties.
      std::vector<int64_t> mts;
      std::vector<FieldValue> mv;
      size_t a = 0, b = 0;
      while (a < old_ts.size() || b < run_ts.size()) {
        if (b == run_ts.size() || (a < old_ts.size() && old_ts[a] < run_ts[b])) {
          mts.push_back(old_ts[a]);
          mv.push_back(std::move(old_v[a++]));
        } else {
          if (a < old_ts.size() && old_ts[a] == run_ts[b]) ++a;
          mts.push_back(run_ts[b]);
          mv.push_back(std::move(run_v[b++]));
        }
      }
      run_ts.swap(mts);
      run_v.swap(mv);
    }
    for (size_t c = 0; c < run_ts.size(); c += options_.block_points) {
      const size_t n = std::min(options_.block_points, run_ts.size() - c);
      std::string block;
      EncodePointsBlock(s.type, std::span(run_ts).subspan(c, n), std::span(run_v).subspan(c, n),
                        &block);
      batch->Put(part->cf, BlockKey(sid, run_ts[c]), block);
      ++blocks_written_;
    }
    lo = hi;
  }
  return absl::OkStatus();
}

absl::Status DBImpl::SealAndTruncate(const std::vector<uint64_t>& only) {
  std::vector<uint64_t> sids = only;
  if (sids.empty()) {
    for (const auto& [sid, h] : head_) {
      if (!h.ts.empty()) sids.push_back(sid);
    }
  }
  if (sids.empty()) return absl::OkStatus();
  rocksdb::WriteBatch b;
  absl::btree_map<uint64_t, int> pins = pins_;
  for (uint64_t sid : sids) {
    RETURN_IF_ERROR(SealSeries(sid, &b));
    const HeadSeries& h = head_[sid];
    if (h.ts.empty()) continue;
    auto it = pins.find(h.pinned_seq);
    if (--it->second == 0) pins.erase(it);
  }
  const uint64_t new_tail = pins.empty() ? next_seq_ : pins.begin()->first;
  if (new_tail > wal_tail_) {
    b.DeleteRange(wal_cf_, WalKey(wal_tail_), WalKey(new_tail));
  }
  RETURN_IF_ERROR(FromRocks(rocks_->Write(WriteOpts(), &b), "sealing blocks"));
  for (uint64_t sid : sids) {
    HeadSeries& h = head_[sid];
    head_points_ -= h.ts.size();
    h.ts.clear();
    h.values.clear();
    h.ts.shrink_to_fit();
    h.values.shrink_to_fit();
    h.in_order = true;
  }
  pins_.swap(pins);
  wal_tail_ = std::max(wal_tail_, new_tail);
  return absl::OkStatus();
}

absl::Status DBImpl::Flush() {
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(CheckOpen());
  return SealAndTruncate({});
}

}  // namespace lux::engine
