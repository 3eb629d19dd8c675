// The rANS residual decoder on its own (DecodeInts reaches it through modes
// 6 and 7 too, behind a mode byte and a header the fuzzer would first have
// to find), then the same bytes as a predicted column's errors
// (ReadRansPredicted: the rANS loop with the mode-7 predictor fused in,
// which must be free of UB on any errors), with the selector byte as the
// predictor's parameters.
#include <vector>

#include "engine/codec/fuzz/fuzz_util.h"
#include "engine/codec/rans.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = lux::codec::fuzz::Split(data, size);
  const size_t m = in.n == 0 ? 1 : in.n;
  std::vector<uint64_t> out(m + 1);
  uint64_t divisor = 0;
  lux::Reader r(in.view());
  (void)lux::codec::ReadRansResiduals(&r, m, out.data() + 1, &divisor).ok();
  lux::Reader r2(in.view());
  (void)lux::codec::ReadRansPredicted(&r2, m + 1, out[1] ^ divisor, in.selector, uint64_t(m) | 1,
                                      out.data())
      .ok();
  return 0;
}
