// File: line_parser.h
// -----------------------------------------------------------------------------
// One line of line protocol to one lux::Point, by InfluxDB 1.x's rules
// (models/points.go): the same scans in the same order, so a bad line gets the
// reason InfluxDB would give, and a good line the values InfluxDB would store.
//
// InfluxDB cuts a line twice: scanKey/scanFields/scanTime check it, then
// walkFields cuts the fields again with a slightly different escape rule. Both
// cuts are reproduced. Where they disagree InfluxDB stores odd values, fails in
// its engine or crashes; this parser refuses the line instead (see
// ConvertFieldValue).
#ifndef LUX_SERVER_LINEPROTO_LINE_PARSER_H_
#define LUX_SERVER_LINEPROTO_LINE_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lux/point.h"
#include "server/lineproto/line_protocol.h"
#include "server/lineproto/plain_line.h"

namespace lux::lineproto::internal {

// Tests only: false makes every LineParser built afterwards skip the plain-line
// scanner. Default true.
void TEST_SetPlainScanEnabled(bool enabled);

// Not thread-safe: holds scratch space reused from line to line.
class LineParser {
 public:
  // `options` must outlive the parser.
  explicit LineParser(const ParseOptions& options);

  enum class Outcome { kPlain, kFull, kError };

  // Parses `line` (as ParseLine) the quick way if it can: kPlain with *plain
  // set, if `plain_shape` (the line holds no '\\' and no '"') and
  // ScanPlainLine accepts it; else kFull with *p set or kError with *reason
  // set, as ParseLine. *p must be empty; it is unspecified after kError.
  Outcome Parse(std::string_view line, int64_t default_time_ns, bool escapes, bool plain_shape,
                PlainLine* plain, Point* p, std::string* reason);

  // Parses `line` (no terminator, leading whitespace removed) into *p, which
  // must be empty. Lines without a timestamp get `default_time_ns`. `escapes`
  // false promises the line holds no backslash (names are then copied as is).
  // On failure returns false with *reason set; *p is then unspecified.
  bool ParseLine(std::string_view line, int64_t default_time_ns, bool escapes, Point* p,
                 std::string* reason);

 private:
  struct TagSpan {
    uint32_t key_begin, key_end, value_begin, value_end;
  };
  struct FieldSpan {
    uint32_t key_begin, key_end, value_begin, value_end;
  };

  bool ScanTags(std::string_view line, size_t* pos, std::string* reason);
  bool HasDuplicateTagKeys(std::string_view line);
  bool ScanFields(std::string_view line, size_t* pos, size_t* fields_begin, bool* plain,
                  std::string* reason);
  bool WalkFields(std::string_view line, size_t fields_begin, size_t fields_end, size_t key_len,
                  bool plain, std::string* reason);
  bool ScanTime(std::string_view line, size_t pos, int64_t default_time_ns, int64_t* ts,
                std::string* reason) const;
  bool BuildFields(std::string_view line, bool escapes, Point* p, std::string* reason);

  const ParseOptions& options_;
  const int64_t multiplier_;
  const bool plain_scan_;
  std::vector<TagSpan> tags_;
  bool tags_sorted_ = true;  // tags_ in order of their keys as written
  std::vector<FieldSpan> fields_;
  std::vector<uint32_t> order_;
};

}  // namespace lux::lineproto::internal

#endif  // LUX_SERVER_LINEPROTO_LINE_PARSER_H_
