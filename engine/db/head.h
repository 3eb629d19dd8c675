// File: head.h
// -----------------------------------------------------------------------------
// The head of one series: its unsealed points in arrival order, as immutable
// compressed segments followed by an uncompressed tail. Writers append to
// the tail only (hot path: no encoding); the sealer thread compresses full
// runs of the tail into segments off the write path (db_seal.cc,
// DBImpl::CompactHeads). Readers see the logical sequence: the segments'
// points, in order, then the tail's.
#ifndef LUX_ENGINE_DB_HEAD_H_
#define LUX_ENGINE_DB_HEAD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/db/column.h"
#include "lux/point.h"

namespace lux::engine {

// A compressed run of head points in arrival order (any time order):
// timestamps delta-of-delta, then values (floats Gorilla XOR; integer,
// unsigned and boolean values delta-of-delta). In memory only, never
// persisted. Immutable once built, so a seal can share it without a copy.
struct HeadSegment {
  uint32_t count = 0;
  uint32_t ts_bytes = 0;  // data[0, ts_bytes): timestamps; the rest: values
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  std::string data;
};

// Encodes points [off, off + n) of c. REQUIRES: c is not a string column,
// 0 < n <= c.size() - off, n <= codec::kMaxBlockValues. Pure; thread-safe.
std::shared_ptr<const HeadSegment> EncodeHeadSegment(const Column& c, size_t off, size_t n);

// Appends the points of seg to *out (whose type is the segment's).
void DecodeHeadSegment(const HeadSegment& seg, Column* out);

// Unsealed points of one series, in arrival order (possibly out of time
// order and with repeated timestamps: the later arrival wins).
//
// The fields every write's apply step reads and writes come first, together
// (everything before `segments`, which the apply prefetches): a write
// touches thousands of heads scattered in memory, and the cache lines it
// fetches per head are most of its cost.
struct HeadSeries {
  Column tail;                // points after the segments
  size_t segment_points = 0;  // points in segments
  // (index of its first point, WAL seq) of each write that added points, in
  // order: the first one pins the log; after a seal removes the first
  // points, the next one does. Indices are into the logical sequence.
  std::vector<std::pair<uint32_t, uint64_t>> marks;
  int64_t newest_ts = 0;  // timestamp of the latest arrival, when size() > 0
  int64_t last_ts = 0;
  // Its place in DBImpl::active_ while it holds points, else kNotActive.
  static constexpr uint32_t kNotActive = UINT32_MAX;
  uint32_t active_pos = kNotActive;
  bool in_order = true;         // ts non-decreasing so far
  bool compact_queued = false;  // in DBImpl::compact_queue_
  // Latest point of the series anywhere (head or blocks), once known:
  // last_known says whether has_last/last_ts/last_value are up to date.
  bool last_known = false;
  bool has_last = false;
  FieldValue last_value;
  // Not touched by a write that finds points in the head already.
  std::vector<std::shared_ptr<const HeadSegment>> segments;
  // Changes whenever points leave the head or are rewritten (seal, delete):
  // a compaction copied from an older generation is discarded. DB-wide
  // unique values (DBImpl::head_generation_).
  uint64_t generation = 0;
  int64_t opened_ns = 0;  // clock time when the oldest unsealed point arrived (roughly)

  size_t size() const { return segment_points + tail.size(); }
  // Appends every point to *out, in arrival order.
  void AppendAll(Column* out) const;
  // Appends the points with start <= ts < end to *out, in arrival order;
  // segments entirely outside the range are not decoded.
  void AppendRange(int64_t start, int64_t end, Column* out) const;
  // The points with start <= ts < end, time ordered, one per timestamp
  // (the later arrival wins).
  Column SortedRange(int64_t start, int64_t end) const;
  // Removes the first n points (n <= size()). A cut inside a segment
  // re-encodes the rest of that segment.
  void DropPrefix(size_t n);
  // Replaces every point by those of c (arrival order), all in the tail.
  void ResetTo(Column c);
  // Moves the first n tail points into `segs` (which encode exactly them).
  void InstallSegments(std::vector<std::shared_ptr<const HeadSegment>> segs, size_t n);
  // Bytes of memory the points take (segments, tail capacity, strings).
  size_t MemoryBytes() const;
};

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_HEAD_H_
