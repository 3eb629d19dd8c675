#include <string>
#include <vector>

#include "engine/codec/fuzz/fuzz_util.h"
#include "engine/codec/string_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = lux::codec::fuzz::Split(data, size);
  std::vector<std::string> out;
  auto codec =
      in.selector % 2 ? lux::codec::ColumnCodec::kStringDict : lux::codec::ColumnCodec::kStringZstd;
  (void)lux::codec::DecodeStrings(codec, in.view(), in.n, &out).ok();
  return 0;
}
