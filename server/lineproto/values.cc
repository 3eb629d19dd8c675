#include "server/lineproto/values.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "server/lineproto/bytes.h"

namespace lux::lineproto::internal {
namespace {

constexpr char kInvalidNumber[] = "invalid number";
constexpr char kInvalidBoolean[] = "invalid boolean";

inline bool IsNumeric(char c) { return IsDigit(c) || c == '.'; }

bool Fail(std::string* reason, const char* text) {
  *reason = text;
  return false;
}

// Shared by the three unescapers: drops a backslash before any byte in `specials`.
template <typename IsSpecial>
void Unescape(std::string_view in, IsSpecial is_special, std::string* out) {
  if (in.find('\\') == std::string_view::npos) {
    out->assign(in.data(), in.size());
    return;
  }
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\\' && i + 1 < in.size() && is_special(in[i + 1])) ++i;
    out->push_back(in[i]);
  }
}

// True if `s` is decimal float text: [+-]digits[.digits][(e|E)[+-]digits], with
// at least one mantissa digit. This is the part of Go's ParseFloat syntax that
// the line protocol can carry.
bool IsDecimalFloatText(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

}  // namespace

NumStatus ParseGoUint(std::string_view s, uint64_t* v) {
  if (s.empty()) return NumStatus::kSyntax;
  uint64_t n = 0;
  if (s.size() <= 19) {  // < 10^19 < 2^64: cannot overflow
    for (char c : s) {
      if (!IsDigit(c)) return NumStatus::kSyntax;
      n = n * 10 + uint64_t(c - '0');
    }
    *v = n;
    return NumStatus::kOk;
  }
  bool overflow = false;
  for (char c : s) {
    if (!IsDigit(c)) return NumStatus::kSyntax;
    // Go reports a syntax error before a range error, so keep checking digits.
    if (!overflow && (__builtin_mul_overflow(n, uint64_t{10}, &n) ||
                      __builtin_add_overflow(n, uint64_t(c - '0'), &n))) {
      overflow = true;
    }
  }
  if (overflow) return NumStatus::kRange;
  *v = n;
  return NumStatus::kOk;
}

NumStatus ParseGoInt(std::string_view s, int64_t* v) {
  if (s.empty()) return NumStatus::kSyntax;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t u = 0;
  NumStatus st = ParseGoUint(s, &u);
  if (st != NumStatus::kOk) return st;
  const uint64_t limit = uint64_t{1} << 63;
  if (neg ? u > limit : u >= limit) return NumStatus::kRange;
  *v = neg ? int64_t(0 - u) : int64_t(u);
  return NumStatus::kOk;
}

NumStatus ParseGoFloat(std::string_view s, double* v) {
  // Common case: an integer of at most 15 digits, exact as a double.
  if (!s.empty() && s.size() <= 15) {
    const bool neg = s[0] == '-';
    uint64_t n = 0;
    size_t i = neg;
    for (; i < s.size() && IsDigit(s[i]); ++i) n = n * 10 + uint64_t(s[i] - '0');
    if (i == s.size() && i > size_t(neg)) {
      *v = neg ? -double(n) : double(n);
      return NumStatus::kOk;
    }
  }
  if (!IsDecimalFloatText(s)) return NumStatus::kSyntax;
  std::string_view t = s;
  if (t[0] == '+') t.remove_prefix(1);
  double d = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec == std::errc() && ptr == t.data() + t.size()) {
    *v = d;
    return NumStatus::kOk;
  }
  if (ec != std::errc::result_out_of_range) return NumStatus::kSyntax;
  // from_chars reports underflow and overflow alike; Go fails only on overflow.
  std::string copy(t);
  errno = 0;
  d = std::strtod(copy.c_str(), nullptr);
  if (std::isinf(d)) return NumStatus::kRange;
  *v = d;
  return NumStatus::kOk;
}

std::string GoQuote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string q;
  q.reserve(s.size() + 2);
  q.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        q += "\\\"";
        break;
      case '\\':
        q += "\\\\";
        break;
      case '\a':
        q += "\\a";
        break;
      case '\b':
        q += "\\b";
        break;
      case '\f':
        q += "\\f";
        break;
      case '\n':
        q += "\\n";
        break;
      case '\r':
        q += "\\r";
        break;
      case '\t':
        q += "\\t";
        break;
      case '\v':
        q += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          q += "\\x";
          q.push_back(kHex[c >> 4]);
          q.push_back(kHex[c & 15]);
        } else {
          q.push_back(char(c));
        }
    }
  }
  q.push_back('"');
  return q;
}

std::string GoNumError(std::string_view func, std::string_view s, NumStatus status) {
  std::string e = "strconv.";
  e.append(func);
  e += ": parsing ";
  e += GoQuote(s);
  e += status == NumStatus::kRange ? ": value out of range" : ": invalid syntax";
  return e;
}

bool ScanNumber(std::string_view b, size_t i, bool allow_unsigned, size_t* end,
                std::string* reason) {
  const size_t n = b.size();
  const size_t start = i;
  bool is_int = false, is_uint = false, decimal = false, scientific = false;
  *end = i;
  if (i < n && b[i] == '-') {
    ++i;
    *end = i;
    if (i == n) return Fail(reason, kInvalidNumber);
  }
  for (; i < n; ++i) {
    const char c = b[i];
    *end = i;
    if (c == ',' || c == ' ') break;
    if ((c == 'i' || c == 'u') && i > start && !(is_int || is_uint)) {
      (c == 'i' ? is_int : is_uint) = true;
      continue;
    }
    if (c == '.') {
      if (decimal) return Fail(reason, kInvalidNumber);
      decimal = true;
    }
    if (i > start && (c == 'e' || c == 'E')) {
      scientific = true;
      continue;
    }
    // i > start here: a leading '-' was consumed above, and b[start-1] is '='.
    if ((c == '+' || c == '-') && i > 0 && (b[i - 1] == 'e' || b[i - 1] == 'E')) continue;
    if (!IsNumeric(c)) return Fail(reason, kInvalidNumber);  // includes NaN, n, N
  }
  *end = i;
  if ((is_int || is_uint) && (decimal || scientific)) return Fail(reason, kInvalidNumber);
  int64_t digits = int64_t(i - start) - (is_int ? 1 : 0) - (decimal ? 1 : 0) - (b[start] == '-');
  if (digits <= 0) return Fail(reason, kInvalidNumber);

  if (is_int) {
    if (b[i - 1] != 'i') return Fail(reason, kInvalidNumber);
    std::string_view num = b.substr(start, i - 1 - start);
    int64_t v;
    NumStatus st;
    if (num.size() >= 19 && (st = ParseGoInt(num, &v)) != NumStatus::kOk) {
      *reason = "unable to parse integer ";
      reason->append(num);
      *reason += ": " + GoNumError("ParseInt", num, st);
      return false;
    }
  } else if (is_uint) {
    if (!allow_unsigned) return Fail(reason, kInvalidNumber);
    if (b[i - 1] != 'u' || b[start] == '-') return Fail(reason, kInvalidNumber);
    std::string_view num = b.substr(start, i - 1 - start);
    uint64_t v;
    NumStatus st;
    if (num.size() >= 20 && (st = ParseGoUint(num, &v)) != NumStatus::kOk) {
      *reason = "unable to parse unsigned ";
      reason->append(num);
      *reason += ": " + GoNumError("ParseUint", num, st);
      return false;
    }
  } else if (scientific || i - start >= 25) {
    double v;
    if (ParseGoFloat(b.substr(start, i - start), &v) != NumStatus::kOk) {
      return Fail(reason, "invalid float");
    }
  }
  return true;
}

bool ScanBoolean(std::string_view b, size_t i, size_t* end, std::string* reason) {
  const size_t start = i;
  *end = i;
  if (i >= b.size()) return Fail(reason, kInvalidBoolean);
  const char c = b[i];
  if (c != 't' && c != 'f' && c != 'T' && c != 'F') return Fail(reason, kInvalidBoolean);
  ++i;
  while (i < b.size() && b[i] != ',' && b[i] != ' ') ++i;
  *end = i;
  std::string_view word = b.substr(start, i - start);
  if (word.size() == 1) return true;
  bool ok = false;
  switch (c) {
    case 't':
      ok = word == "true";
      break;
    case 'f':
      ok = word == "false";
      break;
    case 'T':
      ok = word == "TRUE" || word == "True";
      break;
    case 'F':
      ok = word == "FALSE" || word == "False";
      break;
  }
  return ok ? true : Fail(reason, kInvalidBoolean);
}

bool ConvertFieldValue(std::string_view raw, bool allow_unsigned, FieldValue* out,
                       std::string* reason) {
  if (raw.empty()) return Fail(reason, "missing field value");
  const char c = raw[0];
  if (c == '"') {
    // InfluxDB strips the first and last byte. A lone quote made InfluxDB panic
    // (slice bounds out of range [1:0]) and exit; refuse it instead.
    if (raw.size() < 2) return Fail(reason, "invalid field format");
    std::string s;
    UnescapeString(raw.substr(1, raw.size() - 2), &s);
    *out = std::move(s);
    return true;
  }
  const bool numeric = (c >= '0' && c <= '9') || c == '-' || c == '.' || c == 'n' || c == 'N' ||
                       c == 'i' || c == 'I' || c == 'u';
  if (numeric) {
    const char last = raw.back();
    if (last == 'i') {
      std::string_view num = raw.substr(0, raw.size() - 1);
      int64_t v = 0;
      NumStatus st = ParseGoInt(num, &v);
      if (st != NumStatus::kOk) {
        *reason = "unable to parse integer value " + GoQuote(num) + ": " +
                  GoNumError("ParseInt", num, st);
        return false;
      }
      *out = v;
      return true;
    }
    if (last == 'u') {
      if (!allow_unsigned) return Fail(reason, kInvalidNumber);
      std::string_view num = raw.substr(0, raw.size() - 1);
      uint64_t v = 0;
      NumStatus st = ParseGoUint(num, &v);
      if (st != NumStatus::kOk) {
        *reason = "unable to parse unsigned value " + GoQuote(num) + ": " +
                  GoNumError("ParseUint", num, st);
        return false;
      }
      *out = v;
      return true;
    }
    double v = 0;
    NumStatus st = ParseGoFloat(raw, &v);
    if (st != NumStatus::kOk) {
      *reason = "unable to parse floating point value " + GoQuote(raw) + ": " +
                GoNumError("ParseFloat", raw, st);
      return false;
    }
    *out = v;
    return true;
  }
  // Go's strconv.ParseBool.
  if (raw == "t" || raw == "T" || raw == "true" || raw == "True" || raw == "TRUE" || raw == "1") {
    *out = true;
    return true;
  }
  if (raw == "f" || raw == "F" || raw == "false" || raw == "False" || raw == "FALSE" ||
      raw == "0") {
    *out = false;
    return true;
  }
  *reason = "unable to parse bool value " + GoQuote(raw) + ": strconv.ParseBool: parsing " +
            GoQuote(raw) + ": invalid syntax";
  return false;
}

void UnescapeName(std::string_view in, std::string* out) {
  Unescape(
      in, [](char c) { return c == ',' || c == '"' || c == ' ' || c == '='; }, out);
}

void UnescapeTag(std::string_view in, std::string* out) {
  Unescape(
      in, [](char c) { return c == ',' || c == ' ' || c == '='; }, out);
}

void UnescapeString(std::string_view in, std::string* out) {
  Unescape(
      in, [](char c) { return c == '\\' || c == '"'; }, out);
}

}  // namespace lux::lineproto::internal
