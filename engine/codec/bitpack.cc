// File: bitpack.cc
// Hot path (per value). UnpackBits dispatches to one fully unrolled kernel per
// width: 8 values per step consume exactly `width` bytes, so every shift is a
// compile-time constant; on AVX-512 CPUs, simd.h's kernel (one byte
// permutation per 8 values) takes widths up to 56.
#include "engine/codec/bitpack.h"

#include <array>
#include <cstring>

#include "engine/codec/simd.h"

namespace lux::codec {
namespace {

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian host (x86-64, aarch64)
}

// Loads up to 8 bytes from [p, end), zero-filling past end.
inline uint64_t LoadTail(const char* p, const char* end) {
  uint64_t v = 0;
  size_t n = end > p ? static_cast<size_t>(end - p) : 0;
  std::memcpy(&v, p, n < 8 ? n : 8);
  return v;
}

// Reads the value at bit offset `bit` with no bound beyond `end` (safe path).
inline uint64_t ReadSafe(const char* src, const char* end, uint64_t bit, int width) {
  const char* p = src + (bit >> 3);
  int shift = static_cast<int>(bit & 7);
  uint64_t lo = LoadTail(p, end) >> shift;
  if (shift + width > 64) lo |= LoadTail(p + 8, end) << (64 - shift);
  return width == 64 ? lo : lo & ((uint64_t{1} << width) - 1);
}

template <int W>
inline uint64_t Extract(const char* p, int j) {
  constexpr uint64_t kMask = W == 64 ? ~uint64_t{0} : (uint64_t{1} << W) - 1;
  const int bit = j * W;
  const char* q = p + (bit >> 3);
  const int shift = bit & 7;
  uint64_t v = Load64(q) >> shift;
  if (shift + W > 64) v |= Load64(q + 8) << (64 - shift);
  return v & kMask;
}

template <int W>
void UnpackKernel(const char* src, size_t n, uint64_t* out) {
  if constexpr (W == 0) {
    std::memset(out, 0, n * sizeof(uint64_t));
  } else {
    const char* end = src + PackedSize(n, W);
    size_t i = 0;
    const char* p = src;
    // A group of 8 values spans W bytes but its last load may touch up to
    // W + 16 bytes from p; stay on the fast path while that is in bounds.
    while (i + 8 <= n && p + W + 16 <= end) {
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) out[i + j] = Extract<W>(p, j);
      p += W;
      i += 8;
    }
    for (; i < n; ++i) out[i] = ReadSafe(src, end, uint64_t{i} * W, W);
  }
}

using Kernel = void (*)(const char*, size_t, uint64_t*);

template <size_t... I>
constexpr std::array<Kernel, sizeof...(I)> MakeKernels(std::index_sequence<I...>) {
  return {&UnpackKernel<static_cast<int>(I)>...};
}
constexpr auto kKernels = MakeKernels(std::make_index_sequence<65>());

}  // namespace

void PackBits(const uint64_t* in, size_t n, int width, std::string* dst) {
  if (width == 0 || n == 0) return;
  const size_t start = dst->size();
  const size_t bytes = PackedSize(n, width);
  dst->resize(start + bytes + 8);  // slack for whole-word stores
  char* out = dst->data() + start;
  std::memset(out, 0, bytes + 8);
  uint64_t bit = 0;
  for (size_t i = 0; i < n; ++i, bit += width) {
    char* q = out + (bit >> 3);
    const int shift = static_cast<int>(bit & 7);
    uint64_t lo;
    std::memcpy(&lo, q, 8);
    lo |= in[i] << shift;
    std::memcpy(q, &lo, 8);
    if (shift + width > 64) {
      uint64_t hi;
      std::memcpy(&hi, q + 8, 8);
      hi |= in[i] >> (64 - shift);
      std::memcpy(q + 8, &hi, 8);
    }
  }
  dst->resize(start + bytes);
}

void UnpackBits(const char* src, size_t n, int width, uint64_t* out) {
  if (n == 0) return;
  if (width != 0 && width <= simd::kMaxAvx512UnpackWidth && UseAvx512()) {
    simd::UnpackBitsAvx512(src, n, width, out);
    return;
  }
  kKernels[width](src, n, out);
}

}  // namespace lux::codec
