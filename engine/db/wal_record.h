// File: wal_record.h
// -----------------------------------------------------------------------------
// One write-ahead-log record: the accepted points of one Write, as runs of
// one series each. Layout: u8 format, then
//  - 5 (shared runs) or 6 (zstd frame of a shared
//    runs body): varint run count, then per run zz(sid - previous run's
//    sid), u8 FieldType, varint (n << 1 | same), then unless `same`: the
//    n timestamps (zz(first - the first timestamp of the previous run that
//    wrote timestamps), then zz delta-of-delta, the first delta from 0);
//    `same` (the fields of one line): the previous non-empty run's
//    timestamps again, written once; then n values (float: fixed64 bits;
//    integer: zz; unsigned: varint; boolean: u8; string: length-prefixed).
//    The first run's "previous" sid and timestamp are 0;
//  - 3 (runs) or 4 (zstd frame of a runs body), written before shared runs
//    and still read: as 5 without deltas or sharing: varint sid, u8
//    FieldType, varint n, n timestamps (zz first, then zz delta-of-delta),
//    n values;
//  - 2 (delete): zz start, zz end, varint count, count x varint sid;
//  - 0 (points) or 1 (zstd frame of a points body), written before runs
//    existed and still read: varint count, then per point varint sid, zz
//    timestamp, u8 FieldType, value as above. Read as runs of one point.
// Persisted.
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

// The points of one write as runs: run r holds positions [begin, end) of
// ts/bits, all of series `sid` in write order. For strings, bits[i] is the
// index of the value in strs.
struct WalRun {
  uint64_t sid = 0;
  FieldType type = FieldType::kFloat;
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct WalBatch {
  std::vector<WalRun> runs;
  std::vector<int64_t> ts;
  std::vector<uint64_t> bits;
  std::vector<std::string> strs;

  size_t points() const { return ts.size(); }
  void Clear() {
    runs.clear();
    ts.clear();
    bits.clear();
    strs.clear();
  }
  // Starts a run; Add appends its points.
  void BeginRun(uint64_t sid, FieldType type) {
    runs.push_back({sid, type, uint32_t(ts.size()), uint32_t(ts.size())});
  }
  void Add(int64_t t, uint64_t b) {
    ts.push_back(t);
    bits.push_back(b);
    runs.back().end = uint32_t(ts.size());
  }
  void AddString(int64_t t, std::string s) {
    ts.push_back(t);
    bits.push_back(strs.size());
    strs.push_back(std::move(s));
    runs.back().end = uint32_t(ts.size());
  }
  // Value at position i of a run of `type`.
  FieldValue Value(FieldType type, size_t i) const;
};

// Points of `sids` with start <= ts < end were deleted at this position.
struct WalDelete {
  std::vector<uint64_t> sids;
  int64_t start = 0;
  int64_t end = 0;
};

// Appends the record to *dst; returns the bytes of its body before zstd
// (the record itself is what *dst grew by).
size_t EncodeWalRecord(const WalBatch& batch, std::string* dst);
void EncodeWalDelete(const WalDelete& del, std::string* dst);

// Decodes a record into *batch (a write record) or *del (a delete record;
// batch is then empty). kDataLoss when malformed.
absl::Status DecodeWalRecord(std::string_view src, WalBatch* batch, std::optional<WalDelete>* del);

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_WAL_RECORD_H_
