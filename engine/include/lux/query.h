// File: query.h
// -----------------------------------------------------------------------------
// Query specifications and their streamed results.
#ifndef LUX_QUERY_H_
#define LUX_QUERY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lux/point.h"

namespace lux {

// A predicate on one tag. A series without the tag has the value "".
struct TagFilter {
  enum class Op { kEqual, kNotEqual, kIn, kRegex, kNotRegex };
  std::string key;
  Op op = Op::kEqual;
  // kEqual/kNotEqual/kRegex/kNotRegex: values[0] (a RE2-free ECMAScript
  // regex, matched against the whole value). kIn: any of values.
  std::vector<std::string> values;
};

// Tag predicates compiled once (their regexes) and checked against the
// tags of a series.
class TagMatcher {
 public:
  // kInvalidArgument naming the tag when a predicate has the wrong number
  // of values or a bad regular expression.
  static absl::StatusOr<TagMatcher> Compile(const std::vector<TagFilter>& filters);
  // Whether every predicate holds. REQUIRES: tags sorted by key; a missing
  // key has the value "".
  bool Matches(const std::vector<Tag>& tags) const;

 private:
  std::vector<TagFilter> filters_;
  std::vector<std::regex> regexes_;  // per filter; used by the regex operators
};

// Which series: a measurement, some of its fields, tag predicates (all must
// hold).
struct Selector {
  std::string database;
  std::string retention_policy;  // empty: the default one
  std::string measurement;
  std::vector<std::string> fields;  // empty: every field
  std::vector<TagFilter> tags;
};

enum class Aggregate {
  kNone,  // raw points
  kCount,
  kSum,
  kMean,
  kMin,
  kMax,
  kFirst,
  kLast,
  kStddev,  // sample standard deviation, as InfluxDB
  kSpread,  // max - min
  kPercentile,
  kTimeWeightedAverage,  // step interpolation inside each window
};

enum class Fill { kNone, kNull, kPrevious, kLinear, kValue };

struct QuerySpec {
  Selector selector;
  // Time range [start_ns, end_ns).
  int64_t start_ns = std::numeric_limits<int64_t>::min();
  int64_t end_ns = std::numeric_limits<int64_t>::max();
  Aggregate aggregate = Aggregate::kNone;
  double percentile = 50;  // kPercentile: 0..100, nearest rank as InfluxDB
  // GROUP BY time(interval, offset); 0 = one window over the whole range.
  // REQUIRES for interval > 0: finite start and end.
  int64_t interval_ns = 0;
  int64_t offset_ns = 0;
  // GROUP BY these tag keys; series with equal values aggregate together.
  // Without group tags, an aggregate merges every matching series.
  std::vector<std::string> group_by_tags;
  Fill fill = Fill::kNone;  // for windows without points (interval > 0)
  double fill_value = 0;    // Fill::kValue
  // Per frame: skip `offset` rows, then return at most `limit` (0 = all).
  size_t limit = 0;
  size_t offset = 0;
  absl::Time deadline = absl::InfiniteFuture();
  // When set and true, the query stops with kCancelled. Not owned; must
  // outlive the cursor.
  const std::atomic<bool>* cancelled = nullptr;
};

// One series (raw) or one group (aggregates) of one field.
struct Frame {
  std::string measurement;
  std::string field;
  std::vector<Tag> tags;               // raw: the series' tags; aggregates: the group tags
  FieldType type = FieldType::kFloat;  // of `values`
  std::vector<int64_t> times;          // window starts for aggregates
  std::vector<FieldValue> values;      // one per time; unspecified where null
  std::vector<uint8_t> valid;          // 0 where the value is null (fill(null))
  // The log sequence of the last write applied when this frame was read:
  // it holds the points of every write up to it and of none after
  // (DB::WrittenBatch::sequence). For resuming a live stream exactly.
  uint64_t sequence = 0;
};

// Streams frames. Not thread-safe; use from one thread.
// What a query read, for its caller's metadata.
struct QueryStats {
  uint64_t series_matched = 0;
  uint64_t blocks_decoded = 0;
  // Blocks whose header statistics answered an aggregate without decoding.
  uint64_t blocks_from_headers = 0;
  // Points decoded from blocks or read from the unsealed head.
  uint64_t points_scanned = 0;
};

class Cursor {
 public:
  virtual ~Cursor() = default;
  // What the query has read so far (complete once Next returned false).
  virtual QueryStats stats() const { return {}; }
  // Fills *frame with the next frame; false at the end or on error.
  virtual bool Next(Frame* frame) = 0;
  // OK at the end; else why the cursor stopped (kDeadlineExceeded,
  // kCancelled, kDataLoss naming a corrupt block, ...).
  virtual absl::Status status() const = 0;
};

// Latest point of one series.
struct LastValue {
  std::string measurement;
  std::string field;
  std::vector<Tag> tags;
  int64_t timestamp_ns = 0;
  FieldValue value;
};

}  // namespace lux

#endif  // LUX_QUERY_H_
