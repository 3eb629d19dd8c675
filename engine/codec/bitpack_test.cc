#include "engine/codec/bitpack.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace lux::codec {
namespace {

TEST(BitpackTest, RoundTripsEveryWidthAndLength) {
  std::mt19937_64 rng(7);
  for (int width = 0; width <= 64; ++width) {
    const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    for (size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 63, 100, 1000}) {
      std::vector<uint64_t> in(n);
      for (auto& v : in) v = rng() & mask;
      std::string packed = "prefix";
      PackBits(in.data(), n, width, &packed);
      ASSERT_EQ(packed.size(), 6 + PackedSize(n, width));
      ASSERT_EQ(packed.substr(0, 6), "prefix");
      // Unpack from an exactly sized heap copy so ASan sees any overread.
      std::vector<char> exact(packed.begin() + 6, packed.end());
      std::vector<uint64_t> out(n, 12345);
      UnpackBits(exact.data(), n, width, out.data());
      ASSERT_EQ(out, in) << "width " << width << " n " << n;
    }
  }
}

TEST(BitpackTest, PacksLsbFirst) {
  const uint64_t in[] = {1, 2, 3, 0};
  std::string packed;
  PackBits(in, 4, 2, &packed);
  // 01 | 10 | 11 | 00 from the lowest bit: 0b00111001.
  ASSERT_EQ(packed.size(), 1u);
  EXPECT_EQ(static_cast<uint8_t>(packed[0]), 0b00111001);
}

}  // namespace
}  // namespace lux::codec
