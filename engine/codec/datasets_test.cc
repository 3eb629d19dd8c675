// Every file of ../shared/datasets round-trips bit-exactly through blocks of
// several sizes, and the engine's pick is never larger than Gorilla alone.
#include "engine/codec/testing/datasets.h"

#include <bit>
#include <filesystem>
#include <vector>

#include "engine/codec/block.h"
#include "engine/codec/float_codec.h"
#include "engine/codec/gorilla_codec.h"
#include "gtest/gtest.h"

namespace lux::codec {
namespace {

TEST(DatasetsTest, EveryDatasetRoundTripsBitExactly) {
  if (!std::filesystem::is_directory(LUX_DATASETS_DIR)) {
    GTEST_SKIP() << "no datasets at " << LUX_DATASETS_DIR
                 << " (the repository's ../shared/datasets; set -DLUX_DATASETS_DIR)";
  }
  const auto files = testing::ListDatasets(LUX_DATASETS_DIR);
  ASSERT_GE(files.size(), 7u) << "datasets missing under " << LUX_DATASETS_DIR;
  for (const auto& file : files) {
    auto d = testing::LoadDataset(file);
    ASSERT_TRUE(d.ok()) << d.status();
    std::vector<int64_t> ts = d->timestamps;
    if (ts.empty()) {
      for (size_t i = 0; i < d->values.size(); ++i) ts.push_back(int64_t(i) * 60'000'000'000);
    }
    for (size_t block_size : {1, 1000, 8192}) {
      size_t lux_bytes = 0, gorilla_bytes = 0;
      for (size_t start = 0; start < d->values.size(); start += block_size) {
        const size_t n = std::min(block_size, d->values.size() - start);
        std::span<const double> v(d->values.data() + start, n);
        std::span<const int64_t> t(ts.data() + start, n);
        std::string block, col, g;
        EncodeBlock(t, v, &block);
        EncodeFloats(v, &col);
        EncodeGorilla(v, &g);
        lux_bytes += col.size();
        gorilla_bytes += g.size();
        BlockHeader h;
        std::vector<int64_t> dts;
        BlockValues dv;
        ASSERT_TRUE(DecodeBlock(block, &h, &dts, &dv).ok()) << d->name;
        const auto& got = std::get<std::vector<double>>(dv);
        for (size_t i = 0; i < n; ++i) {
          ASSERT_EQ(std::bit_cast<uint64_t>(got[i]), std::bit_cast<uint64_t>(v[i]))
              << d->name << " value " << start + i;
          ASSERT_EQ(dts[i], t[i]);
        }
      }
      EXPECT_LE(lux_bytes, gorilla_bytes) << d->name << " block size " << block_size;
    }
  }
}

}  // namespace
}  // namespace lux::codec
