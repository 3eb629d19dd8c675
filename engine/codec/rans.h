// File: rans.h
// -----------------------------------------------------------------------------
// Entropy-coded residuals for the integer pipeline (mode 6, FORMAT.md): the
// non-negative residuals of a frame-of-reference or delta transform, divided
// by their common divisor, mapped to at most kRansAlphabet symbols (small
// values are symbols of their own, larger ones a bucket plus raw low bits)
// and coded with a static two-state rANS whose 12-bit frequency table is
// stored in front. Replaces bit packing where the residuals are noisy but
// concentrated (quantised sensor noise): it spends the residuals' entropy
// instead of their width. Pure functions; thread-safe.
#ifndef LUX_CODEC_RANS_H_
#define LUX_CODEC_RANS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "engine/common/varint.h"

namespace lux::codec {

// Symbols 0..kRansDirect-1 are residuals themselves; the rest are buckets.
inline constexpr uint32_t kRansDirect = 128;
// 128 direct symbols + 4 buckets for each bit width 8..64.
inline constexpr uint32_t kRansAlphabet = kRansDirect + 4 * 57;
// Frequencies add up to 2^kRansScaleBits.
inline constexpr int kRansScaleBits = 12;

// Bytes AppendRansResiduals would write for u[0..m) with `divisor`, give or
// take a few bytes (the rANS stream length is estimated from the table), or
// SIZE_MAX when the residuals do not suit (m == 0).
// REQUIRES: every u[i] is a multiple of divisor >= 1.
size_t EstimateRansResidualsSize(const uint64_t* u, size_t m, uint64_t divisor);

// Appends `varint` divisor then the rANS form of u[i] / divisor, i < m.
// REQUIRES: m >= 1; every u[i] is a multiple of divisor >= 1.
void AppendRansResiduals(const uint64_t* u, size_t m, uint64_t divisor, std::string* dst);

// Reads what AppendRansResiduals wrote for m residuals into u[0..m) (still
// to be multiplied by *divisor), advancing *src past it. kDataLoss on any
// malformed input (bad table, state out of range, truncated or trailing
// stream bytes); work is O(m + table), never reads outside *src.
// REQUIRES: m >= 1, u has room for m values.
absl::Status ReadRansResiduals(Reader* src, size_t m, uint64_t* u, uint64_t* divisor);

// A predicted column's (mode 7) n - 1 errors in the rANS form, decoded and
// run through the predictor (predictor.h) in one pass: u[0] = first, u[1..n)
// the values as uint64. Same bytes, same errors and same values as
// decoding the errors, then running the predictor over them (predictor.h's
// PredictionDecoder), and about twice as fast on noise.
// REQUIRES: n >= 2, step >= 1, u has room for n values.
absl::Status ReadRansPredicted(Reader* src, size_t n, uint64_t first, uint8_t params, uint64_t step,
                               uint64_t* u);

}  // namespace lux::codec

#endif  // LUX_CODEC_RANS_H_
