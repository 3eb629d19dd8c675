// File: wal_record.h
// -----------------------------------------------------------------------------
// One write-ahead-log record: the accepted points of one Write, by series id.
// Layout: u8 format (0 plain, 1 zstd frame of the plain body, 2 delete),
// then for formats 0 and 1 the body: varint count, then per point varint sid, zz timestamp, u8
// FieldType, value (float: fixed64 bits; integer: zz; unsigned: varint;
// boolean: u8; string: length-prefixed). A delete record (format 2): zz
// start, zz end, varint count, count x varint sid. Persisted.
#ifndef LUX_ENGINE_DB_WAL_RECORD_H_
#define LUX_ENGINE_DB_WAL_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "lux/point.h"

namespace lux::engine {

struct WalPoint {
  uint64_t sid = 0;
  int64_t ts = 0;
  FieldValue value;
};

// Points of `sids` with start <= ts < end were deleted at this position.
struct WalDelete {
  std::vector<uint64_t> sids;
  int64_t start = 0;
  int64_t end = 0;
};

void EncodeWalRecord(const std::vector<WalPoint>& points, std::string* dst);
void EncodeWalDelete(const WalDelete& del, std::string* dst);

// Decodes a record: points (for a write record) or *del (for a delete
// record; points is then empty). kDataLoss when malformed.
absl::Status DecodeWalRecord(std::string_view src, std::vector<WalPoint>* points,
                             std::optional<WalDelete>* del);

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_WAL_RECORD_H_
