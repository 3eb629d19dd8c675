// File: block_io.cc
#include "engine/db/block_io.h"

#include "engine/common/status_macros.h"

namespace lux::engine {
namespace {

template <typename T>
std::vector<T> Column(std::span<const FieldValue> values) {
  std::vector<T> out;
  out.reserve(values.size());
  for (const FieldValue& v : values) out.push_back(std::get<T>(v));
  return out;
}

}  // namespace

void EncodePointsBlock(FieldType type, std::span<const int64_t> ts,
                       std::span<const FieldValue> values, std::string* dst) {
  switch (type) {
    case FieldType::kFloat:
      codec::EncodeBlock(ts, Column<double>(values), dst);
      break;
    case FieldType::kInteger:
      codec::EncodeBlock(ts, Column<int64_t>(values), dst);
      break;
    case FieldType::kUnsigned:
      codec::EncodeBlock(ts, Column<uint64_t>(values), dst);
      break;
    case FieldType::kBoolean: {
      std::vector<uint8_t> b;
      b.reserve(values.size());
      for (const FieldValue& v : values) b.push_back(std::get<bool>(v) ? 1 : 0);
      codec::EncodeBoolBlock(ts, b, dst);
      break;
    }
    case FieldType::kString:
      codec::EncodeBlock(ts, Column<std::string>(values), dst);
      break;
  }
}

absl::Status DecodePointsBlock(std::string_view block, codec::BlockHeader* header,
                               std::vector<int64_t>* ts, std::vector<FieldValue>* values) {
  std::vector<int64_t> t;
  codec::BlockValues v;
  RETURN_IF_ERROR(codec::DecodeBlock(block, header, &t, &v));
  ts->insert(ts->end(), t.begin(), t.end());
  std::visit(
      [&](auto& col) {
        for (auto& x : col) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, uint8_t>) {
            values->push_back(FieldValue(x != 0));
          } else {
            values->push_back(FieldValue(std::move(x)));
          }
        }
      },
      v);
  return absl::OkStatus();
}

}  // namespace lux::engine
