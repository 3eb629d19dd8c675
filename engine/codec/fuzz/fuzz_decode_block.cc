// Blocks carry a checksum, which random input never matches; this target
// re-seals the payload's checksum so the fuzzer reaches the column decoders.
#include <xxhash.h>

#include <string>
#include <vector>

#include "engine/codec/block.h"
#include "engine/common/varint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string block(reinterpret_cast<const char*>(data), size);
  if (size >= 1 && data[0] % 2 == 0) {  // half the inputs keep their own checksum
    block = block.substr(1);
    lux::PutFixed64(&block, XXH3_64bits(block.data(), block.size()));
  }
  std::vector<char> exact(block.begin(), block.end());
  lux::codec::BlockHeader h;
  std::vector<int64_t> ts;
  lux::codec::BlockValues values;
  (void)lux::codec::DecodeBlock(std::string_view(exact.data(), exact.size()), &h, &ts, &values)
      .ok();
  std::vector<int64_t> app_ts(3, 7);
  std::vector<uint64_t> app_bits(3, 7);
  if (!lux::codec::DecodeBlockAppend(std::string_view(exact.data(), exact.size()), &h, &app_ts,
                                     &app_bits)
           .ok() &&
      (app_ts.size() != 3 || app_bits.size() != 3)) {
    __builtin_trap();  // a failed decode must leave the vectors as they were
  }
  return 0;
}
