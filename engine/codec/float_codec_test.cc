#include "engine/codec/float_codec.h"

#include <bit>
#include <vector>

#include "engine/codec/testing/patterns.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

ColumnCodec RoundTrip(const std::vector<double>& in) {
  std::string buf;
  const ColumnCodec codec = EncodeFloats(in, &buf);
  std::vector<double> out(in.size());
  EXPECT_TRUE(DecodeFloats(codec, buf, in.size(), out.data()).ok());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint64_t>(out[i]), std::bit_cast<uint64_t>(in[i])) << i;
  }
  return codec;
}

TEST(FloatCodecTest, PicksDecimalForReadingsAndGorillaForNoise) {
  EXPECT_EQ(RoundTrip(testing::SensorValues(4096, 2, 1)), ColumnCodec::kFloatDecimal);
  EXPECT_EQ(RoundTrip(testing::RandomBitsValues(4096, 1)), ColumnCodec::kFloatGorilla);
  EXPECT_EQ(RoundTrip(testing::SpecialValues()), ColumnCodec::kFloatGorilla);
  RoundTrip({});
  RoundTrip({-0.0});
}

TEST(FloatCodecTest, RejectsUnknownCodec) {
  double out[1];
  EXPECT_EQ(DecodeFloats(ColumnCodec::kIntPipeline, "x", 1, out).code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace lux::codec
