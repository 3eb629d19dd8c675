// File: float_codec.h
// -----------------------------------------------------------------------------
// float64 column: per block the smaller of the decimal codec and Gorilla XOR.
// Thread-safe.
#ifndef LUX_CODEC_FLOAT_CODEC_H_
#define LUX_CODEC_FLOAT_CODEC_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/codec/format.h"

namespace lux::codec {

// Appends the smaller encoding of `values` to *dst; returns the codec used.
ColumnCodec EncodeFloats(std::span<const double> values, std::string* dst,
                         const EncodeOptions& options = {});

// Decodes exactly n values written with `codec` from the whole of `src`.
absl::Status DecodeFloats(ColumnCodec codec, std::string_view src, size_t n, double* out);

}  // namespace lux::codec

#endif  // LUX_CODEC_FLOAT_CODEC_H_
