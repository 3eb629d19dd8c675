// File: wal_record.h
// -----------------------------------------------------------------------------
// One write-ahead-log record: the accepted points of one Write, by series id.
// Layout: u8 format (0 plain, 1 zstd frame of the plain body), then the
// body: varint count, then per point varint sid, zz timestamp, u8
// FieldType, value (float: fixed64 bits; integer: zz; unsigned: varint;
// boolean: u8; string: length-prefixed). Persisted.
#ifndef LUX_ENGINE_DB_WAL_RECORD_H_
#define LUX_ENGINE_DB_WAL_RECORD_H_

#include <cstdint>
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

void EncodeWalRecord(const std::vector<WalPoint>& points, std::string* dst);

// kDataLoss when malformed.
absl::Status DecodeWalRecord(std::string_view src, std::vector<WalPoint>* points);

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_WAL_RECORD_H_
