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
#include "engine/codec/block.h"
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

// Rows for GROUP BY time windows from their values (nullopt: no points),
// applying the spec's fill. REQUIRES: spec.interval_ns > 0.
void EmitWindows(const QuerySpec& spec, FieldType point_type,
                 std::vector<std::optional<FieldValue>>& values,
                 const std::optional<TimedValue>& before, Frame* out);

// The order-free fast path for count, sum, mean, min, max, spread, first and
// last of numeric fields: points go straight into per-window accumulators,
// series by series with no merge, and a block that lies inside one window
// (and is not overridden by head points) adds its header statistics
// without being decoded. Float sums may round differently from the merged
// order. Not thread-safe.
class WindowAccumulator {
 public:
  static bool Supports(const QuerySpec& spec, FieldType type);
  // REQUIRES: Supports(spec, type); spec outlives the accumulator.
  WindowAccumulator(const QuerySpec& spec, FieldType type);

  // True when [first_ts, last_ts] lies in one window.
  bool SameWindow(int64_t first_ts, int64_t last_ts) const;
  // Points, all within [start, end). Add series in group order.
  void AddColumn(const Column& c);
  // A whole block within [start, end) and one window.
  void AddBlock(const codec::BlockHeader& header);
  void Finish(const std::optional<TimedValue>& before, Frame* out);

 private:
  struct Window {
    uint64_t count = 0;
    double sum_d = 0;
    uint64_t sum_i = 0;  // integer sums wrap
    uint64_t min = 0, max = 0, first = 0, last = 0;
    int64_t first_ts = 0, last_ts = 0;
  };
  size_t WindowOf(int64_t ts) const;
  template <typename T>
  void AddOne(Window& w, int64_t ts, uint64_t bits, uint64_t count, uint64_t sum, uint64_t min,
              uint64_t max, int64_t last_ts, uint64_t last);
  template <typename T>
  void AddRange(Window& w, const Column& c, size_t b, size_t e);
  std::optional<FieldValue> Result(const Window& w) const;

  const QuerySpec& spec_;
  const FieldType type_;
  int64_t first_window_ = 0;
  std::vector<Window> windows_;
};

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_AGGREGATE_H_
