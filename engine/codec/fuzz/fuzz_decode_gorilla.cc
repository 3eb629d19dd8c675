#include <vector>

#include "engine/codec/fuzz/fuzz_util.h"
#include "engine/codec/gorilla_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = lux::codec::fuzz::Split(data, size);
  std::vector<double> out(in.n);
  (void)lux::codec::DecodeGorilla(in.view(), in.n, out.data()).ok();
  return 0;
}
