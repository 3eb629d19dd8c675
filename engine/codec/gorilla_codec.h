// File: gorilla_codec.h
// -----------------------------------------------------------------------------
// Gorilla XOR float64 codec (Pelkonen et al., VLDB 2015) whose encoder opens
// a new leading/trailing-zero window whenever that is cheaper than reusing
// the previous one, instead of Gorilla's sticky window. Bit-exact for every
// double (NaN payloads, -0.0, subnormals). Byte layout: FORMAT.md.
// Pure functions; thread-safe.
#ifndef LUX_CODEC_GORILLA_CODEC_H_
#define LUX_CODEC_GORILLA_CODEC_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace lux::codec {

// Appends the encoding of `values` to *dst.
void EncodeGorilla(std::span<const double> values, std::string* dst);

// Upper bound of what EncodeGorilla appends for n values.
size_t MaxEncodedGorillaSize(size_t n);

// Decodes exactly n values from the whole of `src`. kDataLoss when malformed.
absl::Status DecodeGorilla(std::string_view src, size_t n, double* out);

}  // namespace lux::codec

#endif  // LUX_CODEC_GORILLA_CODEC_H_
