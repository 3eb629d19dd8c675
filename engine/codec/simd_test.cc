// Both decode paths (portable and AVX-512) on the same inputs: every bit
// width 0..64, odd lengths, FOR and delta with and without a divisor, and the
// decimal codec's digits-to-values step. The AVX-512 half is skipped on CPUs
// without it (the portable half still runs).
#include "engine/codec/simd.h"

#include <bit>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "engine/codec/bitpack.h"
#include "engine/codec/decimal_codec.h"
#include "engine/codec/format.h"
#include "engine/codec/int_codec.h"
#include "engine/codec/testing/patterns.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

// Runs fn with the portable kernels, then (if the CPU has them) with the
// AVX-512 ones, and expects the same result.
template <typename Fn>
void ExpectSameOnBothPaths(Fn fn) {
  TEST_ForceScalar(true);
  const auto scalar = fn();
  TEST_ForceScalar(false);
  if (!UseAvx512()) return;
  const auto simd = fn();
  EXPECT_EQ(simd, scalar);
}

constexpr size_t kLengths[] = {1, 3, 7, 8, 9, 15, 17, 63, 65, 511, 513, 1023, 1025, 4097};

TEST(SimdTest, UnpacksEveryWidthAndOddLength) {
  std::mt19937_64 rng(11);
  for (int width = 0; width <= 64; ++width) {
    const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    for (size_t n : kLengths) {
      std::vector<uint64_t> in(n);
      for (auto& v : in) v = rng() & mask;
      std::string packed;
      PackBits(in.data(), n, width, &packed);
      // An exactly sized heap copy: ASan sees any read past the end.
      std::vector<char> exact(packed.begin(), packed.end());
      ExpectSameOnBothPaths([&] {
        std::vector<uint64_t> out(n, 12345);
        UnpackBits(exact.data(), n, width, out.data());
        EXPECT_EQ(out, in) << "width " << width << " n " << n;
        return out;
      });
    }
  }
}

TEST(SimdTest, IntColumnsOfEveryWidthDecodeAlike) {
  std::mt19937_64 rng(12);
  for (int width = 0; width <= 64; ++width) {
    const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    for (size_t n : kLengths) {
      // Random values (FOR), a walk of random steps (delta), and multiples
      // of 10 of each (a divisor).
      // (Arithmetic modulo 2^64, as the codec's.)
      std::vector<int64_t> flat(n), walk(n), tens(n);
      uint64_t acc = rng();
      for (size_t i = 0; i < n; ++i) {
        flat[i] = int64_t(rng() & mask);
        walk[i] = int64_t(acc += (rng() & mask) - mask / 2);
        tens[i] = int64_t(uint64_t(walk[i]) * 10);
      }
      for (const auto& in : {flat, walk, tens}) {
        std::string enc;
        EncodeInts(in, &enc);
        std::vector<char> exact(enc.begin(), enc.end());
        ExpectSameOnBothPaths([&] {
          std::vector<int64_t> out(n);
          Reader r(std::string_view(exact.data(), exact.size()));
          EXPECT_TRUE(DecodeInts(&r, n, out.data()).ok());
          EXPECT_TRUE(r.empty());
          EXPECT_EQ(out, in) << "width " << width << " n " << n;
          return out;
        });
      }
    }
  }
}

TEST(SimdTest, DecimalColumnsDecodeAlike) {
  std::mt19937_64 rng(13);
  for (int e = 0; e <= kMaxDecimalExponent; e += 3) {
    for (int width = 0; width <= 50; width += 5) {
      for (size_t n : kLengths) {
        // Digits with deltas of `width` bits, some specials as exceptions.
        std::vector<double> v(n);
        int64_t d = int64_t(rng() % 1000000);
        const uint64_t mask = (uint64_t{1} << width) - 1;
        for (size_t i = 0; i < n; ++i) {
          d += int64_t(rng() & mask) - int64_t(mask / 2);
          if (d > (int64_t{1} << 50) || d < -(int64_t{1} << 50)) d /= 2;
          v[i] = double(d) / std::pow(10.0, e);
        }
        if (n > 9) v[n / 2] = NAN;
        for (bool dict : {false, true}) {
          if (dict) {  // few distinct values: a dictionary column
            for (size_t i = 0; i < n; ++i) v[i] = v[rng() % std::min<size_t>(n, 5)];
          }
          std::string enc;
          EncodeDecimal(v, e, &enc);
          std::vector<char> exact(enc.begin(), enc.end());
          ExpectSameOnBothPaths([&] {
            std::vector<double> out(n);
            EXPECT_TRUE(
                DecodeDecimal(std::string_view(exact.data(), exact.size()), n, out.data()).ok());
            EXPECT_EQ(testing::BitPatterns(out), testing::BitPatterns(v))
                << "e " << e << " width " << width << " n " << n;
            return testing::BitPatterns(out);
          });
        }
      }
    }
  }
}

TEST(SimdTest, CorruptColumnsFailAlike) {
  // Every truncation and one flipped byte per position fail (or not) the
  // same way on both paths.
  auto v = testing::SensorValues(1100, 2, 3);
  v[5] = NAN;
  std::string enc;
  EncodeDecimal(v, 2, &enc);
  for (size_t len = 0; len <= enc.size(); ++len) {
    std::vector<char> exact(enc.begin(), enc.begin() + len);
    ExpectSameOnBothPaths([&] {
      std::vector<double> out(v.size());
      return DecodeDecimal(std::string_view(exact.data(), len), v.size(), out.data()).code();
    });
  }
  for (size_t pos = 0; pos < enc.size(); ++pos) {
    std::vector<char> bad(enc.begin(), enc.end());
    bad[pos] ^= 0x5a;
    ExpectSameOnBothPaths([&] {
      std::vector<double> out(v.size());
      absl::Status s =
          DecodeDecimal(std::string_view(bad.data(), bad.size()), v.size(), out.data());
      return std::make_pair(s.code(), s.ok() ? testing::BitPatterns(out) : std::vector<uint64_t>{});
    });
  }
}

TEST(SimdTest, DictionaryCodesOutOfRangeAreDataLossOnBothPaths) {
  // A hand-built mode-4 column: entries {10, 20}, 1100 bit-packed codes.
  std::mt19937_64 rng(14);
  for (size_t bad_at : {size_t{0}, size_t{511}, size_t{700}, size_t{1099}, SIZE_MAX}) {
    std::vector<int64_t> codes(1100), want(1100);
    for (size_t i = 0; i < codes.size(); ++i) {
      codes[i] = int64_t(rng() % 2);
      want[i] = codes[i] == 0 ? 10 : 20;
    }
    if (bad_at != SIZE_MAX) codes[bad_at] = 2;
    std::string enc(1, static_cast<char>(IntMode::kDict));
    PutVarint64(&enc, 2);
    EncodeInts(std::vector<int64_t>{10, 20}, &enc);
    EncodeInts(codes, &enc);
    std::vector<char> exact(enc.begin(), enc.end());
    ExpectSameOnBothPaths([&] {
      std::vector<int64_t> out(codes.size());
      Reader r(std::string_view(exact.data(), exact.size()));
      absl::Status s = DecodeInts(&r, codes.size(), out.data());
      if (bad_at == SIZE_MAX) {
        EXPECT_TRUE(s.ok()) << s;
        EXPECT_EQ(out, want);
      } else {
        EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << bad_at;
      }
      return s.code();
    });
  }
}

TEST(SimdTest, EnvironmentOrTestHookForcesThePortablePath) {
  TEST_ForceScalar(true);
  EXPECT_FALSE(UseAvx512());
  TEST_ForceScalar(false);
}

}  // namespace
}  // namespace lux::codec
