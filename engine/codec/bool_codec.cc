// File: bool_codec.cc
#include "engine/codec/bool_codec.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/codec/bitpack.h"
#include "engine/codec/int_codec.h"
#include "engine/common/status_macros.h"
#include "engine/common/varint.h"

namespace lux::codec {
namespace {

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt bool column: ", what));
}

}  // namespace

ColumnCodec EncodeBools(std::span<const uint8_t> values, std::string* dst) {
  std::vector<uint64_t> bits(values.size());
  std::vector<int64_t> runs;  // length - 1 of each run; the first starts with values[0]
  for (size_t i = 0; i < values.size(); ++i) {
    bits[i] = values[i] != 0;
    if (i == 0 || bits[i] != bits[i - 1]) {
      runs.push_back(0);
    } else {
      ++runs.back();
    }
  }
  std::string bitmap;
  PackBits(bits.data(), bits.size(), 1, &bitmap);
  std::string rle;
  if (!values.empty()) {
    rle.push_back(static_cast<char>(bits[0]));
    PutVarint64(&rle, runs.size());
    EncodeInts(runs, &rle);
  }
  if (!values.empty() && rle.size() < bitmap.size()) {
    dst->append(rle);
    return ColumnCodec::kBoolRuns;
  }
  dst->append(bitmap);
  return ColumnCodec::kBoolBitmap;
}

absl::Status DecodeBools(ColumnCodec codec, std::string_view src, size_t n, uint8_t* out) {
  if (n > kMaxBlockValues) return Corrupt("too many values");
  if (codec == ColumnCodec::kBoolBitmap) {
    if (src.size() != PackedSize(n, 1)) return Corrupt("bitmap size does not match count");
    for (size_t i = 0; i < n; ++i) out[i] = (static_cast<uint8_t>(src[i / 8]) >> (i % 8)) & 1;
    // Padding bits must be zero, as written.
    if (n % 8 != 0 && (static_cast<uint8_t>(src.back()) >> (n % 8)) != 0) {
      return Corrupt("non-zero padding");
    }
    return absl::OkStatus();
  }
  if (codec != ColumnCodec::kBoolRuns) {
    return Corrupt(absl::StrCat("unknown codec ", static_cast<int>(codec)));
  }
  Reader r(src);
  uint8_t first;
  uint64_t num_runs;
  if (!r.GetByte(&first) || first > 1 || !r.GetVarint64(&num_runs) || num_runs == 0 ||
      num_runs > n) {
    return Corrupt("bad header");
  }
  std::vector<int64_t> runs(num_runs);
  RETURN_IF_ERROR(DecodeInts(&r, num_runs, runs.data()));
  if (!r.empty()) return Corrupt("trailing bytes");
  size_t pos = 0;
  uint8_t v = first;
  for (int64_t run : runs) {
    const uint64_t len = uint64_t(run) + 1;
    if (len == 0 || len > n - pos) return Corrupt("runs exceed the value count");
    std::fill_n(out + pos, len, v);
    pos += len;
    v ^= 1;
  }
  if (pos != n) return Corrupt("runs short of the value count");
  return absl::OkStatus();
}

}  // namespace lux::codec
