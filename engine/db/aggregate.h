// File: aggregate.h
// -----------------------------------------------------------------------------
// Windowed aggregation of one group's points (pure; no storage): GROUP BY
// time windows, the aggregate functions and fill. Input points are sorted by
// time; several series of a group may interleave.
#ifndef LUX_ENGINE_DB_AGGREGATE_H_
#define LUX_ENGINE_DB_AGGREGATE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/db/column.h"
#include "lux/query.h"

namespace lux::engine {

struct TimedValue {
  int64_t ts;
  FieldValue value;
};

struct AggregateInput {
  const QuerySpec* spec = nullptr;  // aggregate, interval, offset, fill, range
  // Sorted by ts, all within [start, end); its type is the field's.
  Column points;
  // Latest point before the range (fill(previous) looks back to it).
  std::optional<TimedValue> before;
};

// Type of the aggregate's values for a field of type `type`, or
// kInvalidArgument when the aggregate does not apply (e.g. mean of strings).
absl::StatusOr<FieldType> AggregateType(Aggregate aggregate, FieldType type);

// Window start of ts for GROUP BY time(interval, offset).
int64_t WindowStart(int64_t ts, int64_t interval, int64_t offset);

// Computes the frame rows (times, values, valid) for one group.
absl::Status AggregateWindows(const AggregateInput& in, Frame* out);

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_AGGREGATE_H_
