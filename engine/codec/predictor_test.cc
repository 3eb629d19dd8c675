// Integer-pipeline mode 7: the predictor on its own, columns built by hand
// (any values, any parameters), the pipeline's pick, hostile input.
#include "engine/codec/predictor.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "absl/strings/escaping.h"
#include "engine/codec/format.h"
#include "engine/codec/int_codec.h"
#include "engine/codec/rans.h"
#include "engine/codec/testing/corrupt.h"
#include "engine/codec/testing/patterns.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

constexpr EncodeOptions kCold{.allow_rans = true};
using L = std::numeric_limits<int64_t>;

std::string Hex(const std::string& s) { return absl::BytesToHexString(s); }

// A mode-7 column of v with `params`, whatever the pipeline would pick.
std::string PredictedColumn(const std::vector<int64_t>& v, uint8_t params) {
  const uint64_t step = DeltaStep(v);
  std::vector<uint64_t> errors(v.size() - 1);
  PredictionErrors(v, params, step, errors.data());
  std::string s = {static_cast<char>(IntMode::kPredict), static_cast<char>(params)};
  PutVarint64(&s, ZigZag(v[0]));
  PutVarint64(&s, step);
  AppendRansResiduals(errors.data(), errors.size(), 1, &s);
  return s;
}

absl::Status Decode(const std::string& s, size_t n, std::vector<int64_t>* out) {
  Reader r(s);
  out->assign(n, 0);
  absl::Status st = DecodeInts(&r, n, out->data());
  if (st.ok() && !r.empty()) return absl::DataLossError("trailing bytes");
  return st;
}

// The sensor workload's signal: mean reversion as in bench/workload.
std::vector<int64_t> Sensor(size_t n, double sigma, uint32_t seed, int64_t scale = 1) {
  return testing::NoisyWalk(n, sigma, seed, scale, 0.01);
}

TEST(PredictorTest, GoldenErrors) {
  // FORMAT.md's worked example, step by step.
  const std::vector<int64_t> v = {100, 102, 101, 105, 104, 106};
  EXPECT_EQ(DeltaStep(v), 1u);
  std::vector<uint64_t> e(v.size() - 1);
  PredictionErrors(v, kPredictorSmooth, 1, e.data());
  EXPECT_EQ(e, (std::vector<uint64_t>{4, 0, 8, 4, 8}));
  PredictionErrors(v, kPredictorPrevious, 1, e.data());
  EXPECT_EQ(e, (std::vector<uint64_t>{4, 1, 8, 1, 4}));  // zigzag deltas
  EXPECT_EQ(DeltaStep(std::vector<int64_t>{7, 7, 7}), 1u);
  EXPECT_EQ(DeltaStep(std::vector<int64_t>{30, 10, 40}), 10u);
  EXPECT_EQ(DeltaStep(std::vector<int64_t>{L::min(), 0, L::min()}), uint64_t{1} << 63);
}

TEST(PredictorTest, DecodesTheWorkedExample) {
  const std::string s = absl::HexStringToBytes(
      "0772c80101"
      "0109b3060002e70c0002e60c000807e60f0010600c00");
  std::vector<int64_t> out;
  ASSERT_TRUE(Decode(s, 6, &out).ok());
  EXPECT_EQ(out, (std::vector<int64_t>{100, 102, 101, 105, 104, 106}));
  EXPECT_EQ(Hex(PredictedColumn(out, kPredictorSmooth)), Hex(s));
}

TEST(PredictorTest, GoldenPipelineColumn) {
  std::string s;
  EncodeInts(Sensor(320, 2.0, 7), &s, kCold);
  EXPECT_EQ(static_cast<IntMode>(s[0]), IntMode::kPredict);
  // 07 mode, 72 parameters, cc0f first value, 01 step, 01 divisor, 8d08 a
  // coarse table of 13 symbols (1024 + 13) in 8 bytes, then raw bits and stream.
  EXPECT_EQ(
      Hex(s),
      "0772cc0f01018d089852110443103407008601c57f0f4305b41106e38b5ec3382adc91355d1d201e3f6cefee"
      "42f453c6564ca5739b8bbdbae9828511944b92ec0eb373c53a22ffade9cc84e6a83d15563d589d424cf0f1a8"
      "63c8fd9323c65a164d69892f058dd91992cc83da98805fdb9f00edaa10194837668ce5565a9db6dab3eac27c"
      "dd08564782de44c5a7ab94467e74b3c52751dae140");
}

// Sessions 3-4 wrote the same column with the exact 4096-scale table
// (13 varint frequencies, 26 bytes); it still decodes.
TEST(PredictorTest, ExactTableColumnStillDecodes) {
  const std::string old = absl::HexStringToBytes(
      "0772cc0f01010d8f059c05e804ce038204f4028e028d01cd015a400d1a008601bc7fe33ba302ed04ae3c9cf3"
      "b42a0e70d8fd8c70a6355effc3539192ab552151c48c560d6e2a9a154934a2e1b5ce781440bae25efe79b733"
      "b9d8795700cdd34d7acc07afabce2ccde0246ee9b19df399af126be924319fb4c1788dbfe55fa00d4052e1b8"
      "6f75b185bb5982952ee49e744bfd26d622e2f454aad7bd94686eb5048bd8035b67e1");
  std::vector<int64_t> out;
  ASSERT_TRUE(Decode(old, 320, &out).ok());
  EXPECT_EQ(out, Sensor(320, 2.0, 7));
  std::string now;
  EncodeInts(Sensor(320, 2.0, 7), &now, kCold);
  EXPECT_LT(now.size() + 12, old.size());
}

TEST(PredictorTest, HandBuiltColumnsRoundTrip) {
  std::mt19937_64 rng(17);
  std::vector<std::vector<int64_t>> cases = {
      {5},
      {L::min()},
      {L::min(), L::max()},
      {L::min(), L::max(), 0, -1, 1, L::max(), L::min()},
      std::vector<int64_t>(100, L::max()),
      std::vector<int64_t>(100, -77),
      Sensor(1, 1.0, 1),
      Sensor(2, 1.0, 2),
      Sensor(8192, 6.0, 3),
      Sensor(8192, 0.8, 4, 1000),  // a common step
  };
  std::vector<int64_t> alternating, wide, extremes, ramp;
  for (int i = 0; i < 4096; ++i) {
    alternating.push_back(i % 2 ? L::max() : L::min());
    wide.push_back(int64_t(rng()));
    extremes.push_back(rng() % 2 ? L::min() : L::max() - int64_t(rng() % 3));
    ramp.push_back(int64_t(uint64_t(L::min()) + (uint64_t(i) << 52)));  // wraps around
  }
  cases.insert(cases.end(), {alternating, wide, extremes, ramp});
  for (const auto& in : cases) {
    for (uint8_t params : {kPredictorSmooth, kPredictorPrevious, uint8_t{0xff}, uint8_t{0x0f},
                           uint8_t{0xf1}, uint8_t(rng())}) {
      if (in.size() < 2) continue;  // mode 7 holds n >= 2 values
      std::vector<int64_t> out;
      ASSERT_TRUE(Decode(PredictedColumn(in, params), in.size(), &out).ok());
      EXPECT_EQ(out, in) << "size " << in.size() << " params " << int(params);
    }
  }
}

TEST(PredictorTest, PipelineRoundTripsAndPicksItForSensorNoise) {
  for (double sigma : {0.8, 1.0, 3.0, 4.0, 6.0}) {
    const auto in = Sensor(8192, sigma, 5);
    std::string s;
    EncodeInts(in, &s, kCold);
    EXPECT_EQ(static_cast<IntMode>(s[0]), IntMode::kPredict) << "sigma " << sigma;
    std::vector<int64_t> out;
    ASSERT_TRUE(Decode(s, in.size(), &out).ok());
    EXPECT_EQ(out, in);
    // The noise's own entropy, log2(sigma·sqrt(2πe)), plus at most 0.35
    // bits (a delta costs 0.5 more).
    const double entropy = std::log2(sigma * 4.1327);
    EXPECT_LE(s.size() * 8.0 / in.size(), entropy + 0.35) << "sigma " << sigma;
  }
  for (size_t n : {size_t{1}, size_t{63}, size_t{64}, size_t{65}, kMaxBlockValues}) {
    const auto in = Sensor(n, 2.0, uint32_t(n));
    std::string s = "xyz";
    EncodeInts(in, &s, kCold);
    EXPECT_LE(s.size() - 3, MaxEncodedIntsSize(n));
    std::vector<int64_t> out;
    ASSERT_TRUE(Decode(s.substr(3), n, &out).ok()) << n;
    EXPECT_EQ(out, in) << n;
  }
}

TEST(PredictorTest, HotEncodingDoesNotUseIt) {
  std::string s;
  EncodeInts(Sensor(4096, 3.0, 9), &s);
  EXPECT_NE(static_cast<IntMode>(s[0]), IntMode::kPredict);
}

TEST(PredictorTest, TruncatedInputIsDataLoss) {
  std::string s;
  const auto in = Sensor(4096, 3.0, 9);
  EncodeInts(in, &s, kCold);
  ASSERT_EQ(static_cast<IntMode>(s[0]), IntMode::kPredict);
  for (size_t len = 0; len < s.size(); ++len) {
    std::vector<int64_t> out;
    EXPECT_EQ(Decode(s.substr(0, len), in.size(), &out).code(), absl::StatusCode::kDataLoss)
        << "length " << len;
  }
}

TEST(PredictorTest, BitFlipsAreDetectedOrHarmless) {
  // A flip in the rANS table or stream fails; one in the parameters, first
  // value or step decodes other values (the block checksum is what catches
  // it) but never crashes.
  std::string s;
  EncodeInts(Sensor(4096, 3.0, 9), &s, kCold);
  ASSERT_EQ(static_cast<IntMode>(s[0]), IntMode::kPredict);
  const auto c = testing::FlipEveryBit(s, 4096);
  EXPECT_EQ(c.not_data_loss, 0u);
  EXPECT_GE(c.rejected * 100, c.flips * 95) << c.rejected << " of " << c.flips << " flips detected";
}

TEST(PredictorTest, HostileHeaders) {
  const std::string good = PredictedColumn({1, 2, 3, 5}, kPredictorSmooth);
  std::vector<int64_t> out;
  ASSERT_TRUE(Decode(good, 4, &out).ok());
  EXPECT_EQ(Decode(good, 1, &out).code(), absl::StatusCode::kDataLoss);  // n < 2
  EXPECT_EQ(Decode(good, 0, &out).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Decode(good, 5, &out).code(), absl::StatusCode::kDataLoss);  // count mismatch
  std::string zero_step = good;
  ASSERT_EQ(zero_step[3], '\x01');  // 07 72 zz(1) = 02, step 01
  zero_step[3] = '\x00';
  EXPECT_EQ(Decode(zero_step, 4, &out).code(), absl::StatusCode::kDataLoss);
  // Too deep: mode 7 inside nothing else is fine, but a 10-byte varint
  // first value with a continuation bit on its last byte is not.
  std::string bad_varint = "\x07\x72" + std::string(10, '\xff');
  EXPECT_EQ(Decode(bad_varint, 4, &out).code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace lux::codec
