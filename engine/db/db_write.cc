// File: db_write.cc
// The write path: validate, resolve series, log, apply to the head (warm
// path per batch, hot path per point).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <span>

#include "absl/container/flat_hash_set.h"
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

absl::Status NotFinite(const std::string& field) {
  return Invalid(absl::StrCat("invalid number: field \"", field,
                              "\" is NaN or infinite, which line protocol cannot carry"));
}

// Tags sorted by key, no key twice.
bool SortedUnique(std::span<const Tag> tags) {
  return std::is_sorted(tags.begin(), tags.end(),
                        [](const Tag& a, const Tag& b) { return a.key <= b.key; });
}

bool AnyEmptyValue(std::span<const Tag> tags) {
  return std::any_of(tags.begin(), tags.end(), [](const Tag& t) { return t.value.empty(); });
}

}  // namespace

void DBImpl::Unpin(uint64_t seq) {
  auto it = pins_.find(seq);
  LUX_CHECK(it != pins_.end(), "unpinning a log sequence that is not pinned");
  if (--it->second == 0) pins_.erase(it);
}

void DBImpl::ApplyToHead(const WalBatch& batch, const std::vector<Series*>& targets, uint64_t seq) {
  const int64_t now = Now();
  const size_t compact_at = options_.head_segment_points == 0 ? std::numeric_limits<size_t>::max()
                                                              : options_.head_segment_points;
  // The series of a batch are scattered in memory and each is touched once:
  // their id and head state (the hot fields, 3-4 cache lines) are fetched
  // 8 runs ahead, and 4 runs ahead (the head now cached) the ends of its
  // columns, where the points go, and its last write mark.
  constexpr size_t kAhead = 8, kTailAhead = 4;
  auto prefetch = [&](size_t r) {
    // The series' id and its head's hot fields: up to HeadSeries::segments.
    const Series* s = targets[r];
    const uintptr_t end = reinterpret_cast<uintptr_t>(&s->head.segments);
    for (uintptr_t a = reinterpret_cast<uintptr_t>(s) & ~uintptr_t{63}; a < end; a += 64) {
      __builtin_prefetch(reinterpret_cast<const void*>(a), 1);
    }
  };
  auto prefetch_tail = [&](size_t r) {
    const HeadSeries& h = targets[r]->head;
    __builtin_prefetch(h.tail.ts.data() + h.tail.ts.size(), 1);
    __builtin_prefetch(h.tail.bits.data() + h.tail.bits.size(), 1);
    // The last write mark, read (and appended to) by every write.
    if (!h.marks.empty()) __builtin_prefetch(h.marks.data() + h.marks.size() - 1, 1);
  };
  for (size_t r = 0; r < std::min(kAhead, batch.runs.size()); ++r) prefetch(r);
  size_t added = 0;  // added to head_points_ once per write
  for (size_t r = 0; r < batch.runs.size(); ++r) {
    if (r + kAhead < batch.runs.size()) prefetch(r + kAhead);
    if (r + kTailAhead < batch.runs.size()) prefetch_tail(r + kTailAhead);
    const WalRun& run = batch.runs[r];
    if (run.begin == run.end) continue;
    Series& s = *targets[r];
    HeadSeries& h = s.head;
    Column& tail = h.tail;
    if (h.size() == 0) {
      ++pins_[seq];
      Activate(s.sid, h);
      h.marks.assign(1, {0, seq});
      h.opened_ns = now;
      h.newest_ts = batch.ts[run.begin];
    } else if (h.marks.back().second != seq) {
      h.marks.emplace_back(uint32_t(h.size()), seq);
    }
    // Arrival order and the latest point (the later arrival wins a tie).
    int64_t newest = h.newest_ts;
    bool in_order = h.in_order;
    uint32_t latest = UINT32_MAX;
    int64_t latest_ts = h.has_last ? h.last_ts : 0;
    bool has_latest = h.has_last;
    for (uint32_t i = run.begin; i < run.end; ++i) {
      const int64_t t = batch.ts[i];
      in_order &= t >= newest;
      newest = t;
      if (!has_latest || t >= latest_ts) {
        has_latest = true;
        latest_ts = t;
        latest = i;
      }
    }
    h.in_order = in_order;
    h.newest_ts = newest;
    // A tail starts with room for 8 points (128 bytes: a series written
    // once a minute, or a million idle ones, hold little) and grows
    // fourfold up to a segment's worth (256 points at most), reaching it in
    // as many steps as doubling from 32 would take. Past that it doubles.
    // The second step is staggered by series id (16 to 44 points): series
    // written at one rate (sensors) would otherwise all outgrow their tails
    // in the same few writes, each copying its points into fresh memory, a
    // burst of page faults and copies that stalled every writer for
    // hundreds of ms; staggered, the same work is spread over time.
    const size_t fourfold_until = std::min<size_t>(compact_at, 256);
    if (const size_t need = tail.size() + (run.end - run.begin);
        need > tail.ts.capacity() && need <= fourfold_until) {
      const size_t step = tail.ts.capacity() == 8 ? 16 + 4 * (s.sid % 8) : tail.ts.capacity() * 4;
      const size_t room = std::min(std::max({need, step, size_t{8}}), fourfold_until);
      tail.ts.reserve(room);
      if (!tail.is_string()) tail.bits.reserve(room);
    }
    tail.ts.insert(tail.ts.end(), batch.ts.begin() + run.begin, batch.ts.begin() + run.end);
    if (tail.is_string()) {
      for (uint32_t i = run.begin; i < run.end; ++i) tail.strs.push_back(batch.strs[batch.bits[i]]);
    } else {
      tail.bits.insert(tail.bits.end(), batch.bits.begin() + run.begin,
                       batch.bits.begin() + run.end);
    }
    added += run.end - run.begin;
    // A full run for the sealer to compress (strings stay in the tail).
    if (tail.size() >= compact_at && !h.compact_queued && !tail.is_string()) {
      h.compact_queued = true;
      compact_queue_.push_back(s.sid);
    }
    if (h.last_known && latest != UINT32_MAX) {
      h.has_last = true;
      h.last_ts = latest_ts;
      h.last_value = batch.Value(run.type, latest);
    }
  }
  head_points_.fetch_add(added, std::memory_order_relaxed);
}

void DBImpl::Activate(uint64_t sid, HeadSeries& h) {
  if (h.active_pos != HeadSeries::kNotActive) return;
  h.active_pos = uint32_t(active_.size());
  active_.push_back(sid);
}

void DBImpl::Deactivate(HeadSeries& h) {
  if (h.active_pos == HeadSeries::kNotActive) return;
  const uint64_t last = active_.back();
  active_[h.active_pos] = last;
  series_.at(last)->head.active_pos = h.active_pos;  // itself when h is the last
  active_.pop_back();
  h.active_pos = HeadSeries::kNotActive;
}

void DBImpl::AddSeries(std::unique_ptr<Series> s, std::string_view tagset_key, uint64_t tagset_hash,
                       std::vector<uint64_t>* measurement_series) {
  const uint64_t sid = s->sid;
  s->head.tail.type = s->type;
  s->head.generation = ++head_generation_;
  tagsets_.Add(tagset_key, tagset_hash, {s->key.field, s->type, sid, s.get()});
  if (measurement_series == nullptr) {
    measurement_series = &dbs_[s->db].series_by_measurement[s->key.measurement];
  }
  measurement_series->push_back(sid);
  series_[sid] = std::move(s);
}

namespace {

// The two write forms seen through one interface: a unit is a Point (one
// timestamp) or a SeriesPoints (a run of timestamps), each with fields.
struct PointInput {
  static constexpr bool kColumns = false;
  const WriteBatch& batch;

  size_t units() const { return batch.points.size(); }
  size_t points(size_t) const { return 1; }
  const std::string& measurement(size_t u) const { return batch.points[u].measurement; }
  const std::vector<Tag>& tags(size_t u) const { return batch.points[u].tags; }
  int64_t ts(size_t u, size_t) const { return batch.points[u].timestamp_ns; }
  size_t fields(size_t u) const { return batch.points[u].fields.size(); }
  const std::string& field_key(size_t u, size_t k) const { return batch.points[u].fields[k].key; }
  FieldType field_type(size_t u, size_t k) const { return TypeOf(batch.points[u].fields[k].value); }
  size_t field_size(size_t, size_t) const { return 1; }
  bool finite(size_t u, size_t k, size_t) const {
    const FieldValue& v = batch.points[u].fields[k].value;
    return v.index() != 0 || std::isfinite(std::get<double>(v));
  }
  void AppendAll(size_t u, size_t k, WalBatch* out) const { Append(u, k, 0, out); }
  void Append(size_t u, size_t k, size_t, WalBatch* out) const {
    const Point& p = batch.points[u];
    const FieldValue& v = p.fields[k].value;
    if (v.index() == 4) {
      out->AddString(p.timestamp_ns, std::get<std::string>(v));
    } else {
      out->Add(p.timestamp_ns, ToBits(v));
    }
  }
};

struct ColumnInput {
  static constexpr bool kColumns = true;
  const ColumnBatch& batch;

  size_t units() const { return batch.series.size(); }
  size_t points(size_t u) const { return batch.series[u].timestamps_ns.size(); }
  const std::string& measurement(size_t u) const { return batch.series[u].measurement; }
  const std::vector<Tag>& tags(size_t u) const { return batch.series[u].tags; }
  int64_t ts(size_t u, size_t j) const { return batch.series[u].timestamps_ns[j]; }
  size_t fields(size_t u) const { return batch.series[u].fields.size(); }
  const std::string& field_key(size_t u, size_t k) const { return batch.series[u].fields[k].key; }
  FieldType field_type(size_t u, size_t k) const {
    return ColumnType(batch.series[u].fields[k].values);
  }
  size_t field_size(size_t u, size_t k) const {
    return ColumnSize(batch.series[u].fields[k].values);
  }
  bool finite(size_t u, size_t k, size_t j) const {
    const FieldValues& v = batch.series[u].fields[k].values;
    return v.index() != 0 || std::isfinite(std::get<0>(v)[j]);
  }
  bool all_finite(size_t u, size_t k) const {
    const FieldValues& v = batch.series[u].fields[k].values;
    if (v.index() != 0) return true;
    bool ok = true;  // no early exit: the loop vectorizes
    for (double d : std::get<0>(v)) ok &= std::isfinite(d);
    return ok;
  }
  // Every point of unit u's field k.
  void AppendAll(size_t u, size_t k, WalBatch* out) const {
    const SeriesPoints& sp = batch.series[u];
    const FieldValues& v = sp.fields[k].values;
    const size_t at = out->ts.size(), n = sp.timestamps_ns.size();
    if (v.index() > 2) {  // bool, string: one by one
      for (size_t j = 0; j < n; ++j) Append(u, k, j, out);
      return;
    }
    // double, int64, uint64: their bits as they are.
    out->ts.insert(out->ts.end(), sp.timestamps_ns.begin(), sp.timestamps_ns.end());
    out->bits.resize(at + n);
    std::visit(
        [&](const auto& col) {
          using T = typename std::decay_t<decltype(col)>::value_type;
          if constexpr (sizeof(T) == 8) std::memcpy(out->bits.data() + at, col.data(), n * 8);
        },
        v);
    out->runs.back().end = uint32_t(out->ts.size());
  }
  void Append(size_t u, size_t k, size_t j, WalBatch* out) const {
    const SeriesPoints& sp = batch.series[u];
    const int64_t t = sp.timestamps_ns[j];
    const FieldValues& v = sp.fields[k].values;
    switch (v.index()) {
      case 0:
        out->Add(t, std::bit_cast<uint64_t>(std::get<0>(v)[j]));
        break;
      case 1:
        out->Add(t, uint64_t(std::get<1>(v)[j]));
        break;
      case 2:
        out->Add(t, std::get<2>(v)[j]);
        break;
      case 3:
        out->Add(t, std::get<3>(v)[j] ? 1 : 0);
        break;
      default:
        out->AddString(t, std::get<4>(v)[j]);
        break;
    }
  }
};

}  // namespace

// How one unit (point or series run) of a batch resolved (ResolveUnits).
struct DBImpl::ResolvedUnit {
  enum class State : uint8_t { kOk, kDeferred, kRejected };
  State state = State::kDeferred;
  uint32_t begin = 0, end = 0;  // its fields in ResolvedBatch::targets/field_src
  absl::Status status;          // kRejected: why, for every point not in point_errors
  // Points rejected on their own (a run's timestamps and values), in order.
  std::vector<std::pair<uint32_t, absl::Status>> point_errors;
};

struct DBImpl::ResolvedBatch {
  std::vector<ResolvedUnit> units;
  // The series of each resolved field, with the id and type the log
  // record needs (copied from the tag set: the Series objects are touched
  // first where the head is, with prefetching).
  struct Target {
    Series* series = nullptr;
    uint64_t sid = 0;
    FieldType type = FieldType::kFloat;
  };
  std::vector<Target> targets;
  std::vector<uint32_t> field_src;  // that field's index in its unit
  // Scratch reused across units: no allocation per point.
  std::vector<Tag> sorted_tags;
  std::vector<uint32_t> fields;  // kept fields of the unit being resolved
  std::vector<Target> resolved;
  std::string tagset;
  // ResolveUnits' first pass: the tag-set key of each unit whose tags are
  // in canonical order already (bytes [begin, begin + size) of key_bytes)
  // and its tag set, null if unknown then. Built by phase 1, looked up
  // again by phase 2 for the units it left.
  struct UnitKey {
    bool ready = false;
    size_t begin = 0, size = 0;
    uint64_t hash = 0;
    const TagSetIndex::Node* node = nullptr;
  };
  std::vector<UnitKey> keys;
  std::string key_bytes;
  size_t series_in_db = SIZE_MAX;  // counted on first need (exclusive only)
};

template <class Input>
void DBImpl::ResolveUnits(const Input& in, const std::string& database, const RetentionPolicy& rp,
                          bool exclusive, ResolvedBatch* rb) {
  const int64_t now = Now();
  const int64_t oldest = rp.duration_ns > 0 ? now - rp.duration_ns : kMinTime;
  auto dbit = dbs_.find(database);
  LUX_CHECK(dbit != dbs_.end(), "resolved retention policy of an unknown database");
  DatabaseState& dbstate = dbit->second;
  rb->units.resize(in.units());
  // Tag sets first, so that the cache misses of looking up a hundred
  // thousand of them overlap instead of following one another: the key of
  // every unit whose tags are sorted, unique and non-empty (as the loop
  // below would build it) is built and hashed (once: the exclusive phase
  // keeps the first one's) and its table position prefetched; then all
  // pending ones are looked up; then the loop below uses them.
  const bool keys_built = rb->keys.size() == in.units();
  if (!keys_built) {
    rb->keys.assign(in.units(), {});
    rb->key_bytes.clear();
  }
  for (size_t u = 0; u < in.units(); ++u) {
    if (rb->units[u].state != ResolvedUnit::State::kDeferred) continue;
    auto& k = rb->keys[u];
    const std::vector<Tag>& tags = in.tags(u);
    if (!keys_built && !in.measurement(u).empty() && SortedUnique(tags) && !AnyEmptyValue(tags)) {
      k.ready = true;
      k.begin = rb->key_bytes.size();
      AppendTagSetKey(database, rp.name, in.measurement(u), tags, &rb->key_bytes);
      k.size = rb->key_bytes.size() - k.begin;
      k.hash = TagSetIndex::Hash(std::string_view(rb->key_bytes).substr(k.begin, k.size));
    }
    if (k.ready) tagsets_.Prefetch(k.hash);
  }
  for (size_t u = 0; u < in.units(); ++u) {
    auto& k = rb->keys[u];
    if (!k.ready || rb->units[u].state != ResolvedUnit::State::kDeferred) continue;
    k.node = tagsets_.Find(std::string_view(rb->key_bytes).substr(k.begin, k.size), k.hash);
    // Find read the node's first line; its fields, read below, run on.
    if (k.node != nullptr) {
      const char* n = reinterpret_cast<const char*>(k.node);
      for (size_t off = 64; off < sizeof(TagSetIndex::Node); off += 64) __builtin_prefetch(n + off);
    }
  }
  // The schema and series list of the measurement of the units being
  // resolved (exclusive only), looked up once per run of units of one
  // measurement instead of twice per new series; made only with a series
  // (a rejected unit leaves no empty measurement behind).
  struct MeasurementState {
    const std::string* name = nullptr;
    std::map<std::string, FieldType>* schema = nullptr;  // null: none yet
    std::vector<uint64_t>* series = nullptr;             // null: none yet
  } current;
  auto measurement_state = [&](const std::string& measurement, bool make) -> MeasurementState& {
    if (current.name == nullptr || *current.name != measurement) {
      current = {&measurement, nullptr, nullptr};
      if (auto it = dbstate.schema.find(measurement); it != dbstate.schema.end()) {
        current.schema = &it->second;
      }
      if (auto it = dbstate.series_by_measurement.find(measurement);
          it != dbstate.series_by_measurement.end()) {
        current.series = &it->second;
      }
    }
    if (make && current.schema == nullptr) current.schema = &dbstate.schema[measurement];
    if (make && current.series == nullptr) {
      current.series = &dbstate.series_by_measurement[measurement];
    }
    return current;
  };
  // Why a timestamp cannot be stored, or OK.
  auto check_time = [&](int64_t t) -> absl::Status {
    if (t < kMinTime || t > kMaxTime) {
      return absl::OutOfRangeError(absl::StrCat("time outside range ", kMinTime, " - ", kMaxTime));
    }
    if (t < oldest) return absl::OutOfRangeError("points beyond retention policy");
    return absl::OkStatus();
  };
  for (size_t u = 0; u < in.units(); ++u) {
    ResolvedUnit& out = rb->units[u];
    if (out.state != ResolvedUnit::State::kDeferred) continue;  // settled by phase 1
    out.point_errors.clear();
    const std::string& measurement = in.measurement(u);
    auto reject = [&](absl::Status s) {
      out.state = ResolvedUnit::State::kRejected;
      out.status = std::move(s);
    };
    if (measurement.empty()) {
      reject(Invalid("missing measurement"));
      continue;
    }
    const size_t npoints = in.points(u);
    if constexpr (!Input::kColumns) {
      if (absl::Status s = check_time(in.ts(u, 0)); !s.ok()) {
        reject(std::move(s));
        continue;
      }
    }
    // Tags sorted by key; a repeated key keeps its last value. Already
    // sorted, unique tags (the common case) are used in place.
    // (A unit the first pass keyed has them so already.)
    const std::vector<Tag>& given = in.tags(u);
    std::span<const Tag> tags(given);
    const bool canonical = rb->keys[u].ready;
    if (!canonical && !SortedUnique(given)) {
      auto& sorted = rb->sorted_tags;
      sorted.assign(given.begin(), given.end());
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
    if (!canonical && AnyEmptyValue(tags)) {
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
                                   measurement, "\" is invalid"));
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
    for (size_t k = 0; k < in.fields(u); ++k) {
      const std::string& key = in.field_key(u, k);
      if (key.empty()) {
        bad = Invalid("missing field key");
        break;
      }
      if (key == "time") {
        had_time = true;
        continue;
      }
      if (!Input::kColumns && !in.finite(u, k, 0)) {
        bad = NotFinite(key);
        break;
      }
      auto same = std::find_if(fields.begin(), fields.end(),
                               [&](uint32_t g) { return in.field_key(u, g) == key; });
      if (same != fields.end()) {
        // One line giving a field two types: dropped as InfluxDB 1.12 does.
        if (in.field_type(u, *same) != in.field_type(u, k)) {
          bad = absl::FailedPreconditionError(
              absl::StrCat("field type conflict: input field \"", key, "\" on measurement \"",
                           measurement, "\" is type ", FieldTypeName(in.field_type(u, k)),
                           ", already exists as type ", FieldTypeName(in.field_type(u, *same))));
          break;
        }
        *same = uint32_t(k);
      } else {
        fields.push_back(uint32_t(k));
      }
    }
    if (bad.ok() && fields.empty()) {
      bad = had_time ? Invalid(absl::StrCat("invalid field name: input field \"time\" on "
                                            "measurement \"",
                                            measurement, "\" is invalid"))
                     : Invalid("missing fields");
    }
    if constexpr (Input::kColumns) {
      for (size_t k = 0; k < fields.size() && bad.ok(); ++k) {
        if (in.field_size(u, fields[k]) != npoints) {
          bad = Invalid(absl::StrCat("field \"", in.field_key(u, fields[k]), "\" has ",
                                     in.field_size(u, fields[k]), " values for ", npoints,
                                     " timestamps"));
        }
      }
    }
    if (!bad.ok()) {
      reject(bad);
      continue;
    }
    if constexpr (Input::kColumns) {
      // Each timestamp on its own: its range, and finite floats. The
      // common case, all good, is checked column by column first.
      bool all_good = true;
      const int64_t lowest = std::max(kMinTime, oldest);
      for (size_t j = 0; j < npoints; ++j) {
        const int64_t t = in.ts(u, j);
        all_good &= (t >= lowest) & (t <= kMaxTime);
      }
      for (size_t k = 0; k < fields.size(); ++k) all_good &= in.all_finite(u, fields[k]);
      for (size_t j = 0; j < npoints && !all_good; ++j) {
        absl::Status s = check_time(in.ts(u, j));
        for (size_t k = 0; k < fields.size() && s.ok(); ++k) {
          if (!in.finite(u, fields[k], j)) s = NotFinite(in.field_key(u, fields[k]));
        }
        if (!s.ok()) out.point_errors.emplace_back(uint32_t(j), std::move(s));
      }
      if (out.point_errors.size() == npoints) {
        reject(absl::OkStatus());  // nothing left: every point has its own error
        continue;
      }
    }
    // Resolve each field's series (one tag-set lookup per unit) and check
    // its type: against the series for known ones, else against the schema
    // (exclusive only: phase 1 defers units with new series).
    std::string_view tagset;
    uint64_t tagset_hash;
    const TagSetIndex::Node* known_set;
    if (const auto& k = rb->keys[u]; k.ready) {
      tagset = std::string_view(rb->key_bytes).substr(k.begin, k.size);
      tagset_hash = k.hash;
      known_set = k.node;
      // Made since by an earlier unit of this batch?
      if (known_set == nullptr && exclusive) known_set = tagsets_.Find(tagset, tagset_hash);
    } else {
      AssignTagSetKey(database, rp.name, measurement, tags, &rb->tagset);
      tagset = rb->tagset;
      tagset_hash = TagSetIndex::Hash(tagset);
      known_set = tagsets_.Find(tagset, tagset_hash);
    }
    auto& resolved = rb->resolved;
    resolved.assign(fields.size(), {});
    bool deferred = false;
    for (size_t k = 0; k < fields.size() && bad.ok(); ++k) {
      const std::string& key = in.field_key(u, fields[k]);
      const FieldType type = in.field_type(u, fields[k]);
      std::optional<FieldType> existing;
      if (known_set != nullptr) {
        for (const TagSetIndex::Field& e : known_set->fields) {
          if (e.field == key) {
            resolved[k] = {e.series, e.sid, e.type};
            existing = e.type;
          }
        }
      }
      if (resolved[k].series == nullptr) {
        if (!exclusive) {
          deferred = true;
          break;
        }
        if (const auto* schema = measurement_state(measurement, false).schema) {
          if (auto fit = schema->find(key); fit != schema->end()) existing = fit->second;
        }
      }
      if (existing && *existing != type) {
        bad = absl::FailedPreconditionError(
            absl::StrCat("field type conflict: input field \"", key, "\" on measurement \"",
                         measurement, "\" is type ", FieldTypeName(type),
                         ", already exists as type ", FieldTypeName(*existing)));
      }
    }
    if (deferred) continue;  // state stays kDeferred
    if (!bad.ok()) {
      out.point_errors.clear();  // the unit's reason is every point's
      reject(bad);
      continue;
    }
    // New series (exclusive only) are known in memory at once, not yet
    // durable: the batch that commits first records them. The series of a
    // tag set share its tags: those of a known field's series, or one copy
    // made for the first new one.
    SharedTags shared_tags;  // set with the first new series (units of known ones never touch it)
    for (size_t k = 0; k < fields.size(); ++k) {
      if (resolved[k].series != nullptr) continue;
      if (rb->series_in_db == SIZE_MAX) {
        rb->series_in_db = 0;
        for (const auto& [m, list] : dbstate.series_by_measurement) rb->series_in_db += list.size();
      }
      if (rb->series_in_db >= options_.max_series_per_database) {
        bad = absl::ResourceExhaustedError(
            absl::StrCat("max series per database exceeded: ", options_.max_series_per_database));
        break;
      }
      auto s = std::make_unique<Series>();
      s->sid = next_sid_++;
      s->db = database;
      s->rp = rp.name;
      if (shared_tags.empty() && !tags.empty()) {
        if (known_set != nullptr && !known_set->fields.empty()) {
          shared_tags = known_set->fields.front().series->key.tags;
        } else {
          shared_tags = std::vector<Tag>(tags.begin(), tags.end());
        }
      }
      s->key = SeriesKey{measurement, shared_tags, in.field_key(u, fields[k])};
      s->type = in.field_type(u, fields[k]);
      s->durable = false;
      s->head.last_known = true;  // a new series has nothing stored yet
      MeasurementState& ms = measurement_state(measurement, true);
      ms.schema->try_emplace(s->key.field, s->type);
      resolved[k] = {s.get(), s->sid, s->type};
      ++rb->series_in_db;
      ++nondurable_series_;
      AddSeries(std::move(s), tagset, tagset_hash, ms.series);
    }
    if (!bad.ok()) {
      out.point_errors.clear();
      reject(bad);  // the series made for its other fields stay, empty
      continue;
    }
    out.state = ResolvedUnit::State::kOk;
    out.begin = uint32_t(rb->targets.size());
    for (size_t k = 0; k < fields.size(); ++k) {
      rb->targets.push_back(resolved[k]);
      rb->field_src.push_back(fields[k]);
    }
    out.end = uint32_t(rb->targets.size());
  }
}

void DBImpl::DrainWrites() {
  // With mu_ held no write takes a sequence number, and those that have one
  // need only head_mu_ (which Await lets go of) to apply it.
  struct Drained {
    DBImpl* db;
    uint64_t end;
  } drained{this, next_seq_};
  head_mu_.Await(absl::Condition(
      +[](Drained* d) ABSL_NO_THREAD_SAFETY_ANALYSIS { return d->db->next_apply_seq_ == d->end; },
      &drained));
  ++layout_epoch_;
}

absl::StatusOr<WriteResult> DBImpl::Write(const WriteBatch& batch) {
  return WriteUnits(PointInput{batch}, batch.database, batch.retention_policy, batch.batch_id,
                    WrittenBatch{&batch, nullptr});
}

absl::StatusOr<WriteResult> DBImpl::Write(const ColumnBatch& batch) {
  return WriteUnits(ColumnInput{batch}, batch.database, batch.retention_policy, batch.batch_id,
                    WrittenBatch{nullptr, &batch});
}

template <class Input>
absl::StatusOr<WriteResult> DBImpl::WriteUnits(const Input& in, const std::string& database,
                                               const std::string& rp_name,
                                               const std::string& batch_id,
                                               const WrittenBatch& written) {
  RETURN_IF_ERROR(RecoverBeforeWrite());
  size_t total = 0;
  for (size_t u = 0; u < in.units(); ++u) total += in.points(u);
  if (total > options_.max_points_per_write) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a write holds at most ", options_.max_points_per_write, " points, got ", total));
  }
  // Four steps, so that concurrent writers share the CPU and the log sync:
  // 1. (mu_ shared) validate and resolve the units of known series;
  // 2. (mu_ exclusive) create new series, take a log sequence number;
  // 3. (no lock) encode and write the log record; RocksDB groups the
  //    concurrent writes into one sync;
  // 4. (head_mu_ alone, in sequence order) apply to the head, while other
  //    writes go through steps 1-3.
  const bool has_id = !batch_id.empty() && options_.batch_id_window_ns > 0;
  if (batch_id.size() > options_.max_batch_id_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch id is longer than ", options_.max_batch_id_bytes, " bytes"));
  }
  ResolvedBatch rb;
  uint64_t epoch;
  {
    absl::ReaderMutexLock l(&mu_);
    RETURN_IF_ERROR(CheckOpen());
    ASSIGN_OR_RETURN(const RetentionPolicy* rp, ResolveRp(database, rp_name));
    epoch = layout_epoch_;
    ResolveUnits(in, database, *rp, /*exclusive=*/false, &rb);
  }
  WriteResult result;
  WalBatch wal;
  std::vector<Series*> targets;          // per run of wal
  std::vector<const Series*> to_record;  // not yet durable: recorded by this batch
  std::vector<std::string> expired_ids;  // batch ids to forget on disk too
  uint64_t seq = 0;
  int64_t now = 0;
  std::function<void()> after_log_write;
  {
    absl::MutexLock l(&mu_);
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
      if (auto it = batches_.find(batch_id); it != batches_.end()) {
        if (it->second.pending) {
          return absl::UnavailableError(
              absl::StrCat("batch \"", batch_id, "\" is being written; retry"));
        }
        WriteResult dup;
        dup.points_written = it->second.points_written;
        dup.duplicate = true;
        return dup;
      }
    }
    ASSIGN_OR_RETURN(const RetentionPolicy* rp, ResolveRp(database, rp_name));
    if (epoch != layout_epoch_) rb = ResolvedBatch();  // series may be gone: start over
    epoch = layout_epoch_;
    ResolveUnits(in, database, *rp, /*exclusive=*/true, &rb);
    // The log record: one run per resolved field of each unit, its
    // accepted points in order.
    wal.ts.reserve(total * 2);
    wal.bits.reserve(total * 2);
    size_t offset = 0;  // flat index of the unit's first point
    for (size_t u = 0; u < rb.units.size(); ++u) {
      ResolvedUnit& unit = rb.units[u];
      const size_t n = in.points(u);
      const bool clean = unit.state == ResolvedUnit::State::kOk && unit.point_errors.empty();
      size_t e = 0;
      if (clean) {
        result.points_written += n;
      } else {
        for (size_t j = 0; j < n; ++j) {
          if (e < unit.point_errors.size() && unit.point_errors[e].first == j) {
            result.rejected.push_back({offset + j, std::move(unit.point_errors[e].second)});
            ++e;
          } else if (unit.state == ResolvedUnit::State::kRejected) {
            result.rejected.push_back({offset + j, unit.status});
          } else {
            ++result.points_written;
          }
        }
      }
      if (unit.state == ResolvedUnit::State::kOk) {
        for (uint32_t f = unit.begin; f < unit.end; ++f) {
          wal.BeginRun(rb.targets[f].sid, rb.targets[f].type);
          targets.push_back(rb.targets[f].series);
          if (clean) {
            in.AppendAll(u, rb.field_src[f], &wal);
            continue;
          }
          e = 0;
          for (size_t j = 0; j < n; ++j) {
            if (e < unit.point_errors.size() && unit.point_errors[e].first == j) {
              ++e;
              continue;
            }
            in.Append(u, rb.field_src[f], j, &wal);
          }
        }
      }
      offset += n;
    }
    if (wal.points() == 0) return result;  // nothing stored: a retry may as well run
    if (has_id) batches_[batch_id] = BatchRecord{now, result.points_written, true};
    if (nondurable_series_ > 0) {
      for (const Series* s : targets) {
        if (!s->durable) to_record.push_back(s);
      }
      // By id: the group record takes them in ascending order.
      std::sort(to_record.begin(), to_record.end(),
                [](const Series* a, const Series* b) { return a->sid < b->sid; });
      to_record.erase(std::unique(to_record.begin(), to_record.end()), to_record.end());
    }
    // The log record stays until its points are in the head: the seal
    // deletes none at or after next_apply_seq_.
    seq = next_seq_++;
    if (test_after_log_write_) after_log_write = test_after_log_write_;
  }

  // 3. Series fields read here never change, and no series goes away while
  // a write is in flight (DrainWrites: until its apply step ends).
  std::string record;
  const size_t record_body = EncodeWalRecord(wal, &record);
  // The new series' index record: one group for the write (all of one
  // database and policy), its series keys sharing prefixes. One record per
  // series cost each new series a RocksDB entry and ~100 log bytes, which
  // RocksDB checksums in software (Debian's build): a fifth of a write's
  // time when it makes 2,000 series.
  SeriesGroupWriter group;
  uint64_t max_sid = 0;
  // Each schema key once per record, not once per series (one database
  // per record: measurement and field name it).
  absl::flat_hash_set<std::pair<std::string_view, std::string_view>> schema_keys;
  std::vector<std::pair<std::string, char>> schema_records;
  for (const Series* s : to_record) {
    LUX_CHECK(s->db == database && s->rp == to_record.front()->rp,
              "a write's series of another database or policy");
    group.Add(s->sid, s->type, s->key);
    if (schema_keys.emplace(s->key.measurement, s->key.field).second) {
      schema_records.emplace_back(SchemaKey(s->db, s->key.measurement, s->key.field),
                                  static_cast<char>(s->type));
    }
    max_sid = std::max(max_sid, s->sid);
  }
  const std::string group_value = to_record.empty() ? std::string() : group.Finish();
  constexpr size_t kPutOverhead = 64;  // type, column family, lengths, a key
  rocksdb::WriteBatch b(record.size() + group_value.size() +
                        (schema_records.size() + 5) * kPutOverhead);
  b.Put(wal_cf_, WalKey(seq), record);
  if (!to_record.empty()) {
    b.Put(index_cf_, SeriesGroupKey(database, to_record.front()->rp, group.first_sid(), seq),
          group_value);
  }
  for (const auto& [key, type] : schema_records) b.Put(meta_cf_, key, std::string(1, type));
  if (has_id) {
    std::string v;
    PutFixed64(&v, uint64_t(now));
    PutVarint64(&v, result.points_written);
    b.Put(meta_cf_, BatchKey(batch_id), v);
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
  if (rs.ok()) {
    log_bytes_uncompressed_ += record_body;
    log_bytes_logged_ += record.size();
  }

  if (after_log_write) after_log_write();

  // 4. In sequence order, so that the head agrees with a replay of the log
  // (the later write of a timestamp wins).
  struct Turn {
    DBImpl* db;
    uint64_t seq;
  } turn{this, seq};
  {
    absl::MutexLock h(&head_mu_);
    head_mu_.Await(absl::Condition(
        +[](Turn* t) ABSL_NO_THREAD_SAFETY_ANALYSIS { return t->db->next_apply_seq_ == t->seq; },
        &turn));
    if (rs.ok()) {
      ApplyToHead(wal, targets, seq);
      if (!observers_.empty()) {
        const std::string& rp = targets.front()->rp;
        WrittenBatch numbered = written;
        numbered.sequence = seq;
        for (const auto& [id, observer] : observers_) observer(numbered, rp, result);
      }
      // Full heads go to the background sealer.
      for (const Series* s : targets) {
        if (s->head.size() >= options_.block_points && queued_.insert(s->sid).second) {
          seal_queue_.push_back(s->sid);
        }
      }
    }
    ++next_apply_seq_;
  }
  // What lives under mu_: the new series this record made durable, and the
  // batch id's answer. Series may be gone once the apply step has ended
  // (a drop drains writes, then bumps layout_epoch_).
  if (!to_record.empty() || has_id) {
    absl::MutexLock l(&mu_);
    if (rs.ok() && epoch == layout_epoch_) {
      for (const Series* s : to_record) {
        if (!s->durable) {
          const_cast<Series*>(s)->durable = true;
          --nondurable_series_;
        }
      }
    }
    if (auto it = has_id ? batches_.find(batch_id) : batches_.end();
        it != batches_.end() && it->second.pending) {
      if (rs.ok()) {
        it->second.pending = false;
        batch_order_.emplace_back(now, batch_id);
      } else {
        batches_.erase(it);
      }
    }
  }
  if (!rs.ok()) return FromRocks(rs, "writing points");
  return result;
}

size_t DBImpl::TEST_DistinctTagCopies() {
  absl::ReaderMutexLock l(&mu_);
  absl::flat_hash_set<const std::vector<Tag>*> copies;
  for (const auto& [sid, s] : series_) copies.insert(&s->key.tags.get());
  return copies.size();
}

void DBImpl::TEST_SetAfterLogWrite(std::function<void()> hook) {
  absl::MutexLock l(&mu_);
  test_after_log_write_ = std::move(hook);
}

void TEST_SetAfterLogWrite(DB* db, std::function<void()> hook) {
  static_cast<DBImpl*>(db)->TEST_SetAfterLogWrite(std::move(hook));
}

uint64_t DBImpl::AddWriteObserver(WriteObserver observer) {
  absl::MutexLock h(&head_mu_);
  const uint64_t id = next_observer_id_++;
  observers_.emplace(id, std::move(observer));
  return id;
}

void DBImpl::RemoveWriteObserver(uint64_t id) {
  absl::MutexLock h(&head_mu_);  // observers run under head_mu_: none is running now
  observers_.erase(id);
}

}  // namespace lux::engine
