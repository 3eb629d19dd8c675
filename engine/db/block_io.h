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
#include "engine/db/column.h"
#include "lux/point.h"

namespace lux::engine {

// Appends one block of points [from, from + n) of `c`.
// REQUIRES: timestamps sorted and unique, 1 <= n <= 2^20.
void EncodeColumnBlock(const Column& c, size_t from, size_t n, std::string* dst,
                       const codec::EncodeOptions& options = {});

// The field type a block of value type `t` holds (kFloat for unknown ones).
FieldType FieldTypeOf(codec::ValueType t);

// Appends the block's points to *out (whose type must be the block's).
// kDataLoss when corrupt or of another type; *out is then unchanged.
absl::Status DecodeColumnBlock(std::string_view block, codec::BlockHeader* header, Column* out);

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_BLOCK_IO_H_
