// File: timestamp_codec.cc
// Warm path (per block); the per-value loops are branch-light.
#include "engine/codec/timestamp_codec.h"

#include <numeric>

#include "absl/strings/str_cat.h"
#include "engine/codec/bit_stream.h"
#include "engine/codec/int_codec.h"
#include "engine/common/status_macros.h"
#include "engine/common/varint.h"

namespace lux::codec {
namespace {

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt timestamp column: ", what));
}

// Delta-of-delta buckets after the '0' (zero run) code: prefix of k ones and
// a zero (none for the last), then a signed value in kBits[k] bits.
constexpr int kBucketBits[] = {6, 12, 20, 32, 64};
constexpr int kBuckets = 5;

void WriteGamma(BitWriter& w, uint64_t r) {  // r >= 1
  const int k = std::bit_width(r) - 1;
  w.Write((uint64_t{1} << k) - 1, k);  // k ones
  w.Write(0, 1);
  w.Write(r - (uint64_t{1} << k), k);
}

bool ReadGamma(BitReader& r, uint64_t* v) {
  int k = 0;
  for (bool b = true;; ++k) {
    if (!r.ReadBit(&b)) return false;
    if (!b) break;
    if (k >= 40) return false;
  }
  uint64_t low;
  if (!r.Read(k, &low)) return false;
  *v = (uint64_t{1} << k) + low;
  return true;
}

void WriteDod(BitWriter& w, int64_t dod) {
  w.Write(1, 1);
  for (int b = 0; b < kBuckets; ++b) {
    const int bits = kBucketBits[b];
    const bool last = b == kBuckets - 1;
    if (last || (dod >= -(int64_t{1} << (bits - 1)) && dod < (int64_t{1} << (bits - 1)))) {
      if (!last) w.Write(0, 1);  // terminates the run of ones
      const uint64_t offset = last ? uint64_t(dod) : uint64_t(dod + (int64_t{1} << (bits - 1)));
      w.Write(offset, bits);
      return;
    }
    w.Write(1, 1);
  }
}

uint64_t AbsDiff(int64_t d) { return d < 0 ? 0 - uint64_t(d) : uint64_t(d); }

}  // namespace

void EncodeTimestampsDod(std::span<const int64_t> ts, std::string* dst) {
  const size_t n = ts.size();
  if (n == 0) return;
  PutVarint64(dst, ZigZag(ts[0]));
  if (n == 1) return;
  uint64_t divisor = 0;
  for (size_t i = 1; i < n && divisor != 1; ++i) {
    divisor = std::gcd(divisor, AbsDiff(int64_t(uint64_t(ts[i]) - uint64_t(ts[i - 1]))));
  }
  if (divisor == 0) divisor = 1;
  // A divisor of 2^63 is not an int64; such deltas are kept unscaled.
  if (divisor > uint64_t(INT64_MAX)) divisor = 1;
  auto scaled = [&](size_t i) {
    // Exact: divisor divides every delta. Wrapping keeps extreme deltas exact.
    return int64_t(uint64_t(ts[i]) - uint64_t(ts[i - 1])) / int64_t(divisor);
  };
  PutVarint64(dst, divisor);
  int64_t prev = scaled(1);
  PutVarint64(dst, ZigZag(prev));
  BitWriter w(dst);
  uint64_t zeros = 0;
  for (size_t i = 2; i < n; ++i) {
    const int64_t d = scaled(i);
    const int64_t dod = int64_t(uint64_t(d) - uint64_t(prev));
    prev = d;
    if (dod == 0) {
      ++zeros;
      continue;
    }
    if (zeros > 0) {
      w.Write(0, 1);
      WriteGamma(w, zeros);
      zeros = 0;
    }
    WriteDod(w, dod);
  }
  if (zeros > 0) {
    w.Write(0, 1);
    WriteGamma(w, zeros);
  }
  w.Finish();
}

ColumnCodec EncodeTimestamps(std::span<const int64_t> ts, std::string* dst) {
  std::string dod, pipeline;
  EncodeTimestampsDod(ts, &dod);
  // zstd is always tried here: clock jitter repeats in patterns that only
  // it captures (0.3 instead of 2.8 bits per timestamp on the occupancy data).
  EncodeInts(ts, &pipeline, EncodeOptions{.allow_zstd = true});
  if (pipeline.size() < dod.size()) {
    dst->append(pipeline);
    return ColumnCodec::kTsIntPipeline;
  }
  dst->append(dod);
  return ColumnCodec::kTsDeltaOfDelta;
}

size_t MaxEncodedTimestampsSize(size_t n) { return 32 + 9 * n; }

absl::Status DecodeTimestamps(ColumnCodec codec, std::string_view src, size_t n, int64_t* out) {
  if (n > kMaxBlockValues) return Corrupt("too many values");
  Reader r(src);
  if (codec == ColumnCodec::kTsIntPipeline) {
    RETURN_IF_ERROR(DecodeInts(&r, n, out));
    if (!r.empty()) return Corrupt("trailing bytes");
    return absl::OkStatus();
  }
  if (codec != ColumnCodec::kTsDeltaOfDelta) {
    return Corrupt(absl::StrCat("unknown codec ", static_cast<int>(codec)));
  }
  if (n == 0) {
    return src.empty() ? absl::OkStatus() : Corrupt("trailing bytes");
  }
  uint64_t first;
  if (!r.GetVarint64(&first)) return Corrupt("truncated first timestamp");
  uint64_t t = uint64_t(UnZigZag(first));
  out[0] = int64_t(t);
  if (n == 1) return r.empty() ? absl::OkStatus() : Corrupt("trailing bytes");
  uint64_t divisor, zz_delta;
  if (!r.GetVarint64(&divisor) || !r.GetVarint64(&zz_delta)) return Corrupt("truncated header");
  if (divisor == 0 || divisor > uint64_t(INT64_MAX)) return Corrupt("bad divisor");
  uint64_t delta = uint64_t(UnZigZag(zz_delta));
  t += delta * divisor;
  out[1] = int64_t(t);
  BitReader br(r.rest());
  uint64_t zeros = 0;
  for (size_t i = 2; i < n; ++i) {
    if (zeros == 0) {
      bool one;
      if (!br.ReadBit(&one)) return Corrupt("truncated bit stream");
      if (!one) {
        if (!ReadGamma(br, &zeros)) return Corrupt("bad zero run");
      } else {
        int b = 0;
        for (; b < kBuckets - 1; ++b) {
          bool more;
          if (!br.ReadBit(&more)) return Corrupt("truncated bucket prefix");
          if (!more) break;
        }
        const int bits = kBucketBits[b];
        uint64_t v;
        if (!br.Read(bits, &v)) return Corrupt("truncated delta-of-delta");
        const uint64_t dod = b == kBuckets - 1 ? v : v - (uint64_t{1} << (bits - 1));
        delta += dod;
      }
    }
    if (zeros > 0) --zeros;  // a zero delta-of-delta: delta unchanged
    t += delta * divisor;
    out[i] = int64_t(t);
  }
  if (zeros != 0) return Corrupt("zero run longer than the column");
  if (!br.AtCleanEnd()) return Corrupt("trailing bytes");
  return absl::OkStatus();
}

}  // namespace lux::codec
