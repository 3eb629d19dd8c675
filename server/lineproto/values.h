// File: values.h
// -----------------------------------------------------------------------------
// Field values and escapes of the line protocol, as InfluxDB 1.x treats them:
// the syntax checks made while a line is scanned (ScanNumber, ScanBoolean), the
// conversions made when the value is stored (ConvertFieldValue), the escape
// rules of each position, and Go's number parsers and quoting, whose messages
// InfluxDB passes on to clients.
#ifndef LUX_SERVER_LINEPROTO_VALUES_H_
#define LUX_SERVER_LINEPROTO_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lux/point.h"

namespace lux::lineproto::internal {

// Outcome of Go's strconv.Parse{Int,Uint,Float}.
enum class NumStatus { kOk, kSyntax, kRange };

// Go's strconv.ParseInt(s, 10, 64) / ParseUint(s, 10, 64).
NumStatus ParseGoInt(std::string_view s, int64_t* v);
NumStatus ParseGoUint(std::string_view s, uint64_t* v);
// Go's strconv.ParseFloat(s, 64) for decimal text (sign, digits, '.', exponent).
// Text Go would also take (inf, nan, hex, underscores) is kSyntax here.
// kRange means overflow only: underflow gives 0 or a subnormal, as in Go.
NumStatus ParseGoFloat(std::string_view s, double* v);

// "strconv.ParseInt: parsing \"<s>\": invalid syntax" and friends. `func` is
// ParseInt, ParseUint, ParseFloat or ParseBool.
std::string GoNumError(std::string_view func, std::string_view s, NumStatus status);

// Go's strconv.Quote for bytes (bytes >= 0x80 are passed through).
std::string GoQuote(std::string_view s);

// InfluxDB's scanNumber: checks the number that starts at line[i] (a digit, '.',
// '-', 'N' or 'n') and ends at the next ',' or ' ' or the end. Sets *end to
// where scanning stopped. Returns false with *reason set if InfluxDB refuses it.
bool ScanNumber(std::string_view line, size_t i, bool allow_unsigned, size_t* end,
                std::string* reason);

// InfluxDB's scanBoolean: t T true True TRUE f F false False FALSE.
bool ScanBoolean(std::string_view line, size_t i, size_t* end, std::string* reason);

// Converts one field's raw value (as InfluxDB cuts it out of the line) to its
// typed value, by InfluxDB's rules: "..." string, trailing i integer, trailing u
// unsigned, other numbers float, anything else boolean. Returns false with
// *reason set where InfluxDB would fail (or crash) when storing it.
bool ConvertFieldValue(std::string_view raw, bool allow_unsigned, FieldValue* out,
                       std::string* reason);

// Escapes by position. Each replaces backslash + one of the listed bytes by
// that byte and keeps every other backslash. Assigns to *out.
// Measurement and field key: , " space =   (InfluxDB's escape.Unescape)
void UnescapeName(std::string_view in, std::string* out);
// Tag key and value: , space =
void UnescapeTag(std::string_view in, std::string* out);
// String field value between the quotes: \\ and \"
void UnescapeString(std::string_view in, std::string* out);

}  // namespace lux::lineproto::internal

#endif  // LUX_SERVER_LINEPROTO_VALUES_H_
