#include "server/lineproto/line_parser.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
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

inline bool IsSpaceLike(char c) { return c == ' ' || c == '\t' || c == '\0'; }

std::string MaxKeyError(size_t size, size_t limit) {
  return "max key length exceeded: " + std::to_string(size) + " > " + std::to_string(limit);
}

}  // namespace

LineParser::LineParser(const ParseOptions& options)
    : options_(options), multiplier_(PrecisionMultiplier(options.precision)) {}

bool LineParser::ParseLine(std::string_view line, int64_t default_time_ns, Point* p,
                           std::string* reason) {
  const size_t n = line.size();
  // Measurement (scanMeasurement): a backslash protects the next byte.
  if (n == 0 || line[0] == ',') return Fail(reason, "missing measurement");
  size_t i = 0;
  bool has_tags;
  for (;;) {
    ++i;
    if (i >= n) return Fail(reason, "missing fields");
    if (line[i - 1] == '\\') continue;
    if (line[i] == ',' || line[i] == ' ') {
      has_tags = line[i] == ',';
      break;
    }
  }
  const size_t measurement_end = i;
  tags_.clear();
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
  if (!ScanFields(line, &i, &fields_begin, reason)) return false;
  if (!WalkFields(line, fields_begin, i, key_len, reason)) return false;
  if (!ScanTime(line, i, default_time_ns, &p->timestamp_ns, reason)) return false;

  // Only now convert values: InfluxDB reports every scan error above first.
  if (!BuildFields(line, p, reason)) return false;
  UnescapeName(line.substr(0, measurement_end), &p->measurement);
  p->tags.resize(tags_.size());
  for (size_t t = 0; t < tags_.size(); ++t) {
    const TagSpan& s = tags_[t];
    UnescapeTag(line.substr(s.key_begin, s.key_end - s.key_begin), &p->tags[t].key);
    UnescapeTag(line.substr(s.value_begin, s.value_end - s.value_begin), &p->tags[t].value);
  }
  auto by_key = [](const Tag& a, const Tag& b) { return a.key < b.key; };
  if (!std::is_sorted(p->tags.begin(), p->tags.end(), by_key)) {
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
    for (;;) {
      ++i;
      if (i >= n) return Fail(reason, "missing tag value");
      if (line[i - 1] == '\\') continue;
      if (line[i] == ' ' || line[i] == ',') return Fail(reason, "missing tag value");
      if (line[i] == '=') break;
    }
    const size_t key_end = i++;
    const size_t value_begin = i;
    if (i >= n || line[i] == ',' || line[i] == ' ') return Fail(reason, "missing tag value");
    bool more;
    for (;;) {
      ++i;
      if (i >= n) return Fail(reason, "missing fields");
      if (line[i - 1] == '\\') continue;
      if (line[i] == '=') return Fail(reason, "invalid tag format");
      if (line[i] == ',' || line[i] == ' ') {
        more = line[i] == ',';
        break;
      }
    }
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
bool LineParser::ScanFields(std::string_view line, size_t* pos, size_t* fields_begin,
                            std::string* reason) const {
  const size_t n = line.size();
  size_t i = *pos;
  while (i < n && IsSpaceLike(line[i])) ++i;
  *fields_begin = i;
  bool quoted = false;
  size_t equals = 0, commas = 0;
  while (i < n) {
    const char c = line[i];
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
      if ((next >= '0' && next <= '9') || next == '.' || next == '-' || next == 'N' ||
          next == 'n') {
        if (!ScanNumber(line, i + 1, options_.allow_unsigned, &i, reason)) return false;
        continue;
      }
      if (next != '"') {
        if (!ScanBoolean(line, i + 1, &i, reason)) return false;
        continue;
      }
    }
    if (!quoted) {
      if (c == ',') ++commas;
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
                            std::string* reason) {
  fields_.clear();
  size_t pos = begin;
  while (pos < end) {
    size_t j = pos;
    while (j < end && !(line[j] == '=' && (j == pos || line[j - 1] != '\\'))) ++j;
    if (j + 2 > end) {  // no '=', or nothing after it (InfluxDB 1.8+)
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
  for (; i < n && line[i] != '\n' && line[i] != ' '; ++i) {
    if (i == begin && line[i] == '-') continue;
    if (line[i] < '0' || line[i] > '9') return Fail(reason, "bad timestamp");
  }
  if (i == begin) {
    *ts = default_time_ns;
    return true;
  }
  std::string_view text = line.substr(begin, i - begin);
  int64_t v = 0;
  NumStatus st = ParseGoInt(text, &v);
  if (st != NumStatus::kOk) {
    *reason = GoNumError("ParseInt", text, st);
    return false;
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
bool LineParser::BuildFields(std::string_view line, Point* p, std::string* reason) {
  p->fields.resize(fields_.size());
  for (size_t f = 0; f < fields_.size(); ++f) {
    const FieldSpan& s = fields_[f];
    Field& out = p->fields[f];
    UnescapeName(line.substr(s.key_begin, s.key_end - s.key_begin), &out.key);
    // InfluxDB's reader skips an empty key; with no field left that is no point.
    if (out.key.empty()) return Fail(reason, "missing field key");
    if (!ConvertFieldValue(line.substr(s.value_begin, s.value_end - s.value_begin),
                           options_.allow_unsigned, &out.value, reason)) {
      return false;
    }
  }
  std::vector<Field>& fields = p->fields;
  if (fields.size() < 2) return true;
  size_t kept = 0;
  if (fields.size() <= 16) {
    for (size_t f = 0; f < fields.size(); ++f) {
      size_t k = 0;
      while (k < kept && fields[k].key != fields[f].key) ++k;
      if (k < kept) {
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
      if (!inserted) {
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
