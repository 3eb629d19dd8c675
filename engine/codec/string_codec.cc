// File: string_codec.cc
#include "engine/codec/string_codec.h"

#include <zstd.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/codec/int_codec.h"
#include "engine/common/status_macros.h"
#include "engine/common/varint.h"

namespace lux::codec {
namespace {

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt string column: ", what));
}

constexpr int kZstdLevel = 3;

}  // namespace

ColumnCodec EncodeStrings(std::span<const std::string> values, std::string* dst) {
  // Dictionary.
  absl::flat_hash_map<std::string_view, int64_t> ids;
  std::vector<std::string_view> distinct;
  std::vector<int64_t> codes(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    auto [it, inserted] = ids.try_emplace(values[i], int64_t(distinct.size()));
    if (inserted) distinct.push_back(values[i]);
    codes[i] = it->second;
  }
  std::string dict;
  PutVarint64(&dict, distinct.size());
  for (std::string_view s : distinct) {
    PutVarint64(&dict, s.size());
    dict.append(s);
  }
  EncodeInts(codes, &dict);
  // zstd over the concatenation.
  std::vector<int64_t> lengths(values.size());
  std::string concat;
  for (size_t i = 0; i < values.size(); ++i) {
    lengths[i] = int64_t(values[i].size());
    concat.append(values[i]);
  }
  std::string z;
  EncodeInts(lengths, &z);
  std::string frame(ZSTD_compressBound(concat.size()), '\0');
  const size_t zn =
      ZSTD_compress(frame.data(), frame.size(), concat.data(), concat.size(), kZstdLevel);
  if (!ZSTD_isError(zn)) {
    PutVarint64(&z, concat.size());
    z.append(frame.data(), zn);
    if (z.size() < dict.size()) {
      dst->append(z);
      return ColumnCodec::kStringZstd;
    }
  }
  dst->append(dict);
  return ColumnCodec::kStringDict;
}

absl::Status DecodeStrings(ColumnCodec codec, std::string_view src, size_t n,
                           std::vector<std::string>* out) {
  if (n > kMaxBlockValues) return Corrupt("too many values");
  Reader r(src);
  out->clear();
  if (codec == ColumnCodec::kStringDict) {
    uint64_t size;
    if (!r.GetVarint64(&size) || size > n) return Corrupt("bad dictionary size");
    std::vector<std::string_view> dict(size);
    for (auto& s : dict) {
      if (!r.GetLengthPrefixed(&s)) return Corrupt("truncated dictionary");
    }
    std::vector<int64_t> codes(n);
    RETURN_IF_ERROR(DecodeInts(&r, n, codes.data()));
    if (!r.empty()) return Corrupt("trailing bytes");
    out->reserve(n);
    for (int64_t c : codes) {
      if (uint64_t(c) >= size) return Corrupt("dictionary code out of range");
      out->emplace_back(dict[c]);
    }
    return absl::OkStatus();
  }
  if (codec != ColumnCodec::kStringZstd) {
    return Corrupt(absl::StrCat("unknown codec ", static_cast<int>(codec)));
  }
  std::vector<int64_t> lengths(n);
  RETURN_IF_ERROR(DecodeInts(&r, n, lengths.data()));
  uint64_t total = 0;
  for (int64_t len : lengths) {
    if (len < 0 || uint64_t(len) > kMaxStringColumnBytes - total) {
      return Corrupt("string lengths out of range");
    }
    total += uint64_t(len);
  }
  uint64_t raw_size;
  if (!r.GetVarint64(&raw_size) || raw_size != total) return Corrupt("bad content size");
  std::string raw(raw_size, '\0');
  const size_t got = ZSTD_decompress(raw.data(), raw.size(), r.rest().data(), r.rest().size());
  if (ZSTD_isError(got) || got != raw_size) return Corrupt("bad zstd frame");
  out->reserve(n);
  size_t pos = 0;
  for (int64_t len : lengths) {
    out->emplace_back(raw.data() + pos, size_t(len));
    pos += size_t(len);
  }
  return absl::OkStatus();
}

}  // namespace lux::codec
