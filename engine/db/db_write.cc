// File: db_write.cc
// The write path: validate, resolve series, log, apply to the head (warm
// path per batch, hot path per point).
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <span>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/common/varint.h"
#include "engine/db/db_impl.h"
#include "engine/db/rocks_status.h"

namespace lux::engine {
namespace {

// InfluxDB reserves MinInt64, MinInt64 + 1 and MaxInt64.
constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min() + 2;
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max() - 1;

absl::Status Invalid(absl::string_view what) { return absl::InvalidArgumentError(what); }

}  // namespace

void DBImpl::Unpin(uint64_t seq) {
  auto it = pins_.find(seq);
  LUX_CHECK(it != pins_.end(), "unpinning a log sequence that is not pinned");
  if (--it->second == 0) pins_.erase(it);
}

void DBImpl::ApplyToHead(const std::vector<WalPoint>& points, const std::vector<Series*>& targets,
                         uint64_t seq) {
  const int64_t now = Now();
  const size_t compact_at = options_.head_segment_points == 0 ? std::numeric_limits<size_t>::max()
                                                              : options_.head_segment_points;
  for (size_t i = 0; i < points.size(); ++i) {
    const WalPoint& p = points[i];
    HeadSeries& h = targets[i]->head;
    Column& tail = h.tail;
    if (h.size() == 0) {
      ++pins_[seq];
      active_.insert(p.sid);
      h.marks.assign(1, {0, seq});
      h.opened_ns = now;
      // Skip the first doublings of a chunk (32: 512 bytes, small enough for
      // a million idle series).
      tail.ts.reserve(32);
      if (!tail.is_string()) tail.bits.reserve(32);
    } else {
      if (p.ts < h.newest_ts) h.in_order = false;
      if (h.marks.back().second != seq) h.marks.emplace_back(uint32_t(h.size()), seq);
    }
    tail.Push(p.ts, p.value);
    h.newest_ts = p.ts;
    ++head_points_;
    // A full run for the sealer to compress (strings stay in the tail).
    if (tail.size() >= compact_at && !h.compact_queued && !tail.is_string()) {
      h.compact_queued = true;
      compact_queue_.push_back(p.sid);
    }
    if (h.last_known && (!h.has_last || p.ts >= h.last_ts)) {
      h.has_last = true;
      h.last_ts = p.ts;
      h.last_value = p.value;
    }
  }
}

void DBImpl::AddSeries(std::unique_ptr<Series> s) {
  const uint64_t sid = s->sid;
  s->head.tail.type = s->type;
  s->head.generation = ++head_generation_;
  tagsets_[TagSetKey(s->db, s->rp, s->key.measurement, s->key.tags)].push_back(s.get());
  dbs_[s->db].series_by_measurement[s->key.measurement].push_back(sid);
  series_[sid] = std::move(s);
}

// How one point of a batch resolved (ResolvePoints).
struct DBImpl::ResolvedPoint {
  enum class State : uint8_t { kOk, kDeferred, kRejected };
  State state = State::kDeferred;
  uint32_t begin = 0, end = 0;  // its entries in ResolvedBatch::wal/targets
  absl::Status status;          // kRejected: why
};

struct DBImpl::ResolvedBatch {
  std::vector<ResolvedPoint> points;
  std::vector<WalPoint> wal;
  std::vector<Series*> targets;
  // Scratch reused across points: no allocation per point.
  std::vector<Tag> sorted_tags;
  std::vector<const Field*> fields;
  std::vector<Series*> resolved;
  std::string tagset;
  size_t series_in_db = SIZE_MAX;  // counted on first need (exclusive only)
};

void DBImpl::ResolvePoints(const WriteBatch& batch, const RetentionPolicy& rp, bool exclusive,
                           ResolvedBatch* rb) {
  const int64_t now = Now();
  const int64_t oldest = rp.duration_ns > 0 ? now - rp.duration_ns : kMinTime;
  auto dbit = dbs_.find(batch.database);
  LUX_CHECK(dbit != dbs_.end(), "resolved retention policy of an unknown database");
  DatabaseState& dbstate = dbit->second;
  rb->points.resize(batch.points.size());
  for (size_t i = 0; i < batch.points.size(); ++i) {
    ResolvedPoint& out = rb->points[i];
    if (out.state != ResolvedPoint::State::kDeferred) continue;  // settled by phase 1
    const Point& pt = batch.points[i];
    auto reject = [&](absl::Status s) {
      out.state = ResolvedPoint::State::kRejected;
      out.status = std::move(s);
    };
    if (pt.measurement.empty()) {
      reject(Invalid("missing measurement"));
      continue;
    }
    if (pt.timestamp_ns < kMinTime || pt.timestamp_ns > kMaxTime) {
      reject(absl::OutOfRangeError(absl::StrCat("time outside range ", kMinTime, " - ", kMaxTime)));
      continue;
    }
    if (pt.timestamp_ns < oldest) {
      reject(absl::OutOfRangeError("points beyond retention policy"));
      continue;
    }
    // Tags sorted by key; a repeated key keeps its last value. Already
    // sorted, unique tags (the common case) are used in place.
    std::span<const Tag> tags(pt.tags);
    if (!std::is_sorted(pt.tags.begin(), pt.tags.end(),
                        [](const Tag& a, const Tag& b) { return a.key <= b.key; })) {
      auto& sorted = rb->sorted_tags;
      sorted.assign(pt.tags.begin(), pt.tags.end());
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const Tag& a, const Tag& b) { return a.key < b.key; });
      for (size_t k = 0; k + 1 < sorted.size();) {
        if (sorted[k].key == sorted[k + 1].key) {
          sorted.erase(sorted.begin() + k);
        } else {
          ++k;
        }
      }
      tags = sorted;
    }
    // A tag with an empty value is no tag (as in InfluxDB, and line
    // protocol cannot write one).
    if (std::any_of(tags.begin(), tags.end(), [](const Tag& t) { return t.value.empty(); })) {
      auto& kept = rb->sorted_tags;
      if (tags.data() != kept.data()) kept.assign(tags.begin(), tags.end());
      std::erase_if(kept, [](const Tag& t) { return t.value.empty(); });
      tags = kept;
    }
    absl::Status bad;
    for (const Tag& t : tags) {
      if (t.key.empty()) bad = Invalid("missing tag key");
      if (t.key == "time") {
        bad = Invalid(absl::StrCat("invalid tag key: input tag \"time\" on measurement \"",
                                   pt.measurement, "\" is invalid"));
      }
    }
    if (!bad.ok()) {
      reject(bad);
      continue;
    }
    // Fields: a repeated key keeps its last value; "time" is stripped.
    auto& fields = rb->fields;
    fields.clear();
    bool had_time = false;
    for (const Field& f : pt.fields) {
      if (f.key.empty()) {
        bad = Invalid("missing field key");
        break;
      }
      if (f.key == "time") {
        had_time = true;
        continue;
      }
      if (f.value.index() == 0 && !std::isfinite(std::get<double>(f.value))) {
        bad = Invalid(absl::StrCat("invalid number: field \"", f.key,
                                   "\" is NaN or infinite, which line protocol cannot carry"));
        break;
      }
      auto same = std::find_if(fields.begin(), fields.end(),
                               [&](const Field* g) { return g->key == f.key; });
      if (same != fields.end()) {
        // One line giving a field two types: dropped as InfluxDB 1.12 does.
        if (TypeOf((*same)->value) != TypeOf(f.value)) {
          bad = absl::FailedPreconditionError(
              absl::StrCat("field type conflict: input field \"", f.key, "\" on measurement \"",
                           pt.measurement, "\" is type ", FieldTypeName(TypeOf(f.value)),
                           ", already exists as type ", FieldTypeName(TypeOf((*same)->value))));
          break;
        }
        *same = &f;
      } else {
        fields.push_back(&f);
      }
    }
    if (bad.ok() && fields.empty()) {
      bad = had_time ? Invalid(absl::StrCat("invalid field name: input field \"time\" on "
                                            "measurement \"",
                                            pt.measurement, "\" is invalid"))
                     : Invalid("missing fields");
    }
    if (!bad.ok()) {
      reject(bad);
      continue;
    }
    // Resolve each field's series (one tag-set lookup per point) and check
    // its type: against the series for known ones, else against the schema
    // (exclusive only: phase 1 defers points with new series).
    AssignTagSetKey(batch.database, rp.name, pt.measurement, tags, &rb->tagset);
    const auto* known_fields = [&]() -> const std::vector<Series*>* {
      auto it = tagsets_.find(rb->tagset);
      return it == tagsets_.end() ? nullptr : &it->second;
    }();
    auto& resolved = rb->resolved;
    resolved.assign(fields.size(), nullptr);
    bool deferred = false;
    for (size_t k = 0; k < fields.size() && bad.ok(); ++k) {
      const Field* f = fields[k];
      const FieldType type = TypeOf(f->value);
      std::optional<FieldType> existing;
      if (known_fields != nullptr) {
        for (Series* s : *known_fields) {
          if (s->key.field == f->key) resolved[k] = s;
        }
      }
      if (resolved[k] != nullptr) {
        existing = resolved[k]->type;
      } else if (!exclusive) {
        deferred = true;
        break;
      } else {
        auto known = dbstate.schema.find(pt.measurement);
        if (known != dbstate.schema.end()) {
          auto fit = known->second.find(f->key);
          if (fit != known->second.end()) existing = fit->second;
        }
      }
      if (existing && *existing != type) {
        bad = absl::FailedPreconditionError(
            absl::StrCat("field type conflict: input field \"", f->key, "\" on measurement \"",
                         pt.measurement, "\" is type ", FieldTypeName(type),
                         ", already exists as type ", FieldTypeName(*existing)));
      }
    }
    if (deferred) continue;  // state stays kDeferred
    if (!bad.ok()) {
      reject(bad);
      continue;
    }
    // New series (exclusive only) are known in memory at once, not yet
    // durable: the batch that commits first records them.
    for (size_t k = 0; k < fields.size(); ++k) {
      if (resolved[k] != nullptr) continue;
      if (rb->series_in_db == SIZE_MAX) {
        rb->series_in_db = 0;
        for (const auto& [m, list] : dbstate.series_by_measurement) rb->series_in_db += list.size();
      }
      if (rb->series_in_db >= options_.max_series_per_database) {
        bad = absl::ResourceExhaustedError(
            absl::StrCat("max series per database exceeded: ", options_.max_series_per_database));
        break;
      }
      const Field* f = fields[k];
      auto s = std::make_unique<Series>();
      s->sid = next_sid_++;
      s->db = batch.database;
      s->rp = rp.name;
      s->key = SeriesKey{pt.measurement, std::vector<Tag>(tags.begin(), tags.end()), f->key};
      s->type = TypeOf(f->value);
      s->durable = false;
      s->head.last_known = true;  // a new series has nothing stored yet
      dbstate.schema[pt.measurement].try_emplace(f->key, s->type);
      resolved[k] = s.get();
      ++rb->series_in_db;
      ++nondurable_series_;
      AddSeries(std::move(s));
    }
    if (!bad.ok()) {
      reject(bad);  // the series made for its other fields stay, empty
      continue;
    }
    out.state = ResolvedPoint::State::kOk;
    out.begin = uint32_t(rb->wal.size());
    for (size_t k = 0; k < fields.size(); ++k) {
      rb->wal.push_back(WalPoint{resolved[k]->sid, pt.timestamp_ns, fields[k]->value});
      rb->targets.push_back(resolved[k]);
    }
    out.end = uint32_t(rb->wal.size());
  }
}

void DBImpl::DrainWrites() {
  ++draining_;
  mu_.Await(absl::Condition(
      +[](DBImpl* d) ABSL_NO_THREAD_SAFETY_ANALYSIS { return d->writes_in_flight_ == 0; }, this));
  --draining_;
  ++layout_epoch_;
}

absl::StatusOr<WriteResult> DBImpl::Write(const WriteBatch& batch) {
  RETURN_IF_ERROR(RecoverBeforeWrite());
  if (batch.points.size() > options_.max_points_per_write) {
    return absl::InvalidArgumentError(absl::StrCat("a write holds at most ",
                                                   options_.max_points_per_write, " points, got ",
                                                   batch.points.size()));
  }
  // Four steps, so that concurrent writers share the CPU and the log sync:
  // 1. (shared lock) validate and resolve the points of known series;
  // 2. (exclusive) create new series, take a log sequence number;
  // 3. (no lock) encode and write the log record; RocksDB groups the
  //    concurrent writes into one sync;
  // 4. (exclusive, in sequence order) apply to the head.
  const bool has_id = !batch.batch_id.empty() && options_.batch_id_window_ns > 0;
  if (batch.batch_id.size() > options_.max_batch_id_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch id is longer than ", options_.max_batch_id_bytes, " bytes"));
  }
  ResolvedBatch rb;
  uint64_t epoch;
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(CheckOpen());
    ASSIGN_OR_RETURN(const RetentionPolicy* rp, ResolveRp(batch.database, batch.retention_policy));
    epoch = layout_epoch_;
    ResolvePoints(batch, *rp, /*exclusive=*/false, &rb);
  }
  WriteResult result;
  std::vector<WalPoint> wal;
  std::vector<Series*> targets;
  std::vector<const Series*> to_record;  // not yet durable: recorded by this batch
  std::vector<std::string> expired_ids;  // batch ids to forget on disk too
  uint64_t seq = 0;
  int64_t now = 0;
  {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(
        +[](DBImpl* d) ABSL_NO_THREAD_SAFETY_ANALYSIS { return d->draining_ == 0; }, this));
    RETURN_IF_ERROR(CheckOpen());
    if (head_points_ >= options_.max_head_points) {
      return absl::ResourceExhaustedError(absl::StrCat("unsealed points reached max_head_points (",
                                                       options_.max_head_points,
                                                       "): the sealer is behind; retry"));
    }
    now = Now();
    if (has_id) {
      // Forget ids older than the window (a few per write at most).
      while (!batch_order_.empty() &&
             batch_order_.front().first < now - options_.batch_id_window_ns) {
        auto it = batches_.find(batch_order_.front().second);
        if (it != batches_.end() && !it->second.pending &&
            it->second.time_ns == batch_order_.front().first) {
          batches_.erase(it);
          expired_ids.push_back(std::move(batch_order_.front().second));
        }
        batch_order_.pop_front();
      }
      if (auto it = batches_.find(batch.batch_id); it != batches_.end()) {
        if (it->second.pending) {
          return absl::UnavailableError(
              absl::StrCat("batch \"", batch.batch_id, "\" is being written; retry"));
        }
        WriteResult dup;
        dup.points_written = it->second.points_written;
        dup.duplicate = true;
        return dup;
      }
    }
    ASSIGN_OR_RETURN(const RetentionPolicy* rp, ResolveRp(batch.database, batch.retention_policy));
    if (epoch != layout_epoch_) rb = ResolvedBatch();  // series may be gone: start over
    ResolvePoints(batch, *rp, /*exclusive=*/true, &rb);
    wal.reserve(rb.wal.size());
    targets.reserve(rb.wal.size());
    for (size_t i = 0; i < rb.points.size(); ++i) {
      ResolvedPoint& p = rb.points[i];
      if (p.state == ResolvedPoint::State::kRejected) {
        result.rejected.push_back({i, std::move(p.status)});
        continue;
      }
      for (uint32_t k = p.begin; k < p.end; ++k) {
        wal.push_back(std::move(rb.wal[k]));
        targets.push_back(rb.targets[k]);
      }
      ++result.points_written;
    }
    if (wal.empty()) return result;  // nothing stored: a retry may as well run
    if (has_id) batches_[batch.batch_id] = BatchRecord{now, result.points_written, true};
    if (nondurable_series_ > 0) {
      for (const Series* s : targets) {
        if (!s->durable) to_record.push_back(s);
      }
      std::sort(to_record.begin(), to_record.end());
      to_record.erase(std::unique(to_record.begin(), to_record.end()), to_record.end());
    }
    seq = next_seq_++;
    ++pins_[seq];  // the log record stays until the points are in the head
    ++writes_in_flight_;
  }

  // 3. Series fields read here never change, and no series goes away while
  // a write is in flight (DrainWrites).
  rocksdb::WriteBatch b;
  std::string record;
  EncodeWalRecord(wal, &record);
  b.Put(wal_cf_, WalKey(seq), record);
  uint64_t max_sid = 0;
  for (const Series* s : to_record) {
    std::string v =
        SeriesMapKey(s->db, s->rp, EncodeSeriesKey(s->key.measurement, s->key.tags, s->key.field));
    v.push_back(static_cast<char>(s->type));
    b.Put(index_cf_, SeriesBySidKey(s->sid), v);
    b.Put(meta_cf_, SchemaKey(s->db, s->key.measurement, s->key.field),
          std::string(1, static_cast<char>(s->type)));
    max_sid = std::max(max_sid, s->sid);
  }
  if (has_id) {
    std::string v;
    PutFixed64(&v, uint64_t(now));
    PutVarint64(&v, result.points_written);
    b.Put(meta_cf_, BatchKey(batch.batch_id), v);
  }
  for (const auto& id : expired_ids) b.Delete(meta_cf_, BatchKey(id));
  if (max_sid != 0) {
    // Open takes the largest of these and of the recorded ids.
    std::string v;
    PutFixed64(&v, max_sid + 1);
    b.Put(meta_cf_, NextSidKey(), v);
  }
  rocksdb::Status rs = rocks_->Write(WriteOpts(), &b);
  if (!rs.ok() && (rs.IsIOError() || rs.IsNoSpace())) needs_resume_ = true;

  // 4. In sequence order, so that the head agrees with a replay of the log
  // (the later write of a timestamp wins).
  struct Turn {
    DBImpl* db;
    uint64_t seq;
  } turn{this, seq};
  absl::MutexLock l(&mu_);
  mu_.Await(absl::Condition(
      +[](Turn* t) ABSL_NO_THREAD_SAFETY_ANALYSIS { return t->db->next_apply_seq_ == t->seq; },
      &turn));
  if (rs.ok()) {
    for (const Series* s : to_record) {
      if (!s->durable) {
        const_cast<Series*>(s)->durable = true;
        --nondurable_series_;
      }
    }
    ApplyToHead(wal, targets, seq);
    if (!observers_.empty()) {
      const std::string& rp_name = targets.front()->rp;
      for (const auto& [id, observer] : observers_) observer(batch, rp_name, result);
    }
    if (has_id) {
      batches_[batch.batch_id].pending = false;
      batch_order_.emplace_back(now, batch.batch_id);
    }
    // Full heads go to the background sealer.
    for (const Series* s : targets) {
      if (s->head.size() >= options_.block_points && queued_.insert(s->sid).second) {
        seal_queue_.push_back(s->sid);
      }
    }
  }
  if (!rs.ok() && has_id) batches_.erase(batch.batch_id);
  Unpin(seq);
  ++next_apply_seq_;
  --writes_in_flight_;
  if (!rs.ok()) return FromRocks(rs, "writing points");
  return result;
}

uint64_t DBImpl::AddWriteObserver(WriteObserver observer) {
  absl::MutexLock l(&mu_);
  const uint64_t id = next_observer_id_++;
  observers_.emplace(id, std::move(observer));
  return id;
}

void DBImpl::RemoveWriteObserver(uint64_t id) {
  absl::MutexLock l(&mu_);  // observers run under mu_: none is running now
  observers_.erase(id);
}

}  // namespace lux::engine
