#include <vector>

#include "engine/codec/bool_codec.h"
#include "engine/codec/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = lux::codec::fuzz::Split(data, size);
  std::vector<uint8_t> out(in.n);
  auto codec =
      in.selector % 2 ? lux::codec::ColumnCodec::kBoolBitmap : lux::codec::ColumnCodec::kBoolRuns;
  (void)lux::codec::DecodeBools(codec, in.view(), in.n, out.data()).ok();
  return 0;
}
