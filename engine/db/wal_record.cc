// File: wal_record.cc
// Warm path (per write batch).
#include "engine/db/wal_record.h"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>

#include "engine/common/varint.h"
#include "engine/db/column.h"
#include "engine/db/keys.h"

namespace lux::engine {

namespace {

// persisted: never renumber or reuse.
enum class WalFormat : uint8_t {
  kPoints = 0,
  kZstdPoints = 1,
  kDelete = 2,
  kRuns = 3,
  kZstdRuns = 4,
  kSharedRuns = 5,
  kZstdSharedRuns = 6
};
constexpr size_t kZstdAbove = 512;  // bytes of plain body

absl::Status Corrupt() { return absl::DataLossError("corrupt write-ahead-log record"); }

// Reads one value of `type` into *out (the current run).
bool GetValue(Reader* r, FieldType type, int64_t ts, WalBatch* out) {
  switch (type) {
    case FieldType::kFloat: {
      uint64_t bits;
      if (!r->GetFixed64(&bits)) return false;
      out->Add(ts, bits);
      return true;
    }
    case FieldType::kInteger: {
      int64_t v;
      if (!r->GetSignedVarint64(&v)) return false;
      out->Add(ts, uint64_t(v));
      return true;
    }
    case FieldType::kUnsigned: {
      uint64_t v;
      if (!r->GetVarint64(&v)) return false;
      out->Add(ts, v);
      return true;
    }
    case FieldType::kBoolean: {
      uint8_t v;
      if (!r->GetByte(&v) || v > 1) return false;
      out->Add(ts, v);
      return true;
    }
    case FieldType::kString: {
      std::string_view s;
      if (!r->GetLengthPrefixed(&s)) return false;
      out->AddString(ts, std::string(s));
      return true;
    }
  }
  return false;
}

bool ValidType(uint8_t t) {
  return t >= uint8_t(FieldType::kFloat) && t <= uint8_t(FieldType::kString);
}

constexpr size_t kMaxVarint = 10;

// Format 5's body (see wal_record.h).
void EncodeSharedRuns(const WalBatch& b, std::string* dst) {
  size_t bound = kMaxVarint + b.runs.size() * (3 * kMaxVarint + 1) + b.ts.size() * 2 * kMaxVarint;
  for (const std::string& str : b.strs) bound += str.size();
  const size_t at = dst->size();
  dst->resize(at + bound);
  PointerWriter w(dst->data() + at);  // appending each varint cost as much as zstd
  w.Varint(b.runs.size());
  uint64_t prev_sid = 0;
  int64_t prev_first = 0;
  const WalRun* prev_run = nullptr;
  for (const WalRun& run : b.runs) {
    const uint32_t n = run.end - run.begin;
    w.Varint(ZigZag(int64_t(run.sid - prev_sid)));
    prev_sid = run.sid;
    w.Byte(static_cast<uint8_t>(run.type));
    // The fields of one line share their timestamps.
    const bool same =
        prev_run != nullptr && prev_run->end - prev_run->begin == n && n > 0 &&
        std::memcmp(&b.ts[prev_run->begin], &b.ts[run.begin], n * sizeof(int64_t)) == 0;
    w.Varint(uint64_t(n) << 1 | (same ? 1 : 0));
    if (!same && n > 0) {
      // Wrapping arithmetic: any int64 timestamps round-trip.
      const int64_t first = b.ts[run.begin];
      w.Varint(ZigZag(int64_t(uint64_t(first) - uint64_t(prev_first))));
      prev_first = first;
      int64_t prev = first, delta = 0;
      for (uint32_t i = run.begin + 1; i < run.end; ++i) {
        const int64_t d = int64_t(uint64_t(b.ts[i]) - uint64_t(prev));
        w.Varint(ZigZag(int64_t(uint64_t(d) - uint64_t(delta))));
        delta = d;
        prev = b.ts[i];
      }
    }
    if (n > 0) prev_run = &run;
    for (uint32_t i = run.begin; i < run.end; ++i) {
      switch (run.type) {
        case FieldType::kFloat:
          w.Fixed64(b.bits[i]);
          break;
        case FieldType::kInteger:
          w.Varint(ZigZag(int64_t(b.bits[i])));
          break;
        case FieldType::kUnsigned:
          w.Varint(b.bits[i]);
          break;
        case FieldType::kBoolean:
          w.Byte(b.bits[i] != 0 ? 1 : 0);
          break;
        case FieldType::kString: {
          const std::string& str = b.strs[b.bits[i]];
          w.LengthPrefixed(str);
          break;
        }
      }
    }
  }
  dst->resize(size_t(w.pos() - dst->data()));
}

// Formats 3 and 5 (shared: sids and first timestamps as deltas, a run may
// reuse the previous run's timestamps).
absl::Status DecodeRuns(std::string_view src, bool shared, WalBatch* out) {
  Reader r(src);
  uint64_t nruns;
  // A run takes at least 3 bytes (sid, type, count).
  if (!r.GetVarint64(&nruns) || nruns > src.size() / 3) return Corrupt();
  out->runs.reserve(nruns);
  std::vector<int64_t> ts;
  uint64_t prev_sid = 0;
  int64_t prev_first = 0;
  bool have_ts = false;  // ts holds the previous run's timestamps
  for (uint64_t k = 0; k < nruns; ++k) {
    uint64_t sid, n;
    uint8_t type;
    if (!r.GetVarint64(&sid) || !r.GetByte(&type) || !ValidType(type) || !r.GetVarint64(&n)) {
      return Corrupt();
    }
    bool same = false;
    if (shared) {
      sid = prev_sid + uint64_t(UnZigZag(sid));  // wrapping, as written
      prev_sid = sid;
      same = (n & 1) != 0;
      n >>= 1;
    }
    // Each point takes at least two bytes (timestamp, value), or one with
    // shared timestamps.
    if (n > r.rest().size() / (same ? 1 : 2) || (same && (!have_ts || ts.size() != n || n == 0))) {
      return Corrupt();
    }
    out->BeginRun(sid, FieldType(type));
    if (!same && n > 0) {
      ts.clear();
      int64_t prev = 0, delta = 0;
      for (uint64_t i = 0; i < n; ++i) {
        int64_t v;
        if (!r.GetSignedVarint64(&v)) return Corrupt();
        if (i == 0) {
          prev = shared ? int64_t(uint64_t(prev_first) + uint64_t(v)) : v;
          prev_first = prev;
        } else {
          delta = int64_t(uint64_t(delta) + uint64_t(v));
          prev = int64_t(uint64_t(prev) + uint64_t(delta));
        }
        ts.push_back(prev);
      }
      have_ts = true;
    }
    for (uint64_t i = 0; i < n; ++i) {
      if (!GetValue(&r, FieldType(type), ts[i], out)) return Corrupt();
    }
  }
  if (!r.empty()) return Corrupt();
  return absl::OkStatus();
}

// Format 0's body: one point per entry, read as runs of one point.
absl::Status DecodePoints(std::string_view src, WalBatch* out) {
  Reader r(src);
  uint64_t n;
  // A point takes at least 4 bytes (sid, timestamp, type, value).
  if (!r.GetVarint64(&n) || n > src.size() / 4) return Corrupt();
  out->runs.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t sid;
    int64_t ts;
    uint8_t type;
    if (!r.GetVarint64(&sid) || !r.GetSignedVarint64(&ts) || !r.GetByte(&type) ||
        !ValidType(type)) {
      return Corrupt();
    }
    out->BeginRun(sid, FieldType(type));
    if (!GetValue(&r, FieldType(type), ts, out)) return Corrupt();
  }
  if (!r.empty()) return Corrupt();
  return absl::OkStatus();
}

struct DCtxDeleter {
  void operator()(ZSTD_DStream* d) const { ZSTD_freeDStream(d); }
};

absl::Status Decompress(std::string_view src, std::string* body) {
  const auto corrupt = [] {
    return absl::DataLossError("corrupt compressed write-ahead-log record");
  };
  const unsigned long long size = ZSTD_getFrameContentSize(src.data(), src.size());
  // A record holds at most Options::max_points_per_write points of bounded
  // size; a zstd block of 128 KiB repeating one byte takes 4 bytes, so no
  // frame expands more than ~1:32768 (a claim beyond that is a damaged
  // frame). Constant values at a regular interval do compress past 1:1000.
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 31) ||
      size / 32768 > src.size()) {
    return corrupt();
  }
  // The memory grows with what the frame really produces, from 1 MiB: a
  // damaged frame that claims 2 GiB fails before it is given them.
  std::unique_ptr<ZSTD_DStream, DCtxDeleter> ds(ZSTD_createDStream());
  if (ds == nullptr) return absl::ResourceExhaustedError("out of memory decompressing the log");
  body->resize(std::min<size_t>(size, 1 << 20));
  ZSTD_inBuffer in{src.data(), src.size(), 0};
  size_t produced = 0;
  for (;;) {
    ZSTD_outBuffer out{body->data(), body->size(), produced};
    const size_t left = ZSTD_decompressStream(ds.get(), &out, &in);
    if (ZSTD_isError(left)) return corrupt();
    produced = out.pos;
    if (left == 0) break;  // the frame is complete
    if (produced == body->size()) {
      if (body->size() >= size) return corrupt();  // more than it claimed
      body->resize(std::min<size_t>(size, body->size() * 2));
    } else if (in.pos == in.size) {
      return corrupt();  // cut short
    }
  }
  if (produced != size || in.pos != in.size) return corrupt();
  return absl::OkStatus();
}

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

}  // namespace

FieldValue WalBatch::Value(FieldType type, size_t i) const {
  return type == FieldType::kString ? FieldValue(strs[bits[i]]) : FromBits(type, bits[i]);
}

size_t EncodeWalRecord(const WalBatch& batch, std::string* dst) {
  thread_local std::string body;
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
  // Reused across writes, but not kept at the size of one huge write (the
  // bound is ~20 bytes a point).
  if (body.capacity() > (8 << 20)) body = std::string();
  body.clear();
  EncodeSharedRuns(batch, &body);
  if (body.size() > kZstdAbove && cctx != nullptr) {
    const size_t at = dst->size();
    dst->resize(at + 1 + ZSTD_compressBound(body.size()));
    const size_t n = ZSTD_compressCCtx(cctx.get(), dst->data() + at + 1, dst->size() - at - 1,
                                       body.data(), body.size(), 1);
    if (!ZSTD_isError(n) && n < body.size()) {
      (*dst)[at] = static_cast<char>(WalFormat::kZstdSharedRuns);
      dst->resize(at + 1 + n);
      return 1 + body.size();
    }
    dst->resize(at);
  }
  dst->push_back(static_cast<char>(WalFormat::kSharedRuns));
  dst->append(body);
  return 1 + body.size();
}

void EncodeWalDelete(const WalDelete& del, std::string* dst) {
  dst->push_back(static_cast<char>(WalFormat::kDelete));
  PutVarint64(dst, ZigZag(del.start));
  PutVarint64(dst, ZigZag(del.end));
  PutVarint64(dst, del.sids.size());
  for (uint64_t sid : del.sids) PutVarint64(dst, sid);
}

absl::Status DecodeWalRecord(std::string_view src, WalBatch* batch, std::optional<WalDelete>* del) {
  if (src.empty()) return absl::DataLossError("empty write-ahead-log record");
  const auto format = static_cast<WalFormat>(src[0]);
  src.remove_prefix(1);
  batch->Clear();
  del->reset();
  std::string body;
  switch (format) {
    case WalFormat::kDelete: {
      Reader r(src);
      WalDelete d;
      uint64_t n;
      if (!r.GetSignedVarint64(&d.start) || !r.GetSignedVarint64(&d.end) || !r.GetVarint64(&n) ||
          n > src.size()) {
        return absl::DataLossError("corrupt write-ahead-log delete record");
      }
      d.sids.resize(n);
      for (uint64_t& sid : d.sids) {
        if (!r.GetVarint64(&sid)) {
          return absl::DataLossError("corrupt write-ahead-log delete record");
        }
      }
      if (!r.empty()) return absl::DataLossError("corrupt write-ahead-log delete record");
      *del = std::move(d);
      return absl::OkStatus();
    }
    case WalFormat::kPoints:
      return DecodePoints(src, batch);
    case WalFormat::kRuns:
    case WalFormat::kSharedRuns:
      return DecodeRuns(src, format == WalFormat::kSharedRuns, batch);
    case WalFormat::kZstdPoints:
    case WalFormat::kZstdRuns:
    case WalFormat::kZstdSharedRuns: {
      absl::Status s = Decompress(src, &body);
      if (!s.ok()) return s;
      if (format == WalFormat::kZstdPoints) return DecodePoints(body, batch);
      return DecodeRuns(body, format == WalFormat::kZstdSharedRuns, batch);
    }
  }
  return absl::DataLossError("unknown write-ahead-log format");
}

}  // namespace lux::engine
