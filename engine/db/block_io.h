// File: block_io.h
// -----------------------------------------------------------------------------
// Blocks of FieldValues: the engine's glue over the typed codec API.
#ifndef LUX_ENGINE_DB_BLOCK_IO_H_
#define LUX_ENGINE_DB_BLOCK_IO_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/codec/block.h"
#include "lux/point.h"

namespace lux::engine {

// Appends one block. REQUIRES: every value has type `type`; ts sorted,
// unique, same size as values, 1 ..= 2^20 points.
void EncodePointsBlock(FieldType type, std::span<const int64_t> ts,
                       std::span<const FieldValue> values, std::string* dst);

// Appends the block's points to *ts / *values. kDataLoss when corrupt.
absl::Status DecodePointsBlock(std::string_view block, codec::BlockHeader* header,
                               std::vector<int64_t>* ts, std::vector<FieldValue>* values);

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_BLOCK_IO_H_
