#include "server/lineproto/line_protocol.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "server/lineproto/line_parser.h"

namespace lux::lineproto {
namespace {

// Lines longer than the limit are quoted only this far in their error.
constexpr size_t kMaxQuotedBytes = 1024;

inline bool IsSpaceLike(char c) { return c == ' ' || c == '\t' || c == '\0'; }

// InfluxDB's scanLine: the end of the line that starts at `pos`. A '\n' inside a
// field's quoted string does not end the line, and a backslash hides the byte
// after it, a '\n' included.
size_t LineEnd(std::string_view body, size_t pos) {
  const char* base = body.data();
  const size_t n = body.size();
  const void* nl = std::memchr(base + pos, '\n', n - pos);
  const size_t first_nl = nl ? size_t(static_cast<const char*>(nl) - base) : n;
  // Without quotes or backslashes the first '\n' ends the line (the common case).
  if (!std::memchr(base + pos, '"', first_nl - pos) &&
      !std::memchr(base + pos, '\\', first_nl - pos)) {
    return first_nl;
  }
  size_t i = pos;
  bool quoted = false, fields = false;
  size_t equals = 0, commas = 0;
  while (i < n) {
    const char c = body[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == ' ') fields = true;
    if (fields) {
      if (!quoted && c == '=') {
        ++equals;
      } else if (!quoted && c == ',') {
        ++commas;
      } else if (c == '"' && equals > commas) {
        quoted = !quoted;
      } else if (c == '\n' && !quoted) {
        break;
      }
    } else if (c == '\n') {
      break;
    }
    ++i;
  }
  return std::min(i, n);
}

// Time truncated towards -inf to a multiple of `unit` (Go's Time.Truncate).
int64_t FloorTo(int64_t t, int64_t unit) {
  int64_t q = t / unit;
  if (t % unit != 0 && t < 0) --q;
  return q * unit;
}

}  // namespace

bool ParsePrecision(std::string_view s, Precision* p) {
  if (s.empty() || s == "n" || s == "ns") {
    *p = Precision::kNanoseconds;
  } else if (s == "u" || s == "us") {
    *p = Precision::kMicroseconds;
  } else if (s == "ms") {
    *p = Precision::kMilliseconds;
  } else if (s == "s") {
    *p = Precision::kSeconds;
  } else if (s == "m") {
    *p = Precision::kMinutes;
  } else if (s == "h") {
    *p = Precision::kHours;
  } else {
    return false;
  }
  return true;
}

int64_t PrecisionMultiplier(Precision p) {
  switch (p) {
    case Precision::kNanoseconds:
      return 1;
    case Precision::kMicroseconds:
      return 1'000;
    case Precision::kMilliseconds:
      return 1'000'000;
    case Precision::kSeconds:
      return 1'000'000'000;
    case Precision::kMinutes:
      return int64_t{60} * 1'000'000'000;
    case Precision::kHours:
      return int64_t{3600} * 1'000'000'000;
  }
  return 1;
}

void Parse(std::string_view body, const ParseOptions& options, ParseResult* out) {
  internal::LineParser parser(options);
  const int64_t default_time =
      FloorTo(options.default_time_ns, PrecisionMultiplier(options.precision));
  // Spans inside the parser are 32-bit.
  const size_t max_line =
      std::min<size_t>(options.max_line_bytes, std::numeric_limits<uint32_t>::max());
  const size_t newlines = size_t(std::count(body.begin(), body.end(), '\n'));
  out->points.reserve(out->points.size() + newlines + 1);
  out->point_lines.reserve(out->point_lines.size() + newlines + 1);

  std::string reason;
  size_t line_number = 1;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t end = LineEnd(body, pos);
    std::string_view line = body.substr(pos, end - pos);
    const size_t this_line = line_number;
    line_number += size_t(std::count(line.begin(), line.end(), '\n')) + (end < body.size());
    pos = end + 1;

    // CRLF: the '\r' belongs to the terminator (InfluxDB would keep it).
    if (end < body.size() && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t start = 0;
    while (start < line.size() && IsSpaceLike(line[start])) ++start;
    if (start == line.size() || line[start] == '#') continue;
    line.remove_prefix(start);

    if (line.size() > max_line) {
      std::string quoted(line.substr(0, kMaxQuotedBytes));
      quoted += "...";
      out->errors.push_back({this_line, std::move(quoted),
                             "line too long: " + std::to_string(line.size()) + " > " +
                                 std::to_string(max_line) + " bytes"});
      continue;
    }
    Point& p = out->points.emplace_back();
    if (parser.ParseLine(line, default_time, &p, &reason)) {
      out->point_lines.push_back(this_line);
    } else {
      out->points.pop_back();
      out->errors.push_back({this_line, std::string(line), std::move(reason)});
      reason.clear();
    }
  }
}

std::string FormatError(const LineError& e) {
  std::string s = "unable to parse '";
  s += e.line;
  s += "': ";
  s += e.reason;
  return s;
}

}  // namespace lux::lineproto
