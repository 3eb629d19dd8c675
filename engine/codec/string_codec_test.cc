#include "engine/codec/string_codec.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace lux::codec {
namespace {

ColumnCodec RoundTrip(const std::vector<std::string>& in) {
  std::string buf;
  const ColumnCodec codec = EncodeStrings(in, &buf);
  std::vector<char> exact(buf.begin(), buf.end());
  std::vector<std::string> out;
  EXPECT_TRUE(
      DecodeStrings(codec, std::string_view(exact.data(), exact.size()), in.size(), &out).ok());
  EXPECT_EQ(out, in);
  return codec;
}

TEST(StringCodecTest, DictionaryForStatesZstdForText) {
  std::vector<std::string> states;
  for (int i = 0; i < 1000; ++i) states.push_back(i % 3 ? "ok" : "degraded");
  EXPECT_EQ(RoundTrip(states), ColumnCodec::kStringDict);
  std::mt19937 rng(4);
  std::vector<std::string> logs;
  for (int i = 0; i < 500; ++i) {
    logs.push_back("pump " + std::to_string(rng() % 100000) + " pressure " +
                   std::to_string(rng() % 1000) + " kPa");
  }
  EXPECT_EQ(RoundTrip(logs), ColumnCodec::kStringZstd);
  RoundTrip({});
  RoundTrip({""});
  RoundTrip({std::string("\0\xff\n,=\"", 6), "", "x"});
}

TEST(StringCodecTest, CorruptInputIsDataLoss) {
  std::vector<std::string> out;
  std::string buf;
  ColumnCodec codec = EncodeStrings(std::vector<std::string>{"alpha", "beta", "alpha"}, &buf);
  for (size_t len = 0; len < buf.size(); ++len) {
    std::vector<char> exact(buf.begin(), buf.begin() + len);
    EXPECT_FALSE(DecodeStrings(codec, std::string_view(exact.data(), len), 3, &out).ok()) << len;
  }
  std::mt19937_64 rng(3);
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<char> junk(rng() % 40);
    for (auto& c : junk) c = static_cast<char>(rng());
    auto c = rng() % 2 ? ColumnCodec::kStringDict : ColumnCodec::kStringZstd;
    (void)DecodeStrings(c, std::string_view(junk.data(), junk.size()), rng() % 20, &out).ok();
  }
}

}  // namespace
}  // namespace lux::codec
