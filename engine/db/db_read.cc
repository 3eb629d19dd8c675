// File: db_read.cc
// Queries, last values and stats (warm path per block, hot path per point).
#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/codec/block.h"
#include "engine/common/status_macros.h"
#include "engine/db/aggregate.h"
#include "engine/db/block_io.h"
#include "engine/db/db_impl.h"
#include "engine/db/rocks_status.h"

namespace lux::engine {
namespace {

constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
constexpr size_t kMaxWindows = 1'000'000;

std::string TagValue(const std::vector<Tag>& tags, const std::string& key) {
  for (const Tag& t : tags) {
    if (t.key == key) return t.value;
  }
  return "";
}

std::string Describe(const Series& s) {
  std::string out = s.key.measurement;
  for (const Tag& t : s.key.tags) absl::StrAppend(&out, ",", t.key, "=", t.value);
  absl::StrAppend(&out, " ", s.key.field);
  return out;
}

}  // namespace

absl::StatusOr<std::vector<const Series*>> DBImpl::MatchSeries(const Selector& sel, bool all_rps) {
  std::vector<const Series*> out;
  auto db = dbs_.find(sel.database);
  if (db == dbs_.end()) {
    return absl::NotFoundError(absl::StrCat("database not found: \"", sel.database, "\""));
  }
  const DatabaseState& dbstate = db->second;
  ASSIGN_OR_RETURN(const TagMatcher matcher, TagMatcher::Compile(sel.tags));
  std::string rp_name;
  if (!all_rps) {
    ASSIGN_OR_RETURN(const RetentionPolicy* rp, ResolveRp(sel.database, sel.retention_policy));
    rp_name = rp->name;
  }
  auto consider = [&](const std::vector<uint64_t>& sids) {
    for (uint64_t sid : sids) {
      const Series& s = *series_.at(sid);
      if (!all_rps && s.rp != rp_name) continue;
      if (!sel.fields.empty() &&
          std::find(sel.fields.begin(), sel.fields.end(), s.key.field) == sel.fields.end()) {
        continue;
      }
      if (matcher.Matches(s.key.tags)) out.push_back(&s);
    }
  };
  if (sel.measurement.empty()) {
    for (const auto& [m, sids] : dbstate.series_by_measurement) consider(sids);
  } else {
    auto m = dbstate.series_by_measurement.find(sel.measurement);
    if (m != dbstate.series_by_measurement.end()) consider(m->second);
  }
  return out;
}

absl::StatusOr<std::vector<const Series*>> DBImpl::SelectSeries(const Selector& sel,
                                                                const RetentionPolicy** rp) {
  ASSIGN_OR_RETURN(*rp, ResolveRp(sel.database, sel.retention_policy));
  if (sel.measurement.empty()) return absl::InvalidArgumentError("measurement is required");
  return MatchSeries(sel, /*all_rps=*/false);
}

void DBImpl::NoteCorruptBlock(const Series& s, int64_t first_ts, const absl::Status& st,
                              std::vector<std::string>* problems) const {
  ++corrupt_blocks_;
  problems->push_back(absl::StrCat("corrupt block of series ", Describe(s), " starting at ",
                                   first_ts, ": ", st.message()));
}

absl::Status DBImpl::ForEachBlock(
    rocksdb::ColumnFamilyHandle* cf, uint64_t sid, int64_t start, int64_t end,
    const std::function<absl::Status(const rocksdb::Slice& key, int64_t first_ts,
                                     std::string_view block)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(rocks_->NewIterator(rocksdb::ReadOptions(), cf));
  const std::string first_key = BlockKey(sid, start);
  // The block covering `start` begins at or before it.
  it->SeekForPrev(first_key);
  if (!it->Valid()) it->Seek(first_key);
  for (; it->Valid(); it->Next()) {
    uint64_t ksid;
    int64_t kfirst;
    if (!DecodeBlockKey(std::string_view(it->key().data(), it->key().size()), &ksid, &kfirst)) {
      continue;
    }
    if (ksid < sid) continue;  // SeekForPrev landed on the previous series
    if (ksid > sid || kfirst >= end) break;
    RETURN_IF_ERROR(
        fn(it->key(), kfirst, std::string_view(it->value().data(), it->value().size())));
  }
  return FromRocks(it->status(), "reading blocks");
}

namespace {

// Counts into *stats when there is one.
void Count(QueryStats* stats, uint64_t QueryStats::*field, uint64_t n) {
  if (stats != nullptr) stats->*field += n;
}

}  // namespace

absl::Status DBImpl::ReadSeries(const Series& s, const RetentionPolicy& rp, int64_t start,
                                int64_t end, Column* out, std::vector<std::string>* problems,
                                QueryStats* stats) {
  out->type = s.type;
  if (rp.duration_ns > 0) start = std::max(start, Now() - rp.duration_ns);
  if (start >= end) return absl::OkStatus();
  Column blocks;
  blocks.type = s.type;
  for (const Partition* part : PartitionsOf(s.db, s.rp, start, end)) {
    RETURN_IF_ERROR(
        ForEachBlock(part->cf, s.sid, start, end,
                     [&](const rocksdb::Slice&, int64_t first_ts, std::string_view block) {
                       codec::BlockHeader h;
                       const size_t before = blocks.size();
                       if (absl::Status st = DecodeColumnBlock(block, &h, &blocks); !st.ok()) {
                         NoteCorruptBlock(s, first_ts, st, problems);
                       } else {
                         Count(stats, &QueryStats::blocks_decoded, 1);
                         Count(stats, &QueryStats::points_scanned, blocks.size() - before);
                       }
                       return absl::OkStatus();
                     }));
  }
  // Keep [start, end) of the blocks, then merge the head (it wins ties).
  Column stored = Slice(blocks, start, end);
  Count(stats, &QueryStats::points_scanned, s.head.size());
  if (s.head.size() == 0) {
    *out = std::move(stored);
  } else {
    const Column head = s.head.SortedRange(start, end);
    *out = stored.size() == 0 ? head : MergeColumns(stored, head);
  }
  return absl::OkStatus();
}

absl::Status DBImpl::ScanSeries(const Series& s, const RetentionPolicy& rp, int64_t start,
                                int64_t end, WindowAccumulator* acc,
                                std::vector<std::string>* problems, QueryStats* stats) {
  if (rp.duration_ns > 0) start = std::max(start, Now() - rp.duration_ns);
  if (start >= end) return absl::OkStatus();
  Count(stats, &QueryStats::points_scanned, s.head.size());
  const Column head = s.head.SortedRange(start, end);
  auto head_overlaps = [&](int64_t first, int64_t last) {
    auto it = std::lower_bound(head.ts.begin(), head.ts.end(), first);
    return it != head.ts.end() && *it <= last;
  };
  Column decoded;
  decoded.type = s.type;
  for (const Partition* part : PartitionsOf(s.db, s.rp, start, end)) {
    RETURN_IF_ERROR(
        ForEachBlock(part->cf, s.sid, start, end,
                     [&](const rocksdb::Slice&, int64_t first_ts, std::string_view block) {
                       auto h = codec::ReadBlockHeader(block);
                       absl::Status st = h.status();
                       if (st.ok()) {
                         if (h->last_ts < start) return absl::OkStatus();
                         if (h->first_ts >= start && h->last_ts < end &&
                             acc->SameWindow(h->first_ts, h->last_ts) &&
                             !head_overlaps(h->first_ts, h->last_ts)) {
                           acc->AddBlock(*h);
                           Count(stats, &QueryStats::blocks_from_headers, 1);
                           return absl::OkStatus();
                         }
                         codec::BlockHeader hd;
                         const size_t before = decoded.size();
                         st = DecodeColumnBlock(block, &hd, &decoded);
                         if (st.ok()) {
                           Count(stats, &QueryStats::blocks_decoded, 1);
                           Count(stats, &QueryStats::points_scanned, decoded.size() - before);
                         }
                       }
                       if (!st.ok()) {
                         NoteCorruptBlock(s, first_ts, st, problems);
                       }
                       return absl::OkStatus();
                     }));
  }
  Column stored = Slice(decoded, start, end);
  acc->AddColumn(head.size() == 0 ? stored : MergeColumns(stored, head));
  return absl::OkStatus();
}

absl::Status DBImpl::ReadLastBefore(const Series& s, const RetentionPolicy& rp, int64_t before,
                                    bool* found, int64_t* ts, FieldValue* value,
                                    std::vector<std::string>* problems, QueryStats* stats) {
  *found = false;
  const int64_t oldest = rp.duration_ns > 0 ? Now() - rp.duration_ns : kMinTime;
  // Head first: any head point before `before` competes with stored ones.
  Column head;
  head.type = s.type;
  s.head.AppendRange(oldest, before, &head);  // arrival order: a later tie wins
  for (size_t i = 0; i < head.size(); ++i) {
    const int64_t t = head.ts[i];
    if (t < before && t >= oldest && (!*found || t >= *ts)) {
      *found = true;
      *ts = t;
      *value = head.Value(i);
    }
  }
  auto parts = PartitionsOf(s.db, s.rp, oldest, before);
  for (auto p = parts.rbegin(); p != parts.rend(); ++p) {
    std::unique_ptr<rocksdb::Iterator> it(rocks_->NewIterator(rocksdb::ReadOptions(), (*p)->cf));
    it->SeekForPrev(BlockKey(s.sid, before == kMinTime ? before : before - 1));
    for (; it->Valid(); it->Prev()) {
      uint64_t ksid;
      int64_t kfirst;
      if (!DecodeBlockKey(std::string_view(it->key().data(), it->key().size()), &ksid, &kfirst) ||
          ksid != s.sid) {
        break;
      }
      Column block;
      block.type = s.type;
      codec::BlockHeader hd;
      absl::Status st =
          DecodeColumnBlock(std::string_view(it->value().data(), it->value().size()), &hd, &block);
      if (!st.ok()) {
        NoteCorruptBlock(s, kfirst, st, problems);
        continue;
      }
      Count(stats, &QueryStats::blocks_decoded, 1);
      Count(stats, &QueryStats::points_scanned, block.size());
      const auto& bts = block.ts;
      size_t k = std::lower_bound(bts.begin(), bts.end(), before) - bts.begin();
      if (k == 0) continue;
      if (bts[k - 1] >= oldest && (!*found || bts[k - 1] > *ts)) {
        *found = true;
        *ts = bts[k - 1];
        *value = block.Value(k - 1);
      }
      return FromRocks(it->status(), "reading blocks");
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading blocks"));
  }
  return absl::OkStatus();
}

// Streams one frame per series (raw) or per group (aggregates).
class QueryCursor : public Cursor {
 public:
  struct Group {
    std::string field;
    std::vector<Tag> tags;  // raw: the series' tags; aggregates: group tags
    std::vector<uint64_t> sids;
  };

  QueryCursor(DBImpl* db, QuerySpec spec, std::vector<Group> groups)
      : db_(db), spec_(std::move(spec)), groups_(std::move(groups)) {}

  bool Next(Frame* frame) override {
    while (status_.ok() && next_ < groups_.size()) {
      if (spec_.cancelled != nullptr && spec_.cancelled->load()) {
        status_ = absl::CancelledError("query cancelled");
        break;
      }
      if (absl::Now() > spec_.deadline) {
        status_ = absl::DeadlineExceededError("query deadline exceeded");
        break;
      }
      *frame = Frame();
      absl::Status st = Fill(groups_[next_++], frame);
      if (!st.ok()) {
        status_ = st;
        break;
      }
      if (!frame->times.empty()) return true;
    }
    if (status_.ok() && !problems_.empty()) {
      status_ = absl::DataLossError(absl::StrJoin(problems_, "; "));
    }
    return false;
  }

  absl::Status status() const override { return status_; }
  QueryStats stats() const override { return stats_; }

 private:
  absl::Status Fill(const Group& g, Frame* frame) {
    absl::ReaderMutexLock l(&db_->mu());
    absl::ReaderMutexLock h(&db_->head_mu());
    // Writes apply to the head in log order under head_mu_: every write below
    // next_apply_seq_ is in what this frame reads, none after.
    frame->sequence = db_->next_apply_seq_ - 1;
    const RetentionPolicy* rp;
    ASSIGN_OR_RETURN(rp, db_->ResolveRp(spec_.selector.database, spec_.selector.retention_policy));
    frame->measurement = spec_.selector.measurement;
    frame->field = g.field;
    frame->tags = g.tags;
    std::vector<const Series*> series;
    for (uint64_t sid : g.sids) {
      auto it = db_->series_.find(sid);
      if (it != db_->series_.end()) series.push_back(it->second.get());
    }
    stats_.series_matched += series.size();
    if (series.empty()) return absl::OkStatus();
    if (spec_.aggregate == Aggregate::kNone) {
      Column c;
      RETURN_IF_ERROR(
          db_->ReadSeries(*series[0], *rp, spec_.start_ns, spec_.end_ns, &c, &problems_, &stats_));
      frame->type = series[0]->type;
      frame->times = std::move(c.ts);
      frame->values.reserve(frame->times.size());
      for (size_t i = 0; i < frame->times.size(); ++i) frame->values.push_back(c.Value(i));
      frame->valid.assign(frame->times.size(), 1);
    } else if (WindowAccumulator::Supports(spec_, series[0]->type)) {
      WindowAccumulator acc(spec_, series[0]->type);
      std::optional<TimedValue> before;
      for (const Series* s : series) {
        RETURN_IF_ERROR(
            db_->ScanSeries(*s, *rp, spec_.start_ns, spec_.end_ns, &acc, &problems_, &stats_));
        if (spec_.fill == lux::Fill::kPrevious) {
          bool found;
          int64_t bt;
          FieldValue bv;
          RETURN_IF_ERROR(
              db_->ReadLastBefore(*s, *rp, spec_.start_ns, &found, &bt, &bv, &problems_, &stats_));
          if (found && (!before || bt > before->ts)) before = TimedValue{bt, bv};
        }
      }
      acc.Finish(before, frame);
    } else {
      AggregateInput in;
      in.spec = &spec_;
      std::vector<Column> columns(series.size());
      for (size_t k = 0; k < series.size(); ++k) {
        const Series* s = series[k];
        RETURN_IF_ERROR(db_->ReadSeries(*s, *rp, spec_.start_ns, spec_.end_ns, &columns[k],
                                        &problems_, &stats_));
        if (spec_.fill == lux::Fill::kPrevious ||
            spec_.aggregate == Aggregate::kTimeWeightedAverage) {
          bool found;
          int64_t bt;
          FieldValue bv;
          RETURN_IF_ERROR(
              db_->ReadLastBefore(*s, *rp, spec_.start_ns, &found, &bt, &bv, &problems_, &stats_));
          if (found && (!in.before || bt > in.before->ts)) in.before = TimedValue{bt, bv};
        }
      }
      in.points = MergeMany(columns);
      in.points.type = series[0]->type;
      RETURN_IF_ERROR(AggregateWindows(in, frame));
    }
    // Offset and limit per frame.
    const size_t n = frame->times.size();
    const size_t from = std::min(spec_.offset, n);
    const size_t to = spec_.limit == 0 ? n : std::min(n, from + spec_.limit);
    if (from != 0 || to != n) {
      frame->times = std::vector<int64_t>(frame->times.begin() + from, frame->times.begin() + to);
      frame->values =
          std::vector<FieldValue>(frame->values.begin() + from, frame->values.begin() + to);
      frame->valid = std::vector<uint8_t>(frame->valid.begin() + from, frame->valid.begin() + to);
    }
    return absl::OkStatus();
  }

  DBImpl* db_;
  const QuerySpec spec_;
  const std::vector<Group> groups_;
  size_t next_ = 0;
  absl::Status status_;
  std::vector<std::string> problems_;
  QueryStats stats_;
};

absl::StatusOr<std::unique_ptr<Cursor>> DBImpl::Query(const QuerySpec& spec) {
  if (spec.start_ns >= spec.end_ns) {
    return absl::InvalidArgumentError("query range is empty: start must be before end");
  }
  if (spec.aggregate == Aggregate::kNone &&
      (spec.interval_ns != 0 || !spec.group_by_tags.empty())) {
    return absl::InvalidArgumentError("GROUP BY needs an aggregate");
  }
  if (spec.interval_ns < 0) return absl::InvalidArgumentError("negative GROUP BY interval");
  if (spec.interval_ns > 0) {
    if (spec.start_ns == kMinTime || spec.end_ns == std::numeric_limits<int64_t>::max()) {
      return absl::InvalidArgumentError("GROUP BY time needs a bounded time range");
    }
    const __int128 windows = (__int128(spec.end_ns) - spec.start_ns) / spec.interval_ns + 1;
    if (windows > __int128(kMaxWindows)) {
      return absl::InvalidArgumentError(
          absl::StrCat("GROUP BY time would make more than ", kMaxWindows, " windows"));
    }
  }
  if (spec.aggregate == Aggregate::kPercentile &&
      !(spec.percentile >= 0 && spec.percentile <= 100)) {
    return absl::InvalidArgumentError("percentile must be within [0, 100]");
  }
  absl::ReaderMutexLock l(&mu_);
  RETURN_IF_ERROR(CheckOpen());
  const RetentionPolicy* rp;
  ASSIGN_OR_RETURN(auto series, SelectSeries(spec.selector, &rp));
  std::vector<QueryCursor::Group> groups;
  if (spec.aggregate == Aggregate::kNone) {
    for (const Series* s : series) groups.push_back({s->key.field, s->key.tags, {s->sid}});
  } else {
    std::map<std::pair<std::string, std::vector<std::string>>, size_t> index;
    for (const Series* s : series) {
      RETURN_IF_ERROR(AggregateType(spec.aggregate, s->type).status());
      std::vector<std::string> key;
      for (const auto& k : spec.group_by_tags) key.push_back(TagValue(s->key.tags, k));
      auto [it, inserted] = index.try_emplace({s->key.field, key}, groups.size());
      if (inserted) {
        QueryCursor::Group g{s->key.field, {}, {}};
        for (size_t i = 0; i < key.size(); ++i) g.tags.push_back({spec.group_by_tags[i], key[i]});
        groups.push_back(std::move(g));
      }
      groups[it->second].sids.push_back(s->sid);
    }
  }
  return std::unique_ptr<Cursor>(new QueryCursor(this, spec, std::move(groups)));
}

absl::StatusOr<std::vector<LastValue>> DBImpl::Last(const Selector& selector) {
  absl::MutexLock l(&mu_);
  absl::MutexLock h(&head_mu_);
  RETURN_IF_ERROR(CheckOpen());
  const RetentionPolicy* rp;
  ASSIGN_OR_RETURN(auto series, SelectSeries(selector, &rp));
  const int64_t oldest = rp->duration_ns > 0 ? Now() - rp->duration_ns : kMinTime;
  std::vector<LastValue> out;
  std::vector<std::string> problems;
  for (const Series* s : series) {
    HeadSeries& h = series_.at(s->sid)->head;
    if (!h.last_known) {
      bool found;
      int64_t ts;
      FieldValue v;
      RETURN_IF_ERROR(
          ReadLastBefore(*s, *rp, std::numeric_limits<int64_t>::max(), &found, &ts, &v, &problems));
      // Expired points may hide a newer unknown; only cache a full answer.
      if (rp->duration_ns == 0) {
        h.last_known = true;
        h.has_last = found;
        h.last_ts = ts;
        h.last_value = v;
      }
      if (found) out.push_back(LastValue{s->key.measurement, s->key.field, s->key.tags, ts, v});
      continue;
    }
    if (h.has_last && h.last_ts >= oldest) {
      out.push_back(
          LastValue{s->key.measurement, s->key.field, s->key.tags, h.last_ts, h.last_value});
    }
  }
  if (!problems.empty()) return absl::DataLossError(absl::StrJoin(problems, "; "));
  return out;
}

std::optional<std::string> DBImpl::BlockBytes() {
  struct Sizes {
    uint64_t blocks = 0, points = 0, header = 0, ts = 0, values = 0, checksum = 0;
  };
  // The partitions' column families, listed under mu_; they stay while
  // seal_mu_ is held (drops take it), and writers go on during the scan.
  absl::MutexLock seal_lock(&seal_mu_);
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
  {
    absl::ReaderMutexLock l(&mu_);
    if (closed_) return std::nullopt;
    for (const auto& [k, parts] : partitions_) {
      for (const auto& [start, p] : parts) cfs.push_back(p->cf);
    }
  }
  std::map<codec::ValueType, Sizes> by_type;
  uint64_t key_bytes = 0, unreadable = 0, partition_files = 0;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  for (rocksdb::ColumnFamilyHandle* cf : cfs) {
    uint64_t v = 0;
    if (rocks_->GetIntProperty(cf, "rocksdb.total-sst-files-size", &v)) partition_files += v;
    std::unique_ptr<rocksdb::Iterator> it(rocks_->NewIterator(ro, cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      key_bytes += it->key().size();
      auto layout =
          codec::ReadBlockLayout(std::string_view(it->value().data(), it->value().size()));
      if (!layout.ok()) {
        ++unreadable;
        continue;
      }
      Sizes& s = by_type[layout->header.type];
      ++s.blocks;
      s.points += layout->header.count;
      s.header += layout->header_bytes;
      s.ts += layout->ts_bytes;
      s.values += layout->value_bytes;
      s.checksum += layout->checksum_bytes;
    }
  }
  auto files = [&](rocksdb::ColumnFamilyHandle* cf) {
    uint64_t v = 0, total = 0;
    if (rocks_->GetIntProperty(cf, "rocksdb.total-sst-files-size", &v)) total += v;
    if (rocks_->GetIntProperty(cf, "rocksdb.cur-size-all-mem-tables", &v)) total += v;
    return total;
  };
  std::string types;
  for (const auto& [type, s] : by_type) {
    absl::StrAppend(&types, types.empty() ? "" : ",", "\"", codec::ValueTypeName(type),
                    "\":{\"blocks\":", s.blocks, ",\"points\":", s.points,
                    ",\"header_bytes\":", s.header, ",\"timestamp_bytes\":", s.ts,
                    ",\"value_bytes\":", s.values, ",\"checksum_bytes\":", s.checksum, "}");
  }
  absl::ReaderMutexLock l(&mu_);
  if (closed_) return std::nullopt;
  return absl::StrCat("{\"types\":{", types, "},\"block_key_bytes\":", key_bytes,
                      ",\"unreadable_blocks\":", unreadable,
                      ",\"partition_table_bytes\":", partition_files,
                      ",\"index_bytes\":", files(index_cf_), ",\"meta_bytes\":", files(meta_cf_),
                      ",\"log_bytes\":", files(wal_cf_), "}");
}

bool DBImpl::GetProperty(std::string_view name, std::string* value) {
  if (name == "lux.block-bytes") {
    std::optional<std::string> json = BlockBytes();
    if (json) *value = std::move(*json);
    return json.has_value();
  }
  if (name != "lux.stats") return false;
  absl::ReaderMutexLock l(&mu_);
  absl::ReaderMutexLock h(&head_mu_);
  if (closed_) return false;
  size_t partitions = 0;
  uint64_t blocks = 0, block_bytes = 0;
  for (const auto& [k, parts] : partitions_) {
    partitions += parts.size();
    for (const auto& [start, p] : parts) {
      uint64_t v = 0;
      if (rocks_->GetIntProperty(p->cf, "rocksdb.estimate-num-keys", &v)) blocks += v;
      if (rocks_->GetIntProperty(p->cf, "rocksdb.total-sst-files-size", &v)) block_bytes += v;
      if (rocks_->GetIntProperty(p->cf, "rocksdb.cur-size-all-mem-tables", &v)) block_bytes += v;
    }
  }
  uint64_t wal_bytes = 0, live = 0;
  rocks_->GetIntProperty(wal_cf_, "rocksdb.estimate-live-data-size", &live);
  wal_bytes += live;
  uint64_t mem = 0;
  rocks_->GetIntProperty(wal_cf_, "rocksdb.cur-size-all-mem-tables", &mem);
  wal_bytes += mem;
  // Cold path: only series with head points are visited.
  size_t head_bytes = 0, head_segments = 0;
  for (uint64_t sid : active_) {
    const HeadSeries& h = series_.at(sid)->head;
    head_bytes += h.MemoryBytes();
    head_segments += h.segments.size();
  }
  *value = absl::StrCat(
      "{\"series\":", series_.size(), ",\"head_points\":", head_points_.load(),
      ",\"head_bytes\":", head_bytes, ",\"head_segments\":", head_segments,
      ",\"head_segments_built\":", head_segments_built_.load(),
      ",\"head_compactions_discarded\":", head_compactions_discarded_.load(),
      ",\"wal_records\":", next_seq_ - wal_tail_, ",\"wal_bytes\":", wal_bytes,
      ",\"log_bytes_logged\":", log_bytes_logged_.load(),
      ",\"log_bytes_uncompressed\":", log_bytes_uncompressed_.load(),
      ",\"partitions\":", partitions, ",\"blocks\":", blocks, ",\"block_bytes\":", block_bytes,
      ",\"blocks_written\":", blocks_written_.load(), ",\"seal_failures\":", seal_failures_.load(),
      ",\"cold_partitions_encoded\":", cold_partitions_encoded_.load(),
      ",\"blocks_reencoded\":", blocks_reencoded_.load(),
      ",\"corrupt_blocks\":", corrupt_blocks_.load(),
      ",\"block_cache_hits\":", rocks_stats_->getTickerCount(rocksdb::BLOCK_CACHE_HIT),
      ",\"block_cache_misses\":", rocks_stats_->getTickerCount(rocksdb::BLOCK_CACHE_MISS),
      ",\"block_cache_usage_bytes\":", block_cache_->GetUsage(),
      ",\"block_cache_capacity_bytes\":", block_cache_->GetCapacity(), "}");
  return true;
}

}  // namespace lux::engine
