// File: block.cc
// Warm path (per block).
#include "engine/codec/block.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "engine/codec/bool_codec.h"
#include "engine/codec/decimal_codec.h"
#include "engine/codec/float_codec.h"
#include "engine/codec/int_codec.h"
#include "engine/codec/string_codec.h"
#include "engine/codec/timestamp_codec.h"
#include "engine/common/status_macros.h"
#include "engine/common/varint.h"

namespace lux::codec {
namespace {

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt block: ", what));
}

constexpr size_t kChecksumSize = 8;

void PutHeaderStart(ValueType type, ColumnCodec ts_codec, ColumnCodec value_codec,
                    std::span<const int64_t> ts, std::string* dst) {
  dst->push_back(static_cast<char>(kBlockMagic));
  dst->push_back(static_cast<char>(kBlockVersion));
  dst->push_back(static_cast<char>(type));
  dst->push_back(static_cast<char>(ts_codec));
  dst->push_back(static_cast<char>(value_codec));
  PutVarint64(dst, ts.size());
  PutVarint64(dst, ZigZag(ts.front()));
  PutVarint64(dst, ZigZag(int64_t(uint64_t(ts.back()) - uint64_t(ts.front()))));
}

void PutNumericStats(uint64_t min, uint64_t max, uint64_t sum, uint64_t first, uint64_t last,
                     std::string* dst) {
  for (uint64_t v : {min, max, sum, first, last}) PutFixed64(dst, v);
}

// Version 2 float statistics: when min, max, first and last are all exact
// decimals at one exponent e (sensor readings are), `u8` e then their
// digits (min as `zz`, the others as `varint` distances above it), a few
// bytes instead of 32; otherwise `u8` 0xFF and the five raw patterns. The
// sum stays raw (the IEEE sum is rarely a short decimal).
constexpr uint8_t kRawFloatStats = 0xFF;

void PutFloatStats(double mn, double mx, double sum, double first, double last, std::string* dst) {
  const double v[4] = {mn, mx, first, last};
  int64_t d[4];
  for (int e = 0; e <= kMaxDecimalExponent; ++e) {
    bool exact = true;
    for (int i = 0; i < 4 && exact; ++i) exact = DecimalDigits(v[i], e, &d[i]);
    if (!exact) continue;
    dst->push_back(static_cast<char>(e));
    PutVarint64(dst, ZigZag(d[0]));
    for (int i = 1; i < 4; ++i) PutVarint64(dst, uint64_t(d[i]) - uint64_t(d[0]));
    PutFixed64(dst, std::bit_cast<uint64_t>(sum));
    return;
  }
  dst->push_back(static_cast<char>(kRawFloatStats));
  PutNumericStats(std::bit_cast<uint64_t>(mn), std::bit_cast<uint64_t>(mx),
                  std::bit_cast<uint64_t>(sum), std::bit_cast<uint64_t>(first),
                  std::bit_cast<uint64_t>(last), dst);
}

// Appends columns and checksum to a block whose header starts at `start`.
void FinishBlock(size_t start, const std::string& ts_col, const std::string& value_col,
                 std::string* dst) {
  PutVarint64(dst, ts_col.size());
  dst->append(ts_col);
  dst->append(value_col);
  PutFixed64(dst, XXH3_64bits(dst->data() + start, dst->size() - start));
}

// Version 2 integer statistics: min (`zz` for int64, `varint` for uint64),
// then max, first and last as `varint` distances above min, then the
// wrapping sum (`zz` / `varint`). Sensor integers are small: ~6 bytes
// instead of 40.
template <typename T>
void PutIntegerStats(std::span<const T> v, std::string* dst) {
  auto [mn, mx] = std::minmax_element(v.begin(), v.end());
  uint64_t sum = 0;
  for (T x : v) sum += uint64_t(x);
  const uint64_t min = uint64_t(*mn);
  PutVarint64(dst, std::is_signed_v<T> ? ZigZag(int64_t(min)) : min);
  for (T x : {*mx, v.front(), v.back()}) PutVarint64(dst, uint64_t(x) - min);
  PutVarint64(dst, std::is_signed_v<T> ? ZigZag(int64_t(sum)) : sum);
}

template <typename T>
void EncodeIntegerBlock(ValueType type, std::span<const int64_t> ts, std::span<const T> values,
                        std::string* dst, const EncodeOptions& options) {
  std::string ts_col, value_col;
  const ColumnCodec ts_codec = EncodeTimestamps(ts, &ts_col);
  EncodeInts(
      std::span<const int64_t>(reinterpret_cast<const int64_t*>(values.data()), values.size()),
      &value_col, options);
  const size_t start = dst->size();
  PutHeaderStart(type, ts_codec, ColumnCodec::kIntPipeline, ts, dst);
  PutIntegerStats(values, dst);
  FinishBlock(start, ts_col, value_col, dst);
}

absl::Status ReadRawStats(Reader* r, BlockHeader* h) {
  for (uint64_t* f : {&h->min, &h->max, &h->sum, &h->first, &h->last}) {
    if (!r->GetFixed64(f)) return Corrupt("truncated statistics");
  }
  return absl::OkStatus();
}

absl::Status ReadStatsV2(Reader* r, BlockHeader* h) {
  uint64_t min, dist[3];
  if (h->type == ValueType::kFloat64) {
    uint8_t e;
    if (!r->GetByte(&e)) return Corrupt("truncated statistics");
    if (e == kRawFloatStats) return ReadRawStats(r, h);
    if (e > kMaxDecimalExponent) return Corrupt(absl::StrCat("bad statistics exponent ", e));
    if (!r->GetVarint64(&min) || !r->GetVarint64(&dist[0]) || !r->GetVarint64(&dist[1]) ||
        !r->GetVarint64(&dist[2]) || !r->GetFixed64(&h->sum)) {
      return Corrupt("truncated statistics");
    }
    const int64_t d_min = UnZigZag(min);
    if (d_min < -kMaxDecimalDigits || d_min > kMaxDecimalDigits) {
      return Corrupt("statistics out of range");
    }
    h->min = std::bit_cast<uint64_t>(DecimalValue(d_min, e));
    uint64_t* out[3] = {&h->max, &h->first, &h->last};
    for (int i = 0; i < 3; ++i) {
      if (dist[i] > uint64_t(kMaxDecimalDigits - d_min) || dist[i] > dist[0]) {
        return Corrupt("statistics out of range");
      }
      *out[i] = std::bit_cast<uint64_t>(DecimalValue(d_min + int64_t(dist[i]), e));
    }
    return absl::OkStatus();
  }
  uint64_t sum;
  if (!r->GetVarint64(&min) || !r->GetVarint64(&dist[0]) || !r->GetVarint64(&dist[1]) ||
      !r->GetVarint64(&dist[2]) || !r->GetVarint64(&sum)) {
    return Corrupt("truncated statistics");
  }
  const bool is_signed = h->type == ValueType::kInt64;
  if (is_signed) {
    min = uint64_t(UnZigZag(min));
    sum = uint64_t(UnZigZag(sum));
  }
  // Largest distance above min that stays in the type's range.
  const uint64_t room =
      is_signed ? uint64_t(std::numeric_limits<int64_t>::max()) - min : ~uint64_t{0} - min;
  if (dist[0] > room || dist[1] > dist[0] || dist[2] > dist[0]) {
    return Corrupt("statistics out of range");
  }
  h->min = min;
  h->max = min + dist[0];
  h->first = min + dist[1];
  h->last = min + dist[2];
  h->sum = sum;
  return absl::OkStatus();
}

struct ParsedBlock {
  BlockHeader header;
  std::string_view ts_col;
  std::string_view value_col;
};

absl::StatusOr<ParsedBlock> Parse(std::string_view block) {
  if (block.size() < 5 + kChecksumSize) return Corrupt("too short");
  const std::string_view body = block.substr(0, block.size() - kChecksumSize);
  if (LoadFixed64(block.data() + body.size()) != XXH3_64bits(body.data(), body.size())) {
    return Corrupt("checksum mismatch");
  }
  ParsedBlock p;
  BlockHeader& h = p.header;
  if (static_cast<uint8_t>(body[0]) != kBlockMagic) return Corrupt("bad magic");
  const uint8_t version = static_cast<uint8_t>(body[1]);
  if (version != kBlockVersion1 && version != kBlockVersion) {
    return Corrupt(absl::StrCat("unsupported version ", version));
  }
  h.type = static_cast<ValueType>(body[2]);
  h.ts_codec = static_cast<ColumnCodec>(body[3]);
  h.value_codec = static_cast<ColumnCodec>(body[4]);
  Reader r(body.substr(5));
  uint64_t count, first, span;
  if (!r.GetVarint64(&count) || !r.GetVarint64(&first) || !r.GetVarint64(&span)) {
    return Corrupt("truncated header");
  }
  if (count == 0 || count > kMaxBlockValues) return Corrupt(absl::StrCat("bad count ", count));
  h.count = uint32_t(count);
  h.first_ts = UnZigZag(first);
  h.last_ts = int64_t(uint64_t(h.first_ts) + uint64_t(UnZigZag(span)));
  switch (h.type) {
    case ValueType::kFloat64:
    case ValueType::kInt64:
    case ValueType::kUint64:
      RETURN_IF_ERROR(version == kBlockVersion1 ? ReadRawStats(&r, &h) : ReadStatsV2(&r, &h));
      break;
    case ValueType::kBool: {
      uint64_t trues;
      uint8_t f, l;
      if (!r.GetVarint64(&trues) || trues > count || !r.GetByte(&f) || !r.GetByte(&l) || f > 1 ||
          l > 1) {
        return Corrupt("bad bool statistics");
      }
      h.true_count = uint32_t(trues);
      h.first = f;
      h.last = l;
      break;
    }
    case ValueType::kString:
      break;
    default:
      return Corrupt(absl::StrCat("unknown value type ", static_cast<int>(h.type)));
  }
  if (!r.GetLengthPrefixed(&p.ts_col)) return Corrupt("truncated timestamp column");
  p.value_col = r.rest();
  return p;
}

}  // namespace

void EncodeBlock(std::span<const int64_t> ts, std::span<const double> values, std::string* dst,
                 const EncodeOptions& options) {
  std::string ts_col, value_col;
  const ColumnCodec ts_codec = EncodeTimestamps(ts, &ts_col);
  const ColumnCodec value_codec = EncodeFloats(values, &value_col, options);
  double mn = NAN, mx = NAN, sum = 0;
  for (double v : values) {
    sum += v;
    if (std::isnan(v)) continue;
    if (!(v >= mn)) mn = v;  // also replaces the initial NaN
    if (!(v <= mx)) mx = v;
  }
  const size_t start = dst->size();
  PutHeaderStart(ValueType::kFloat64, ts_codec, value_codec, ts, dst);
  PutFloatStats(mn, mx, sum, values.front(), values.back(), dst);
  FinishBlock(start, ts_col, value_col, dst);
}

void EncodeBlock(std::span<const int64_t> ts, std::span<const int64_t> values, std::string* dst,
                 const EncodeOptions& options) {
  EncodeIntegerBlock(ValueType::kInt64, ts, values, dst, options);
}

void EncodeBlock(std::span<const int64_t> ts, std::span<const uint64_t> values, std::string* dst,
                 const EncodeOptions& options) {
  EncodeIntegerBlock(ValueType::kUint64, ts, values, dst, options);
}

void EncodeBoolBlock(std::span<const int64_t> ts, std::span<const uint8_t> values,
                     std::string* dst) {
  std::string ts_col, value_col;
  const ColumnCodec ts_codec = EncodeTimestamps(ts, &ts_col);
  const ColumnCodec value_codec = EncodeBools(values, &value_col);
  const size_t start = dst->size();
  PutHeaderStart(ValueType::kBool, ts_codec, value_codec, ts, dst);
  PutVarint64(dst, std::count_if(values.begin(), values.end(), [](uint8_t b) { return b != 0; }));
  dst->push_back(values.front() != 0);
  dst->push_back(values.back() != 0);
  FinishBlock(start, ts_col, value_col, dst);
}

void EncodeBlock(std::span<const int64_t> ts, std::span<const std::string> values,
                 std::string* dst) {
  std::string ts_col, value_col;
  const ColumnCodec ts_codec = EncodeTimestamps(ts, &ts_col);
  const ColumnCodec value_codec = EncodeStrings(values, &value_col);
  const size_t start = dst->size();
  PutHeaderStart(ValueType::kString, ts_codec, value_codec, ts, dst);
  FinishBlock(start, ts_col, value_col, dst);
}

absl::StatusOr<BlockHeader> ReadBlockHeader(std::string_view block) {
  ASSIGN_OR_RETURN(ParsedBlock p, Parse(block));
  return p.header;
}

absl::StatusOr<BlockLayout> ReadBlockLayout(std::string_view block) {
  ASSIGN_OR_RETURN(ParsedBlock p, Parse(block));
  BlockLayout l;
  l.header = p.header;
  l.ts_bytes = p.ts_col.size();
  l.value_bytes = p.value_col.size();
  l.checksum_bytes = kChecksumSize;
  l.header_bytes = block.size() - l.ts_bytes - l.value_bytes - l.checksum_bytes;
  return l;
}

absl::Status DecodeBlockAppend(std::string_view block, BlockHeader* header,
                               std::vector<int64_t>* ts, std::vector<uint64_t>* bits) {
  ASSIGN_OR_RETURN(ParsedBlock p, Parse(block));
  const BlockHeader& h = p.header;
  if (h.type == ValueType::kString) return Corrupt("a string block where numbers were expected");
  const size_t n = h.count, ts_at = ts->size(), bits_at = bits->size();
  ts->resize(ts_at + n);
  bits->resize(bits_at + n);
  auto decode = [&]() -> absl::Status {
    int64_t* t = ts->data() + ts_at;
    RETURN_IF_ERROR(DecodeTimestamps(h.ts_codec, p.ts_col, n, t));
    if (t[0] != h.first_ts || t[n - 1] != h.last_ts) {
      return Corrupt("timestamps disagree with the header");
    }
    uint64_t* v = bits->data() + bits_at;
    switch (h.type) {
      case ValueType::kFloat64: {
        // Into doubles, then their patterns (no double stores into uint64
        // storage: strict aliasing); the scratch is reused per thread.
        thread_local std::vector<double> scratch;
        scratch.resize(n);
        RETURN_IF_ERROR(DecodeFloats(h.value_codec, p.value_col, n, scratch.data()));
        std::memcpy(v, scratch.data(), n * sizeof(double));
        if (scratch.capacity() > (size_t{1} << 16)) std::vector<double>().swap(scratch);
        return absl::OkStatus();
      }
      case ValueType::kInt64:
      case ValueType::kUint64: {
        if (h.value_codec != ColumnCodec::kIntPipeline) return Corrupt("bad integer codec");
        Reader r(p.value_col);
        RETURN_IF_ERROR(DecodeInts(&r, n, reinterpret_cast<int64_t*>(v)));
        if (!r.empty()) return Corrupt("trailing bytes after integer column");
        return absl::OkStatus();
      }
      case ValueType::kBool: {
        std::vector<uint8_t> b(n);
        RETURN_IF_ERROR(DecodeBools(h.value_codec, p.value_col, n, b.data()));
        for (size_t i = 0; i < n; ++i) v[i] = b[i] != 0;
        return absl::OkStatus();
      }
      case ValueType::kString:
        break;
    }
    return Corrupt("unknown value type");
  };
  if (absl::Status st = decode(); !st.ok()) {
    ts->resize(ts_at);
    bits->resize(bits_at);
    return st;
  }
  *header = h;
  return absl::OkStatus();
}

absl::Status DecodeBlock(std::string_view block, BlockHeader* header, std::vector<int64_t>* ts,
                         BlockValues* values) {
  ASSIGN_OR_RETURN(ParsedBlock p, Parse(block));
  const BlockHeader& h = p.header;
  const size_t n = h.count;
  ts->resize(n);
  RETURN_IF_ERROR(DecodeTimestamps(h.ts_codec, p.ts_col, n, ts->data()));
  if (ts->front() != h.first_ts || ts->back() != h.last_ts) {
    return Corrupt("timestamps disagree with the header");
  }
  switch (h.type) {
    case ValueType::kFloat64: {
      auto& v = values->emplace<std::vector<double>>(n);
      RETURN_IF_ERROR(DecodeFloats(h.value_codec, p.value_col, n, v.data()));
      break;
    }
    case ValueType::kInt64:
    case ValueType::kUint64: {
      if (h.value_codec != ColumnCodec::kIntPipeline) return Corrupt("bad integer codec");
      Reader r(p.value_col);
      int64_t* out;
      if (h.type == ValueType::kInt64) {
        out = values->emplace<std::vector<int64_t>>(n).data();
      } else {
        out = reinterpret_cast<int64_t*>(values->emplace<std::vector<uint64_t>>(n).data());
      }
      RETURN_IF_ERROR(DecodeInts(&r, n, out));
      if (!r.empty()) return Corrupt("trailing bytes after integer column");
      break;
    }
    case ValueType::kBool: {
      auto& v = values->emplace<std::vector<uint8_t>>(n);
      RETURN_IF_ERROR(DecodeBools(h.value_codec, p.value_col, n, v.data()));
      break;
    }
    case ValueType::kString: {
      auto& v = values->emplace<std::vector<std::string>>();
      RETURN_IF_ERROR(DecodeStrings(h.value_codec, p.value_col, n, &v));
      break;
    }
  }
  *header = h;
  return absl::OkStatus();
}

}  // namespace lux::codec
