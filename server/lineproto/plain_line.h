// File: plain_line.h
// -----------------------------------------------------------------------------
// A one-pass scanner for the line shape nearly every client sends: no
// backslash, no quote, tags sorted, distinct field keys, plain decimal numbers
// and booleans, one space between sections. InfluxDB's rules (LineParser) scan
// a line twice and convert each number twice; on this shape one pass gives the
// same point.
//
// The scanner only accepts: it never reports an error. Whatever it doubts
// (anything off the shape above, any limit reached, any error) it leaves to
// LineParser, which then gives InfluxDB's answer. Every line it accepts,
// LineParser accepts with the same point (checked by LineParser in fuzz and
// sanitizer builds, and by the tests).
#ifndef LUX_SERVER_LINEPROTO_PLAIN_LINE_H_
#define LUX_SERVER_LINEPROTO_PLAIN_LINE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lux/point.h"
#include "server/lineproto/line_protocol.h"

namespace lux::lineproto::internal {

// A plain line cut up: byte offsets into the line, values converted.
struct PlainLine {
  // Lines with more tags or fields go to LineParser.
  static constexpr size_t kMaxTags = 64;
  static constexpr size_t kMaxFields = 64;

  struct TagSpan {
    uint32_t key_begin, key_end, value_begin, value_end;
  };
  struct FieldSlot {
    uint32_t key_begin, key_end;
    FieldType type;  // never kString
    uint64_t bits;   // the value's bytes; bool: 0 or 1
  };

  uint32_t measurement_end;  // the measurement is [0, measurement_end)
  uint32_t tag_count;
  uint32_t field_count;
  int64_t timestamp_ns;
  TagSpan tags[kMaxTags];  // sorted by key, keys distinct
  FieldSlot fields[kMaxFields];
};

// Scans `line` (no terminator, leading whitespace removed, no '\\', no '"').
// Returns true with *out set if the line has the plain shape and is valid;
// lines without a timestamp get `default_time_ns`. False says nothing about
// the line's validity. `multiplier` is PrecisionMultiplier(options.precision).
bool ScanPlainLine(std::string_view line, const ParseOptions& options, int64_t multiplier,
                   int64_t default_time_ns, PlainLine* out);

// The point a scanned line holds. REQUIRES: *p is empty.
void PlainLineToPoint(std::string_view line, const PlainLine& plain, Point* p);

}  // namespace lux::lineproto::internal

#endif  // LUX_SERVER_LINEPROTO_PLAIN_LINE_H_
