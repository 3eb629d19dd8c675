// File: predictor.h
// -----------------------------------------------------------------------------
// The prediction transform of integer-pipeline mode 7 (FORMAT.md): each
// value is predicted from the ones before it by a level-and-trend
// exponential smoother (Holt's method) in 16-bit fixed point, and only the
// zigzag prediction error is stored (through rANS, rans.h). On a noisy
// sensor signal a delta doubles the noise variance; a smoothed level costs
// only a fraction of it: ~0.35 bits a value less for the sensor workload.
// All arithmetic is integer and modulo 2^64, so encoder and decoder compute
// the same predictions from the same values, and every int64 column
// round-trips (predictions of wild columns are poor, not wrong). Pure
// functions; thread-safe.
#ifndef LUX_CODEC_PREDICTOR_H_
#define LUX_CODEC_PREDICTOR_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace lux::codec {

// A predictor's parameters, persisted as one byte: the low nibble a (level
// gain 2^-a), the high nibble t (trend gain 2^-t; 0: no trend). Every byte
// is valid. persisted: never change what a value means.
inline constexpr uint8_t PredictorParams(int level_shift, int trend_shift) {
  return uint8_t(level_shift | trend_shift << 4);
}
// Level gain 1/4, trend gain 1/128: within 0.02 bits a value of the model's
// Kalman filter on the sensor workload, for every noise level.
inline constexpr uint8_t kPredictorSmooth = PredictorParams(2, 7);
// Level gain 1, no trend: the prediction is the previous value (a zigzag
// delta), for smooth signals.
inline constexpr uint8_t kPredictorPrevious = PredictorParams(0, 0);

// The step of the column: the greatest common divisor of the magnitudes of
// v[i] - v[i-1] (modulo 2^64), 1 when there are none or all are zero.
uint64_t DeltaStep(std::span<const int64_t> v);

// Writes the n - 1 zigzag prediction errors of v[1..n) to out[0..n-1), the
// values counted in units of `step`.
// REQUIRES: v.size() >= 1; step == DeltaStep(v).
void PredictionErrors(std::span<const int64_t> v, uint8_t params, uint64_t step, uint64_t* out);

// Fractional bits of the smoother's fixed point. Part of the format.
inline constexpr int kPredictorFracBits = 16;

// The decoder's chain: Next(error) takes the zigzag error of the next value
// (already multiplied by the rANS divisor) and returns the value as uint64.
// It computes the same values as the encoder's smoother (predictor.cc) by
// identities modulo 2^64, with a serial chain of 5 operations a value
// instead of ~9. With S = e + t, h = 2^15 and z the error
// (k = ((S + h) >> 16) + z):
//   err = (k << 16) - S = h + (z << 16) - ((S + h) & 0xffff)
// because ((x >> 16) << 16) = x - (x & 0xffff) for an arithmetic shift.
// It keeps R = S + h and Th = t + h, so that
//   R' = e' + t' + h = ((err >> a) - err) + Th'   with Th' = Th + (err >> b).
// k itself, and v += k * step, hang off the chain.
// kA, kB: the parameters' a and t fixed at compile time (the encoder's two
// choices), or -1 to take them from `params` (then kB == -1 requires t != 0;
// kB == 0 is no trend).
template <int kA, int kB>
class PredictionDecoder {
 public:
  PredictionDecoder(uint64_t first, uint8_t params, uint64_t step)
      : a_(kA >= 0 ? kA : params & 15), b_(kB >= 0 ? kB : params >> 4), step_(step), v_(first) {}

  uint64_t Next(uint64_t zigzag_error) {
    constexpr uint64_t kLowMask = (uint64_t{1} << kPredictorFracBits) - 1;
    const uint64_t z = (zigzag_error >> 1) ^ (0 - (zigzag_error & 1));
    const uint64_t k = uint64_t(int64_t(r_) >> kPredictorFracBits) + z;
    const uint64_t err = kHalf + (z << kPredictorFracBits) - (r_ & kLowMask);
    if constexpr (kB != 0) th_ += uint64_t(int64_t(err) >> (kB > 0 ? kB : b_));
    r_ = (uint64_t(int64_t(err) >> (kA >= 0 ? kA : a_)) - err) + th_;
    return v_ += k * step_;
  }
  // As a map of DecodeRans (rans.cc): the error times the rANS divisor.
  uint64_t operator()(uint64_t zigzag_error, uint64_t divisor) {
    return Next(zigzag_error * divisor);
  }

 private:
  static constexpr uint64_t kHalf = uint64_t{1} << (kPredictorFracBits - 1);
  const int a_, b_;
  const uint64_t step_;
  uint64_t v_;
  uint64_t r_ = kHalf, th_ = kHalf;
};

// Calls fn(decoder) with the PredictionDecoder specialised for `params`.
template <typename Fn>
auto WithPredictionDecoder(uint64_t first, uint8_t params, uint64_t step, Fn&& fn) {
  switch (params) {
    case 0x72:  // kPredictorSmooth
      return fn(PredictionDecoder<2, 7>(first, params, step));
    case 0x00:  // kPredictorPrevious
      return fn(PredictionDecoder<0, 0>(first, params, step));
    default:
      if (params >> 4 == 0) return fn(PredictionDecoder<-1, 0>(first, params, step));
      return fn(PredictionDecoder<-1, -1>(first, params, step));
  }
}

}  // namespace lux::codec

#endif  // LUX_CODEC_PREDICTOR_H_
