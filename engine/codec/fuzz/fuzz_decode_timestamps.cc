#include <vector>

#include "engine/codec/fuzz/fuzz_util.h"
#include "engine/codec/timestamp_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = lux::codec::fuzz::Split(data, size);
  std::vector<int64_t> out(in.n);
  auto codec = in.selector % 2 ? lux::codec::ColumnCodec::kTsDeltaOfDelta
                               : lux::codec::ColumnCodec::kTsIntPipeline;
  (void)lux::codec::DecodeTimestamps(codec, in.view(), in.n, out.data()).ok();
  return 0;
}
