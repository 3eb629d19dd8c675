// File: float_codec.cc
// Warm path (per block).
#include "engine/codec/float_codec.h"

#include "absl/strings/str_cat.h"
#include "engine/codec/decimal_codec.h"
#include "engine/codec/gorilla_codec.h"

namespace lux::codec {

ColumnCodec EncodeFloats(std::span<const double> values, std::string* dst,
                         const EncodeOptions& options) {
  std::string gorilla;
  EncodeGorilla(values, &gorilla);
  const int e = ChooseDecimalExponent(values);
  if (e >= 0) {
    std::string decimal;
    EncodeDecimal(values, e, &decimal, options);
    // Ties go to the decimal codec: it decodes several times faster.
    if (decimal.size() <= gorilla.size()) {
      dst->append(decimal);
      return ColumnCodec::kFloatDecimal;
    }
  }
  dst->append(gorilla);
  return ColumnCodec::kFloatGorilla;
}

absl::Status DecodeFloats(ColumnCodec codec, std::string_view src, size_t n, double* out) {
  switch (codec) {
    case ColumnCodec::kFloatGorilla:
      return DecodeGorilla(src, n, out);
    case ColumnCodec::kFloatDecimal:
      return DecodeDecimal(src, n, out);
    default:
      return absl::DataLossError(
          absl::StrCat("unknown float column codec ", static_cast<int>(codec)));
  }
}

}  // namespace lux::codec
