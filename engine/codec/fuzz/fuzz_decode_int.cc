#include <vector>

#include "engine/codec/fuzz/fuzz_util.h"
#include "engine/codec/int_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = lux::codec::fuzz::Split(data, size);
  std::vector<int64_t> out(in.n);
  lux::Reader r(in.view());
  (void)lux::codec::DecodeInts(&r, in.n, out.data()).ok();
  return 0;
}
