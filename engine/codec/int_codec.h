// File: int_codec.h
// -----------------------------------------------------------------------------
// The integer pipeline: int64 (and, bit-cast, uint64) columns encoded as the
// cheapest of frame-of-reference, delta, run-length or dictionary, each
// ending in bit packing with a common divisor factored out (FOR and delta
// residuals alternatively through rANS, rans.h, as are the errors of a
// level-and-trend predictor, predictor.h), and wrapped in zstd when
// that is smaller. Used for int/uint fields, decimal digits,
// timestamps, run lengths and dictionary codes. Byte layout: FORMAT.md.
// Pure functions; thread-safe.
#ifndef LUX_CODEC_INT_CODEC_H_
#define LUX_CODEC_INT_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "engine/codec/format.h"
#include "engine/common/varint.h"

namespace lux::codec {

// Appends the encoding of `values` to *dst. Any length, including 0.
void EncodeInts(std::span<const int64_t> values, std::string* dst,
                const EncodeOptions& options = {});

// Upper bound of what EncodeInts appends for n values.
size_t MaxEncodedIntsSize(size_t n);

// Decodes exactly n values from *src into out[0..n), advancing *src past the
// column. Returns kDataLoss (and leaves out unspecified) on malformed input;
// never reads outside *src.
// REQUIRES: n <= kMaxBlockValues.
absl::Status DecodeInts(Reader* src, size_t n, int64_t* out);

// A transform of decoded values in place: on entry the n 8-byte slots at v
// hold decoded int64 values (as uint64), on return whatever fn makes of
// them (the decimal codec: doubles). fn must treat each value alone (the
// same value always maps to the same bits) and may not fail.
struct IntMap {
  void (*fn)(uint64_t* v, size_t n, const void* ctx);
  const void* ctx;
  // Set by the decimal codec only: {10^e, RN(10^-e)}, and fn is its
  // digits-to-values map (simd.h's DigitsToValuesAvx512 with these), which
  // the AVX-512 mini-block kernel then applies itself, in the same pass.
  const double* decimal_scale = nullptr;
};

// Decodes like DecodeInts, then maps the n values through `map`: the result
// is the same as DecodeInts followed by map.fn over out[0..n), but it is
// faster: bit-packed columns are mapped one mini-block at a time while it is
// in cache, dictionary and RLE columns map each entry once.
// REQUIRES: n <= kMaxBlockValues.
absl::Status DecodeIntsMapped(Reader* src, size_t n, uint64_t* out, const IntMap& map);

}  // namespace lux::codec

#endif  // LUX_CODEC_INT_CODEC_H_
