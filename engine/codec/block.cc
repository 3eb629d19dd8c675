// File: block.cc
// Warm path (per block).
#include "engine/codec/block.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/codec/bool_codec.h"
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

// Appends columns and checksum to a block whose header starts at `start`.
void FinishBlock(size_t start, const std::string& ts_col, const std::string& value_col,
                 std::string* dst) {
  PutVarint64(dst, ts_col.size());
  dst->append(ts_col);
  dst->append(value_col);
  PutFixed64(dst, XXH3_64bits(dst->data() + start, dst->size() - start));
}

template <typename T>
void PutIntegerStats(std::span<const T> v, std::string* dst) {
  auto [mn, mx] = std::minmax_element(v.begin(), v.end());
  uint64_t sum = 0;
  for (T x : v) sum += uint64_t(x);
  PutNumericStats(uint64_t(*mn), uint64_t(*mx), sum, uint64_t(v.front()), uint64_t(v.back()), dst);
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
  if (static_cast<uint8_t>(body[1]) != kBlockVersion) {
    return Corrupt(absl::StrCat("unsupported version ", static_cast<uint8_t>(body[1])));
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
      for (uint64_t* f : {&h.min, &h.max, &h.sum, &h.first, &h.last}) {
        if (!r.GetFixed64(f)) return Corrupt("truncated statistics");
      }
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
  PutNumericStats(std::bit_cast<uint64_t>(mn), std::bit_cast<uint64_t>(mx),
                  std::bit_cast<uint64_t>(sum), std::bit_cast<uint64_t>(values.front()),
                  std::bit_cast<uint64_t>(values.back()), dst);
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
