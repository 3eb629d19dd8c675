// File: values.cc
#include "tools/luxctl/values.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace lux::luxctl {
namespace {

constexpr int64_t kNs = 1;
constexpr int64_t kUs = 1000 * kNs;
constexpr int64_t kMs = 1000 * kUs;
constexpr int64_t kSec = 1000 * kMs;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kWeek = 7 * kDay;

// Units, longest spelling first where one is a prefix of another.
constexpr std::pair<absl::string_view, int64_t> kUnits[] = {
    {"ns", kNs}, {"us", kUs},  {"\xC2\xB5s", kUs}, {"ms", kMs},  {"s", kSec},
    {"m", kMin}, {"h", kHour}, {"d", kDay},        {"w", kWeek},
};

absl::Status BadDuration(absl::string_view s) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid duration \"", s, "\" (examples: 10s, 5m, 1h30m, 7d)"));
}

}  // namespace

absl::StatusOr<int64_t> ParseDuration(absl::string_view s) {
  const absl::string_view all = s;
  if (s == "0") return 0;
  if (s.empty()) return BadDuration(all);
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (absl::ascii_isdigit(s[i]) || s[i] == '.')) ++i;
    if (i == 0) return BadDuration(all);
    long double number = 0;
    if (std::from_chars(s.data(), s.data() + i, number).ptr != s.data() + i) {
      return BadDuration(all);
    }
    s.remove_prefix(i);
    int64_t unit = 0;
    for (const auto& [name, ns] : kUnits) {
      if (s.substr(0, name.size()) == name) {
        unit = ns;
        s.remove_prefix(name.size());
        break;
      }
    }
    if (unit == 0) return BadDuration(all);
    total += number * unit;
  }
  if (total >= static_cast<long double>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError(absl::StrCat("duration \"", all, "\" is too long"));
  }
  return static_cast<int64_t>(std::llround(total));
}

std::string FormatDuration(int64_t ns) {
  if (ns == 0) return "0s";
  std::string out;
  uint64_t left = uint64_t(ns);
  if (ns < 0) {
    out = "-";
    left = ~uint64_t(ns) + 1;
  }
  // Whole weeks only when nothing smaller than a day remains ("2w", not "1w3d").
  constexpr std::pair<const char*, int64_t> kParts[] = {
      {"d", kDay}, {"h", kHour}, {"m", kMin}, {"s", kSec}, {"ms", kMs}, {"us", kUs}, {"ns", kNs}};
  if (left % kWeek == 0) return absl::StrCat(out, left / kWeek, "w");
  for (const auto& [name, unit] : kParts) {
    if (left >= uint64_t(unit)) {
      absl::StrAppend(&out, left / unit, name);
      left %= unit;
    }
  }
  return out;
}

absl::StatusOr<int64_t> ParseTime(absl::string_view s, int64_t now_ns) {
  int64_t ns = 0;
  if (absl::SimpleAtoi(s, &ns)) return ns;
  if (s.substr(0, 3) == "now") {
    absl::string_view rest = s.substr(3);
    if (rest.empty()) return now_ns;
    if (rest[0] == '-' || rest[0] == '+') {
      auto d = ParseDuration(rest.substr(1));
      if (!d.ok()) return d.status();
      return rest[0] == '-' ? now_ns - *d : now_ns + *d;
    }
  }
  absl::Time t;
  std::string err;
  for (const char* format : {absl::RFC3339_full, "%Y-%m-%d%ET%H:%M:%E*S", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, std::string(s), absl::UTCTimeZone(), &t, &err)) {
      return absl::ToUnixNanos(t);
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("invalid time \"", s,
                   "\" (ns since the epoch, RFC3339 like 2026-01-01T00:00:00Z, now or now-1h)"));
}

std::string FormatTime(int64_t ns) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", absl::FromUnixNanos(ns), absl::UTCTimeZone());
}

absl::StatusOr<TagFilter> ParseTagFilter(absl::string_view s) {
  TagFilter f;
  size_t p = 0;
  while (p < s.size() && s[p] != '=' &&
         !(s[p] == '!' && p + 1 < s.size() && (s[p + 1] == '=' || s[p + 1] == '~'))) {
    ++p;
  }
  if (p == 0 || p >= s.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid --where \"", s, "\" (key=value, key!=value, key=~regex or key!~regex)"));
  }
  f.key = std::string(s.substr(0, p));
  size_t value_at = p + 1;
  if (s[p] == '!') {
    f.op = s[p + 1] == '=' ? TagFilter::Op::kNotEqual : TagFilter::Op::kNotRegex;
    value_at = p + 2;
  } else if (p + 1 < s.size() && s[p + 1] == '~') {
    f.op = TagFilter::Op::kRegex;
    value_at = p + 2;
  }
  f.values.push_back(std::string(s.substr(value_at)));
  return f;
}

absl::StatusOr<Aggregate> ParseAggregate(absl::string_view s) {
  static constexpr std::pair<absl::string_view, Aggregate> kNames[] = {
      {"none", Aggregate::kNone},
      {"count", Aggregate::kCount},
      {"sum", Aggregate::kSum},
      {"mean", Aggregate::kMean},
      {"min", Aggregate::kMin},
      {"max", Aggregate::kMax},
      {"first", Aggregate::kFirst},
      {"last", Aggregate::kLast},
      {"stddev", Aggregate::kStddev},
      {"spread", Aggregate::kSpread},
      {"percentile", Aggregate::kPercentile},
      {"twa", Aggregate::kTimeWeightedAverage},
  };
  for (const auto& [name, agg] : kNames) {
    if (s == name) return agg;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown aggregate \"", s,
                   "\" (count, sum, mean, min, max, first, last, stddev, spread, percentile, "
                   "twa, none)"));
}

absl::Status ParseFill(absl::string_view s, Fill* fill, double* value) {
  if (s == "none") {
    *fill = Fill::kNone;
  } else if (s == "null") {
    *fill = Fill::kNull;
  } else if (s == "previous") {
    *fill = Fill::kPrevious;
  } else if (s == "linear") {
    *fill = Fill::kLinear;
  } else if (absl::SimpleAtod(s, value) && std::isfinite(*value)) {
    *fill = Fill::kValue;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --fill \"", s, "\" (none, null, previous, linear or a number)"));
  }
  return absl::OkStatus();
}

std::string FormatValue(const FieldValue& v) {
  switch (v.index()) {
    case 0: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof(buf), std::get<double>(v));
      return std::string(buf, r.ptr);
    }
    case 1:
      return absl::StrCat(std::get<int64_t>(v));
    case 2:
      return absl::StrCat(std::get<uint64_t>(v));
    case 3:
      return std::get<bool>(v) ? "true" : "false";
    default:
      return std::get<std::string>(v);
  }
}

}  // namespace lux::luxctl
