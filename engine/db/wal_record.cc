// File: wal_record.cc
// Warm path (per write batch).
#include "engine/db/wal_record.h"

#include <zstd.h>

#include <bit>

#include "engine/common/varint.h"
#include "engine/db/keys.h"

namespace lux::engine {

namespace {

// persisted: never renumber or reuse.
enum class WalFormat : uint8_t { kPlain = 0, kZstd = 1, kDelete = 2 };
constexpr size_t kZstdAbove = 512;  // bytes of plain body

void EncodeBody(const std::vector<WalPoint>& points, std::string* dst) {
  PutVarint64(dst, points.size());
  for (const WalPoint& p : points) {
    PutVarint64(dst, p.sid);
    PutVarint64(dst, ZigZag(p.ts));
    const FieldType type = TypeOf(p.value);
    dst->push_back(static_cast<char>(type));
    switch (type) {
      case FieldType::kFloat:
        PutFixed64(dst, std::bit_cast<uint64_t>(std::get<double>(p.value)));
        break;
      case FieldType::kInteger:
        PutVarint64(dst, ZigZag(std::get<int64_t>(p.value)));
        break;
      case FieldType::kUnsigned:
        PutVarint64(dst, std::get<uint64_t>(p.value));
        break;
      case FieldType::kBoolean:
        dst->push_back(std::get<bool>(p.value) ? 1 : 0);
        break;
      case FieldType::kString:
        PutLengthPrefixed(dst, std::get<std::string>(p.value));
        break;
    }
  }
}

absl::Status DecodeBody(std::string_view src, std::vector<WalPoint>* points) {
  auto corrupt = [] { return absl::DataLossError("corrupt write-ahead-log record"); };
  Reader r(src);
  uint64_t n;
  if (!r.GetVarint64(&n) || n > src.size()) return corrupt();
  points->clear();
  points->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    WalPoint p;
    uint8_t type;
    if (!r.GetVarint64(&p.sid) || !r.GetSignedVarint64(&p.ts) || !r.GetByte(&type)) {
      return corrupt();
    }
    switch (static_cast<FieldType>(type)) {
      case FieldType::kFloat: {
        uint64_t bits;
        if (!r.GetFixed64(&bits)) return corrupt();
        p.value = std::bit_cast<double>(bits);
        break;
      }
      case FieldType::kInteger: {
        int64_t v;
        if (!r.GetSignedVarint64(&v)) return corrupt();
        p.value = v;
        break;
      }
      case FieldType::kUnsigned: {
        uint64_t v;
        if (!r.GetVarint64(&v)) return corrupt();
        p.value = v;
        break;
      }
      case FieldType::kBoolean: {
        uint8_t b;
        if (!r.GetByte(&b) || b > 1) return corrupt();
        p.value = b == 1;
        break;
      }
      case FieldType::kString: {
        std::string_view s;
        if (!r.GetLengthPrefixed(&s)) return corrupt();
        p.value = std::string(s);
        break;
      }
      default:
        return corrupt();
    }
    points->push_back(std::move(p));
  }
  if (!r.empty()) return corrupt();
  return absl::OkStatus();
}

}  // namespace

void EncodeWalRecord(const std::vector<WalPoint>& points, std::string* dst) {
  std::string body;
  EncodeBody(points, &body);
  if (body.size() > kZstdAbove) {
    std::string frame(ZSTD_compressBound(body.size()), '\0');
    const size_t n = ZSTD_compress(frame.data(), frame.size(), body.data(), body.size(), 1);
    if (!ZSTD_isError(n) && n < body.size()) {
      dst->push_back(static_cast<char>(WalFormat::kZstd));
      dst->append(frame.data(), n);
      return;
    }
  }
  dst->push_back(static_cast<char>(WalFormat::kPlain));
  dst->append(body);
}

void EncodeWalDelete(const WalDelete& del, std::string* dst) {
  dst->push_back(static_cast<char>(WalFormat::kDelete));
  PutVarint64(dst, ZigZag(del.start));
  PutVarint64(dst, ZigZag(del.end));
  PutVarint64(dst, del.sids.size());
  for (uint64_t sid : del.sids) PutVarint64(dst, sid);
}

absl::Status DecodeWalRecord(std::string_view src, std::vector<WalPoint>* points,
                             std::optional<WalDelete>* del) {
  if (src.empty()) return absl::DataLossError("empty write-ahead-log record");
  const auto format = static_cast<WalFormat>(src[0]);
  src.remove_prefix(1);
  points->clear();
  del->reset();
  if (format == WalFormat::kDelete) {
    Reader r(src);
    WalDelete d;
    uint64_t n;
    if (!r.GetSignedVarint64(&d.start) || !r.GetSignedVarint64(&d.end) || !r.GetVarint64(&n) ||
        n > src.size()) {
      return absl::DataLossError("corrupt write-ahead-log delete record");
    }
    d.sids.resize(n);
    for (uint64_t& sid : d.sids) {
      if (!r.GetVarint64(&sid)) return absl::DataLossError("corrupt write-ahead-log delete record");
    }
    if (!r.empty()) return absl::DataLossError("corrupt write-ahead-log delete record");
    *del = std::move(d);
    return absl::OkStatus();
  }
  if (format == WalFormat::kPlain) return DecodeBody(src, points);
  if (format != WalFormat::kZstd) return absl::DataLossError("unknown write-ahead-log format");
  const unsigned long long size = ZSTD_getFrameContentSize(src.data(), src.size());
  // A record holds at most Options::max_points_per_write points of bounded size.
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 31)) {
    return absl::DataLossError("corrupt compressed write-ahead-log record");
  }
  std::string body(size, '\0');
  const size_t got = ZSTD_decompress(body.data(), body.size(), src.data(), src.size());
  if (ZSTD_isError(got) || got != size) {
    return absl::DataLossError("corrupt compressed write-ahead-log record");
  }
  return DecodeBody(body, points);
}

}  // namespace lux::engine
