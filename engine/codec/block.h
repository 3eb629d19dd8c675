// File: block.h
// -----------------------------------------------------------------------------
// A block: one series' sealed chunk, a versioned header of statistics, a
// timestamps column, a values column and an XXH3-64 checksum. Aggregates over
// a whole block (count, sum, min, max, first, last) come from the header
// without decoding the columns. Byte layout with a worked example: FORMAT.md.
// Pure functions; thread-safe.
#ifndef LUX_CODEC_BLOCK_H_
#define LUX_CODEC_BLOCK_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/codec/format.h"

namespace lux::codec {

// First byte of every block, then the format version. Encoders write
// kBlockVersion; decoders also read every earlier version (FORMAT.md).
inline constexpr uint8_t kBlockMagic = 0xB7;
inline constexpr uint8_t kBlockVersion = 2;   // persisted: bump only with a new layout
inline constexpr uint8_t kBlockVersion1 = 1;  // statistics as five raw 8-byte words

// Points per block the engine seals by default. 8192 readings are 22.8 hours
// of a 10 s sensor (under a one-day partition) and enough for a decimal
// block's dictionary and exceptions to amortise; the measurements behind
// the choice are in the README (bench/codec_ratio --block-size).
inline constexpr size_t kDefaultBlockValues = 8192;

// Header statistics. Numeric stats are stored as raw 64-bit patterns of the
// block's value type (double bits for kFloat64); use the accessors.
struct BlockHeader {
  ValueType type = ValueType::kFloat64;
  ColumnCodec ts_codec = ColumnCodec::kTsDeltaOfDelta;
  ColumnCodec value_codec = ColumnCodec::kFloatGorilla;
  uint32_t count = 0;
  int64_t first_ts = 0;
  int64_t last_ts = 0;
  // Numeric types only. For float64, min/max skip NaN (NaN when all are NaN)
  // and sum is the IEEE sum in time order; int64/uint64 sums wrap mod 2^64.
  uint64_t min = 0, max = 0, sum = 0, first = 0, last = 0;
  // kBool only: number of true values; first/last hold 0 or 1.
  uint32_t true_count = 0;

  bool numeric() const {
    return type == ValueType::kFloat64 || type == ValueType::kInt64 || type == ValueType::kUint64;
  }
  static double AsDouble(uint64_t bits) { return std::bit_cast<double>(bits); }
};

// Decoded values of a block, by type.
using BlockValues = std::variant<std::vector<double>, std::vector<int64_t>, std::vector<uint64_t>,
                                 std::vector<uint8_t>, std::vector<std::string>>;

// Appends one block. REQUIRES: ts.size() == values.size(), 1 <= size <=
// kMaxBlockValues. Timestamps are stored as given (the engine passes them
// sorted and unique, but the format does not depend on it).
void EncodeBlock(std::span<const int64_t> ts, std::span<const double> values, std::string* dst,
                 const EncodeOptions& options = {});
void EncodeBlock(std::span<const int64_t> ts, std::span<const int64_t> values, std::string* dst,
                 const EncodeOptions& options = {});
void EncodeBlock(std::span<const int64_t> ts, std::span<const uint64_t> values, std::string* dst,
                 const EncodeOptions& options = {});
// bool values as bytes (0 = false).
void EncodeBoolBlock(std::span<const int64_t> ts, std::span<const uint8_t> values,
                     std::string* dst);
void EncodeBlock(std::span<const int64_t> ts, std::span<const std::string> values,
                 std::string* dst);

// Verifies magic, version and checksum and parses the header. kDataLoss on
// any corruption. Cheap: hashing runs at memory speed and nothing is decoded.
absl::StatusOr<BlockHeader> ReadBlockHeader(std::string_view block);

// Where a block's bytes go (for inspection: "lux.block-bytes"): the header
// up to and including the timestamp column's length, the two columns and
// the checksum. Verifies the block as ReadBlockHeader does.
struct BlockLayout {
  BlockHeader header;
  size_t header_bytes = 0, ts_bytes = 0, value_bytes = 0, checksum_bytes = 0;
};
absl::StatusOr<BlockLayout> ReadBlockLayout(std::string_view block);

// Decodes a block of any type but string straight into the caller's
// vectors: appends its timestamps to *ts and its values' 64-bit patterns to
// *bits (double bits for float64, the integer for int64/uint64, 0 or 1 for
// bool). No intermediate copy (queries decode thousands of blocks). On
// kDataLoss (any corruption, or a string block) both vectors keep their
// old size.
absl::Status DecodeBlockAppend(std::string_view block, BlockHeader* header,
                               std::vector<int64_t>* ts, std::vector<uint64_t>* bits);

// Decodes the whole block. kDataLoss on any corruption.
absl::Status DecodeBlock(std::string_view block, BlockHeader* header, std::vector<int64_t>* ts,
                         BlockValues* values);

}  // namespace lux::codec

#endif  // LUX_CODEC_BLOCK_H_
