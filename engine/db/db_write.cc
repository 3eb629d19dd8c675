// File: db_write.cc
// The write path: validate, resolve series, log, apply to the head (warm
// path per batch, hot path per point).
#include <algorithm>
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
  for (size_t i = 0; i < points.size(); ++i) {
    const WalPoint& p = points[i];
    HeadSeries& h = targets[i]->head;
    if (h.points.ts.empty()) {
      ++pins_[seq];
      active_.insert(p.sid);
      h.marks.assign(1, {0, seq});
      h.opened_ns = now;
      // Skip the first doublings of a chunk that usually grows to a block.
      h.points.ts.reserve(256);
      if (!h.points.is_string()) h.points.bits.reserve(256);
    } else {
      if (p.ts < h.points.ts.back()) h.in_order = false;
      if (h.marks.back().second != seq) h.marks.emplace_back(uint32_t(h.points.size()), seq);
    }
    h.points.Push(p.ts, p.value);
    ++head_points_;
    if (h.last_known && (!h.has_last || p.ts >= h.last_ts)) {
      h.has_last = true;
      h.last_ts = p.ts;
      h.last_value = p.value;
    }
  }
}

void DBImpl::AddSeries(std::unique_ptr<Series> s) {
  const uint64_t sid = s->sid;
  s->head.points.type = s->type;
  tagsets_[TagSetKey(s->db, s->rp, s->key.measurement, s->key.tags)].push_back(s.get());
  dbs_[s->db].series_by_measurement[s->key.measurement].push_back(sid);
  series_[sid] = std::move(s);
}

absl::StatusOr<WriteResult> DBImpl::Write(const WriteBatch& batch) {
  RETURN_IF_ERROR(RecoverBeforeWrite());
  absl::MutexLock l(&mu_);
  RETURN_IF_ERROR(CheckOpen());
  if (batch.points.size() > options_.max_points_per_write) {
    return absl::InvalidArgumentError(absl::StrCat("a write holds at most ",
                                                   options_.max_points_per_write, " points, got ",
                                                   batch.points.size()));
  }
  ASSIGN_OR_RETURN(const RetentionPolicy* rp, ResolveRp(batch.database, batch.retention_policy));
  DatabaseState& dbstate = dbs_[batch.database];
  const int64_t now = Now();
  const int64_t oldest = rp->duration_ns > 0 ? now - rp->duration_ns : kMinTime;
  size_t series_in_db = 0;
  for (const auto& [m, list] : dbstate.series_by_measurement) series_in_db += list.size();

  WriteResult result;
  std::vector<WalPoint> wal;
  // Created by this batch; committed to memory once the batch is durable.
  std::map<std::pair<std::string, std::string>, FieldType> new_fields;
  std::vector<std::unique_ptr<Series>> new_series;
  absl::flat_hash_map<std::string, Series*> new_keys;  // tag set key + field
  std::vector<Series*> targets;                        // series of each wal point
  uint64_t next_sid = next_sid_;

  std::vector<Tag> sorted_tags;
  std::vector<const Field*> fields;
  std::vector<Series*> resolved;  // series of each field, when known
  std::string tagset;             // reused: no allocation per point
  wal.reserve(batch.points.size() * 2);
  targets.reserve(batch.points.size() * 2);
  for (size_t i = 0; i < batch.points.size(); ++i) {
    const Point& pt = batch.points[i];
    auto reject = [&](absl::Status s) { result.rejected.push_back({i, std::move(s)}); };
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
      sorted_tags.assign(pt.tags.begin(), pt.tags.end());
      std::stable_sort(sorted_tags.begin(), sorted_tags.end(),
                       [](const Tag& a, const Tag& b) { return a.key < b.key; });
      for (size_t k = 0; k + 1 < sorted_tags.size();) {
        if (sorted_tags[k].key == sorted_tags[k + 1].key) {
          sorted_tags.erase(sorted_tags.begin() + k);
        } else {
          ++k;
        }
      }
      tags = sorted_tags;
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
      auto same = std::find_if(fields.begin(), fields.end(),
                               [&](const Field* g) { return g->key == f.key; });
      if (same != fields.end()) {
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
    // its type: against the series for known ones, else against the schema.
    const size_t wal_mark = wal.size();
    AssignTagSetKey(batch.database, rp->name, pt.measurement, tags, &tagset);
    const auto* known_fields = [&]() -> const std::vector<Series*>* {
      auto it = tagsets_.find(tagset);
      return it == tagsets_.end() ? nullptr : &it->second;
    }();
    resolved.assign(fields.size(), nullptr);
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
      } else {
        auto known = dbstate.schema.find(pt.measurement);
        if (known != dbstate.schema.end()) {
          auto fit = known->second.find(f->key);
          if (fit != known->second.end()) existing = fit->second;
        }
        if (!existing) {
          auto nit = new_fields.find({pt.measurement, f->key});
          if (nit != new_fields.end()) existing = nit->second;
        }
      }
      if (existing && *existing != type) {
        bad = absl::FailedPreconditionError(
            absl::StrCat("field type conflict: input field \"", f->key, "\" on measurement \"",
                         pt.measurement, "\" is type ", FieldTypeName(type),
                         ", already exists as type ", FieldTypeName(*existing)));
      }
    }
    for (size_t k = 0; k < fields.size() && bad.ok(); ++k) {
      const Field* f = fields[k];
      Series* target = resolved[k];
      if (target == nullptr) {
        std::string mkey = tagset;
        PutLengthPrefixed(&mkey, f->key);
        if (auto nit = new_keys.find(mkey); nit != new_keys.end()) {
          target = nit->second;
        } else {
          if (series_in_db + new_series.size() >= options_.max_series_per_database) {
            bad = absl::ResourceExhaustedError(absl::StrCat("max series per database exceeded: ",
                                                            options_.max_series_per_database));
            break;
          }
          auto s = std::make_unique<Series>();
          s->sid = next_sid++;
          s->db = batch.database;
          s->rp = rp->name;
          s->key = SeriesKey{pt.measurement, std::vector<Tag>(tags.begin(), tags.end()), f->key};
          s->type = TypeOf(f->value);
          s->head.last_known = true;  // a new series has nothing stored yet
          target = s.get();
          new_keys[mkey] = target;
          new_series.push_back(std::move(s));
        }
        new_fields.try_emplace({pt.measurement, f->key}, TypeOf(f->value));
      }
      wal.push_back(WalPoint{target->sid, pt.timestamp_ns, f->value});
      targets.push_back(target);
    }
    if (!bad.ok()) {
      wal.resize(wal_mark);
      targets.resize(wal_mark);
      reject(bad);
      continue;
    }
    ++result.points_written;
  }
  if (wal.empty()) return result;

  rocksdb::WriteBatch b;
  const uint64_t seq = next_seq_;
  std::string record;
  EncodeWalRecord(wal, &record);
  b.Put(wal_cf_, WalKey(seq), record);
  for (const auto& s : new_series) {
    std::string v =
        SeriesMapKey(s->db, s->rp, EncodeSeriesKey(s->key.measurement, s->key.tags, s->key.field));
    v.push_back(static_cast<char>(s->type));
    b.Put(index_cf_, SeriesBySidKey(s->sid), v);
  }
  for (auto it = new_fields.begin(); it != new_fields.end();) {
    auto known = dbstate.schema.find(it->first.first);
    if (known != dbstate.schema.end() && known->second.contains(it->first.second)) {
      it = new_fields.erase(it);
      continue;
    }
    b.Put(meta_cf_, SchemaKey(batch.database, it->first.first, it->first.second),
          std::string(1, static_cast<char>(it->second)));
    ++it;
  }
  if (next_sid != next_sid_) {
    std::string v;
    PutFixed64(&v, next_sid);
    b.Put(meta_cf_, NextSidKey(), v);
  }
  absl::Status written = WriteToRocks(&b, "writing points");
  if (!written.ok()) {
    // The batch may still have reached the disk: never reuse its ids.
    next_seq_ = seq + 1;
    next_sid_ = next_sid;
    return written;
  }

  // Durable: now make it visible.
  next_seq_ = seq + 1;
  next_sid_ = next_sid;
  for (const auto& [mf, type] : new_fields) dbstate.schema[mf.first][mf.second] = type;
  for (auto& s : new_series) AddSeries(std::move(s));
  ApplyToHead(wal, targets, seq);

  // Full heads go to the background sealer.
  for (const Series* s : targets) {
    if (s->head.points.size() >= options_.block_points && queued_.insert(s->sid).second) {
      seal_queue_.push_back(s->sid);
    }
  }
  return result;
}

}  // namespace lux::engine
