// File: misc.cc
// Small definitions of the public headers: clock, options, point helpers.
#include <algorithm>
#include <chrono>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/common/varint.h"
#include "lux/clock.h"
#include "lux/options.h"
#include "lux/point.h"
#include "lux/query.h"

namespace lux {

namespace {
class RealClock : public Clock {
 public:
  int64_t NowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};
}  // namespace

std::shared_ptr<Clock> SystemClock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<RealClock>();
  return clock;
}

namespace {
constexpr int64_t kMaxColdPartitionAgeNs = int64_t{100} * 365 * 86400 * 1'000'000'000;
}  // namespace

absl::Status Options::Validate() const {
  if (block_points < 16 || block_points > (size_t{1} << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("block_points must be in [16, 1048576], got ", block_points));
  }
  if (head_segment_points != 0 &&
      (head_segment_points < 16 || head_segment_points > (size_t{1} << 20))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "head_segment_points must be 0 or in [16, 1048576], got ", head_segment_points));
  }
  if (default_partition_ns <= 0) {
    return absl::InvalidArgumentError("default_partition_ns must be positive");
  }
  if (cold_partition_age_ns < 0 || cold_partition_age_ns > kMaxColdPartitionAgeNs) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cold_partition_age_ns must be in [0, 100 years], got ", cold_partition_age_ns));
  }
  if (max_head_age_ns < 0)
    return absl::InvalidArgumentError("max_head_age_ns must not be negative");
  if (max_head_points < 2) return absl::InvalidArgumentError("max_head_points must be >= 2");
  if (max_points_per_write == 0) {
    return absl::InvalidArgumentError("max_points_per_write must be positive");
  }
  return absl::OkStatus();
}

const char* FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kFloat:
      return "float";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kUnsigned:
      return "unsigned";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kString:
      return "string";
  }
  return "unknown";
}

namespace {
// FieldValue and FieldValues list the types in the same order.
FieldType TypeAt(size_t index) {
  switch (index) {
    case 0:
      return FieldType::kFloat;
    case 1:
      return FieldType::kInteger;
    case 2:
      return FieldType::kUnsigned;
    case 3:
      return FieldType::kBoolean;
    default:
      return FieldType::kString;
  }
}
}  // namespace

FieldType TypeOf(const FieldValue& v) { return TypeAt(v.index()); }
FieldType ColumnType(const FieldValues& values) { return TypeAt(values.index()); }
FieldValues EmptyColumn(FieldType type) {
  switch (type) {
    case FieldType::kFloat:
      return std::vector<double>();
    case FieldType::kInteger:
      return std::vector<int64_t>();
    case FieldType::kUnsigned:
      return std::vector<uint64_t>();
    case FieldType::kBoolean:
      return std::vector<bool>();
    case FieldType::kString:
      break;
  }
  return std::vector<std::string>();
}

size_t ColumnSize(const FieldValues& values) {
  return std::visit([](const auto& v) { return v.size(); }, values);
}

ColumnBatch ToColumnBatch(WriteBatch batch) {
  ColumnBatch out;
  out.database = std::move(batch.database);
  out.retention_policy = std::move(batch.retention_policy);
  out.batch_id = std::move(batch.batch_id);
  // A group is a run of one tag set with one field signature (keys and
  // types in order); a tag set's points join its latest group while their
  // signature matches and open a new one when it changes, so that each
  // series keeps its points in order across groups (the later of two points
  // at one timestamp still wins). Tag sets are keyed as the engine resolves
  // them: sorted by key, the last of a repeated key, empty values dropped.
  struct Latest {
    size_t group;
    std::string signature;
  };
  absl::flat_hash_map<std::string, Latest> latest;
  std::string key, signature;
  std::vector<const Tag*> tags;
  auto put = [](std::string* dst, std::string_view s) {
    PutVarint64(dst, s.size());
    dst->append(s);
  };
  for (Point& p : batch.points) {
    tags.clear();
    for (const Tag& t : p.tags) tags.push_back(&t);
    std::stable_sort(tags.begin(), tags.end(),
                     [](const Tag* x, const Tag* y) { return x->key < y->key; });
    key.clear();
    put(&key, p.measurement);
    for (size_t k = 0; k < tags.size(); ++k) {
      if (k + 1 < tags.size() && tags[k + 1]->key == tags[k]->key) continue;  // the last wins
      if (tags[k]->value.empty()) continue;
      put(&key, tags[k]->key);
      put(&key, tags[k]->value);
    }
    signature.clear();
    for (const Field& f : p.fields) {
      put(&signature, f.key);
      signature.push_back(static_cast<char>(f.value.index()));
    }
    auto [it, fresh] = latest.try_emplace(key);
    if (fresh || it->second.signature != signature) {
      it->second.group = out.series.size();
      it->second.signature = signature;
      SeriesPoints& sp = out.series.emplace_back();
      sp.measurement = p.measurement;
      sp.tags = p.tags;
      for (const Field& f : p.fields) {
        sp.fields.push_back({f.key, EmptyColumn(TypeOf(f.value))});
      }
    }
    SeriesPoints& sp = out.series[it->second.group];
    sp.timestamps_ns.push_back(p.timestamp_ns);
    for (size_t k = 0; k < sp.fields.size(); ++k) {
      std::visit(
          [&](auto& col) {
            using T = typename std::decay_t<decltype(col)>::value_type;
            col.push_back(std::get<T>(std::move(p.fields[k].value)));
          },
          sp.fields[k].values);
    }
  }
  return out;
}

Point PointAt(const SeriesPoints& series, size_t j) {
  Point p;
  p.measurement = series.measurement;
  p.tags = series.tags;
  p.timestamp_ns = series.timestamps_ns[j];
  p.fields.reserve(series.fields.size());
  for (const FieldColumn& c : series.fields) {
    if (j < ColumnSize(c.values)) {
      p.fields.push_back(
          {c.key, std::visit([j](const auto& v) -> FieldValue { return v[j]; }, c.values)});
    }
  }
  return p;
}

absl::StatusOr<TagMatcher> TagMatcher::Compile(const std::vector<TagFilter>& filters) {
  TagMatcher m;
  m.filters_ = filters;
  m.regexes_.resize(filters.size());
  for (size_t i = 0; i < filters.size(); ++i) {
    const TagFilter& f = filters[i];
    if (f.op != TagFilter::Op::kIn && f.values.size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("tag filter on \"", f.key, "\" needs exactly one value"));
    }
    if (f.op == TagFilter::Op::kRegex || f.op == TagFilter::Op::kNotRegex) {
      try {
        m.regexes_[i] = std::regex(f.values[0], std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad regular expression for tag \"", f.key, "\": ", e.what()));
      }
    }
  }
  return m;
}

bool TagMatcher::Matches(const std::vector<Tag>& tags) const {
  static const std::string kEmpty;
  for (size_t i = 0; i < filters_.size(); ++i) {
    const TagFilter& f = filters_[i];
    auto it = std::lower_bound(tags.begin(), tags.end(), f.key,
                               [](const Tag& t, const std::string& k) { return t.key < k; });
    const std::string& v = it != tags.end() && it->key == f.key ? it->value : kEmpty;
    bool ok = false;
    switch (f.op) {
      case TagFilter::Op::kEqual:
        ok = v == f.values[0];
        break;
      case TagFilter::Op::kNotEqual:
        ok = v != f.values[0];
        break;
      case TagFilter::Op::kIn:
        ok = std::find(f.values.begin(), f.values.end(), v) != f.values.end();
        break;
      case TagFilter::Op::kRegex:
        ok = std::regex_match(v, regexes_[i]);
        break;
      case TagFilter::Op::kNotRegex:
        ok = !std::regex_match(v, regexes_[i]);
        break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace lux
