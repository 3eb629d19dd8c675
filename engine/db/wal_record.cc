// File: wal_record.cc
// Warm path (per write batch).
#include "engine/db/wal_record.h"

#include <bit>

#include "engine/common/varint.h"
#include "engine/db/keys.h"

namespace lux::engine {

void EncodeWalRecord(const std::vector<WalPoint>& points, std::string* dst) {
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

absl::Status DecodeWalRecord(std::string_view src, std::vector<WalPoint>* points) {
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

}  // namespace lux::engine
