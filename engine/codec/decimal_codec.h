// File: decimal_codec.h
// -----------------------------------------------------------------------------
// Decimal float64 codec in the spirit of ALP (Afroozeh et al., SIGMOD 2024):
// sensor readings are decimals printed with a few digits, so for one exponent
// e per block, v is the correctly rounded quotient digits / 10^e (true of
// every value parsed from a decimal string with at most e fraction digits
// and 15 significant digits). The decoder computes that quotient without a
// division (a multiply and a Markstein correction, see FORMAT.md). The
// integer digits go through the integer pipeline (delta, dictionary, ...);
// values that do not round-trip (NaN, -0.0, too many digits) are exceptions
// stored as position + raw bits. Byte layout: FORMAT.md. Thread-safe.
#ifndef LUX_CODEC_DECIMAL_CODEC_H_
#define LUX_CODEC_DECIMAL_CODEC_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/codec/format.h"

namespace lux::codec {

// Largest exponent: 10^18 is exact in a double and digits stay below 2^53.
inline constexpr int kMaxDecimalExponent = 18;

// Picks the exponent for `values` from a sample (fewest estimated bits).
// Returns -1 when no exponent leaves fewer than half of the sample as
// exceptions (the codec is then not worth trying).
int ChooseDecimalExponent(std::span<const double> values);

// Appends the encoding of `values` with exponent e (0..kMaxDecimalExponent).
void EncodeDecimal(std::span<const double> values, int e, std::string* dst,
                   const EncodeOptions& options = {});

// Decodes exactly n values from the whole of `src`. kDataLoss when malformed.
absl::Status DecodeDecimal(std::string_view src, size_t n, double* out);

// The codec's exact conversions for one value, for other formats that store
// decimals (block header statistics). DecimalDigits: true and the digits d
// (|d| <= 2^51) when v is exactly DecimalValue(d, e); false for NaN, -0.0,
// infinities and anything inexact. DecimalValue: d / 10^e correctly
// rounded. REQUIRES: 0 <= e <= kMaxDecimalExponent; |d| <= 2^51 for
// DecimalValue.
inline constexpr int64_t kMaxDecimalDigits = int64_t{1} << 51;
bool DecimalDigits(double v, int e, int64_t* digits);
double DecimalValue(int64_t digits, int e);

}  // namespace lux::codec

#endif  // LUX_CODEC_DECIMAL_CODEC_H_
