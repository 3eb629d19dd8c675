// File: fuzz_util.h
// Splits a fuzz input into a value count (first two bytes, bounded) and the
// encoded payload, copied to an exactly sized heap buffer so ASan catches
// any read past it.
#ifndef LUX_CODEC_FUZZ_FUZZ_UTIL_H_
#define LUX_CODEC_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace lux::codec::fuzz {

struct Input {
  size_t n = 0;
  uint8_t selector = 0;
  std::unique_ptr<char[]> bytes;
  size_t size = 0;
  std::string_view view() const { return {bytes.get(), size}; }
};

inline Input Split(const uint8_t* data, size_t size) {
  Input in;
  if (size >= 3) {
    in.n = (size_t{data[0]} | size_t{data[1]} << 8) % 4097;
    in.selector = data[2];
    data += 3;
    size -= 3;
  }
  in.bytes.reset(new char[size == 0 ? 1 : size]);
  for (size_t i = 0; i < size; ++i) in.bytes[i] = static_cast<char>(data[i]);
  in.size = size;
  return in;
}

}  // namespace lux::codec::fuzz

#endif  // LUX_CODEC_FUZZ_FUZZ_UTIL_H_
