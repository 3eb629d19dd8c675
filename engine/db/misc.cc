// File: misc.cc
// Small definitions of the public headers: clock, options, point helpers.
#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
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
size_t ColumnSize(const FieldValues& values) {
  return std::visit([](const auto& v) { return v.size(); }, values);
}

Point PointAt(const SeriesPoints& series, size_t j) {
  Point p;
  p.measurement = series.measurement;
  p.tags = series.tags;
  p.timestamp_ns = series.timestamps_ns[j];
  p.fields.reserve(series.fields.size());
  for (const FieldColumn& c : series.fields) {
    if (j < ColumnSize(c.values)) {
      p.fields.push_back({c.key, std::visit([j](const auto& v) -> FieldValue { return v[j]; },
                                            c.values)});
    }
  }
  return p;
}

const SeriesPoints* SeriesOf(const ColumnBatch& batch, size_t k, size_t* j) {
  for (const SeriesPoints& sp : batch.series) {
    if (k < sp.timestamps_ns.size()) {
      *j = k;
      return &sp;
    }
    k -= sp.timestamps_ns.size();
  }
  return nullptr;
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
