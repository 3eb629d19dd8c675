// File: bool_codec.h
// -----------------------------------------------------------------------------
// bool column: the smaller of a bitmap (one bit per value) and run lengths
// through the integer pipeline. Values are bytes, 0 = false, else true.
// Thread-safe.
#ifndef LUX_CODEC_BOOL_CODEC_H_
#define LUX_CODEC_BOOL_CODEC_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/codec/format.h"

namespace lux::codec {

ColumnCodec EncodeBools(std::span<const uint8_t> values, std::string* dst);

// Decodes exactly n values (each 0 or 1) from the whole of `src`.
absl::Status DecodeBools(ColumnCodec codec, std::string_view src, size_t n, uint8_t* out);

}  // namespace lux::codec

#endif  // LUX_CODEC_BOOL_CODEC_H_
