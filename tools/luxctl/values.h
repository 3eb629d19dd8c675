// File: values.h
// -----------------------------------------------------------------------------
// What luxctl reads from its command line and how it prints values: times
// (ns integers, RFC3339, `now`, `now-1h`), durations (10s, 5m, 1h, 7d, 1h30m),
// tag predicates (key=value, key!=value, key=~regex, key!~regex), aggregate
// and fill names. Pure functions; errors are kInvalidArgument with a text fit
// for `luxctl: <text>`.
#ifndef LUX_TOOLS_LUXCTL_VALUES_H_
#define LUX_TOOLS_LUXCTL_VALUES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lux/point.h"
#include "lux/query.h"

namespace lux::luxctl {

// A duration: one or more <number><unit> with units ns, us (or µs), ms, s, m,
// h, d, w ("1h30m", "1.5h", "250ms"); "0" is zero. Negative durations are
// refused.
absl::StatusOr<int64_t> ParseDuration(absl::string_view s);

// The shortest text ParseDuration reads back as `ns` ("7d", "1h30m", "250ms",
// "0s").
std::string FormatDuration(int64_t ns);

// A point in time: an integer (ns since the epoch), RFC3339 with optional
// fraction and zone offset ("2026-01-01T00:00:00Z", "2026-01-01T02:00:00.5+02:00"),
// "now", or "now-<duration>" / "now+<duration>". `now_ns` is the caller's
// clock reading.
absl::StatusOr<int64_t> ParseTime(absl::string_view s, int64_t now_ns);

// RFC3339 in UTC with as many fraction digits as needed
// ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00.25Z").
std::string FormatTime(int64_t ns);

// "zone=a", "zone!=a", "zone=~^a|b$", "zone!~tmp" -> a TagFilter. The key ends
// at the first '=' or "!=" / "!~"; the value may hold anything.
absl::StatusOr<TagFilter> ParseTagFilter(absl::string_view s);

// count, sum, mean, min, max, first, last, stddev, spread, percentile,
// twa (time-weighted average), none (raw points).
absl::StatusOr<Aggregate> ParseAggregate(absl::string_view s);

// none, null, previous, linear, or a number (fill with that value).
absl::Status ParseFill(absl::string_view s, Fill* fill, double* value);

// A value as line protocol's field text would show it without the type
// suffix: shortest round-trip float, integers, true/false, the raw string.
std::string FormatValue(const FieldValue& v);

}  // namespace lux::luxctl

#endif  // LUX_TOOLS_LUXCTL_VALUES_H_
