#include "server/lineproto/line_parser.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "engine/common/status_macros.h"
#include "server/lineproto/bytes.h"
#include "server/lineproto/values.h"

namespace lux::lineproto::internal {
namespace {

// InfluxDB's MinNanoTime and MaxNanoTime: MinInt64, MinInt64+1 and MaxInt64 are
// reserved sentinels.
constexpr int64_t kMinNanoTime = std::numeric_limits<int64_t>::min() + 2;
constexpr int64_t kMaxNanoTime = std::numeric_limits<int64_t>::max() - 1;
constexpr char kTimeOutOfRange[] = "time outside range -9223372036854775806 - 9223372036854775806";

inline bool Fail(std::string* reason, const char* text) {
  *reason = text;
  return false;
}

constexpr ByteSet kNameStops(" ,\\");
constexpr ByteSet kTagStops(" ,=\\");
constexpr ByteSet kFieldKeyStops("=\\");
constexpr ByteSet kFieldValueStops("\\\",");
constexpr ByteSet kFieldsStops("\\\"=, ");

// The first byte in [i, end) that is in `stops` and does not follow a
// backslash (InfluxDB's rule for names and tags: a backslash hides the next
// byte, even another backslash's). `end` if none. `stops` must hold '\\'.
// REQUIRES: the byte at i does not follow a backslash.
inline size_t FindUnescaped(std::string_view s, size_t i, size_t end, const ByteSet& stops) {
  for (;;) {
    while (i < end && !stops[s[i]]) ++i;
    if (i >= end) return end;
    if (s[i] != '\\') return i;
    while (i < end && s[i] == '\\') ++i;
    ++i;  // the byte after a run of backslashes is escaped
  }
}

// Converts to the string `in` names, unescaped only if the line has a
// backslash. Converting (rather than returning a std::string) lets
// emplace_back build a Tag's strings in place.
struct Text {
  std::string_view in;
  bool escapes;
  void (*unescape)(std::string_view, std::string*);
  operator std::string() const {  // NOLINT: implicit by design
    if (!escapes) return std::string(in);
    std::string out;
    unescape(in, &out);
    return out;
  }
};

std::string MaxKeyError(size_t size, size_t limit) {
  return "max key length exceeded: " + std::to_string(size) + " > " + std::to_string(limit);
}

}  // namespace

namespace {

std::atomic<bool> plain_scan_enabled{true};

#ifdef LUX_LINEPROTO_VERIFY_CUTS
bool SamePoint(const Point& a, const Point& b) {
  if (a.measurement != b.measurement || a.tags != b.tags || a.fields.size() != b.fields.size() ||
      a.timestamp_ns != b.timestamp_ns) {
    return false;
  }
  for (size_t f = 0; f < a.fields.size(); ++f) {
    const FieldValue& x = a.fields[f].value;
    const FieldValue& y = b.fields[f].value;
    // Compare bits, so that -0.0 differs from 0.0.
    if (a.fields[f].key != b.fields[f].key || x.index() != y.index() ||
        (x.index() == 0 ? std::memcmp(&std::get<0>(x), &std::get<0>(y), sizeof(double)) != 0
                        : x != y)) {
      return false;
    }
  }
  return true;
}
#endif

}  // namespace

void TEST_SetPlainScanEnabled(bool enabled) { plain_scan_enabled = enabled; }

LineParser::LineParser(const ParseOptions& options)
    : options_(options),
      multiplier_(PrecisionMultiplier(options.precision)),
      plain_scan_(plain_scan_enabled) {}

LineParser::Outcome LineParser::Parse(std::string_view line, int64_t default_time_ns, bool escapes,
                                      bool plain_shape, PlainLine* plain, Point* p,
                                      std::string* reason) {
  if (plain_shape && plain_scan_ &&
      ScanPlainLine(line, options_, multiplier_, default_time_ns, plain)) {
#ifdef LUX_LINEPROTO_VERIFY_CUTS
    // Fuzz and sanitizer builds: the plain scan must agree with the full one.
    Point full, quick;
    std::string full_reason;
    LUX_CHECK(ParseLine(line, default_time_ns, escapes, &full, &full_reason),
              "plain line refused by the full parser");
    PlainLineToPoint(line, *plain, &quick);
    LUX_CHECK(SamePoint(full, quick), "plain line parsed differently");
#endif
    return Outcome::kPlain;
  }
  return ParseLine(line, default_time_ns, escapes, p, reason) ? Outcome::kFull : Outcome::kError;
}

bool LineParser::ParseLine(std::string_view line, int64_t default_time_ns, bool escapes, Point* p,
                           std::string* reason) {
  const size_t n = line.size();
  // Measurement (scanMeasurement). The first byte is never a separator, and
  // cannot be blank (the caller strips blanks).
  if (n == 0 || line[0] == ',') return Fail(reason, "missing measurement");
  size_t i = FindUnescaped(line, 0, n, kNameStops);
  if (i >= n) return Fail(reason, "missing fields");
  const bool has_tags = line[i] == ',';
  const size_t measurement_end = i;
  tags_.clear();
  tags_sorted_ = true;
  if (has_tags) {
    ++i;
    if (!ScanTags(line, &i, reason)) return false;
    if (HasDuplicateTagKeys(line)) return Fail(reason, "duplicate tags");
  }
  // The series key as written: measurement and tags, escapes included.
  const size_t key_len = i;
  if (key_len > options_.max_key_bytes) {
    *reason = MaxKeyError(key_len, options_.max_key_bytes);
    return false;
  }
  size_t fields_begin;
  bool plain;
  if (!ScanFields(line, &i, &fields_begin, &plain, reason)) return false;
  if (!WalkFields(line, fields_begin, i, key_len, plain, reason)) return false;
  if (!ScanTime(line, i, default_time_ns, &p->timestamp_ns, reason)) return false;

  // Only now convert values: InfluxDB reports every scan error above first.
  if (!BuildFields(line, escapes, p, reason)) return false;
  p->measurement = Text{line.substr(0, measurement_end), escapes, UnescapeName};
  p->tags.reserve(tags_.size());
  for (const TagSpan& s : tags_) {
    const Text key{line.substr(s.key_begin, s.key_end - s.key_begin), escapes, UnescapeTag};
    const Text value{line.substr(s.value_begin, s.value_end - s.value_begin), escapes, UnescapeTag};
#if defined(__cpp_aggregate_paren_init)
    p->tags.emplace_back(key, value);  // both strings built in place
#else
    p->tags.push_back(Tag{key, value});  // e.g. clang 14: one extra move each
#endif
  }
  // Unescaping can reorder keys; without a backslash the written order holds.
  auto by_key = [](const Tag& a, const Tag& b) { return a.key < b.key; };
  if (!(tags_sorted_ && !escapes) && !std::is_sorted(p->tags.begin(), p->tags.end(), by_key)) {
    std::sort(p->tags.begin(), p->tags.end(), by_key);
  }
  return true;
}

// scanTags: key=value pairs separated by ',' up to an unescaped ' '. On success
// *pos is at that space.
bool LineParser::ScanTags(std::string_view line, size_t* pos, std::string* reason) {
  const size_t n = line.size();
  size_t i = *pos;
  for (;;) {
    if (tags_.size() >= options_.max_tags) {
      *reason = "too many tags: more than " + std::to_string(options_.max_tags);
      return false;
    }
    const size_t key_begin = i;
    if (i >= n || line[i] == ' ' || line[i] == ',' || line[i] == '=') {
      return Fail(reason, "missing tag key");
    }
    i = FindUnescaped(line, i, n, kTagStops);
    if (i >= n || line[i] != '=') return Fail(reason, "missing tag value");
    const size_t key_end = i++;
    const size_t value_begin = i;
    if (i >= n || line[i] == ',' || line[i] == ' ') return Fail(reason, "missing tag value");
    // The value's first byte is never a separator, so a leading '=' is data.
    i = FindUnescaped(line, line[i] == '=' ? i + 1 : i, n, kTagStops);
    if (i >= n) return Fail(reason, "missing fields");
    if (line[i] == '=') return Fail(reason, "invalid tag format");
    const bool more = line[i] == ',';
    tags_.push_back({uint32_t(key_begin), uint32_t(key_end), uint32_t(value_begin), uint32_t(i)});
    if (!more) break;
    ++i;
  }
  *pos = i;
  return true;
}

// InfluxDB compares tag keys as written (escaped), so `a\ b` and `a b` differ.
bool LineParser::HasDuplicateTagKeys(std::string_view line) {
  auto key = [&](uint32_t t) {
    return line.substr(tags_[t].key_begin, tags_[t].key_end - tags_[t].key_begin);
  };
  bool sorted = true;
  for (size_t t = 1; t < tags_.size(); ++t) {
    const int cmp = key(t - 1).compare(key(t));
    if (cmp == 0) return true;
    if (cmp > 0) {
      sorted = false;
      break;
    }
  }
  tags_sorted_ = sorted;
  if (sorted) return false;
  order_.resize(tags_.size());
  for (size_t t = 0; t < tags_.size(); ++t) order_[t] = uint32_t(t);
  std::sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
  for (size_t t = 1; t < order_.size(); ++t) {
    if (key(order_[t - 1]) == key(order_[t])) return true;
  }
  return false;
}

// scanFields: from the first non-blank byte after the key to an unquoted ' '.
// Checks the syntax of each value as it goes. On success *pos is the end.
// *plain tells whether the fields hold no '"' and no backslash: then
// walkFields would cut them as this scan did, and fields_ holds the cut.
bool LineParser::ScanFields(std::string_view line, size_t* pos, size_t* fields_begin, bool* plain,
                            std::string* reason) {
  const size_t n = line.size();
  size_t i = *pos;
  while (i < n && IsSpaceLike(line[i])) ++i;
  *fields_begin = i;
  fields_.clear();
  *plain = true;
  size_t key_begin = i;
  bool quoted = false;
  size_t equals = 0, commas = 0;
  while (i < n) {
    while (i < n && !kFieldsStops[line[i]]) ++i;
    if (i >= n) break;
    const char c = line[i];
    if (c == '"' || c == '\\') *plain = false;
    if (c == '\\' && i + 1 < n) {
      i += 2;
      continue;
    }
    if (c == '"' && equals > commas) {
      quoted = !quoted;
      ++i;
      continue;
    }
    if (c == '=' && !quoted) {
      ++equals;
      // i >= 2: the measurement and one separator precede the fields.
      const char before = line[i - 1];
      if ((before == ' ' || before == ',') && line[i - 2] != '\\') {
        return Fail(reason, "missing field key");
      }
      if (i + 1 >= n) return Fail(reason, "missing field value");
      const char next = line[i + 1];
      if (next == ',' || next == ' ') return Fail(reason, "missing field value");
      const size_t eq = i;
      if ((next >= '0' && next <= '9') || next == '.' || next == '-' || next == 'N' ||
          next == 'n') {
        if (!ScanNumber(line, i + 1, options_.allow_unsigned, &i, reason)) return false;
        if (*plain)
          fields_.push_back({uint32_t(key_begin), uint32_t(eq), uint32_t(eq + 1), uint32_t(i)});
        continue;
      }
      if (next != '"') {
        if (!ScanBoolean(line, i + 1, &i, reason)) return false;
        if (*plain)
          fields_.push_back({uint32_t(key_begin), uint32_t(eq), uint32_t(eq + 1), uint32_t(i)});
        continue;
      }
    }
    if (!quoted) {
      if (c == ',') {
        ++commas;
        key_begin = i + 1;
      }
      if (c == ' ') break;
    }
    ++i;
  }
  if (quoted) return Fail(reason, "unbalanced quotes");
  if (equals == 0 || commas != equals - 1) return Fail(reason, "invalid field format");
  if (i == *fields_begin) return Fail(reason, "missing fields");
  *pos = i;
  return true;
}

// walkFields: cuts the checked fields into key and value again. Keys end at the
// first '=' not right after a backslash; values at the first ',' outside quotes.
bool LineParser::WalkFields(std::string_view line, size_t begin, size_t end, size_t key_len,
                            bool plain, std::string* reason) {
  if (plain) {
#ifdef LUX_LINEPROTO_VERIFY_CUTS
    // Fuzz and sanitizer builds: the shortcut must cut as walkFields does.
    std::vector<FieldSpan> scan_cut = fields_;
    std::string walk_reason;
    if (WalkFields(line, begin, end, key_len, false, &walk_reason)) {
      LUX_CHECK(fields_.size() == scan_cut.size(), "plain fields cut differently");
      for (size_t f = 0; f < fields_.size(); ++f) {
        LUX_CHECK(fields_[f].key_begin == scan_cut[f].key_begin &&
                      fields_[f].key_end == scan_cut[f].key_end &&
                      fields_[f].value_end == scan_cut[f].value_end,
                  "plain field cut differently");
      }
    }
    fields_ = std::move(scan_cut);
#endif
    for (const FieldSpan& f : fields_) {
      const size_t series_key_size = key_len + 4 + (f.key_end - f.key_begin);
      if (series_key_size > options_.max_key_bytes) {
        *reason = MaxKeyError(series_key_size, options_.max_key_bytes);
        return false;
      }
    }
    return true;
  }
  fields_.clear();
  size_t pos = begin;
  while (pos < end) {
    // The byte at pos counts as unescaped, whatever precedes it.
    const size_t j = FindUnescaped(line, pos, end, kFieldKeyStops);
    if (j + 2 > end) {  // no '=', or nothing after it (master-1.x; older 1.x panic)
      *reason = "invalid value: field-key=";
      reason->append(line.substr(pos, j - pos));
      return false;
    }
    const size_t series_key_size = key_len + 4 + (j - pos);
    if (series_key_size > options_.max_key_bytes) {
      *reason = MaxKeyError(series_key_size, options_.max_key_bytes);
      return false;
    }
    size_t v = j + 1;
    bool quoted = false;
    while (v < end) {
      while (v < end && !kFieldValueStops[line[v]]) ++v;
      if (v >= end) break;
      const char c = line[v];
      if (c == '\\' && v + 1 < end && (line[v + 1] == '"' || line[v + 1] == '\\')) {
        v += 2;
        continue;
      }
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        break;
      }
      ++v;
    }
    fields_.push_back({uint32_t(pos), uint32_t(j), uint32_t(j + 1), uint32_t(v)});
    pos = v < end ? v + 1 : v;
  }
  return true;
}

// scanTime and SafeCalcTime: an optional integer in units of the precision.
bool LineParser::ScanTime(std::string_view line, size_t pos, int64_t default_time_ns, int64_t* ts,
                          std::string* reason) const {
  const size_t n = line.size();
  size_t i = pos;
  while (i < n && IsSpaceLike(line[i])) ++i;
  const size_t begin = i;
  uint64_t magnitude = 0;  // exact while at most 19 digits
  for (; i < n && line[i] != '\n' && line[i] != ' '; ++i) {
    if (i == begin && line[i] == '-') continue;
    if (line[i] < '0' || line[i] > '9') return Fail(reason, "bad timestamp");
    magnitude = magnitude * 10 + uint64_t(line[i] - '0');
  }
  if (i == begin) {
    *ts = default_time_ns;
    return true;
  }
  const bool negative = line[begin] == '-';
  const size_t digits = i - begin - negative;
  int64_t v = 0;
  // Up to 19 digits `magnitude` is exact (< 10^19 < 2^64); check the int64 range
  // here and leave longer text, and a lone '-', to ParseGoInt's messages.
  constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;
  if (digits > 0 && digits <= 19 && magnitude <= kMaxMagnitude - !negative) {
    v = negative ? int64_t(0 - magnitude) : int64_t(magnitude);
  } else {
    std::string_view text = line.substr(begin, i - begin);
    NumStatus st = ParseGoInt(text, &v);
    if (st != NumStatus::kOk) {
      *reason = GoNumError("ParseInt", text, st);
      return false;
    }
  }
  int64_t t;
  if (__builtin_mul_overflow(v, multiplier_, &t) || t < kMinNanoTime || t > kMaxNanoTime) {
    return Fail(reason, kTimeOutOfRange);
  }
  for (; i < n; ++i) {
    if (line[i] != ' ') return Fail(reason, "point is invalid");
  }
  *ts = t;
  return true;
}

// Typed fields from the spans WalkFields cut; a repeated key keeps its last value.
bool LineParser::BuildFields(std::string_view line, bool escapes, Point* p, std::string* reason) {
  p->fields.resize(fields_.size());
  for (size_t f = 0; f < fields_.size(); ++f) {
    const FieldSpan& s = fields_[f];
    Field& out = p->fields[f];
    out.key = Text{line.substr(s.key_begin, s.key_end - s.key_begin), escapes, UnescapeName};
    // InfluxDB's reader skips an empty key; with no field left that is no point.
    if (out.key.empty()) return Fail(reason, "missing field key");
    if (!ConvertFieldValue(line.substr(s.value_begin, s.value_end - s.value_begin),
                           options_.allow_unsigned, &out.value, reason)) {
      return false;
    }
  }
  // A repeated key keeps its last value. A repeat of another type stays (the
  // point then fails with a field type conflict in the engine, as InfluxDB
  // 1.12 drops it).
  std::vector<Field>& fields = p->fields;
  if (fields.size() < 2) return true;
  size_t kept = 0;
  if (fields.size() <= 16) {
    for (size_t f = 0; f < fields.size(); ++f) {
      size_t k = 0;
      while (k < kept && fields[k].key != fields[f].key) ++k;
      if (k < kept && fields[k].value.index() == fields[f].value.index()) {
        fields[k].value = std::move(fields[f].value);
      } else {
        if (kept != f) fields[kept] = std::move(fields[f]);
        ++kept;
      }
    }
  } else {
    absl::flat_hash_map<std::string, size_t> index;
    for (size_t f = 0; f < fields.size(); ++f) {
      auto [it, inserted] = index.try_emplace(fields[f].key, kept);
      if (!inserted && fields[it->second].value.index() == fields[f].value.index()) {
        fields[it->second].value = std::move(fields[f].value);
      } else {
        if (kept != f) fields[kept] = std::move(fields[f]);
        ++kept;
      }
    }
  }
  fields.resize(kept);
  return true;
}

}  // namespace lux::lineproto::internal
