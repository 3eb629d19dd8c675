// The rANS residual decoder on its own (DecodeInts reaches it through modes
// 6 and 7 too, behind a mode byte and a header the fuzzer would first have
// to find), then the mode-7 predictor over whatever it decoded, complete or
// not (a total function: it must be free of UB on any words), with the
// selector byte as parameters and the divisor as step.
#include <vector>

#include "engine/codec/fuzz/fuzz_util.h"
#include "engine/codec/predictor.h"
#include "engine/codec/rans.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = lux::codec::fuzz::Split(data, size);
  const size_t m = in.n == 0 ? 1 : in.n;
  std::vector<uint64_t> out(m + 1);
  uint64_t divisor = 0;
  lux::Reader r(in.view());
  (void)lux::codec::ReadRansResiduals(&r, m, out.data() + 1, &divisor).ok();
  lux::codec::ApplyPredictions(out[1] ^ divisor, in.selector, divisor | 1, divisor, out.data(),
                               m + 1);
  return 0;
}
