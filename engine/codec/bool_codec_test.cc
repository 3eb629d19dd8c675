#include "engine/codec/bool_codec.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace lux::codec {
namespace {

ColumnCodec RoundTrip(const std::vector<uint8_t>& in, size_t* size) {
  std::string buf;
  const ColumnCodec codec = EncodeBools(in, &buf);
  *size = buf.size();
  std::vector<char> exact(buf.begin(), buf.end());
  std::vector<uint8_t> out(in.size());
  EXPECT_TRUE(
      DecodeBools(codec, std::string_view(exact.data(), exact.size()), in.size(), out.data()).ok());
  for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], in[i] != 0) << i;
  return codec;
}

TEST(BoolCodecTest, RunsForStableSignalsBitmapForNoise) {
  size_t size;
  std::vector<uint8_t> stable(4096, 0);
  std::fill(stable.begin() + 1000, stable.begin() + 3000, 1);
  EXPECT_EQ(RoundTrip(stable, &size), ColumnCodec::kBoolRuns);
  EXPECT_LE(size, 16u);
  std::mt19937 rng(1);
  std::vector<uint8_t> noise(4096);
  for (auto& b : noise) b = rng() % 2;
  EXPECT_EQ(RoundTrip(noise, &size), ColumnCodec::kBoolBitmap);
  EXPECT_EQ(size, 512u);
  std::vector<uint8_t> odd = {1, 0, 7, 0, 0};  // any non-zero byte is true
  RoundTrip(odd, &size);
  RoundTrip({}, &size);
}

TEST(BoolCodecTest, CorruptInputIsDataLoss) {
  uint8_t out[16];
  EXPECT_FALSE(DecodeBools(ColumnCodec::kBoolBitmap, "\x01", 16, out).ok()) << "short bitmap";
  EXPECT_FALSE(DecodeBools(ColumnCodec::kBoolBitmap, "\xff", 3, out).ok()) << "padding bits set";
  EXPECT_FALSE(DecodeBools(ColumnCodec::kBoolRuns, std::string_view("\x02\x01", 2), 3, out).ok());
  EXPECT_FALSE(DecodeBools(ColumnCodec::kTsDeltaOfDelta, "", 0, out).ok());
  std::mt19937_64 rng(2);
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<char> junk(rng() % 32);
    for (auto& c : junk) c = static_cast<char>(rng());
    (void)DecodeBools(ColumnCodec::kBoolRuns, std::string_view(junk.data(), junk.size()),
                      rng() % 16, out)
        .ok();
  }
}

}  // namespace
}  // namespace lux::codec
