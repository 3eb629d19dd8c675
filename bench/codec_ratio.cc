// codec_ratio [--block-size N] FILE...
//
// Compression ratio and speed of the float codecs over dataset files
// (`value` or `value,timestamp` per line). Prints CSV:
//   file,values,codec,bits_per_value,encode_mvalues_s,decode_mvalues_s
// Value rows: gorilla, decimal, zstd3 (level 3 over each block's raw
// doubles), lux (the engine's per-block pick, plus its 1-byte codec id) and
// lux_cold (the same with the rANS and zstd stages, for cold partitions and
// Options::entropy_coding);
// ts_dod for the timestamp column (the engine's pick of timestamp codec) of
// files with timestamps; zstd19_file for zstd -19 over the whole file's text
// (bits per value), the stretch target. Speeds are the best of several runs
// on one core.
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "engine/codec/block.h"
#include "engine/codec/decimal_codec.h"
#include "engine/codec/float_codec.h"
#include "engine/codec/gorilla_codec.h"
#include "engine/codec/testing/datasets.h"
#include "engine/codec/timestamp_codec.h"

namespace {

using Clock = std::chrono::steady_clock;
using lux::codec::ColumnCodec;

struct Column {
  size_t n;
  ColumnCodec codec;
  std::string bytes;
};

struct Result {
  size_t bytes = 0;
  double encode_s = 0;
  double decode_s = 0;
};

// Runs fn until at least 0.3 s have passed (at least 3 times) and returns the
// fastest run in seconds.
double BestOf(const std::function<void()>& fn) {
  double best = 1e30, total = 0;
  for (int i = 0; i < 3 || total < 0.3; ++i) {
    auto t0 = Clock::now();
    fn();
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::min(best, s);
    total += s;
  }
  return best;
}

template <typename Encode, typename Decode>
Result Measure(const std::vector<std::span<const double>>& blocks, Encode encode, Decode decode) {
  std::vector<Column> cols(blocks.size());
  Result r;
  r.encode_s = BestOf([&] {
    for (size_t i = 0; i < blocks.size(); ++i) {
      cols[i].n = blocks[i].size();
      cols[i].bytes.clear();
      cols[i].codec = encode(blocks[i], &cols[i].bytes);
    }
  });
  for (const auto& c : cols) r.bytes += c.bytes.size();
  std::vector<double> out(lux::codec::kMaxBlockValues);
  // Verify once, then time decoding alone.
  for (size_t i = 0; i < cols.size(); ++i) {
    if (!decode(cols[i], out.data()) ||
        std::memcmp(out.data(), blocks[i].data(), cols[i].n * sizeof(double)) != 0) {
      std::fprintf(stderr, "round trip failed in block %zu\n", i);
      std::exit(1);
    }
  }
  r.decode_s = BestOf([&] {
    for (size_t i = 0; i < cols.size(); ++i) {
      if (!decode(cols[i], out.data())) std::exit(1);
    }
  });
  return r;
}

void Row(const std::string& file, size_t n, const char* codec, double bits, double enc_s,
         double dec_s) {
  std::printf("%s,%zu,%s,%.3f,%.1f,%.1f\n", file.c_str(), n, codec, bits, n / enc_s / 1e6,
              n / dec_s / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  size_t block_size = lux::codec::kDefaultBlockValues;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--block-size" && i + 1 < argc) {
      block_size = std::strtoul(argv[++i], nullptr, 10);
    } else if (a == "--help" || a == "-h") {
      std::printf("usage: codec_ratio [--block-size N] FILE...\n");
      return 0;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty() || block_size == 0 || block_size > lux::codec::kMaxBlockValues) {
    std::fprintf(stderr, "usage: codec_ratio [--block-size N (1..%zu)] FILE...\n",
                 lux::codec::kMaxBlockValues);
    return 2;
  }
  std::printf("file,values,codec,bits_per_value,encode_mvalues_s,decode_mvalues_s\n");
  for (const auto& path : files) {
    auto d = lux::codec::testing::LoadDataset(path);
    if (!d.ok()) {
      std::fprintf(stderr, "%s\n", d.status().ToString().c_str());
      return 1;
    }
    const size_t n = d->values.size();
    std::vector<std::span<const double>> blocks;
    for (size_t s = 0; s < n; s += block_size) {
      blocks.emplace_back(d->values.data() + s, std::min(block_size, n - s));
    }
    auto bits = [&](const Result& r) { return r.bytes * 8.0 / n; };

    Result g = Measure(
        blocks,
        [](std::span<const double> v, std::string* dst) {
          lux::codec::EncodeGorilla(v, dst);
          return ColumnCodec::kFloatGorilla;
        },
        [](const Column& c, double* out) {
          return lux::codec::DecodeGorilla(c.bytes, c.n, out).ok();
        });
    Row(d->name, n, "gorilla", bits(g), g.encode_s, g.decode_s);

    Result dec = Measure(
        blocks,
        [](std::span<const double> v, std::string* dst) {
          int e = lux::codec::ChooseDecimalExponent(v);
          lux::codec::EncodeDecimal(v, e < 0 ? 0 : e, dst);
          return ColumnCodec::kFloatDecimal;
        },
        [](const Column& c, double* out) {
          return lux::codec::DecodeDecimal(c.bytes, c.n, out).ok();
        });
    Row(d->name, n, "decimal", bits(dec), dec.encode_s, dec.decode_s);

    Result z = Measure(
        blocks,
        [](std::span<const double> v, std::string* dst) {
          dst->resize(ZSTD_compressBound(v.size() * 8));
          size_t zn = ZSTD_compress(dst->data(), dst->size(), v.data(), v.size() * 8, 3);
          dst->resize(zn);
          return ColumnCodec::kFloatGorilla;  // unused
        },
        [](const Column& c, double* out) {
          size_t got = ZSTD_decompress(out, c.n * 8, c.bytes.data(), c.bytes.size());
          return !ZSTD_isError(got) && got == c.n * 8;
        });
    Row(d->name, n, "zstd3", bits(z), z.encode_s, z.decode_s);

    // Both lux rows store the block header's codec id byte before the column.
    auto decode_lux = [](const Column& c, double* out) {
      return lux::codec::DecodeFloats(c.codec, std::string_view(c.bytes).substr(1), c.n, out).ok();
    };
    Result lux = Measure(
        blocks,
        [](std::span<const double> v, std::string* dst) {
          dst->push_back('\0');  // the codec id the block header stores
          return lux::codec::EncodeFloats(v, dst);
        },
        decode_lux);
    Row(d->name, n, "lux", bits(lux), lux.encode_s, lux.decode_s);

    Result cold = Measure(
        blocks,
        [](std::span<const double> v, std::string* dst) {
          dst->push_back('\0');
          return lux::codec::EncodeFloats(
              v, dst, lux::codec::EncodeOptions{.allow_zstd = true, .allow_rans = true});
        },
        decode_lux);
    Row(d->name, n, "lux_cold", bits(cold), cold.encode_s, cold.decode_s);

    if (!d->timestamps.empty()) {
      std::vector<Column> cols;
      auto enc_s = BestOf([&] {
        cols.clear();
        for (size_t s = 0; s < n; s += block_size) {
          Column c{std::min(block_size, n - s), {}, {}};
          c.bytes.push_back('\0');  // codec id
          c.codec = lux::codec::EncodeTimestamps(
              std::span<const int64_t>(d->timestamps.data() + s, c.n), &c.bytes);
          cols.push_back(std::move(c));
        }
      });
      std::vector<int64_t> out(block_size);
      size_t bytes = 0;
      for (auto& c : cols) bytes += c.bytes.size();
      auto dec_s = BestOf([&] {
        size_t s = 0;
        for (auto& c : cols) {
          if (!lux::codec::DecodeTimestamps(c.codec, std::string_view(c.bytes).substr(1), c.n,
                                            out.data())
                   .ok() ||
              std::memcmp(out.data(), d->timestamps.data() + s, c.n * 8) != 0) {
            std::fprintf(stderr, "timestamp round trip failed\n");
            std::exit(1);
          }
          s += c.n;
        }
      });
      Row(d->name, n, "ts_dod", bytes * 8.0 / n, enc_s, dec_s);
    }

    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::string frame(ZSTD_compressBound(text.size()), '\0');
    size_t zn = 0;
    const double zenc = BestOf(
        [&] { zn = ZSTD_compress(frame.data(), frame.size(), text.data(), text.size(), 19); });
    std::string back(text.size(), '\0');
    const double zdec =
        BestOf([&] { ZSTD_decompress(back.data(), back.size(), frame.data(), zn); });
    Row(d->name, n, "zstd19_file", zn * 8.0 / n, zenc, zdec);
  }
  return 0;
}
