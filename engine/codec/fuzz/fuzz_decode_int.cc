// DecodeInts on hostile bytes. With bit 0 of the selector set, the payload
// instead becomes values (signed byte steps of a walk when bit 1 is set, so
// that smooth and noisy columns reach the rANS and predicted modes; raw
// 8-byte words otherwise) encoded with every stage allowed, which must
// decode back exactly; then the column with one byte corrupted (position
// n, xor the selector's high bits) must decode or fail, never crash: deep
// hostile input that random bytes rarely reach (a valid rANS stream).
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/codec/fuzz/fuzz_util.h"
#include "engine/codec/int_codec.h"

namespace {

void RoundTrip(const lux::codec::fuzz::Input& in) {
  std::vector<int64_t> values;
  if (in.selector & 2) {
    uint64_t v = 0;
    for (size_t i = 0; i < in.size; ++i) {
      values.push_back(int64_t(v += uint64_t(int64_t(int8_t(in.bytes[i])))));
    }
  } else {
    for (size_t i = 0; i + 8 <= in.size; i += 8) {
      int64_t v;
      std::memcpy(&v, in.bytes.get() + i, 8);
      values.push_back(v);
    }
  }
  std::string encoded;
  lux::codec::EncodeInts(values, &encoded, {.allow_zstd = true, .allow_rans = true});
  std::vector<int64_t> out(values.size());
  lux::Reader r(encoded);
  if (!lux::codec::DecodeInts(&r, values.size(), out.data()).ok() || !r.empty() || out != values) {
    std::abort();
  }
  if (encoded.empty()) return;
  encoded[in.n % encoded.size()] ^= char(in.selector | 1);
  lux::Reader corrupt(encoded);
  (void)lux::codec::DecodeInts(&corrupt, values.size(), out.data()).ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = lux::codec::fuzz::Split(data, size);
  if (in.selector & 1) {
    RoundTrip(in);
    return 0;
  }
  std::vector<int64_t> out(in.n);
  lux::Reader r(in.view());
  (void)lux::codec::DecodeInts(&r, in.n, out.data()).ok();
  return 0;
}
