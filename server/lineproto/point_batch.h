// File: point_batch.h
// -----------------------------------------------------------------------------
// The points of parsed line protocol in columns: names as (offset, size) in one
// byte arena, field values as 8-byte words beside their types, timestamps and
// line numbers in arrays. Filled by lux::lineproto::ParseBatch (in
// line_protocol.h); one batch reused across requests parses without a heap
// allocation per line once its arrays have grown.
//
//   lux::lineproto::PointBatch batch;  // kept per connection or per thread
//   batch.Clear();                     // keeps capacity
//   lux::lineproto::ParseBatch(body, opts, &batch);
//   for (size_t i = 0; i < batch.size(); ++i) {
//     use(batch.measurement(i), batch.timestamp_ns(i));
//     for (size_t f = 0; f < batch.field_count(i); ++f) use(batch.field_key(i, f), ...);
//   }
//
// Point i holds what Parse would put in ParseResult::points[i]: tags sorted by
// key, repeated field keys merged the same way.
//
// Thread safety: const methods may run concurrently; anything else needs
// exclusive access. Views returned stay valid until the next non-const call.
#ifndef LUX_SERVER_LINEPROTO_POINT_BATCH_H_
#define LUX_SERVER_LINEPROTO_POINT_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "lux/point.h"

namespace lux::lineproto {

namespace internal {
class BatchWriter;
}  // namespace internal

// One line that did not parse.
struct LineError {
  size_t line_number;  // 1-based physical line where the bad line starts
  std::string line;    // as InfluxDB quotes it: no line terminator, no leading whitespace
  std::string reason;  // InfluxDB's reason text, e.g. "missing fields"
};

class PointBatch {
 public:
  PointBatch() = default;
  PointBatch(const PointBatch&) = default;
  PointBatch& operator=(const PointBatch&) = default;
  PointBatch(PointBatch&&) = default;
  PointBatch& operator=(PointBatch&&) = default;

  // Drops every point and error; keeps the memory for the next parse.
  void Clear();

  // Number of points.
  size_t size() const { return points_.size(); }
  bool empty() const { return points_.empty(); }

  // Accessors of point i. REQUIRES: i < size(), t < tag_count(i), f < field_count(i).
  std::string_view measurement(size_t i) const { return View(i, points_[i].measurement); }
  int64_t timestamp_ns(size_t i) const { return points_[i].timestamp_ns; }
  // 1-based line of the body where point i starts.
  size_t line_number(size_t i) const { return points_[i].line_number; }
  size_t tag_count(size_t i) const { return points_[i].tag_count; }
  std::string_view tag_key(size_t i, size_t t) const { return View(i, Tag(i, t).key); }
  std::string_view tag_value(size_t i, size_t t) const { return View(i, Tag(i, t).value); }
  size_t field_count(size_t i) const { return points_[i].field_count; }
  std::string_view field_key(size_t i, size_t f) const { return View(i, Field(i, f).key); }
  FieldType field_type(size_t i, size_t f) const { return Field(i, f).type; }
  // The value of a field of each type. REQUIRES: field_type(i, f) is that type.
  double float_value(size_t i, size_t f) const { return Bits<double>(i, f); }
  int64_t integer_value(size_t i, size_t f) const { return Bits<int64_t>(i, f); }
  uint64_t unsigned_value(size_t i, size_t f) const { return Field(i, f).bits; }
  bool boolean_value(size_t i, size_t f) const { return Field(i, f).bits != 0; }
  std::string_view string_value(size_t i, size_t f) const { return View(i, Field(i, f).str); }
  // Any type, as a lux::FieldValue (copies a string value).
  FieldValue field_value(size_t i, size_t f) const;

  // Point i as a lux::Point, and all points appended to *out.
  Point ToPoint(size_t i) const;
  void AppendPoints(std::vector<Point>* out) const;

  // Appends the points to out->series grouped for DB::Write(ColumnBatch):
  // one SeriesPoints per run of a tag set with the same field keys and types
  // (a tag set whose lines change field signature opens a new one), in order
  // of first appearance, each with its points in body order; writing it
  // stores what writing the lines one by one stores. (*flat_to_point)[k] is
  // the point behind flat index k of the write's result (PointError::index).
  // Whatever out->series held is replaced (its memory reused: a batch kept
  // across requests allocates little).
  void ToColumns(ColumnBatch* out, std::vector<uint32_t>* flat_to_point) const;

  // Lines that did not parse, in body order.
  const std::vector<LineError>& errors() const { return errors_; }

  // Testing only: ToColumns' tag-set hashes are ANDed with this (0: every
  // tag set collides, the probing path). Not thread-safe to change.
  static inline uint64_t testing_hash_mask = ~uint64_t{0};

 private:
  friend class internal::BatchWriter;

  // Bytes [offset, offset + size) after the point's base in arena_. A point's
  // names come from one line, which is shorter than 4 GiB.
  struct Str {
    uint32_t offset;
    uint32_t size;
  };
  struct PointRow {
    uint64_t arena_base;
    uint64_t tags_begin;    // in tags_
    uint64_t fields_begin;  // in fields_
    Str measurement;
    uint32_t tag_count;
    uint32_t field_count;
    int64_t timestamp_ns;
    uint64_t line_number;
    // A plain line's series key as written ("m,k=v,..."; no escapes, tags
    // sorted) is bytes [0, plain_series_end) after arena_base; 0: the point
    // did not come from a plain line.
    uint32_t plain_series_end = 0;
  };
  struct TagRow {
    Str key;
    Str value;
  };
  struct FieldRow {
    Str key;
    Str str;        // kString: the unescaped value
    uint64_t bits;  // other types: the value's bytes (bool: 0 or 1)
    FieldType type;
  };

  // Points i and j have the same measurement and tags (in order); the same
  // field keys and types (in order). A hash of point i's measurement and
  // tags, equal for equal tag sets: of "m,k=v,..." unescaped (a plain line's
  // own bytes; built in *scratch for others).
  bool SameTagSet(size_t i, size_t j) const;
  bool SameFields(size_t i, size_t j) const;
  uint64_t TagSetHash(size_t i, std::string* scratch) const;

  std::string_view View(size_t i, Str s) const {
    return std::string_view(arena_.data() + points_[i].arena_base + s.offset, s.size);
  }
  const TagRow& Tag(size_t i, size_t t) const { return tags_[points_[i].tags_begin + t]; }
  const FieldRow& Field(size_t i, size_t f) const { return fields_[points_[i].fields_begin + f]; }
  template <typename T>
  T Bits(size_t i, size_t f) const {
    T v;
    std::memcpy(&v, &Field(i, f).bits, sizeof(v));
    return v;
  }

  std::string arena_;
  std::vector<PointRow> points_;
  std::vector<TagRow> tags_;
  std::vector<FieldRow> fields_;
  std::vector<LineError> errors_;
};

}  // namespace lux::lineproto

#endif  // LUX_SERVER_LINEPROTO_POINT_BATCH_H_
