// File: format.h
// -----------------------------------------------------------------------------
// Identifiers written to disk by the codecs. Persisted: never renumber or
// reuse a value; decoders for retired values stay. The byte layout of every
// format is described in engine/codec/FORMAT.md.
#ifndef LUX_CODEC_FORMAT_H_
#define LUX_CODEC_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace lux::codec {

// Type of a block's values. persisted: never renumber or reuse.
enum class ValueType : uint8_t {
  kFloat64 = 1,
  kInt64 = 2,
  kUint64 = 3,
  kBool = 4,
  kString = 5,
};

// "float64", "int64", "uint64", "bool", "string"; "unknown" otherwise.
constexpr const char* ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kFloat64:
      return "float64";
    case ValueType::kInt64:
      return "int64";
    case ValueType::kUint64:
      return "uint64";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "string";
  }
  return "unknown";
}

// Codec of a block column. persisted: never renumber or reuse.
enum class ColumnCodec : uint8_t {
  // Timestamps.
  kTsDeltaOfDelta = 1,  // Gorilla-style delta-of-delta buckets, zero runs.
  kTsIntPipeline = 2,   // raw timestamps through the integer pipeline.
  // float64.
  kFloatGorilla = 16,  // XOR with re-opened leading/trailing windows.
  kFloatDecimal = 17,  // value = digits / 10^e, digits through the integer pipeline.
  // int64 / uint64.
  kIntPipeline = 32,
  // bool.
  kBoolBitmap = 48,  // one bit per value.
  kBoolRuns = 49,    // run lengths through the integer pipeline.
  // string.
  kStringDict = 64,  // distinct strings + codes through the integer pipeline.
  kStringZstd = 65,  // lengths through the integer pipeline + zstd of the bytes.
};

// Mode byte inside an integer-pipeline column. persisted: never renumber or reuse.
enum class IntMode : uint8_t {
  kFor = 1,      // frame of reference: base, then residuals (v - base) / divisor.
  kDelta = 2,    // first, min delta, then residuals (delta - min) / divisor.
  kRle = 3,      // run values and run lengths, each a nested pipeline column.
  kDict = 4,     // sorted distinct values and codes, each a nested pipeline column.
  kZstd = 5,     // zstd frame holding another pipeline column (never kZstd).
  kRans = 6,     // FOR or delta, then residuals / divisor through static rANS.
  kPredict = 7,  // predictor parameters, first, step, then zigzag errors through rANS.
};

// How hard the encoders work. The default favours decoding speed (hot data:
// no zstd stage, whose decoding is several times slower than unpacking
// bits); compaction of cold partitions turns zstd on.
struct EncodeOptions {
  // Wrap integer columns (and decimal digits) in zstd when that is clearly
  // smaller.
  bool allow_zstd = false;
  // zstd level for that attempt.
  int zstd_level = 3;
  // Consider pipeline modes 6 and 7 (rANS over the residuals of FOR, delta
  // or a level-and-trend predictor) when clearly smaller: ~30% fewer bits
  // on noisy sensor values, decoding 3-6x slower than unpacking bits. Off
  // for hot data by default.
  bool allow_rans = false;
};

// Largest number of values in one block or column; decoders reject larger
// counts before allocating.
inline constexpr size_t kMaxBlockValues = size_t{1} << 20;

}  // namespace lux::codec

#endif  // LUX_CODEC_FORMAT_H_
