// File: decimal_codec.cc
// Encode: warm path (per block). Decode: hot path (per value): the digits
// become values inside the integer decoder (DecodeIntsMapped), per
// mini-block while it is in cache, or once per dictionary entry; AVX-512
// kernels (simd.h) where the CPU has them.
#include "engine/codec/decimal_codec.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/codec/format.h"
#include "engine/codec/int_codec.h"
#include "engine/codec/simd.h"
#include "engine/common/status_macros.h"
#include "engine/common/varint.h"

namespace lux::codec {
namespace {

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt decimal column: ", what));
}

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                             1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
static_assert(sizeof(kPow10) / sizeof(kPow10[0]) == kMaxDecimalExponent + 1);
// Correctly rounded reciprocals (the compiler rounds 1/10^e once).
constexpr double kInvPow10[] = {1 / 1e0,  1 / 1e1,  1 / 1e2,  1 / 1e3,  1 / 1e4,
                                1 / 1e5,  1 / 1e6,  1 / 1e7,  1 / 1e8,  1 / 1e9,
                                1 / 1e10, 1 / 1e11, 1 / 1e12, 1 / 1e13, 1 / 1e14,
                                1 / 1e15, 1 / 1e16, 1 / 1e17, 1 / 1e18};

// Digits stay below 2^51 in magnitude: they convert to double exactly, also
// through the add-and-subtract trick of DigitsToDouble.
constexpr double kMaxDigits = 2251799813685248.0;  // 2^51

// Exact int64 -> double for |d| < 2^51 with integer add and one float
// subtraction, which vectorise on every x86-64 (cvtsi2sd does not before
// AVX-512).
inline double DigitsToDouble(int64_t d) {
  constexpr uint64_t kMagicBits = 0x4338000000000000;  // 1.5 * 2^52
  return std::bit_cast<double>(uint64_t(d) + kMagicBits) - 6755399441055744.0;
}

// digits / 10^e, correctly rounded, without a division: q = d * (1/10^e) is
// within one ulp, and one Markstein correction step with the exact residual
// r = d - q * 10^e (an FMA) rounds it correctly (Markstein, IBM J. R&D 1990).
// The encoder checks every value through this very function, so a value it
// could ever get wrong is stored as an exception instead.
inline double DigitsToValue(int64_t d, int e) {
  const double x = DigitsToDouble(d);
  const double q = x * kInvPow10[e];
  const double r = std::fma(-q, kPow10[e], x);
  return std::fma(r, kInvPow10[e], q);
}

// The digits for v at exponent e, or false when v is not exactly digits/10^e.
inline bool ToDigits(double v, int e, int64_t* digits) {
  const double scaled = v * kPow10[e];
  if (!(std::fabs(scaled) < kMaxDigits)) return false;  // also NaN, Inf
  const int64_t d = std::llround(scaled);
  if (std::bit_cast<uint64_t>(DigitsToValue(d, e)) != std::bit_cast<uint64_t>(v)) {
    return false;  // inexact, or -0.0
  }
  *digits = d;
  return true;
}

constexpr size_t kSampleSize = 256;

// Hot loop: digits (decoded in place into `out`) to values. Cloned for
// x86-64-v3 (AVX2 + FMA); the default clone computes the same bits through
// libm's exact fma().
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
void DigitsToValues(double* out, size_t n, int e) {
  for (size_t i = 0; i < n; ++i) {
    int64_t d;
    std::memcpy(&d, &out[i], 8);
    out[i] = DigitsToValue(d, e);
  }
}

// IntMap::fn: digits to values in place; ctx points to the exponent.
void MapDigits(uint64_t* v, size_t n, const void* ctx) {
  const int e = *static_cast<const int*>(ctx);
  if (UseAvx512()) {
    simd::DigitsToValuesAvx512(v, n, kPow10[e], kInvPow10[e]);
  } else {
    DigitsToValues(reinterpret_cast<double*>(v), n, e);
  }
}

}  // namespace

int ChooseDecimalExponent(std::span<const double> values) {
  if (values.empty()) return -1;
  const size_t step = values.size() > kSampleSize ? values.size() / kSampleSize : 1;
  int best_e = -1;
  double best_bits = 0;
  for (int e = 0; e <= kMaxDecimalExponent; ++e) {
    size_t samples = 0, exceptions = 0;
    uint64_t max_abs_delta = 0;
    int64_t prev = 0;
    bool have_prev = false;
    for (size_t i = 0; i < values.size(); i += step) {
      ++samples;
      int64_t d;
      if (!ToDigits(values[i], e, &d)) {
        ++exceptions;
        continue;
      }
      if (have_prev) {
        uint64_t delta = d >= prev ? uint64_t(d) - uint64_t(prev) : uint64_t(prev) - uint64_t(d);
        if (delta > max_abs_delta) max_abs_delta = delta;
      }
      prev = d;
      have_prev = true;
    }
    if (exceptions * 2 >= samples) continue;
    // Digits cost about the width of the sampled deltas (the sample's
    // stride overstates them, equally for every e); an exception costs its
    // raw 64 bits plus a position.
    const double bits = double(samples - exceptions) * (std::bit_width(max_abs_delta) + 1) +
                        double(exceptions) * 80.0;
    if (best_e < 0 || bits < best_bits) {
      best_e = e;
      best_bits = bits;
    }
  }
  return best_e;
}

void EncodeDecimal(std::span<const double> values, int e, std::string* dst,
                   const EncodeOptions& options) {
  const size_t n = values.size();
  std::vector<int64_t> digits(n);
  std::vector<int64_t> positions;
  std::vector<uint64_t> raw;
  // An exception's digits repeat the previous value's, so that deltas,
  // runs and dictionaries are not disturbed by it.
  int64_t last = 0;
  bool seen = false;
  for (size_t i = 0; i < n; ++i) {
    int64_t d;
    if (ToDigits(values[i], e, &d)) {
      if (!seen) {
        for (size_t j = 0; j < i; ++j) digits[j] = d;  // leading exceptions
        seen = true;
      }
      last = d;
    } else {
      positions.push_back(int64_t(i));
      raw.push_back(std::bit_cast<uint64_t>(values[i]));
      d = last;
    }
    digits[i] = d;
  }
  dst->push_back(static_cast<char>(e));
  PutVarint64(dst, positions.size());
  if (!positions.empty()) {
    EncodeInts(positions, dst);
    for (uint64_t bits : raw) PutFixed64(dst, bits);
  }
  EncodeInts(digits, dst, options);
}

absl::Status DecodeDecimal(std::string_view src, size_t n, double* out) {
  if (n > kMaxBlockValues) return Corrupt("too many values");
  Reader r(src);
  uint8_t e;
  uint64_t num_exceptions;
  if (!r.GetByte(&e) || !r.GetVarint64(&num_exceptions)) return Corrupt("truncated header");
  if (e > kMaxDecimalExponent) return Corrupt(absl::StrCat("exponent ", e, " out of range"));
  if (num_exceptions > n) return Corrupt("more exceptions than values");
  std::vector<int64_t> positions(num_exceptions);
  std::string_view raw;
  if (num_exceptions > 0) {
    RETURN_IF_ERROR(DecodeInts(&r, num_exceptions, positions.data()));
    if (!r.GetBytes(num_exceptions * 8, &raw)) return Corrupt("truncated exceptions");
  }
  // Digits are decoded in place and become values there: int64 and double
  // have the same size.
  static_assert(sizeof(int64_t) == sizeof(double));
  const int exponent = e;
  const double scale[2] = {kPow10[e], kInvPow10[e]};
  RETURN_IF_ERROR(DecodeIntsMapped(&r, n, reinterpret_cast<uint64_t*>(out),
                                   IntMap{&MapDigits, &exponent, scale}));
  if (!r.empty()) return Corrupt("trailing bytes");
  int64_t prev = -1;
  for (size_t k = 0; k < num_exceptions; ++k) {
    const int64_t pos = positions[k];
    if (pos <= prev || uint64_t(pos) >= n) return Corrupt("exception position out of order");
    prev = pos;
    std::memcpy(&out[pos], raw.data() + 8 * k, 8);  // f64 little-endian, as is the host
  }
  return absl::OkStatus();
}

bool DecimalDigits(double v, int e, int64_t* digits) { return ToDigits(v, e, digits); }

double DecimalValue(int64_t digits, int e) { return DigitsToValue(digits, e); }

}  // namespace lux::codec
