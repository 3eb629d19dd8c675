// The rANS residual decoder on its own (DecodeInts reaches it through mode 6
// too, behind a mode byte and a header the fuzzer would first have to find).
#include <vector>

#include "engine/codec/fuzz/fuzz_util.h"
#include "engine/codec/rans.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = lux::codec::fuzz::Split(data, size);
  const size_t m = in.n == 0 ? 1 : in.n;
  std::vector<uint64_t> out(m);
  uint64_t divisor;
  lux::Reader r(in.view());
  (void)lux::codec::ReadRansResiduals(&r, m, out.data(), &divisor).ok();
  return 0;
}
