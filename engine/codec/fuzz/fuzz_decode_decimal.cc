#include <vector>

#include "engine/codec/decimal_codec.h"
#include "engine/codec/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = lux::codec::fuzz::Split(data, size);
  std::vector<double> out(in.n);
  (void)lux::codec::DecodeDecimal(in.view(), in.n, out.data()).ok();
  return 0;
}
