// File: output.h
// -----------------------------------------------------------------------------
// How `luxctl query` and `luxctl last` print frames, and how export and
// subscribe print points (line protocol).
//
//  table  one row per value: time (RFC3339, UTC), one column per tag key seen
//         in any frame (sorted), field, value; columns padded to their widest
//         cell; "null" where fill(null) left a window empty.
//  csv    the same columns, time in ns since the epoch, RFC 4180 quoting,
//         empty cell for null.
//  json   an array with one object per frame:
//         {"measurement","field","type","tags":{k:v},"times":[ns...],"values":[...]}
//         with null for empty windows.
#ifndef LUX_TOOLS_LUXCTL_OUTPUT_H_
#define LUX_TOOLS_LUXCTL_OUTPUT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lux/point.h"
#include "lux/query.h"

namespace lux::luxctl {

enum class Format { kTable, kCsv, kJson };

absl::StatusOr<Format> ParseFormat(absl::string_view s);

// Renders `frames` in `format`; ends with a newline (the table of no frames
// is empty, the JSON of no frames is "[]\n").
std::string Render(const std::vector<Frame>& frames, Format format);

// Last values as one-point frames (time = the point's timestamp).
std::vector<Frame> FramesOf(const std::vector<LastValue>& last);

// Appends one line-protocol line per value of `frame` (one field per line,
// ns timestamps), escaped exactly as luxd's /export does. Null values are
// skipped.
void AppendLineProtocol(const Frame& frame, std::string* out);

}  // namespace lux::luxctl

#endif  // LUX_TOOLS_LUXCTL_OUTPUT_H_
