// The rANS residual stage (mode 6 of the integer pipeline): round trips
// through the pipeline's picker, the stage on its own, hostile input.
#include "engine/codec/rans.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "absl/strings/escaping.h"
#include "engine/codec/format.h"
#include "engine/codec/int_codec.h"
#include "engine/codec/testing/corrupt.h"
#include "engine/codec/testing/int_round_trip.h"
#include "engine/codec/testing/patterns.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

// The rANS stage is for cold data: asked for explicitly.
constexpr EncodeOptions kRans{.allow_rans = true};

std::vector<int64_t> RoundTrip(const std::vector<int64_t>& in, std::string* encoded) {
  return testing::RoundTripInts(in, encoded, kRans);
}
using testing::ModeOf;

// Quantised Gaussian noise of `sigma` steps around a slow walk.
std::vector<int64_t> Noisy(size_t n, double sigma, uint32_t seed, int64_t scale = 1) {
  return testing::NoisyWalk(n, sigma, seed, scale);
}

TEST(RansTest, GoldenBytes) {
  // The stage on its own (FORMAT.md's worked example); too few values for
  // the pipeline to pick it, which GoldenPipelineColumn pins.
  std::vector<uint64_t> u;
  for (int i = 0; i < 8; ++i) u.push_back(uint64_t(i % 3) * 2);
  u.push_back(300);  // a bucket symbol with raw bits
  std::string s;
  AppendRansResiduals(u.data(), u.size(), 2, &s);
  EXPECT_EQ(absl::BytesToHexString(s), "028101d60ad50a8e07007cc7030116089ae24a0438787a00");
  Reader r(s);
  std::vector<uint64_t> out(u.size());
  uint64_t divisor;
  ASSERT_TRUE(ReadRansResiduals(&r, out.size(), out.data(), &divisor).ok());
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(divisor, 2u);
  for (size_t i = 0; i < u.size(); ++i) EXPECT_EQ(out[i] * divisor, u[i]) << i;
}

TEST(RansTest, GoldenPipelineColumn) {
  // 128 values, mostly 0..3 (each half as likely as the one before), one in
  // 16 an outlier in 64..127: ~2.5 bits of entropy against 7 of bit packing.
  std::vector<int64_t> v;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 128; ++i) {
    v.push_back(
        -50 + (rng() % 16 == 0 ? 64 + int64_t(rng() % 64) : std::min(3, std::countr_zero(rng()))));
  }
  std::string s;
  EncodeInts(v, &s, kRans);
  EXPECT_EQ(ModeOf(s), IntMode::kRans);
  EXPECT_EQ(absl::BytesToHexString(s),
            "0601630178800ec0098004a003004220000020001220001720200026edca84003c99791222181b"
            "59279127ec1da6fd102a2f05952a401fcb05b187e1f4038092209e");
}

TEST(RansTest, WinsOnNoiseAndRoundTrips) {
  for (double sigma : {0.8, 1.0, 3.0, 6.0, 40.0}) {
    for (uint32_t seed : {1u, 2u, 3u}) {
      const auto in = Noisy(8192, sigma, seed);
      std::string encoded;
      EXPECT_EQ(RoundTrip(in, &encoded), in);
      // Mode 7 (predictor_test.cc) where the walk's level helps.
      EXPECT_TRUE(ModeOf(encoded) == IntMode::kRans || ModeOf(encoded) == IntMode::kPredict)
          << "sigma " << sigma;
      // Entropy of the delta of the noise: log2(sigma * sqrt(2) * sqrt(2 pi e)).
      const double entropy = std::log2(std::max(sigma, 0.8) * std::sqrt(2) * 4.1327);
      EXPECT_LE(encoded.size() * 8.0 / in.size(), entropy + 0.5) << "sigma " << sigma;
    }
  }
}

TEST(RansTest, RoundTripsNarrowWideAndOddSizes) {
  std::mt19937_64 rng(11);
  using L = std::numeric_limits<int64_t>;
  std::vector<std::vector<int64_t>> cases;
  for (size_t n :
       {size_t{1}, size_t{2}, size_t{63}, size_t{64}, size_t{65}, size_t{513}, size_t{8192}}) {
    cases.push_back(Noisy(n, 2.0, uint32_t(n)));
    cases.push_back(Noisy(n, 2.0, uint32_t(n), 1000));  // common divisor
    std::vector<int64_t> wide(n), extremes(n), skewed(n);
    for (size_t i = 0; i < n; ++i) {
      wide[i] = int64_t(rng());
      extremes[i] = rng() % 2 ? L::min() : L::max();
      // Mostly small, sometimes up to 2^62: bucket symbols with raw bits.
      skewed[i] = rng() % 8 ? int64_t(rng() % 16) : int64_t(rng() >> (2 + rng() % 60));
    }
    cases.push_back(wide);
    cases.push_back(extremes);
    cases.push_back(skewed);
  }
  cases.push_back(Noisy(kMaxBlockValues, 3.0, 5));
  for (const auto& in : cases) {
    std::string encoded;
    EXPECT_EQ(RoundTrip(in, &encoded), in) << "size " << in.size();
  }
  // The stage alone on every symbol kind, including the widest bucket.
  std::vector<uint64_t> u;
  for (int b = 0; b <= 64; ++b) u.push_back(b == 0 ? 0 : ~uint64_t{0} >> (64 - b));
  for (int i = 0; i < 1000; ++i) u.push_back(rng() >> (rng() % 64));
  std::string s;
  AppendRansResiduals(u.data(), u.size(), 1, &s);
  Reader r(s);
  std::vector<uint64_t> out(u.size());
  uint64_t divisor;
  ASSERT_TRUE(ReadRansResiduals(&r, out.size(), out.data(), &divisor).ok());
  EXPECT_EQ(out, u);
}

TEST(RansTest, ConstantAndRunsStayWithRle) {
  std::string encoded;
  RoundTrip(std::vector<int64_t>(8192, 42), &encoded);
  EXPECT_NE(ModeOf(encoded), IntMode::kRans);
  EXPECT_LE(encoded.size(), 24u);
  std::vector<int64_t> runs;
  for (int r = 0; r < 40; ++r) runs.insert(runs.end(), 200, int64_t(r * 7919 % 1000));
  RoundTrip(runs, &encoded);
  EXPECT_EQ(ModeOf(encoded), IntMode::kRle);
}

std::string NoisyColumn() {
  // Noise around a constant: FOR beats any predictor.
  std::mt19937_64 rng(9);
  std::normal_distribution<double> g(0, 3);
  std::vector<int64_t> v(4096);
  for (int64_t& x : v) x = 1000 + std::llround(g(rng));
  std::string s;
  EncodeInts(v, &s, kRans);
  EXPECT_EQ(ModeOf(s), IntMode::kRans);
  return s;
}

TEST(RansTest, TruncatedInputIsDataLoss) {
  const std::string s = NoisyColumn();
  std::vector<int64_t> out(4096);
  for (size_t len = 0; len < s.size(); ++len) {
    Reader r(std::string_view(s.data(), len));
    auto st = DecodeInts(&r, out.size(), out.data());
    EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss) << "length " << len;
  }
}

TEST(RansTest, BitFlipsAreDetectedOrHarmless) {
  // A flip in the stream or table must fail (the final states no longer
  // match, or a check trips); a flip in a header value may decode to other
  // values but never crashes or reads outside the buffer.
  const auto c = testing::FlipEveryBit(NoisyColumn(), 4096);
  EXPECT_EQ(c.not_data_loss, 0u);
  EXPECT_GE(c.rejected * 100, c.flips * 95) << c.rejected << " of " << c.flips << " flips detected";
}

TEST(RansTest, HostileTables) {
  auto decode = [](const std::string& s, size_t m) {
    Reader r(s);
    std::vector<uint64_t> out(m);
    uint64_t divisor;
    return ReadRansResiduals(&r, m, out.data(), &divisor).code();
  };
  using absl::StatusCode;
  // divisor 1, table size, frequencies, raw-bit bytes, stream bytes.
  const std::string states = std::string("\x00\x00\x01\x00\x00\x00\x01\x00", 8);
  // One symbol with all of the scale: a valid column of zeros.
  EXPECT_EQ(decode(std::string("\x01\x01\x80\x20\x00\x08", 6) + states, 5), StatusCode::kOk);
  EXPECT_EQ(decode(std::string("\x00\x01\x80\x20\x00\x08", 6) + states, 5),
            StatusCode::kDataLoss);                                             // zero divisor
  EXPECT_EQ(decode(std::string("\x01\x00", 2), 5), StatusCode::kDataLoss);      // empty table
  EXPECT_EQ(decode(std::string("\x01\xe5\x02", 3), 5), StatusCode::kDataLoss);  // 357 symbols
  EXPECT_EQ(decode(std::string("\x01\x02\x80\x20\x01\x00\x08", 7) + states, 5),
            StatusCode::kDataLoss);  // sum over the scale
  EXPECT_EQ(decode(std::string("\x01\x02\x80\x10\x01\x00\x08", 7) + states, 5),
            StatusCode::kDataLoss);  // sum short of the scale
  EXPECT_EQ(decode(std::string("\x01\x02\x00\x05", 4), 5),
            StatusCode::kDataLoss);  // zero run past the table
  EXPECT_EQ(decode(std::string("\x01\x02\x00\x00\x80\x20\x00\x08", 8) + states, 5),
            StatusCode::kOk);  // symbol 0 unused, symbol 1 everything
  EXPECT_EQ(decode(std::string("\x01\x01\xff\xff\xff\xff\x0f", 7), 5),
            StatusCode::kDataLoss);  // huge frequency
  EXPECT_EQ(decode(std::string("\x01\x01\x80\x20\x00\x07", 6) + states.substr(0, 7), 5),
            StatusCode::kDataLoss);  // stream shorter than the states
  EXPECT_EQ(decode(std::string("\x01\x01\x80\x20\x00\x08", 6) +
                       std::string("\xff\xff\xff\x7f\x00\x00\x01\x00", 8),
                   5),
            StatusCode::kDataLoss);  // state that is not the final one
  EXPECT_EQ(decode(std::string("\x01\x01\x80\x20\x00\x08", 6) +
                       std::string("\xff\xff\x00\x00\x00\x00\x01\x00", 8),
                   5),
            StatusCode::kDataLoss);  // state out of range
  EXPECT_EQ(decode(std::string("\x01\x01\x80\x20\x00\xff\xff\x03", 8) + states, 5),
            StatusCode::kDataLoss);  // stream length past the input
  EXPECT_EQ(decode(std::string("\x01\x01\x80\x20\x01\x00\x08", 7) + states, 5),
            StatusCode::kDataLoss);  // raw bits left over
  EXPECT_EQ(decode(std::string("\x01\x01\x80\x20\x00\x09", 6) + states + "x", 5),
            StatusCode::kDataLoss);  // stream bytes left over
  // Hostile tables through the pipeline: unknown transform, delta of one value.
  std::vector<int64_t> out(5);
  const std::string unknown_transform("\x06\x03\x00", 3);  // Reader keeps a view: named
  Reader r1(unknown_transform);
  EXPECT_EQ(DecodeInts(&r1, 5, out.data()).code(), StatusCode::kDataLoss);
  const std::string one_delta =
      std::string("\x06\x02\x00\x00\x01\x01\x80\x20\x00\x08", 10) + states;
  Reader r2(one_delta);
  EXPECT_EQ(DecodeInts(&r2, 1, out.data()).code(), StatusCode::kDataLoss);
}

TEST(RansTest, HostileCoarseTables) {
  auto decode = [](const std::string& s, size_t m) {
    Reader r(s);
    std::vector<uint64_t> out(m);
    uint64_t divisor;
    return ReadRansResiduals(&r, m, out.data(), &divisor);
  };
  using absl::StatusCode;
  const std::string states = std::string("\x00\x00\x01\x00\x00\x00\x01\x00", 8);
  // divisor 1, table size 1024 + 1 (coarse, one symbol), its weight code 1
  // in 7 bits, no raw bits, the two final states: a valid column of zeros.
  EXPECT_TRUE(decode(std::string("\x01\x81\x08\x01\x00\x08", 6) + states, 5).ok());
  auto message = [&](const std::string& s) { return std::string(decode(s, 5).message()); };
  EXPECT_EQ(decode(std::string("\x01\x81\x08\x00\x00\x08", 6) + states, 5).code(),
            StatusCode::kDataLoss);
  EXPECT_NE(message(std::string("\x01\x81\x08\x00\x00\x08", 6) + states)
                .find("coarse table without symbols"),
            std::string::npos);
  EXPECT_NE(message(std::string("\x01\x81\x08\x7d\x00\x08", 6) + states).find("weight code 125"),
            std::string::npos);
  EXPECT_NE(
      message(std::string("\x01\x81\x08\x81\x00\x08", 6) + states).find("nonzero padding bits"),
      std::string::npos);
  EXPECT_NE(message(std::string("\x01\xe5\x0a", 3)).find("coarse table size 357"),
            std::string::npos);
  EXPECT_NE(message(std::string("\x01\x82\x08\x01", 4)).find("truncated coarse table"),
            std::string::npos);
  EXPECT_NE(
      message(std::string("\x01\x82\x08\x01\x00\x00\x00\x00", 8)).find("bad weight difference"),
      std::string::npos);
  // Symbol 1's code: 1 + zigzag difference 2 (+1) as Exp-Golomb 0,1,1: both
  // symbols present. The rANS stream then has to hold them; these states do
  // not decode five values of one symbol.
  EXPECT_EQ(decode(std::string("\x01\x82\x08\x01\x03\x00\x08", 7) + states, 5).code(),
            StatusCode::kDataLoss);
}

// On full blocks of sensor noise the coarse table wins: the column shrinks
// by most of the exact table's ~1.5 bytes a symbol and still round-trips.
TEST(RansTest, CoarseTablesPayOffOnFullBlocks) {
  for (double sigma : {0.8, 3.0, 6.0}) {
    const auto in = Noisy(8640, sigma, 11);
    std::string encoded;
    EXPECT_EQ(RoundTrip(in, &encoded), in);
    std::vector<uint64_t> u;  // the residuals of mode 6 over FOR: v - min
    const int64_t mn = *std::min_element(in.begin(), in.end());
    for (int64_t v : in) u.push_back(uint64_t(v - mn));
    std::string s;
    AppendRansResiduals(u.data(), u.size(), 1, &s);
    Reader r(s);
    uint64_t divisor, size;
    ASSERT_TRUE(r.GetVarint64(&divisor) && r.GetVarint64(&size));
    EXPECT_GT(size, 1024u) << "sigma " << sigma << ": the coarse table is the smaller";
    EXPECT_LE(s.size(), EstimateRansResidualsSize(u.data(), u.size(), 1) + 4);
  }
}

TEST(RansTest, HotEncodingDoesNotUseIt) {
  std::string s;
  const auto in = Noisy(4096, 3.0, 9);
  EncodeInts(in, &s);
  Reader r(s);
  std::vector<int64_t> out(in.size());
  ASSERT_TRUE(DecodeInts(&r, in.size(), out.data()).ok());
  EXPECT_EQ(out, in);
  EXPECT_NE(static_cast<uint8_t>(s[0]), static_cast<uint8_t>(IntMode::kRans));
}

}  // namespace
}  // namespace lux::codec
