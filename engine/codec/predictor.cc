// File: predictor.cc
// Encode: warm path (per column). The decoder (hot path, per value) is
// PredictionDecoder in predictor.h, fused into the rANS loop (rans.cc).
#include "engine/codec/predictor.h"

#include <numeric>

#include "engine/common/varint.h"

namespace lux::codec {
namespace {

// Fractional bits of the smoother's fixed point. Part of the format.
constexpr int kFrac = kPredictorFracBits;

// Holt's smoother over the differences k[i] = (v[i] - v[i-1]) / step, kept
// relative to the last value so that its state stays small whatever the
// column's magnitude: e is (level - last value) and t the trend, both
// scaled by 2^16. Predicting k[i] as round(e + t), after an error
// err = k[i]·2^16 - (e + t) the new level is last + e + t + err·2^-a, so
// e' = -(err - err·2^-a) relative to the new last value, and
// t' = t + err·2^-t. Sums wrap modulo 2^64; the shifts are arithmetic (C++20
// defines both on every input).
class Smoother {
 public:
  explicit Smoother(uint8_t params) : a_(params & 15), t_shift_(params >> 4) {}

  uint64_t Predict() const {
    return uint64_t(int64_t(e_ + t_ + (uint64_t{1} << (kFrac - 1))) >> kFrac);
  }

  void Update(uint64_t k) {
    const uint64_t err = (k << kFrac) - (e_ + t_);
    e_ = uint64_t(int64_t(err) >> a_) - err;
    if (t_shift_ != 0) t_ += uint64_t(int64_t(err) >> t_shift_);
  }

 private:
  const int a_;
  const int t_shift_;
  uint64_t e_ = 0;
  uint64_t t_ = 0;
};

// |d| of the int64 d that the bits of x stand for (2^63 for INT64_MIN).
uint64_t Magnitude(uint64_t x) { return int64_t(x) < 0 ? 0 - x : x; }

}  // namespace

uint64_t DeltaStep(std::span<const int64_t> v) {
  uint64_t g = 0;
  for (size_t i = 1; i < v.size() && g != 1; ++i) {
    g = std::gcd(g, Magnitude(uint64_t(v[i]) - uint64_t(v[i - 1])));
  }
  return g == 0 ? 1 : g;
}

void PredictionErrors(std::span<const int64_t> v, uint8_t params, uint64_t step, uint64_t* out) {
  Smoother s(params);
  for (size_t i = 1; i < v.size(); ++i) {
    const uint64_t d = uint64_t(v[i]) - uint64_t(v[i - 1]);
    // Exact: step divides |d|.
    const uint64_t k = int64_t(d) < 0 ? 0 - Magnitude(d) / step : d / step;
    out[i - 1] = ZigZag(int64_t(k - s.Predict()));
    s.Update(k);
  }
}

}  // namespace lux::codec
