// File: patterns.h
// -----------------------------------------------------------------------------
// Seeded data patterns shared by the codec tests, fuzzers and benchmarks.
#ifndef LUX_CODEC_TESTING_PATTERNS_H_
#define LUX_CODEC_TESTING_PATTERNS_H_

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace lux::codec::testing {

inline constexpr int64_t kSecond = 1'000'000'000;
// 2026-01-01T00:00:00Z in nanoseconds.
inline constexpr int64_t kEpoch2026 = 1767225600 * kSecond;

inline std::vector<int64_t> ConstantIntervalTimestamps(size_t n, int64_t interval) {
  std::vector<int64_t> ts(n);
  for (size_t i = 0; i < n; ++i) ts[i] = kEpoch2026 + int64_t(i) * interval;
  return ts;
}

// Interval plus uniform jitter in [-jitter, +jitter], kept strictly increasing.
inline std::vector<int64_t> JitteredTimestamps(size_t n, int64_t interval, int64_t jitter,
                                               uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> j(-jitter, jitter);
  std::vector<int64_t> ts(n);
  int64_t t = kEpoch2026;
  for (size_t i = 0; i < n; ++i) {
    ts[i] = t;
    t += interval + j(rng);
  }
  return ts;
}

// Constant interval with a few large gaps (a sensor offline for a while).
inline std::vector<int64_t> GappedTimestamps(size_t n, int64_t interval, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> ts(n);
  int64_t t = kEpoch2026;
  for (size_t i = 0; i < n; ++i) {
    ts[i] = t;
    t += interval;
    if (rng() % 500 == 0) t += interval * int64_t(1 + rng() % 1000);
  }
  return ts;
}

// A drifting, noisy reading quantised to `decimals` digits, as sensors report.
inline std::vector<double> SensorValues(size_t n, int decimals, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 0.05);
  const double scale = std::pow(10.0, decimals);
  std::vector<double> v(n);
  double level = 21.5;
  for (size_t i = 0; i < n; ++i) {
    level += noise(rng);
    v[i] = std::round((level + noise(rng)) * scale) / scale;
  }
  return v;
}

// The sensor workload's signal (bench/workload) in quantisation steps around
// 1000, times `scale`: an integrated AR(1) drift pulled back to 1000 by
// `pull` a step, plus Gaussian noise of `sigma` steps.
inline std::vector<int64_t> NoisyWalk(size_t n, double sigma, uint32_t seed, int64_t scale = 1,
                                      double pull = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::vector<int64_t> v(n);
  double level = 1000, drift = 0;
  for (size_t i = 0; i < n; ++i) {
    drift = 0.98 * drift + 0.02 * g(rng) * sigma;
    level += drift + pull * (1000 - level);
    v[i] = int64_t(std::llround(level + g(rng) * sigma)) * scale;
  }
  return v;
}

// Doubles with arbitrary bit patterns (no decimal structure at all).
inline std::vector<double> RandomBitsValues(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = std::bit_cast<double>(rng());
  return v;
}

// Every special double, repeated and interleaved with ordinary values.
inline std::vector<double> SpecialValues() {
  using L = std::numeric_limits<double>;
  const double nan_payload = std::bit_cast<double>(uint64_t{0x7ff0000000000123});
  const double neg_nan = std::bit_cast<double>(uint64_t{0xfff8000000000001});
  std::vector<double> v = {0.0,
                           -0.0,
                           L::infinity(),
                           -L::infinity(),
                           L::quiet_NaN(),
                           nan_payload,
                           neg_nan,
                           L::denorm_min(),
                           -L::denorm_min(),
                           L::min(),
                           L::max(),
                           L::lowest(),
                           L::epsilon(),
                           1.5,
                           1.5,
                           1.5,
                           -2.25,
                           1e300,
                           -1e-300,
                           0.1,
                           0.2,
                           0.30000000000000004,
                           123456789.123,
                           9007199254740993.0};
  return v;
}

// The raw bit patterns of v, for bit-exact comparisons (NaN payloads, -0.0).
inline std::vector<uint64_t> BitPatterns(const std::vector<double>& v) {
  std::vector<uint64_t> bits;
  for (double x : v) bits.push_back(std::bit_cast<uint64_t>(x));
  return bits;
}

}  // namespace lux::codec::testing

#endif  // LUX_CODEC_TESTING_PATTERNS_H_
