// File: line_protocol.h
// -----------------------------------------------------------------------------
// InfluxDB line protocol parser: a request body in, lux::Points and per-line
// errors out, with InfluxDB 1.x's acceptance rules and error texts.
//
// Usable by any ingest service; depends on nothing but lux's point types.
//
//   lux::lineproto::ParseOptions opts;
//   opts.default_time_ns = now_ns;  // one clock reading per request
//   lux::lineproto::ParseResult result;
//   lux::lineproto::Parse(body, opts, &result);
//   for (const auto& e : result.errors) log(lux::lineproto::FormatError(e));
//
// ParseBatch gives the same points in columns (point_batch.h), about twice as
// fast when its batch is reused.
//
// Thread safety: every function is reentrant; share nothing but `options`.
//
// Where this parser knowingly differs from InfluxDB 1.x:
//  * "\r\n" ends a line like "\n" (InfluxDB keeps the '\r' in the line).
//  * Lines InfluxDB accepts but then fails on in its engine (HTTP 500) or
//    crashes on (`0 \\="="`, `m \0=","=3,"="`) are bad lines here, with the
//    engine's text or "invalid field format".
//  * A field whose key InfluxDB's second cut leaves empty (it skips those)
//    makes the line bad: "missing field key".
//  * Two fields with one key keep the last value even if their types differ
//    (InfluxDB <= 1.11 fails the whole request with "field type conflict").
//  * max_line_bytes and max_tags are Lux's limits; their texts are Lux's.
//  * Tags are sorted by unescaped key (InfluxDB sorts the escaped bytes).
#ifndef LUX_SERVER_LINEPROTO_LINE_PROTOCOL_H_
#define LUX_SERVER_LINEPROTO_LINE_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lux/point.h"
#include "server/lineproto/point_batch.h"  // IWYU pragma: export

namespace lux::lineproto {

// Unit of the timestamps in a request (InfluxDB's `precision` parameter).
enum class Precision { kNanoseconds, kMicroseconds, kMilliseconds, kSeconds, kMinutes, kHours };

// Maps InfluxDB's precision strings: "" "n" "ns" -> ns, "u" "us" -> us, "ms", "s", "m", "h".
// Returns false (and leaves *p alone) for anything else.
bool ParsePrecision(std::string_view s, Precision* p);

// Nanoseconds in one unit of `p` (1 for kNanoseconds ... 3.6e12 for kHours).
int64_t PrecisionMultiplier(Precision p);

struct ParseOptions {
  // Unit of explicit timestamps. Default: nanoseconds.
  Precision precision = Precision::kNanoseconds;
  // Time of lines without a timestamp, in ns since the epoch: the caller reads the
  // clock once per request. Parse truncates it (towards -inf) to `precision`, as
  // InfluxDB does. Default 0.
  int64_t default_time_ns = 0;
  // Accept unsigned integers (`123u`) as InfluxDB 2.x does. false: such values are
  // "invalid number", as in every InfluxDB 1.x release build. Default true.
  bool allow_unsigned = true;
  // Longest accepted line in bytes (after leading whitespace is removed); longer
  // lines are errors naming the limit. Default 1 MiB.
  size_t max_line_bytes = 1 << 20;
  // Most tags per line; more is an error. Default 256.
  size_t max_tags = 256;
  // Longest series key (measurement and tags as written, plus 4, plus the field
  // key), as InfluxDB's "max key length exceeded: N > 65535". Default 65535.
  size_t max_key_bytes = 65535;
};

struct ParseResult {
  std::vector<lux::Point> points;   // tags sorted by key, field keys unique
  std::vector<size_t> point_lines;  // 1-based line of points[i]
  std::vector<LineError> errors;    // in body order
};

// Parses a whole request body and appends to *out. Every valid line becomes a
// point; every other line that is not blank or a comment becomes a LineError.
// Never reads outside `body`, whatever it holds.
// REQUIRES: out != nullptr.
void Parse(std::string_view body, const ParseOptions& options, ParseResult* out);

// Parse into columns: the same points (in the same order, with the same line
// numbers) and the same errors as Parse, appended to *out. Copies what it
// keeps, so `body` may go once this returns. With a batch reused (Clear()
// keeps its memory), a valid line costs no heap allocation.
// REQUIRES: out != nullptr.
void ParseBatch(std::string_view body, const ParseOptions& options, PointBatch* out);

// Where the line that starts at `pos` ends (its '\n', or body.size()), as
// Parse cuts lines (InfluxDB's scanLine): a '\n' inside a field's quoted
// string, or after a backslash, does not end it. For callers that split a
// body into pieces that parse as the whole does.
size_t LineEnd(std::string_view body, size_t pos);

// InfluxDB's text for one bad line: "unable to parse '<line>': <reason>".
std::string FormatError(const LineError& e);

}  // namespace lux::lineproto

#endif  // LUX_SERVER_LINEPROTO_LINE_PROTOCOL_H_
