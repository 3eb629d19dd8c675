// File: string_codec.h
// -----------------------------------------------------------------------------
// string column: the smaller of a dictionary (distinct strings in first-seen
// order + codes through the integer pipeline) and zstd over the concatenated
// bytes with lengths through the integer pipeline. Thread-safe.
#ifndef LUX_CODEC_STRING_CODEC_H_
#define LUX_CODEC_STRING_CODEC_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/codec/format.h"

namespace lux::codec {

// Largest total size of a string column's bytes; decoders reject more.
inline constexpr size_t kMaxStringColumnBytes = size_t{64} << 20;

ColumnCodec EncodeStrings(std::span<const std::string> values, std::string* dst);

// Decodes exactly n strings from the whole of `src` into *out (replaced).
absl::Status DecodeStrings(ColumnCodec codec, std::string_view src, size_t n,
                           std::vector<std::string>* out);

}  // namespace lux::codec

#endif  // LUX_CODEC_STRING_CODEC_H_
