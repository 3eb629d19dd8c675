// File: head.cc
// Head segments (warm path: per run of points, in the sealer thread) and the
// logical view of a series' head over segments and tail.
#include "engine/db/head.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <span>

#include "absl/status/status.h"
#include "engine/codec/format.h"
#include "engine/codec/gorilla_codec.h"
#include "engine/codec/timestamp_codec.h"
#include "engine/common/status_macros.h"

namespace lux::engine {

std::shared_ptr<const HeadSegment> EncodeHeadSegment(const Column& c, size_t off, size_t n) {
  LUX_CHECK(!c.is_string() && n > 0 && off + n <= c.size() && n <= codec::kMaxBlockValues,
            "encoding a head segment out of its column");
  auto seg = std::make_shared<HeadSegment>();
  seg->count = uint32_t(n);
  const auto ts = std::span<const int64_t>(c.ts).subspan(off, n);
  const auto [lo, hi] = std::minmax_element(ts.begin(), ts.end());
  seg->min_ts = *lo;
  seg->max_ts = *hi;
  std::string buf;
  buf.reserve(codec::MaxEncodedTimestampsSize(n) + codec::MaxEncodedGorillaSize(n));
  codec::EncodeTimestampsDod(ts, &buf);
  seg->ts_bytes = uint32_t(buf.size());
  if (c.type == FieldType::kFloat) {
    std::vector<double> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = std::bit_cast<double>(c.bits[off + i]);
    codec::EncodeGorilla(v, &buf);
  } else {
    // Integers, unsigned (bit-cast) and booleans (0/1): counters and steady
    // values cost next to nothing; the encoder wraps, so any 64 bits are exact.
    std::vector<int64_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = int64_t(c.bits[off + i]);
    codec::EncodeTimestampsDod(v, &buf);
  }
  seg->data = std::string(buf);  // exact size: segments live until sealed
  return seg;
}

void DecodeHeadSegment(const HeadSegment& seg, Column* out) {
  const size_t base = out->size();
  const std::string_view data(seg.data);
  out->ts.resize(base + seg.count);
  out->bits.resize(base + seg.count);
  absl::Status st =
      codec::DecodeTimestamps(codec::ColumnCodec::kTsDeltaOfDelta, data.substr(0, seg.ts_bytes),
                              seg.count, out->ts.data() + base);
  if (st.ok()) {
    const std::string_view values = data.substr(seg.ts_bytes);
    if (out->type == FieldType::kFloat) {
      // Gorilla decodes doubles; the column keeps their bit patterns.
      std::vector<double> v(seg.count);
      st = codec::DecodeGorilla(values, seg.count, v.data());
      for (size_t i = 0; i < seg.count; ++i) {
        out->bits[base + i] = std::bit_cast<uint64_t>(v[i]);
      }
    } else {
      static_assert(sizeof(int64_t) == sizeof(uint64_t));
      st = codec::DecodeTimestamps(codec::ColumnCodec::kTsDeltaOfDelta, values, seg.count,
                                   reinterpret_cast<int64_t*>(out->bits.data() + base));
    }
  }
  LUX_CHECK(st.ok(), "a head segment does not decode");
}

void HeadSeries::AppendAll(Column* out) const {
  for (const auto& seg : segments) DecodeHeadSegment(*seg, out);
  for (size_t i = 0; i < tail.size(); ++i) out->PushFrom(tail, i);
}

void HeadSeries::AppendRange(int64_t start, int64_t end, Column* out) const {
  Column decoded;
  decoded.type = tail.type;
  for (const auto& seg : segments) {
    if (seg->max_ts < start || seg->min_ts >= end) continue;
    decoded.Clear();
    DecodeHeadSegment(*seg, &decoded);
    for (size_t i = 0; i < decoded.size(); ++i) {
      if (decoded.ts[i] >= start && decoded.ts[i] < end) out->PushFrom(decoded, i);
    }
  }
  for (size_t i = 0; i < tail.size(); ++i) {
    if (tail.ts[i] >= start && tail.ts[i] < end) out->PushFrom(tail, i);
  }
}

Column HeadSeries::SortedRange(int64_t start, int64_t end) const {
  Column c;
  c.type = tail.type;
  AppendRange(start, end, &c);
  return SortedUnique(c, in_order);
}

void HeadSeries::DropPrefix(size_t n) {
  if (n >= size()) {
    Column empty;
    empty.type = tail.type;
    ResetTo(std::move(empty));
    return;
  }
  size_t k = 0;
  while (k < segments.size() && n >= segments[k]->count) {
    n -= segments[k]->count;
    segment_points -= segments[k]->count;
    ++k;
  }
  segments.erase(segments.begin(), segments.begin() + k);
  if (n == 0) return;
  if (!segments.empty()) {
    // The cut is inside the first segment: keep its rest, re-encoded.
    Column c;
    c.type = tail.type;
    DecodeHeadSegment(*segments.front(), &c);
    segments.front() = EncodeHeadSegment(c, n, c.size() - n);
    segment_points -= n;
    return;
  }
  tail.ts.erase(tail.ts.begin(), tail.ts.begin() + n);
  if (tail.is_string()) {
    tail.strs.erase(tail.strs.begin(), tail.strs.begin() + n);
  } else {
    tail.bits.erase(tail.bits.begin(), tail.bits.begin() + n);
  }
}

void HeadSeries::ResetTo(Column c) {
  segments.clear();
  segments.shrink_to_fit();
  segment_points = 0;
  tail = std::move(c);
  if (tail.size() != 0) newest_ts = tail.ts.back();
}

void HeadSeries::InstallSegments(std::vector<std::shared_ptr<const HeadSegment>> segs, size_t n) {
  LUX_CHECK(!segs.empty() && n <= tail.size(), "installing segments past the tail");
  // A fresh tail sized for one more run: the old one's slack is returned.
  Column rest;
  rest.type = tail.type;
  const size_t keep = tail.size() - n;
  rest.ts.reserve(keep + segs.front()->count);
  rest.bits.reserve(keep + segs.front()->count);
  rest.ts.assign(tail.ts.begin() + n, tail.ts.end());
  rest.bits.assign(tail.bits.begin() + n, tail.bits.end());
  tail = std::move(rest);
  segments.insert(segments.end(), std::make_move_iterator(segs.begin()),
                  std::make_move_iterator(segs.end()));
  segment_points += n;
}

size_t HeadSeries::MemoryBytes() const {
  // A make_shared control block: two counts and a vtable pointer.
  constexpr size_t kControlBlock = 16;
  size_t bytes = segments.capacity() * sizeof(segments[0]);
  for (const auto& seg : segments) {
    bytes += kControlBlock + sizeof(HeadSegment) + seg->data.capacity();
  }
  bytes += tail.ts.capacity() * sizeof(int64_t) + tail.bits.capacity() * sizeof(uint64_t) +
           tail.strs.capacity() * sizeof(std::string);
  for (const std::string& s : tail.strs) {
    if (s.capacity() > 15) bytes += s.capacity() + 1;  // beyond the inline buffer
  }
  return bytes;
}

}  // namespace lux::engine
