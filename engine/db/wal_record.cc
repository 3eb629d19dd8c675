// File: wal_record.cc
// Warm path (per write batch).
#include "engine/db/wal_record.h"

#include <zstd.h>

#include <bit>
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
  kZstdRuns = 4
};
constexpr size_t kZstdAbove = 512;  // bytes of plain body

absl::Status Corrupt() { return absl::DataLossError("corrupt write-ahead-log record"); }

void PutValue(const WalBatch& b, FieldType type, size_t i, std::string* dst) {
  switch (type) {
    case FieldType::kFloat:
      PutFixed64(dst, b.bits[i]);
      break;
    case FieldType::kInteger:
      PutVarint64(dst, ZigZag(int64_t(b.bits[i])));
      break;
    case FieldType::kUnsigned:
      PutVarint64(dst, b.bits[i]);
      break;
    case FieldType::kBoolean:
      dst->push_back(b.bits[i] != 0 ? 1 : 0);
      break;
    case FieldType::kString:
      PutLengthPrefixed(dst, b.strs[b.bits[i]]);
      break;
  }
}

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

void EncodeRuns(const WalBatch& b, std::string* dst) {
  PutVarint64(dst, b.runs.size());
  for (const WalRun& run : b.runs) {
    PutVarint64(dst, run.sid);
    dst->push_back(static_cast<char>(run.type));
    PutVarint64(dst, run.end - run.begin);
    int64_t prev = 0, delta = 0;
    for (uint32_t i = run.begin; i < run.end; ++i) {
      if (i == run.begin) {
        PutVarint64(dst, ZigZag(b.ts[i]));
      } else {
        // Wrapping arithmetic: any int64 timestamps round-trip.
        const int64_t d = int64_t(uint64_t(b.ts[i]) - uint64_t(prev));
        PutVarint64(dst, ZigZag(int64_t(uint64_t(d) - uint64_t(delta))));
        delta = d;
      }
      prev = b.ts[i];
    }
    for (uint32_t i = run.begin; i < run.end; ++i) PutValue(b, run.type, i, dst);
  }
}

absl::Status DecodeRuns(std::string_view src, WalBatch* out) {
  Reader r(src);
  uint64_t nruns;
  // A run takes at least 3 bytes (sid, type, count).
  if (!r.GetVarint64(&nruns) || nruns > src.size() / 3) return Corrupt();
  out->runs.reserve(nruns);
  std::vector<int64_t> ts;
  for (uint64_t k = 0; k < nruns; ++k) {
    uint64_t sid, n;
    uint8_t type;
    // Each point takes at least two bytes (timestamp, value).
    if (!r.GetVarint64(&sid) || !r.GetByte(&type) || !ValidType(type) || !r.GetVarint64(&n) ||
        n > r.rest().size() / 2) {
      return Corrupt();
    }
    out->BeginRun(sid, FieldType(type));
    ts.clear();
    int64_t prev = 0, delta = 0;
    for (uint64_t i = 0; i < n; ++i) {
      int64_t v;
      if (!r.GetSignedVarint64(&v)) return Corrupt();
      if (i == 0) {
        prev = v;
      } else {
        delta = int64_t(uint64_t(delta) + uint64_t(v));
        prev = int64_t(uint64_t(prev) + uint64_t(delta));
      }
      ts.push_back(prev);
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

absl::Status Decompress(std::string_view src, std::string* body) {
  const unsigned long long size = ZSTD_getFrameContentSize(src.data(), src.size());
  // A record holds at most Options::max_points_per_write points of bounded
  // size; zstd compresses a body at most ~1:1000 (a claim beyond that is a
  // damaged frame, not a reason to allocate).
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 31) ||
      size / 1024 > src.size()) {
    return absl::DataLossError("corrupt compressed write-ahead-log record");
  }
  body->resize(size);
  const size_t got = ZSTD_decompress(body->data(), body->size(), src.data(), src.size());
  if (ZSTD_isError(got) || got != size) {
    return absl::DataLossError("corrupt compressed write-ahead-log record");
  }
  return absl::OkStatus();
}

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

}  // namespace

FieldValue WalBatch::Value(FieldType type, size_t i) const {
  return type == FieldType::kString ? FieldValue(strs[bits[i]]) : FromBits(type, bits[i]);
}

void EncodeWalRecord(const WalBatch& batch, std::string* dst) {
  thread_local std::string body;
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
  body.clear();
  EncodeRuns(batch, &body);
  if (body.size() > kZstdAbove && cctx != nullptr) {
    const size_t at = dst->size();
    dst->resize(at + 1 + ZSTD_compressBound(body.size()));
    const size_t n = ZSTD_compressCCtx(cctx.get(), dst->data() + at + 1, dst->size() - at - 1,
                                       body.data(), body.size(), 1);
    if (!ZSTD_isError(n) && n < body.size()) {
      (*dst)[at] = static_cast<char>(WalFormat::kZstdRuns);
      dst->resize(at + 1 + n);
      return;
    }
    dst->resize(at);
  }
  dst->push_back(static_cast<char>(WalFormat::kRuns));
  dst->append(body);
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
      return DecodeRuns(src, batch);
    case WalFormat::kZstdPoints:
    case WalFormat::kZstdRuns: {
      absl::Status s = Decompress(src, &body);
      if (!s.ok()) return s;
      return format == WalFormat::kZstdRuns ? DecodeRuns(body, batch) : DecodePoints(body, batch);
    }
  }
  return absl::DataLossError("unknown write-ahead-log format");
}

}  // namespace lux::engine
