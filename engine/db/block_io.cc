// File: block_io.cc
// Warm path (per block).
#include "engine/db/block_io.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"

namespace lux::engine {
namespace {

codec::ValueType CodecType(FieldType t) {
  switch (t) {
    case FieldType::kFloat:
      return codec::ValueType::kFloat64;
    case FieldType::kInteger:
      return codec::ValueType::kInt64;
    case FieldType::kUnsigned:
      return codec::ValueType::kUint64;
    case FieldType::kBoolean:
      return codec::ValueType::kBool;
    case FieldType::kString:
      break;
  }
  return codec::ValueType::kString;
}

absl::Status WrongType(const codec::BlockHeader& h, const Column& c) {
  return absl::DataLossError(absl::StrCat("block of value type ", int(h.type),
                                          " in a series of type ", FieldTypeName(c.type)));
}

}  // namespace

FieldType FieldTypeOf(codec::ValueType t) {
  switch (t) {
    case codec::ValueType::kInt64:
      return FieldType::kInteger;
    case codec::ValueType::kUint64:
      return FieldType::kUnsigned;
    case codec::ValueType::kBool:
      return FieldType::kBoolean;
    case codec::ValueType::kString:
      return FieldType::kString;
    case codec::ValueType::kFloat64:
      break;
  }
  return FieldType::kFloat;
}

namespace {

template <typename T>
std::vector<T> FromBits(const uint64_t* bits, size_t n) {
  static_assert(sizeof(T) == 8);
  std::vector<T> out(n);
  std::memcpy(out.data(), bits, n * 8);
  return out;
}

}  // namespace

void EncodeColumnBlock(const Column& c, size_t from, size_t n, std::string* dst,
                       const codec::EncodeOptions& options) {
  std::span<const int64_t> ts(c.ts.data() + from, n);
  switch (c.type) {
    case FieldType::kFloat:
      codec::EncodeBlock(ts, FromBits<double>(c.bits.data() + from, n), dst, options);
      break;
    case FieldType::kInteger:
      codec::EncodeBlock(ts, FromBits<int64_t>(c.bits.data() + from, n), dst, options);
      break;
    case FieldType::kUnsigned:
      codec::EncodeBlock(ts, FromBits<uint64_t>(c.bits.data() + from, n), dst, options);
      break;
    case FieldType::kBoolean: {
      std::vector<uint8_t> b(n);
      for (size_t i = 0; i < n; ++i) b[i] = c.bits[from + i] != 0;
      codec::EncodeBoolBlock(ts, b, dst);
      break;
    }
    case FieldType::kString:
      codec::EncodeBlock(ts, std::span<const std::string>(c.strs.data() + from, n), dst);
      break;
  }
}

absl::Status DecodeColumnBlock(std::string_view block, codec::BlockHeader* header, Column* out) {
  if (!out->is_string()) {
    codec::BlockHeader h;
    const size_t at = out->size();
    RETURN_IF_ERROR(codec::DecodeBlockAppend(block, &h, &out->ts, &out->bits));
    if (h.type != CodecType(out->type)) {
      out->ts.resize(at);
      out->bits.resize(at);
      return WrongType(h, *out);
    }
    *header = h;
    return absl::OkStatus();
  }
  std::vector<int64_t> t;
  codec::BlockValues v;
  RETURN_IF_ERROR(codec::DecodeBlock(block, header, &t, &v));
  if (header->type != CodecType(out->type)) return WrongType(*header, *out);
  out->ts.insert(out->ts.end(), t.begin(), t.end());
  for (auto& s : std::get<std::vector<std::string>>(v)) out->strs.push_back(std::move(s));
  return absl::OkStatus();
}

}  // namespace lux::engine
