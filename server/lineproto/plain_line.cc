#include "server/lineproto/plain_line.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "server/lineproto/bytes.h"
#include "server/lineproto/values.h"

namespace lux::lineproto::internal {
namespace {

// Without backslashes these end each section, as LineParser cuts them.
constexpr ByteSet kNameEnd(" ,");
constexpr ByteSet kTagEnd(" ,=");

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// InfluxDB's MinNanoTime and MaxNanoTime (see line_parser.cc).
constexpr int64_t kMinNanoTime = std::numeric_limits<int64_t>::min() + 2;
constexpr int64_t kMaxNanoTime = std::numeric_limits<int64_t>::max() - 1;

// a < b as std::string_view orders them (bytes as unsigned char), inline:
// tag keys are a few bytes, and a call to memcmp per tag cost more than this.
inline bool ShortLess(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t k = 0; k < n; ++k) {
    if (a[k] != b[k]) return uint8_t(a[k]) < uint8_t(b[k]);
  }
  return a.size() < b.size();
}

inline bool EndsValue(const char* s, size_t i, size_t n) {
  return i >= n || s[i] == ',' || s[i] == ' ';
}

template <typename T>
uint64_t ToBits(T v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(v));
  return bits;
}

// [-]digits[.digits] with an optional i or u suffix, ending at ',' ' ' or the
// end. Sets *i past it. False for anything else (exponents, NaN, overflow),
// which LineParser then judges.
bool ScanPlainNumber(const char* s, size_t n, bool allow_unsigned, size_t* pos,
                     PlainLine::FieldSlot* slot) {
  size_t i = *pos;
  const size_t begin = i;
  const bool negative = s[i] == '-';
  i += negative;
  uint64_t mantissa = 0;
  size_t digits = 0, fraction = 0;
  bool dot = false;
  for (; i < n; ++i) {
    const char c = s[i];
    if (IsDigit(c)) {
      mantissa = mantissa * 10 + uint64_t(c - '0');
      ++digits;
      fraction += dot;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  // 19 digits cannot overflow uint64; more go to LineParser.
  if (digits == 0 || digits > 19) return false;
  if (EndsValue(s, i, n)) {
    double v;
    // Below 2^53 the mantissa and 10^fraction are exact, so one correctly
    // rounded division gives the correctly rounded value, as Go's ParseFloat.
    if (digits <= 15 && fraction <= 22) {
      v = double(mantissa) / kPow10[fraction];
      if (negative) v = -v;
    } else if (ParseGoFloat(std::string_view(s + begin, i - begin), &v) != NumStatus::kOk) {
      return false;
    }
    slot->type = FieldType::kFloat;
    slot->bits = ToBits(v);
  } else if (s[i] == 'i' && !dot && digits <= 18 && EndsValue(s, i + 1, n)) {
    const int64_t v = int64_t(mantissa);
    slot->type = FieldType::kInteger;
    slot->bits = ToBits(negative ? -v : v);
    ++i;
  } else if (s[i] == 'u' && !dot && !negative && allow_unsigned && EndsValue(s, i + 1, n)) {
    slot->type = FieldType::kUnsigned;
    slot->bits = mantissa;
    ++i;
  } else {
    return false;
  }
  *pos = i;
  return true;
}

// One of InfluxDB's boolean words, ending at ',' ' ' or the end.
bool ScanPlainBoolean(const char* s, size_t n, size_t* pos, PlainLine::FieldSlot* slot) {
  size_t i = *pos;
  const size_t begin = i;
  while (!EndsValue(s, i, n)) ++i;
  const std::string_view word(s + begin, i - begin);
  bool v;
  if (word == "t" || word == "T" || word == "true" || word == "True" || word == "TRUE") {
    v = true;
  } else if (word == "f" || word == "F" || word == "false" || word == "False" || word == "FALSE") {
    v = false;
  } else {
    return false;
  }
  slot->type = FieldType::kBoolean;
  slot->bits = v;
  *pos = i;
  return true;
}

// Sets *v to the number 8 ASCII digits at p spell, little-endian machines
// only (SWAR, as in simdjson). False if a byte is not a digit.
inline bool EightDigits(const char* p, uint64_t* v) {
  if constexpr (std::endian::native != std::endian::little) return false;
  uint64_t x;
  std::memcpy(&x, p, sizeof(x));
  if ((((x & 0xF0F0F0F0F0F0F0F0) | (((x + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) !=
       0x3333333333333333)) {
    return false;
  }
  x -= 0x3030303030303030;
  x = x * 10 + (x >> 8);  // pairs of digits
  *v = (((x & 0x000000FF000000FF) * (100 + (uint64_t{1000000} << 32))) +
        (((x >> 16) & 0x000000FF000000FF) * (1 + (uint64_t{10000} << 32)))) >>
       32;
  return true;
}

// An integer timestamp in InfluxDB's range, running to the end of the line.
bool ScanPlainTime(const char* s, size_t n, size_t i, int64_t multiplier, int64_t* ts) {
  const bool negative = i < n && s[i] == '-';
  i += negative;
  // 19 digits cannot overflow uint64.
  if (i == n || n - i > 19) return false;
  uint64_t magnitude = 0;
  // A nanosecond timestamp has 19 digits: eight at a time where possible.
  for (uint64_t eight; n - i >= 8 && EightDigits(s + i, &eight); i += 8) {
    magnitude = magnitude * 100'000'000 + eight;
  }
  for (; i < n; ++i) {
    if (!IsDigit(s[i])) return false;
    magnitude = magnitude * 10 + uint64_t(s[i] - '0');
  }
  if (magnitude > uint64_t(kMaxNanoTime)) return false;
  const int64_t v = negative ? -int64_t(magnitude) : int64_t(magnitude);
  int64_t t;
  if (__builtin_mul_overflow(v, multiplier, &t) || t < kMinNanoTime || t > kMaxNanoTime) {
    return false;
  }
  *ts = t;
  return true;
}

}  // namespace

bool ScanPlainLine(std::string_view line, const ParseOptions& options, int64_t multiplier,
                   int64_t default_time_ns, PlainLine* out) {
  const char* s = line.data();
  const size_t n = line.size();
  if (n == 0 || s[0] == ',') return false;
  size_t i = 0;
  while (i < n && !kNameEnd[s[i]]) ++i;
  if (i >= n) return false;
  out->measurement_end = uint32_t(i);

  uint32_t tags = 0;
  if (s[i] == ',') {
    const size_t max_tags = std::min(options.max_tags, PlainLine::kMaxTags);
    std::string_view previous_key;
    do {
      if (tags >= max_tags) return false;
      const size_t key_begin = ++i;
      while (i < n && !kTagEnd[s[i]]) ++i;
      if (i >= n || s[i] != '=' || i == key_begin) return false;
      const std::string_view key(s + key_begin, i - key_begin);
      // Sorted and distinct, so LineParser neither sorts nor refuses them.
      if (tags > 0 && !ShortLess(previous_key, key)) return false;
      previous_key = key;
      const size_t value_begin = ++i;
      if (i < n && s[i] == '=') ++i;  // a value's leading '=' is data
      while (i < n && !kTagEnd[s[i]]) ++i;
      if (i >= n || s[i] == '=' || i == value_begin) return false;
      out->tags[tags++] = {uint32_t(key_begin), uint32_t(key_begin + key.size()),
                           uint32_t(value_begin), uint32_t(i)};
    } while (s[i] == ',');
  }
  out->tag_count = tags;
  // s[i] is the space after the series key.
  const size_t key_len = i;
  if (key_len > options.max_key_bytes) return false;
  ++i;
  if (i >= n || IsSpaceLike(s[i])) return false;

  uint32_t fields = 0;
  for (;;) {
    if (fields >= PlainLine::kMaxFields) return false;
    const size_t key_begin = i;
    while (i < n && !kTagEnd[s[i]]) ++i;
    if (i >= n || s[i] != '=' || i == key_begin) return false;
    const size_t key_size = i - key_begin;
    if (key_len + 4 + key_size > options.max_key_bytes) return false;
    // A repeated key would be merged by LineParser.
    for (uint32_t f = 0; f < fields; ++f) {
      const PlainLine::FieldSlot& other = out->fields[f];
      if (other.key_end - other.key_begin == key_size &&
          std::memcmp(s + other.key_begin, s + key_begin, key_size) == 0) {
        return false;
      }
    }
    PlainLine::FieldSlot& slot = out->fields[fields++];
    slot.key_begin = uint32_t(key_begin);
    slot.key_end = uint32_t(i);
    if (++i >= n) return false;
    const char c = s[i];
    if (IsDigit(c) || c == '-' || c == '.') {
      if (!ScanPlainNumber(s, n, options.allow_unsigned, &i, &slot)) return false;
    } else if (c == 't' || c == 'T' || c == 'f' || c == 'F') {
      if (!ScanPlainBoolean(s, n, &i, &slot)) return false;
    } else {
      return false;
    }
    if (i >= n) {
      out->timestamp_ns = default_time_ns;
      break;
    }
    if (s[i] == ' ') {
      if (!ScanPlainTime(s, n, i + 1, multiplier, &out->timestamp_ns)) return false;
      break;
    }
    ++i;  // the ',' before the next field
  }
  out->field_count = fields;
  return true;
}

void PlainLineToPoint(std::string_view line, const PlainLine& plain, Point* p) {
  auto text = [&](uint32_t begin, uint32_t end) { return line.substr(begin, end - begin); };
  p->measurement.assign(line.data(), plain.measurement_end);
  p->tags.resize(plain.tag_count);
  for (uint32_t t = 0; t < plain.tag_count; ++t) {
    const PlainLine::TagSpan& s = plain.tags[t];
    p->tags[t].key = text(s.key_begin, s.key_end);
    p->tags[t].value = text(s.value_begin, s.value_end);
  }
  p->fields.resize(plain.field_count);
  for (uint32_t f = 0; f < plain.field_count; ++f) {
    const PlainLine::FieldSlot& s = plain.fields[f];
    Field& out = p->fields[f];
    out.key = text(s.key_begin, s.key_end);
    switch (s.type) {
      case FieldType::kFloat: {
        double v;
        std::memcpy(&v, &s.bits, sizeof(v));
        out.value = v;
        break;
      }
      case FieldType::kInteger:
        out.value = int64_t(s.bits);
        break;
      case FieldType::kUnsigned:
        out.value = s.bits;
        break;
      case FieldType::kBoolean:
        out.value = s.bits != 0;
        break;
      case FieldType::kString:
        break;  // never: plain lines hold no quotes
    }
  }
  p->timestamp_ns = plain.timestamp_ns;
}

}  // namespace lux::lineproto::internal
