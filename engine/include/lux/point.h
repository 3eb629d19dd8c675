// File: point.h
// -----------------------------------------------------------------------------
// Points as ingest services hand them to lux::DB::Write.
#ifndef LUX_POINT_H_
#define LUX_POINT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"

namespace lux {

// Type of a field. A field's type is fixed per (database, measurement,
// field) by its first write.
enum class FieldType : uint8_t {  // persisted: never renumber or reuse
  kFloat = 1,
  kInteger = 2,
  kUnsigned = 3,
  kBoolean = 4,
  kString = 5,
};

// "float", "integer", "unsigned", "boolean", "string" (InfluxDB's names).
const char* FieldTypeName(FieldType type);

using FieldValue = std::variant<double, int64_t, uint64_t, bool, std::string>;

FieldType TypeOf(const FieldValue& v);

struct Tag {
  std::string key;
  std::string value;
  friend bool operator==(const Tag&, const Tag&) = default;
};

struct Field {
  std::string key;
  FieldValue value;
};

struct Point {
  std::string measurement;
  std::vector<Tag> tags;  // any order; duplicates: the last wins
  std::vector<Field> fields;
  int64_t timestamp_ns = 0;
};

struct WriteBatch {
  std::string database;
  // Empty: the database's default retention policy.
  std::string retention_policy;
  std::vector<Point> points;
  // Optional. A batch written again with the same id within
  // Options::batch_id_window_ns is not applied again: Write answers with
  // `duplicate` set and the first write's points_written. The id is stored
  // atomically with the points, so this holds across crashes.
  std::string batch_id;
};

// Columnar form of a write: each series (measurement + tag set) once, with
// its timestamps and one column of values per field. What ingest services
// that batch by sensor (and luxd's gRPC and HTTP paths) hand the engine:
// the series is validated and looked up once per run, not once per point.
// Values of a column are of one type, given by the vector's type.
using FieldValues = std::variant<std::vector<double>, std::vector<int64_t>,
                                 std::vector<uint64_t>, std::vector<bool>,
                                 std::vector<std::string>>;

struct FieldColumn {
  std::string key;
  FieldValues values;  // one per timestamp of its SeriesPoints
};

struct SeriesPoints {
  std::string measurement;
  std::vector<Tag> tags;  // any order; duplicates: the last wins
  std::vector<int64_t> timestamps_ns;
  // Every point has every field; a repeated key keeps its last column.
  std::vector<FieldColumn> fields;
};

struct ColumnBatch {
  std::string database;
  std::string retention_policy;  // empty: the database's default
  std::vector<SeriesPoints> series;
  std::string batch_id;  // as WriteBatch::batch_id
};

// Number of values in a column.
size_t ColumnSize(const FieldValues& values);
// Type of a column's values.
FieldType ColumnType(const FieldValues& values);
// An empty column of `type`.
FieldValues EmptyColumn(FieldType type);
// `batch` in columns: one SeriesPoints per run of a tag set with the same
// field keys and types (a tag set whose points change field signature opens
// a new one), in order of first appearance, each with its points in order.
// Writing it stores what writing `batch` stores (each series keeps its
// points' order); the indices in WriteResult follow the new order.
ColumnBatch ToColumnBatch(WriteBatch batch);
// Point j of a series run as a Point (its fields as given).
Point PointAt(const SeriesPoints& series, size_t j);

struct PointError {
  // Position in WriteBatch::points; for a ColumnBatch, the point's position
  // counting every series' timestamps in order (series 0's first).
  size_t index;
  absl::Status status;  // what was wrong with that point
};

// Result of a Write: every point is either stored or listed in `rejected`.
struct WriteResult {
  size_t points_written = 0;
  std::vector<PointError> rejected;
  bool duplicate = false;  // the batch id was written before: nothing done now
};

}  // namespace lux

#endif  // LUX_POINT_H_
