// File: timestamp_codec.h
// -----------------------------------------------------------------------------
// Timestamp column codecs (int64 nanoseconds, any order):
//  - kTsDeltaOfDelta: deltas divided by their common divisor (1e9 for
//    second-precision data stored in ns), then Gorilla-style delta-of-delta
//    buckets where a run of zeros costs one Elias-gamma length;
//  - kTsIntPipeline: the raw timestamps through the integer pipeline (its
//    delta mode with divisor packs jittered intervals in a few bits, and a
//    constant interval in none).
// EncodeTimestamps writes the smaller. Byte layout: FORMAT.md. Thread-safe.
#ifndef LUX_CODEC_TIMESTAMP_CODEC_H_
#define LUX_CODEC_TIMESTAMP_CODEC_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/codec/format.h"

namespace lux::codec {

// Appends the smaller encoding of `ts` to *dst; returns the codec used.
ColumnCodec EncodeTimestamps(std::span<const int64_t> ts, std::string* dst);

// Appends the delta-of-delta encoding of `ts` to *dst.
void EncodeTimestampsDod(std::span<const int64_t> ts, std::string* dst);

// Decodes exactly n timestamps from the whole of `src` (which must hold
// nothing else). kDataLoss on malformed input.
absl::Status DecodeTimestamps(ColumnCodec codec, std::string_view src, size_t n, int64_t* out);

size_t MaxEncodedTimestampsSize(size_t n);

}  // namespace lux::codec

#endif  // LUX_CODEC_TIMESTAMP_CODEC_H_
