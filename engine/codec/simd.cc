// File: simd.cc
// Hot path (per value). The kernels are written with intrinsics in functions
// compiled for AVX-512 only (GCC/Clang `target` attribute); the rest of the
// binary stays generic x86-64.
#include "engine/codec/simd.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LUX_HAVE_AVX512_KERNELS 1
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers start some intrinsics from deliberately undefined
// registers, which -Wall reports when they inline here.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#define LUX_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512vbmi")))
#endif

namespace lux::codec {
namespace {

// -1: not decided yet; 0: portable; 1: AVX-512.
std::atomic<int> g_choice{-1};
std::atomic<bool> g_force_scalar{false};

int Detect() {
#if defined(LUX_HAVE_AVX512_KERNELS)
  const char* env = std::getenv("LUX_CODEC_SIMD");
  if (env != nullptr && std::strcmp(env, "scalar") == 0) return 0;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512vbmi");
#else
  return 0;
#endif
}

}  // namespace

bool UseAvx512() {
  if (g_force_scalar.load(std::memory_order_relaxed)) return false;
  int c = g_choice.load(std::memory_order_relaxed);
  if (c < 0) {
    c = Detect();
    g_choice.store(c, std::memory_order_relaxed);
  }
  return c == 1;
}

void TEST_ForceScalar(bool force) { g_force_scalar.store(force, std::memory_order_relaxed); }

#if defined(LUX_HAVE_AVX512_KERNELS)
namespace simd {

// Each group of 8 values of width W spans exactly W bytes; value j starts at
// bit j*W of the group. One byte permutation moves bytes (j*W)/8 .. +7 into
// lane j, a per-lane shift by (j*W)%8 and a mask finish it (W <= 56 keeps
// shift + W <= 64).
struct UnpackTable {
  alignas(64) uint8_t idx[kMaxAvx512UnpackWidth + 1][64];
  alignas(64) uint64_t shift[kMaxAvx512UnpackWidth + 1][8];
  UnpackTable() {
    for (int w = 0; w <= kMaxAvx512UnpackWidth; ++w) {
      for (int j = 0; j < 8; ++j) {
        for (int b = 0; b < 8; ++b) idx[w][8 * j + b] = static_cast<uint8_t>((j * w >> 3) + b);
        shift[w][j] = static_cast<uint64_t>(j * w & 7);
      }
    }
  }
};
const UnpackTable kUnpack;

struct Unpacker {
  __m512i idx, shift, mask;
};

LUX_AVX512 inline Unpacker MakeUnpacker(int width) {
  return {_mm512_load_si512(kUnpack.idx[width]), _mm512_load_si512(kUnpack.shift[width]),
          _mm512_set1_epi64(static_cast<long long>((uint64_t{1} << width) - 1))};
}

// The 8 values of the group at p; `left` bytes from p are readable (masked
// loads never touch the bytes masked off, so never fault).
LUX_AVX512 inline __m512i Unpack8(const Unpacker& u, const char* p, size_t left) {
  __m512i v =
      left >= 64 ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8((__mmask64{1} << left) - 1, p);
  v = _mm512_permutexvar_epi8(u.idx, v);
  return _mm512_and_si512(_mm512_srlv_epi64(v, u.shift), u.mask);
}

LUX_AVX512 void UnpackBitsAvx512(const char* src, size_t n, int width, uint64_t* out) {
  const Unpacker u = MakeUnpacker(width);
  const char* const end = src + (n * static_cast<size_t>(width) + 7) / 8;
  const char* p = src;
  size_t i = 0;
  for (; i + 8 <= n; i += 8, p += width) {
    _mm512_storeu_si512(out + i, Unpack8(u, p, static_cast<size_t>(end - p)));
  }
  if (i < n) {
    const __m512i v = Unpack8(u, p, static_cast<size_t>(end - p));
    _mm512_mask_storeu_epi64(out + i, static_cast<__mmask8>((1u << (n - i)) - 1), v);
  }
}

LUX_AVX512 void ForAvx512(uint64_t* u, size_t n, uint64_t mul, uint64_t add) {
  const __m512i vmul = _mm512_set1_epi64(static_cast<long long>(mul));
  const __m512i vadd = _mm512_set1_epi64(static_cast<long long>(add));
  size_t i = 0;
  if (mul == 1) {
    for (; i + 8 <= n; i += 8) {
      _mm512_storeu_si512(u + i, _mm512_add_epi64(_mm512_loadu_si512(u + i), vadd));
    }
  } else {
    for (; i + 8 <= n; i += 8) {
      const __m512i v = _mm512_mullo_epi64(_mm512_loadu_si512(u + i), vmul);
      _mm512_storeu_si512(u + i, _mm512_add_epi64(v, vadd));
    }
  }
  for (; i < n; ++i) u[i] = u[i] * mul + add;
}

// In-register inclusive prefix sum of 8 lanes (three shift-and-add steps).
LUX_AVX512 inline __m512i PrefixSum8(__m512i x) {
  const __m512i zero = _mm512_setzero_si512();
  x = _mm512_add_epi64(x, _mm512_alignr_epi64(x, zero, 7));
  x = _mm512_add_epi64(x, _mm512_alignr_epi64(x, zero, 6));
  return _mm512_add_epi64(x, _mm512_alignr_epi64(x, zero, 4));
}

// The running sum is carried as a broadcast vector; only one add per 8 values
// depends on the previous ones (the in-register prefix sums do not).
LUX_AVX512 uint64_t DeltaAvx512(uint64_t* u, size_t n, uint64_t mul, uint64_t add, uint64_t acc) {
  const __m512i vmul = _mm512_set1_epi64(static_cast<long long>(mul));
  const __m512i vadd = _mm512_set1_epi64(static_cast<long long>(add));
  const __m512i last = _mm512_set1_epi64(7);
  __m512i carry = _mm512_set1_epi64(static_cast<long long>(acc));
  size_t i = 0;
  if (mul == 1) {
    for (; i + 8 <= n; i += 8) {
      const __m512i p = PrefixSum8(_mm512_add_epi64(_mm512_loadu_si512(u + i), vadd));
      _mm512_storeu_si512(u + i, _mm512_add_epi64(p, carry));
      carry = _mm512_add_epi64(carry, _mm512_permutexvar_epi64(last, p));
    }
  } else {
    for (; i + 8 <= n; i += 8) {
      const __m512i v = _mm512_mullo_epi64(_mm512_loadu_si512(u + i), vmul);
      const __m512i p = PrefixSum8(_mm512_add_epi64(v, vadd));
      _mm512_storeu_si512(u + i, _mm512_add_epi64(p, carry));
      carry = _mm512_add_epi64(carry, _mm512_permutexvar_epi64(last, p));
    }
  }
  acc = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm512_castsi512_si128(carry)));
  for (; i < n; ++i) u[i] = acc += u[i] * mul + add;
  return acc;
}

constexpr uint64_t kMagicBits = 0x4338000000000000;  // 1.5 * 2^52

// DigitsToValue on 8 lanes, from the digits plus kMagicBits (mod 2^64):
// the same operations in the same order.
LUX_AVX512 inline __m512d BiasedDigitsToValues8(__m512i biased, __m512d pow, __m512d inv) {
  const __m512d x = _mm512_sub_pd(_mm512_castsi512_pd(biased), _mm512_set1_pd(6755399441055744.0));
  const __m512d q = _mm512_mul_pd(x, inv);
  const __m512d r = _mm512_fnmadd_pd(q, pow, x);  // fma(-q, pow, x)
  return _mm512_fmadd_pd(r, inv, q);
}

LUX_AVX512 inline __m512d DigitsToValues8(__m512i d, __m512d pow, __m512d inv) {
  return BiasedDigitsToValues8(
      _mm512_add_epi64(d, _mm512_set1_epi64(static_cast<long long>(kMagicBits))), pow, inv);
}

LUX_AVX512 void DigitsToValuesAvx512(uint64_t* v, size_t n, double pow, double inv) {
  const __m512d vpow = _mm512_set1_pd(pow);
  const __m512d vinv = _mm512_set1_pd(inv);
  double* out = reinterpret_cast<double*>(v);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm512_storeu_pd(out + i, DigitsToValues8(_mm512_loadu_si512(v + i), vpow, vinv));
  }
  if (i < n) {
    const __mmask8 m = static_cast<__mmask8>((1u << (n - i)) - 1);
    _mm512_mask_storeu_pd(out + i, m,
                          DigitsToValues8(_mm512_maskz_loadu_epi64(m, v + i), vpow, vinv));
  }
}

// With kScale, the integers are carried plus kMagicBits (folded into `add`
// or the running sum: the conversion's integer add is then free).
template <bool kDelta, bool kMul, bool kScale>
LUX_AVX512 inline uint64_t DecodePacked(const char* src, size_t n, int width, uint64_t mul,
                                        uint64_t add, uint64_t acc, const double* scale,
                                        uint64_t* out) {
  const uint64_t bias = kScale ? kMagicBits : 0;
  const Unpacker u = MakeUnpacker(width);
  const __m512i vmul = _mm512_set1_epi64(static_cast<long long>(mul));
  const __m512i vadd = _mm512_set1_epi64(static_cast<long long>(kDelta ? add : add + bias));
  const __m512i last = _mm512_set1_epi64(7);
  const __m512d vpow = _mm512_set1_pd(kScale ? scale[0] : 0);
  const __m512d vinv = _mm512_set1_pd(kScale ? scale[1] : 0);
  __m512i carry = _mm512_set1_epi64(static_cast<long long>(acc + bias));
  const char* const end = src + (n * static_cast<size_t>(width) + 7) / 8;
  const char* p = src;
  for (size_t i = 0; i < n; i += 8, p += width) {
    __m512i v = Unpack8(u, p, static_cast<size_t>(end - p));
    if constexpr (kMul) v = _mm512_mullo_epi64(v, vmul);
    v = _mm512_add_epi64(v, vadd);
    if constexpr (kDelta) {
      // Lanes past n add garbage only to lanes past n; acc is taken from
      // lane k - 1 of the last group.
      const __m512i ps = PrefixSum8(v);
      v = _mm512_add_epi64(ps, carry);
      carry = _mm512_add_epi64(carry, _mm512_permutexvar_epi64(last, ps));
    }
    if (n - i < 8) {
      const size_t k = n - i;
      if constexpr (kDelta) {
        acc = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm512_castsi512_si128(
                  _mm512_permutexvar_epi64(_mm512_set1_epi64(static_cast<long long>(k - 1)), v)))) -
              bias;
      }
      const __mmask8 m = static_cast<__mmask8>((1u << k) - 1);
      if constexpr (kScale) {
        _mm512_mask_storeu_pd(reinterpret_cast<double*>(out + i), m,
                              BiasedDigitsToValues8(v, vpow, vinv));
      } else {
        _mm512_mask_storeu_epi64(out + i, m, v);
      }
      return acc;
    }
    if constexpr (kScale) {
      _mm512_storeu_pd(reinterpret_cast<double*>(out + i), BiasedDigitsToValues8(v, vpow, vinv));
    } else {
      _mm512_storeu_si512(out + i, v);
    }
  }
  if constexpr (kDelta) {
    acc = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm512_castsi512_si128(carry))) - bias;
  }
  return acc;
}

LUX_AVX512 uint64_t DecodePackedAvx512(const char* src, size_t n, int width, uint64_t mul,
                                       uint64_t add, bool delta, uint64_t acc, const double* scale,
                                       uint64_t* out) {
  const bool m = mul != 1;
  const bool s = scale != nullptr;
  if (delta) {
    if (m) {
      return s ? DecodePacked<true, true, true>(src, n, width, mul, add, acc, scale, out)
               : DecodePacked<true, true, false>(src, n, width, mul, add, acc, scale, out);
    }
    return s ? DecodePacked<true, false, true>(src, n, width, mul, add, acc, scale, out)
             : DecodePacked<true, false, false>(src, n, width, mul, add, acc, scale, out);
  }
  if (m) {
    return s ? DecodePacked<false, true, true>(src, n, width, mul, add, acc, scale, out)
             : DecodePacked<false, true, false>(src, n, width, mul, add, acc, scale, out);
  }
  return s ? DecodePacked<false, false, true>(src, n, width, mul, add, acc, scale, out)
           : DecodePacked<false, false, false>(src, n, width, mul, add, acc, scale, out);
}

}  // namespace simd
#else
namespace simd {
void UnpackBitsAvx512(const char*, size_t, int, uint64_t*) { std::abort(); }
void ForAvx512(uint64_t*, size_t, uint64_t, uint64_t) { std::abort(); }
uint64_t DeltaAvx512(uint64_t*, size_t, uint64_t, uint64_t, uint64_t) { std::abort(); }
void DigitsToValuesAvx512(uint64_t*, size_t, double, double) { std::abort(); }
uint64_t DecodePackedAvx512(const char*, size_t, int, uint64_t, uint64_t, bool, uint64_t,
                            const double*, uint64_t*) {
  std::abort();
}
}  // namespace simd
#endif

}  // namespace lux::codec
