#include "server/lineproto/line_protocol.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "server/lineproto/batch_writer.h"
#include "server/lineproto/bytes.h"
#include "server/lineproto/line_parser.h"
#include "server/lineproto/plain_line.h"

namespace lux::lineproto {
namespace {

// Lines longer than the limit are quoted only this far in their error.
constexpr size_t kMaxQuotedBytes = 1024;

// Position of the next `c` at or after `from`, or the body's size.
class NextByte {
 public:
  NextByte(std::string_view body, char c) : body_(body), c_(c) {}
  size_t At(size_t from) {
    if (!found_ || next_ < from) {
      found_ = true;
      const void* p = std::memchr(body_.data() + from, c_, body_.size() - from);
      next_ = p ? size_t(static_cast<const char*>(p) - body_.data()) : body_.size();
    }
    return next_;
  }

 private:
  std::string_view body_;
  char c_;
  size_t next_ = 0;
  bool found_ = false;
};

// Time truncated towards -inf to a multiple of `unit` (Go's Time.Truncate).
int64_t FloorTo(int64_t t, int64_t unit) {
  int64_t q = t / unit;
  if (t % unit != 0 && t < 0) --q;
  return q * unit;
}

}  // namespace

size_t LineEnd(std::string_view body, size_t pos) {
  const size_t n = body.size();
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

namespace {

// Cuts a body into lines as InfluxDB does and hands each to sink->Line(line,
// line_number, escapes, plain_shape, default_time, &reason), which returns
// false with the reason of a bad line; too-long and bad lines go to
// sink->Error.
template <typename Sink>
void ForEachLine(std::string_view body, const ParseOptions& options, Sink* sink) {
  const int64_t default_time =
      FloorTo(options.default_time_ns, PrecisionMultiplier(options.precision));
  // Spans inside the parser are 32-bit.
  const size_t max_line =
      std::min<size_t>(options.max_line_bytes, std::numeric_limits<uint32_t>::max());
  std::string reason;
  NextByte next_newline(body, '\n'), next_quote(body, '"'), next_backslash(body, '\\');
  size_t line_number = 1;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t this_line = line_number;
    size_t end = next_newline.At(pos);
    bool escapes = next_backslash.At(pos) < end;
    const bool plain_shape = !escapes && next_quote.At(pos) >= end;
    if (!plain_shape) {
      // Quotes or backslashes may hide newlines: scan as InfluxDB does.
      end = LineEnd(body, pos);
      escapes = next_backslash.At(pos) < end;
      line_number += size_t(std::count(body.begin() + pos, body.begin() + end, '\n'));
    }
    line_number += end < body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;

    // CRLF: the '\r' belongs to the terminator (InfluxDB would keep it).
    if (end < body.size() && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t start = 0;
    while (start < line.size() && internal::IsSpaceLike(line[start])) ++start;
    if (start == line.size() || line[start] == '#') continue;
    line.remove_prefix(start);

    if (line.size() > max_line) {
      std::string quoted(line.substr(0, kMaxQuotedBytes));
      quoted += "...";
      sink->Error({this_line, std::move(quoted),
                   "line too long: " + std::to_string(line.size()) + " > " +
                       std::to_string(max_line) + " bytes"});
      continue;
    }
    if (!sink->Line(line, this_line, escapes, plain_shape, default_time, &reason)) {
      sink->Error({this_line, std::string(line), std::move(reason)});
      reason.clear();
    }
  }
}

// Parse's sink: each line into the next lux::Point.
class PointSink {
 public:
  PointSink(const ParseOptions& options, ParseResult* out) : parser_(options), out_(out) {}

  bool Line(std::string_view line, size_t line_number, bool escapes, bool plain_shape,
            int64_t default_time, std::string* reason) {
    Point& p = out_->points.emplace_back();
    switch (parser_.Parse(line, default_time, escapes, plain_shape, &plain_, &p, reason)) {
      case internal::LineParser::Outcome::kPlain:
        internal::PlainLineToPoint(line, plain_, &p);
        break;
      case internal::LineParser::Outcome::kFull:
        break;
      case internal::LineParser::Outcome::kError:
        out_->points.pop_back();
        return false;
    }
    out_->point_lines.push_back(line_number);
    return true;
  }
  void Error(LineError e) { out_->errors.push_back(std::move(e)); }

 private:
  internal::LineParser parser_;
  internal::PlainLine plain_;
  ParseResult* out_;
};

// ParseBatch's sink: plain lines straight into the batch's columns, others
// through a scratch lux::Point.
class BatchSink {
 public:
  BatchSink(const ParseOptions& options, PointBatch* out) : parser_(options), out_(out) {}

  bool Line(std::string_view line, size_t line_number, bool escapes, bool plain_shape,
            int64_t default_time, std::string* reason) {
    const auto outcome =
        parser_.Parse(line, default_time, escapes, plain_shape, &plain_, &scratch_, reason);
    switch (outcome) {
      case internal::LineParser::Outcome::kPlain:
        internal::BatchWriter::AppendPlain(line, plain_, line_number, out_);
        return true;
      case internal::LineParser::Outcome::kFull:
        internal::BatchWriter::AppendPoint(scratch_, line_number, out_);
        break;
      case internal::LineParser::Outcome::kError:
        break;
    }
    // Empty again for the next line, keeping the memory.
    scratch_.measurement.clear();
    scratch_.tags.clear();
    scratch_.fields.clear();
    scratch_.timestamp_ns = 0;
    return outcome != internal::LineParser::Outcome::kError;
  }
  void Error(LineError e) { internal::BatchWriter::Errors(out_).push_back(std::move(e)); }

 private:
  internal::LineParser parser_;
  internal::PlainLine plain_;
  Point scratch_;
  PointBatch* out_;
};

}  // namespace

void Parse(std::string_view body, const ParseOptions& options, ParseResult* out) {
  // Room for one point per line, but not for a body of bare newlines: a point
  // (88 bytes and more) must not cost more than 16 bytes of body up front.
  const size_t lines =
      std::min(size_t(std::count(body.begin(), body.end(), '\n')) + 1, body.size() / 16 + 1);
  out->points.reserve(out->points.size() + lines);
  out->point_lines.reserve(out->point_lines.size() + lines);
  PointSink sink(options, out);
  ForEachLine(body, options, &sink);
}

void ParseBatch(std::string_view body, const ParseOptions& options, PointBatch* out) {
  BatchSink sink(options, out);
  ForEachLine(body, options, &sink);
}

std::string FormatError(const LineError& e) {
  std::string s = "unable to parse '";
  s += e.line;
  s += "': ";
  s += e.reason;
  return s;
}

}  // namespace lux::lineproto
