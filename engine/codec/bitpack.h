// File: bitpack.h
// -----------------------------------------------------------------------------
// Fixed-width bit packing: n unsigned values of `width` bits (0..64) stored
// LSB first as one continuous little-endian bit stream of ceil(n*width/8)
// bytes. Pure functions; thread-safe.
#ifndef LUX_CODEC_BITPACK_H_
#define LUX_CODEC_BITPACK_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

namespace lux::codec {

// Number of bits needed to hold `v` (0 for 0).
inline int BitWidth(uint64_t v) { return static_cast<int>(std::bit_width(v)); }

// Bytes used by PackBits for n values of `width` bits.
inline size_t PackedSize(size_t n, int width) {
  return (static_cast<unsigned __int128>(n) * width + 7) / 8;
}

// Appends the packed form of in[0..n) to *dst.
// REQUIRES: every in[i] < 2^width, 0 <= width <= 64.
void PackBits(const uint64_t* in, size_t n, int width, std::string* dst);

// Unpacks n values of `width` bits from src into out[0..n).
// REQUIRES: src holds at least PackedSize(n, width) bytes (callers check this
// against untrusted lengths); never reads past src + PackedSize(n, width).
void UnpackBits(const char* src, size_t n, int width, uint64_t* out);

}  // namespace lux::codec

#endif  // LUX_CODEC_BITPACK_H_
