// File: simd.h
// -----------------------------------------------------------------------------
// Runtime choice between the portable decode kernels and AVX-512 ones, and
// the AVX-512 kernels themselves (simd.cc). The build stays generic x86-64:
// the kernels are compiled for AVX-512 F/DQ/BW/VL/VBMI with GCC's `target`
// attribute and only called when the CPU reports those features. Every
// kernel computes exactly the bits of its portable counterpart; tests run
// both paths and compare. Thread-safe.
#ifndef LUX_CODEC_SIMD_H_
#define LUX_CODEC_SIMD_H_

#include <cstddef>
#include <cstdint>

namespace lux::codec {

// True when the AVX-512 kernels are to be used: the CPU has AVX-512
// F, DQ, BW, VL and VBMI, the environment does not say LUX_CODEC_SIMD=scalar
// (read once), and no test forced the portable path.
bool UseAvx512();

// Forces the portable kernels (true) or restores the runtime choice (false).
// For tests and benchmarks; not to be called while decoding on other threads.
void TEST_ForceScalar(bool force);

namespace simd {

// Largest width the AVX-512 unpacker handles (8 values of up to 56 bits
// sit in 8-byte windows of one 64-byte register); wider falls back.
inline constexpr int kMaxAvx512UnpackWidth = 56;

// The AVX-512 kernels. REQUIRES: UseAvx512().

// UnpackBits for 1 <= width <= kMaxAvx512UnpackWidth: unpacks n values into
// out[0..n), reading no byte at or past src + PackedSize(n, width).
void UnpackBitsAvx512(const char* src, size_t n, int width, uint64_t* out);

// u[i] = u[i] * mul + add (mod 2^64), i < n.
void ForAvx512(uint64_t* u, size_t n, uint64_t mul, uint64_t add);

// u[i] = acc += u[i] * mul + add (mod 2^64), i < n; returns the final acc.
uint64_t DeltaAvx512(uint64_t* u, size_t n, uint64_t mul, uint64_t add, uint64_t acc);

// The decimal codec's DigitsToValue (decimal_codec.cc) on v[0..n) in place:
// the int64 digits in each 8-byte slot become the double
// fma(r, inv, q) with x = exact double of the digits, q = x * inv,
// r = fma(-q, pow, x).
void DigitsToValuesAvx512(uint64_t* v, size_t n, double pow, double inv);

// One bit-packed mini-block of the integer pipeline in one pass: with
// x = the i-th packed value, FOR (delta false) writes x * mul + add, delta
// writes acc += x * mul + add (mod 2^64); when scale is not null the result
// then goes through DigitsToValuesAvx512 with pow = scale[0], inv =
// scale[1]. Writes out[0..n), reads no byte at or past
// src + PackedSize(n, width); returns the final acc.
// REQUIRES: 0 <= width <= kMaxAvx512UnpackWidth.
uint64_t DecodePackedAvx512(const char* src, size_t n, int width, uint64_t mul, uint64_t add,
                            bool delta, uint64_t acc, const double* scale, uint64_t* out);

}  // namespace simd
}  // namespace lux::codec

#endif  // LUX_CODEC_SIMD_H_
