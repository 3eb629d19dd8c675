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

// The inverse, in place: u[1..n) holds the zigzag errors, each still to be
// multiplied by `divisor` (modulo 2^64); on return u[0..n) holds the values
// as uint64, u[0] = first. Any input gives some values: the caller has
// checked the bytes they came from.
// REQUIRES: n >= 1.
void ApplyPredictions(uint64_t first, uint8_t params, uint64_t step, uint64_t divisor, uint64_t* u,
                      size_t n);

}  // namespace lux::codec

#endif  // LUX_CODEC_PREDICTOR_H_
