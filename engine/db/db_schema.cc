// File: db_schema.cc
// Schema listing and range deletes (cold path).
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/db/block_io.h"
#include "engine/db/db_impl.h"
#include "engine/db/rocks_status.h"

namespace lux::engine {
namespace {

std::vector<std::string> Limited(const std::set<std::string>& s, size_t limit) {
  std::vector<std::string> out;
  for (const auto& v : s) {
    if (limit != 0 && out.size() == limit) break;
    out.push_back(v);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> DBImpl::ListMeasurements(std::string_view db,
                                                                  size_t limit) {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckOpen());
  auto it = dbs_.find(std::string(db));
  if (it == dbs_.end()) {
    return absl::NotFoundError(absl::StrCat("database not found: \"", std::string(db), "\""));
  }
  std::set<std::string> names;
  for (const auto& [m, sids] : it->second.series_by_measurement) {
    if (!sids.empty()) names.insert(m);
  }
  return Limited(names, limit);
}

absl::StatusOr<std::vector<const Series*>> DBImpl::ListingSeries(const Selector& selector) {
  RETURN_IF_ERROR(CheckOpen());
  Selector sel = selector;
  sel.fields.clear();  // a tag set is listed once, whatever its fields
  return MatchSeries(sel, sel.retention_policy.empty());
}

absl::StatusOr<std::vector<std::string>> DBImpl::ListTagKeys(const Selector& selector,
                                                             size_t limit) {
  absl::ReaderMutexLock l(&mu_);
  ASSIGN_OR_RETURN(auto series, ListingSeries(selector));
  std::set<std::string> keys;
  for (const Series* s : series) {
    for (const Tag& t : s->key.tags) keys.insert(t.key);
  }
  return Limited(keys, limit);
}

absl::StatusOr<std::vector<std::string>> DBImpl::ListTagValues(const Selector& selector,
                                                               std::string_view key, size_t limit) {
  absl::ReaderMutexLock l(&mu_);
  ASSIGN_OR_RETURN(auto series, ListingSeries(selector));
  std::set<std::string> values;
  for (const Series* s : series) {
    for (const Tag& t : s->key.tags) {
      if (t.key == key) values.insert(t.value);
    }
  }
  return Limited(values, limit);
}

absl::StatusOr<std::vector<std::pair<std::string, FieldType>>> DBImpl::ListFieldKeys(
    std::string_view db, std::string_view measurement) {
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckOpen());
  auto it = dbs_.find(std::string(db));
  if (it == dbs_.end()) {
    return absl::NotFoundError(absl::StrCat("database not found: \"", std::string(db), "\""));
  }
  std::vector<std::pair<std::string, FieldType>> out;
  auto m = it->second.schema.find(std::string(measurement));
  if (m != it->second.schema.end()) {
    for (const auto& [field, type] : m->second) out.emplace_back(field, type);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> DBImpl::ListSeries(const Selector& selector,
                                                            size_t limit) {
  absl::ReaderMutexLock l(&mu_);
  ASSIGN_OR_RETURN(auto series, ListingSeries(selector));
  std::set<std::string> keys;
  for (const Series* s : series) {
    std::string k = s->key.measurement;
    for (const Tag& t : s->key.tags) absl::StrAppend(&k, ",", t.key, "=", t.value);
    keys.insert(std::move(k));
  }
  return Limited(keys, limit);
}

void DBImpl::DeleteFromHead(const std::vector<uint64_t>& sids, int64_t start, int64_t end) {
  for (uint64_t sid : sids) {
    auto it = series_.find(sid);
    if (it == series_.end()) continue;
    HeadSeries& h = it->second->head;
    h.last_known = false;  // the latest point may be gone
    const size_t before = h.size();
    if (before == 0) continue;
    Column all;
    all.type = h.tail.type;
    h.AppendAll(&all);
    Column kept;
    kept.type = all.type;
    for (size_t i = 0; i < before; ++i) {
      if (all.ts[i] < start || all.ts[i] >= end) kept.PushFrom(all, i);
    }
    if (kept.size() == before) continue;
    head_points_ -= before - kept.size();
    // The rest goes to the tail uncompressed; the sealer compresses it again.
    h.ResetTo(std::move(kept));
    h.generation = ++head_generation_;
    if (h.size() == 0) {
      Unpin(h.marks.front().second);
      h.marks.clear();
      Deactivate(h);
      h.in_order = true;
    } else {
      // Keep pinning from the oldest write: conservative, and rare.
      h.marks.resize(1);
      if (h.tail.size() >= options_.head_segment_points && options_.head_segment_points != 0 &&
          !h.compact_queued && !h.tail.is_string()) {
        h.compact_queued = true;
        compact_queue_.push_back(sid);
      }
    }
  }
}

absl::Status DBImpl::DeleteRange(const Selector& selector, int64_t start, int64_t end) {
  if (start >= end)
    return absl::InvalidArgumentError("delete range is empty: start must be before end");
  absl::MutexLock lock_seal(&seal_mu_);
  if (needs_resume_) PauseColdCompaction();  // recovery below reopens RocksDB
  absl::MutexLock l(&mu_);
  absl::MutexLock h(&head_mu_);
  DrainWrites();  // the delete record takes the next log position
  RETURN_IF_ERROR(CheckOpen());
  RETURN_IF_ERROR(RecoverIfNeeded());
  ASSIGN_OR_RETURN(auto series, MatchSeries(selector, selector.retention_policy.empty()));
  if (series.empty()) return absl::OkStatus();
  rocksdb::WriteBatch b;
  WalDelete del{{}, start, end};
  for (const Series* s : series) {
    del.sids.push_back(s->sid);
    for (const Partition* part : PartitionsOf(s->db, s->rp, start, end)) {
      RETURN_IF_ERROR(ForEachBlock(
          part->cf, s->sid, start, end,
          [&](const rocksdb::Slice& key, int64_t, std::string_view block) -> absl::Status {
            ASSIGN_OR_RETURN(codec::BlockHeader h, codec::ReadBlockHeader(block));
            if (h.last_ts < start) return absl::OkStatus();
            b.Delete(part->cf, key);
            if (h.first_ts >= start && h.last_ts < end) return absl::OkStatus();  // all gone
            Column c;
            c.type = s->type;
            RETURN_IF_ERROR(DecodeColumnBlock(block, &h, &c));
            Column kept;
            kept.type = s->type;
            for (size_t i = 0; i < c.size(); ++i) {
              if (c.ts[i] < start || c.ts[i] >= end) kept.PushFrom(c, i);
            }
            if (kept.size() == 0) return absl::OkStatus();
            std::string rewritten;
            EncodeColumnBlock(kept, 0, kept.size(), &rewritten, BlockOptionsFor(*part));
            b.Put(part->cf, BlockKey(s->sid, kept.ts[0]), rewritten);
            return absl::OkStatus();
          }));
    }
  }
  // The delete record keeps log replay from bringing head points back.
  const uint64_t seq = next_seq_;
  std::string record;
  EncodeWalDelete(del, &record);
  b.Put(wal_cf_, WalKey(seq), record);
  RETURN_IF_ERROR(WriteToRocks(&b, "deleting points"));
  next_seq_ = seq + 1;
  next_apply_seq_ = next_seq_;
  DeleteFromHead(del.sids, start, end);
  return absl::OkStatus();
}

}  // namespace lux::engine
