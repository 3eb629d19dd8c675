// File: int_codec.cc
// Warm path (per column) for planning, hot path (per value) for packing and
// unpacking. Arithmetic is modulo 2^64 so uint64 columns bit-cast to int64
// round-trip exactly.
#include "engine/codec/int_codec.h"

#include <zstd.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/codec/bitpack.h"
#include "engine/codec/format.h"
#include "engine/codec/predictor.h"
#include "engine/codec/rans.h"
#include "engine/codec/simd.h"
#include "engine/common/status_macros.h"

namespace lux::codec {
namespace {

// Nesting: RLE and dictionary columns hold nested columns one level down; at
// kMaxDepth only FOR and delta are written (and accepted).
constexpr int kMaxDepth = 2;
// zstd is kept only when it saves at least 1/16 of the column: decoding it
// costs far more than unpacking bits.
constexpr size_t kZstdMinValues = 64;
// Below this many residuals a frequency table rarely pays for itself.
constexpr size_t kRansMinValues = 64;
// Transform byte of a mode-6 column. persisted: never renumber or reuse.
constexpr uint8_t kRansFor = 1;
constexpr uint8_t kRansDelta = 2;
// Predictors a mode-7 column is tried with, the noisy-signal one first.
constexpr uint8_t kPredictors[] = {kPredictorSmooth, kPredictorPrevious};

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt integer column: ", what));
}

// Greatest common divisor of u[0..n), 1 when all are zero. Stops at 1.
uint64_t CommonDivisor(const uint64_t* u, size_t n) {
  uint64_t g = 0;
  for (size_t i = 0; i < n && g != 1; ++i) g = std::gcd(g, u[i]);
  return g == 0 ? 1 : g;
}

// Residuals are bit-packed in mini-blocks, each with its own reference and
// width, so that one outlier widens 512 values rather than the whole block.
constexpr size_t kMiniBlock = 512;

// Bytes that AppendResiduals will write for u[0..n) with `divisor`, computed
// without dividing every value: all are multiples of the divisor.
size_t ResidualsSize(const uint64_t* u, size_t n, uint64_t divisor) {
  size_t bytes = VarintSize(divisor);
  for (size_t start = 0; start < n; start += kMiniBlock) {
    const size_t len = std::min(kMiniBlock, n - start);
    auto [lo, hi] = std::minmax_element(u + start, u + start + len);
    bytes += VarintSize(*lo / divisor) + 1 + PackedSize(len, BitWidth((*hi - *lo) / divisor));
  }
  return bytes;
}

// Appends non-negative residuals u[0..n): their common divisor, then per
// mini-block the smallest (u / divisor), its width and the packed rest.
void AppendResiduals(const uint64_t* u, size_t n, uint64_t divisor, std::string* dst) {
  PutVarint64(dst, divisor);
  uint64_t mb[kMiniBlock];
  for (size_t start = 0; start < n; start += kMiniBlock) {
    const size_t len = std::min(kMiniBlock, n - start);
    for (size_t i = 0; i < len; ++i) mb[i] = u[start + i];
    if (divisor != 1) {
      for (size_t i = 0; i < len; ++i) mb[i] /= divisor;
    }
    const uint64_t ref = *std::min_element(mb, mb + len);
    uint64_t bits = 0;
    for (size_t i = 0; i < len; ++i) bits |= mb[i] -= ref;
    const int width = BitWidth(bits);
    PutVarint64(dst, ref);
    dst->push_back(static_cast<char>(width));
    PackBits(mb, len, width, dst);
  }
}

// What a nested column may try beyond FOR and delta.
struct Allowed {
  bool rle = true;
  bool dict = true;
};

void EncodeAt(std::span<const int64_t> v, std::string* dst, int depth, Allowed allowed,
              const EncodeOptions& options);

// FOR and delta candidates of one column: residuals and their sizes.
struct Candidates {
  int64_t min = 0;  // FOR base
  std::vector<uint64_t> for_u;
  uint64_t for_divisor = 1;
  size_t for_bytes = 0;
  int64_t min_delta = 0;
  std::vector<uint64_t> delta_u;
  uint64_t delta_divisor = 1;
  size_t delta_bytes = SIZE_MAX;  // SIZE_MAX: not applicable (n < 2)
};

Candidates PlanForAndDelta(std::span<const int64_t> v) {
  Candidates c;
  const size_t n = v.size();
  if (n > 0) c.min = *std::min_element(v.begin(), v.end());
  c.for_u.resize(n);
  for (size_t i = 0; i < n; ++i) c.for_u[i] = uint64_t(v[i]) - uint64_t(c.min);
  c.for_divisor = CommonDivisor(c.for_u.data(), n);
  c.for_bytes = 1 + VarintSize(ZigZag(c.min)) + ResidualsSize(c.for_u.data(), n, c.for_divisor);
  if (n >= 2) {
    c.delta_u.resize(n - 1);
    c.min_delta = int64_t(uint64_t(v[1]) - uint64_t(v[0]));
    for (size_t i = 1; i < n; ++i) {
      const int64_t d = int64_t(uint64_t(v[i]) - uint64_t(v[i - 1]));
      c.min_delta = std::min(c.min_delta, d);
      c.delta_u[i - 1] = uint64_t(d);
    }
    for (uint64_t& x : c.delta_u) x -= uint64_t(c.min_delta);
    c.delta_divisor = CommonDivisor(c.delta_u.data(), n - 1);
    c.delta_bytes = 1 + VarintSize(ZigZag(v[0])) + VarintSize(ZigZag(c.min_delta)) +
                    ResidualsSize(c.delta_u.data(), n - 1, c.delta_divisor);
  }
  return c;
}

void WriteBest(std::span<const int64_t> v, const Candidates& c, std::string* dst) {
  if (c.delta_bytes < c.for_bytes) {
    dst->push_back(static_cast<char>(IntMode::kDelta));
    PutVarint64(dst, ZigZag(v[0]));
    PutVarint64(dst, ZigZag(c.min_delta));
    AppendResiduals(c.delta_u.data(), c.delta_u.size(), c.delta_divisor, dst);
  } else {
    dst->push_back(static_cast<char>(IntMode::kFor));
    PutVarint64(dst, ZigZag(c.min));
    AppendResiduals(c.for_u.data(), c.for_u.size(), c.for_divisor, dst);
  }
}

// The FOR or delta residuals of c through rANS (mode 6), when that is
// estimated smaller than `best_bytes`; empty otherwise.
std::string MaybeEncodeRans(std::span<const int64_t> v, const Candidates& c, size_t best_bytes) {
  const size_t n = v.size();
  if (n < kRansMinValues) return {};
  // Like zstd, kept only when it saves at least 1/16 (and 16 bytes, which
  // leaves near-constant columns to bit packing's zero widths): decoding it
  // costs several times what unpacking bits does.
  const size_t kRansMinSaving = 16 + best_bytes / 16;
  const size_t for_est = EstimateRansResidualsSize(c.for_u.data(), n, c.for_divisor);
  const size_t for_bytes = for_est + 2 + VarintSize(ZigZag(c.min));
  const size_t delta_est = EstimateRansResidualsSize(c.delta_u.data(), n - 1, c.delta_divisor);
  const size_t delta_bytes =
      delta_est + 2 + VarintSize(ZigZag(v[0])) + VarintSize(ZigZag(c.min_delta));
  if (std::min(for_bytes, delta_bytes) + kRansMinSaving >= best_bytes) return {};
  std::string out;
  out.push_back(static_cast<char>(IntMode::kRans));
  if (delta_bytes < for_bytes) {
    out.push_back(static_cast<char>(kRansDelta));
    PutVarint64(&out, ZigZag(v[0]));
    PutVarint64(&out, ZigZag(c.min_delta));
    AppendRansResiduals(c.delta_u.data(), n - 1, c.delta_divisor, &out);
  } else {
    out.push_back(static_cast<char>(kRansFor));
    PutVarint64(&out, ZigZag(c.min));
    AppendRansResiduals(c.for_u.data(), n, c.for_divisor, &out);
  }
  if (out.size() + kRansMinSaving >= best_bytes) return {};
  return out;
}

// The column as prediction errors through rANS (mode 7) with the best of
// kPredictors, when that is estimated smaller than `best_bytes`, and by the
// margin of MaybeEncodeRans than `packed_bytes` (bit packing); empty
// otherwise.
std::string MaybeEncodePredicted(std::span<const int64_t> v, size_t packed_bytes,
                                 size_t best_bytes) {
  const size_t n = v.size();
  if (n < kRansMinValues) return {};
  const size_t margin = 16 + packed_bytes / 16;  // as in MaybeEncodeRans
  if (packed_bytes <= margin) return {};
  const size_t limit = std::min(best_bytes, packed_bytes - margin);
  const uint64_t step = DeltaStep(v);
  const size_t header = 2 + VarintSize(ZigZag(v[0])) + VarintSize(step);
  std::vector<uint64_t> errors(n - 1), best;
  size_t best_est = SIZE_MAX;
  uint8_t best_params = 0;
  for (uint8_t params : kPredictors) {
    PredictionErrors(v, params, step, errors.data());
    const size_t est = header + EstimateRansResidualsSize(errors.data(), n - 1, 1);
    if (est < best_est) {
      best_est = est;
      best_params = params;
      best.swap(errors);
      errors.resize(n - 1);
    }
  }
  if (best_est >= limit) return {};
  std::string out;
  out.push_back(static_cast<char>(IntMode::kPredict));
  out.push_back(static_cast<char>(best_params));
  PutVarint64(&out, ZigZag(v[0]));
  PutVarint64(&out, step);
  AppendRansResiduals(best.data(), n - 1, 1, &out);
  if (out.size() >= limit) return {};
  return out;
}

void EncodeRle(std::span<const int64_t> v, std::string* dst, int depth,
               const EncodeOptions& options) {
  std::vector<int64_t> values, lengths;
  for (size_t i = 0; i < v.size();) {
    size_t j = i + 1;
    while (j < v.size() && v[j] == v[i]) ++j;
    values.push_back(v[i]);
    lengths.push_back(int64_t(j - i - 1));
    i = j;
  }
  dst->push_back(static_cast<char>(IntMode::kRle));
  PutVarint64(dst, values.size());
  // Run values may still repeat (a signal toggling between two levels).
  EncodeAt(values, dst, depth + 1, {.rle = false, .dict = true}, options);
  EncodeAt(lengths, dst, depth + 1, {.rle = false, .dict = true}, options);
}

// Dictionary of v if it has at most max_size distinct values: codes into the
// sorted distinct values. False (outputs unspecified) when there are more.
bool BuildDictionary(std::span<const int64_t> v, size_t max_size, std::vector<int64_t>* dict,
                     std::vector<int64_t>* codes) {
  absl::flat_hash_map<int64_t, int64_t> first_seen;
  first_seen.reserve(max_size);
  codes->resize(v.size());
  dict->clear();
  for (size_t i = 0; i < v.size(); ++i) {
    auto [it, inserted] = first_seen.try_emplace(v[i], int64_t(dict->size()));
    if (inserted) {
      if (dict->size() == max_size) return false;
      dict->push_back(v[i]);
    }
    (*codes)[i] = it->second;
  }
  // Sort the dictionary (it then delta-packs tightly) and renumber codes.
  std::vector<int64_t> order(dict->size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int64_t a, int64_t b) { return (*dict)[a] < (*dict)[b]; });
  std::vector<int64_t> rank(dict->size());
  std::vector<int64_t> sorted(dict->size());
  for (size_t r = 0; r < order.size(); ++r) {
    rank[order[r]] = int64_t(r);
    sorted[r] = (*dict)[order[r]];
  }
  dict->swap(sorted);
  for (int64_t& code : *codes) code = rank[code];
  return true;
}

void EncodeDict(const std::vector<int64_t>& dict, const std::vector<int64_t>& codes,
                std::string* dst, int depth, const EncodeOptions& options) {
  dst->push_back(static_cast<char>(IntMode::kDict));
  PutVarint64(dst, dict.size());
  // Sorted distinct values: neither runs nor a dictionary can help them.
  EncodeAt(dict, dst, depth + 1, {.rle = false, .dict = false}, options);
  // Codes are dense already: a dictionary of them would be the identity.
  EncodeAt(codes, dst, depth + 1, {.rle = true, .dict = false}, options);
}

size_t RunCount(std::span<const int64_t> v) {
  size_t runs = v.empty() ? 0 : 1;
  for (size_t i = 1; i < v.size(); ++i) runs += v[i] != v[i - 1];
  return runs;
}

void EncodeAt(std::span<const int64_t> v, std::string* dst, int depth, Allowed allowed,
              const EncodeOptions& options) {
  const size_t n = v.size();
  const Candidates c = PlanForAndDelta(v);
  const size_t packed_bytes = std::min(c.for_bytes, c.delta_bytes);
  size_t best_bytes = packed_bytes;
  std::string alt;  // the best rANS, RLE or dictionary encoding, if smaller
  if (options.allow_rans) {
    alt = MaybeEncodeRans(v, c, best_bytes);
    if (!alt.empty()) best_bytes = alt.size();
    std::string p = MaybeEncodePredicted(v, packed_bytes, best_bytes);
    if (!p.empty()) {
      best_bytes = p.size();
      alt.swap(p);
    }
  }
  if (depth < kMaxDepth && n >= 8) {
    if (allowed.rle && RunCount(v) * 4 <= n) {
      std::string rle;
      EncodeRle(v, &rle, depth, options);
      if (rle.size() < best_bytes) {
        best_bytes = rle.size();
        alt.swap(rle);
      }
    }
    std::vector<int64_t> dict, codes;
    if (allowed.dict && BuildDictionary(v, n * 3 / 4, &dict, &codes)) {
      std::string d;
      EncodeDict(dict, codes, &d, depth, options);
      if (d.size() < best_bytes) {
        best_bytes = d.size();
        alt.swap(d);
      }
    }
  }
  std::string best;
  if (alt.empty()) {
    WriteBest(v, c, &best);
  } else {
    best.swap(alt);
  }
  if (depth == 0 && options.allow_zstd && n >= kZstdMinValues) {
    std::string z(ZSTD_compressBound(best.size()), '\0');
    size_t zn = ZSTD_compress(z.data(), z.size(), best.data(), best.size(), options.zstd_level);
    if (!ZSTD_isError(zn)) {
      size_t total = 1 + VarintSize(best.size()) + VarintSize(zn) + zn;
      if (total < best.size() - best.size() / 16) {
        dst->push_back(static_cast<char>(IntMode::kZstd));
        PutVarint64(dst, best.size());
        PutVarint64(dst, zn);
        dst->append(z.data(), zn);
        return;
      }
    }
  }
  dst->append(best);
}

// v[i] = v[i] * mul + add (mod 2^64): frame of reference, divisor and
// mini-block reference in one step.
void ApplyFor(uint64_t* v, size_t n, uint64_t mul, uint64_t add) {
  if (UseAvx512()) return simd::ForAvx512(v, n, mul, add);
  if (mul == 1) {
    for (size_t i = 0; i < n; ++i) v[i] += add;
  } else {
    for (size_t i = 0; i < n; ++i) v[i] = v[i] * mul + add;
  }
}

// v[i] = acc += v[i] * mul + add (mod 2^64); returns the last acc.
uint64_t ApplyDelta(uint64_t* v, size_t n, uint64_t mul, uint64_t add, uint64_t acc) {
  if (UseAvx512()) return simd::DeltaAvx512(v, n, mul, add, acc);
  if (mul == 1) {
    for (size_t i = 0; i < n; ++i) v[i] = acc += v[i] + add;
  } else {
    for (size_t i = 0; i < n; ++i) v[i] = acc += v[i] * mul + add;
  }
  return acc;
}

// Modes 1 (FOR) and 2 (delta) after the mode byte: the header, then the
// bit-packed residuals. Each mini-block is unpacked, finished (value =
// base + (packed + reference) * divisor, or the running sum of
// min delta + (packed + reference) * divisor) and mapped while it is in
// cache.
absl::Status DecodePacked(Reader* src, size_t n, uint64_t* u, bool delta, const IntMap* map) {
  uint64_t first = 0, offset;  // offset: FOR base or min delta (zigzag)
  if (delta) {
    if (n == 0) return Corrupt("delta column with no values");
    if (!src->GetVarint64(&first) || !src->GetVarint64(&offset)) {
      return Corrupt("truncated delta header");
    }
  } else if (!src->GetVarint64(&offset)) {
    return Corrupt("truncated base");
  }
  uint64_t divisor;
  if (!src->GetVarint64(&divisor)) return Corrupt("truncated divisor");
  if (divisor == 0) return Corrupt("zero divisor");
  const uint64_t off = uint64_t(UnZigZag(offset));
  uint64_t acc = uint64_t(UnZigZag(first));
  uint64_t* r = u;  // residual i finishes value i (FOR) or i + 1 (delta)
  size_t m = n;
  if (delta) {
    u[0] = acc;
    if (map != nullptr) map->fn(u, 1, map->ctx);
    ++r;
    --m;
  }
  uint64_t* pending = nullptr;
  size_t pending_len = 0;
  for (size_t start = 0; start < m; start += kMiniBlock) {
    const size_t len = std::min(kMiniBlock, m - start);
    uint64_t ref;
    uint8_t width;
    std::string_view bytes;
    if (!src->GetVarint64(&ref) || !src->GetByte(&width)) return Corrupt("truncated mini-block");
    if (width > 64) return Corrupt(absl::StrCat("bit width ", width, " > 64"));
    if (!src->GetBytes(PackedSize(len, width), &bytes)) return Corrupt("truncated bit-packed data");
    uint64_t* mb = r + start;
    if (width <= simd::kMaxAvx512UnpackWidth && UseAvx512()) {
      const double* scale = map != nullptr ? map->decimal_scale : nullptr;
      acc = simd::DecodePackedAvx512(bytes.data(), len, width, divisor, ref * divisor + off, delta,
                                     acc, scale, mb);
      if (map != nullptr && scale == nullptr) {
        // One mini-block behind: mapping right after the vector stores
        // would wait for them.
        if (pending != nullptr) map->fn(pending, pending_len, map->ctx);
        pending = mb;
        pending_len = len;
      }
      continue;
    }
    if (pending != nullptr) {
      map->fn(pending, pending_len, map->ctx);
      pending = nullptr;
    }
    UnpackBits(bytes.data(), len, width, mb);
    if (delta) {
      acc = ApplyDelta(mb, len, divisor, ref * divisor + off, acc);
    } else {
      ApplyFor(mb, len, divisor, ref * divisor + off);
    }
    if (map != nullptr) map->fn(mb, len, map->ctx);
  }
  if (pending != nullptr) map->fn(pending, pending_len, map->ctx);
  return absl::OkStatus();
}

// Mode 6 with transform 1 (FOR) after the transform byte: base, residuals.
absl::Status DecodeRansFor(Reader* src, size_t n, uint64_t* u) {
  uint64_t base, divisor;
  if (!src->GetVarint64(&base)) return Corrupt("truncated base");
  RETURN_IF_ERROR(ReadRansResiduals(src, n, u, &divisor));
  ApplyFor(u, n, divisor, uint64_t(UnZigZag(base)));
  return absl::OkStatus();
}

// Mode 6 with transform 2 (delta): first, min delta, residuals.
absl::Status DecodeRansDelta(Reader* src, size_t n, uint64_t* u) {
  uint64_t first, min_delta, divisor;
  if (!src->GetVarint64(&first) || !src->GetVarint64(&min_delta)) {
    return Corrupt("truncated delta header");
  }
  RETURN_IF_ERROR(ReadRansResiduals(src, n - 1, u + 1, &divisor));
  u[0] = uint64_t(UnZigZag(first));
  ApplyDelta(u + 1, n - 1, divisor, uint64_t(UnZigZag(min_delta)), u[0]);
  return absl::OkStatus();
}

// Decodes a column of any mode at `depth`; then maps its values through
// *map unless map is null.
absl::Status DecodeAt(Reader* src, size_t n, int64_t* out, int depth, bool zstd_ok,
                      const IntMap* map);

absl::Status DecodeNested(Reader* src, size_t n, std::vector<int64_t>* out, int depth,
                          const IntMap* map = nullptr) {
  out->resize(n);
  return DecodeAt(src, n, out->data(), depth, false, map);
}

// An IntMap that replaces dictionary codes by their entries; a code out of
// range sets `bad` (and takes entry 0).
struct Lookup {
  static void Fn(uint64_t* v, size_t n, const void* ctx) {
    Lookup* l = const_cast<Lookup*>(static_cast<const Lookup*>(ctx));
    const uint64_t* const entries = l->entries;
    const uint64_t size = l->size;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t code = v[i];
      if (code >= size) {
        l->bad = true;
        v[i] = entries[0];
        continue;
      }
      v[i] = entries[code];
    }
  }
  const uint64_t* entries;
  uint64_t size;
  bool bad = false;
};

void MapAll(const IntMap* map, uint64_t* v, size_t n) {
  if (map != nullptr) map->fn(v, n, map->ctx);
}

absl::Status DecodeAt(Reader* src, size_t n, int64_t* out, int depth, bool zstd_ok,
                      const IntMap* map) {
  uint8_t mode;
  if (!src->GetByte(&mode)) return Corrupt("missing mode");
  uint64_t* u = reinterpret_cast<uint64_t*>(out);
  switch (static_cast<IntMode>(mode)) {
    case IntMode::kFor:
      return DecodePacked(src, n, u, /*delta=*/false, map);
    case IntMode::kDelta:
      return DecodePacked(src, n, u, /*delta=*/true, map);
    case IntMode::kRans: {
      uint8_t transform;
      if (!src->GetByte(&transform)) return Corrupt("truncated rANS transform");
      if (transform == kRansFor) {
        if (n == 0) return Corrupt("rANS column with no values");
        RETURN_IF_ERROR(DecodeRansFor(src, n, u));
      } else if (transform == kRansDelta) {
        if (n < 2) return Corrupt("rANS delta column with fewer than 2 values");
        RETURN_IF_ERROR(DecodeRansDelta(src, n, u));
      } else {
        return Corrupt(absl::StrCat("unknown rANS transform ", transform));
      }
      MapAll(map, u, n);
      return absl::OkStatus();
    }
    case IntMode::kPredict: {
      if (n < 2) return Corrupt("predicted column with fewer than 2 values");
      uint8_t params;
      uint64_t first, step;
      if (!src->GetByte(&params) || !src->GetVarint64(&first) || !src->GetVarint64(&step)) {
        return Corrupt("truncated predictor header");
      }
      if (step == 0) return Corrupt("zero step");
      RETURN_IF_ERROR(ReadRansPredicted(src, n, uint64_t(UnZigZag(first)), params, step, u));
      MapAll(map, u, n);
      return absl::OkStatus();
    }
    case IntMode::kRle: {
      if (depth >= kMaxDepth) return Corrupt("nesting too deep");
      uint64_t runs;
      if (!src->GetVarint64(&runs) || runs > n || (n > 0 && runs == 0)) {
        return Corrupt("bad run count");
      }
      std::vector<int64_t> values, lengths;
      RETURN_IF_ERROR(DecodeNested(src, runs, &values, depth + 1, map));
      RETURN_IF_ERROR(DecodeNested(src, runs, &lengths, depth + 1));
      size_t pos = 0;
      for (size_t r = 0; r < runs; ++r) {
        uint64_t len = uint64_t(lengths[r]) + 1;
        if (len == 0 || len > n - pos) return Corrupt("run lengths exceed the value count");
        std::fill_n(out + pos, len, values[r]);
        pos += len;
      }
      if (pos != n) return Corrupt("run lengths short of the value count");
      return absl::OkStatus();
    }
    case IntMode::kDict: {
      if (depth >= kMaxDepth) return Corrupt("nesting too deep");
      uint64_t size;
      if (!src->GetVarint64(&size) || size > n || (n > 0 && size == 0)) {
        return Corrupt("bad dictionary size");
      }
      std::vector<int64_t> dict;
      RETURN_IF_ERROR(DecodeNested(src, size, &dict, depth + 1, map));
      Lookup lookup{reinterpret_cast<const uint64_t*>(dict.data()), size};
      const IntMap lookup_map{&Lookup::Fn, &lookup};
      RETURN_IF_ERROR(DecodeAt(src, n, out, depth + 1, false, &lookup_map));
      if (lookup.bad) return Corrupt("dictionary code out of range");
      return absl::OkStatus();
    }
    case IntMode::kZstd: {
      if (!zstd_ok) return Corrupt("nested zstd");
      uint64_t raw_len;
      std::string_view frame;
      if (!src->GetVarint64(&raw_len) || !src->GetLengthPrefixed(&frame)) {
        return Corrupt("truncated zstd header");
      }
      if (raw_len > MaxEncodedIntsSize(n)) return Corrupt("zstd content too large");
      std::string raw(raw_len, '\0');
      size_t got = ZSTD_decompress(raw.data(), raw.size(), frame.data(), frame.size());
      if (ZSTD_isError(got) || got != raw_len) return Corrupt("bad zstd frame");
      Reader inner(raw);
      RETURN_IF_ERROR(DecodeAt(&inner, n, out, depth, false, map));
      if (!inner.empty()) return Corrupt("trailing bytes in zstd content");
      return absl::OkStatus();
    }
  }
  return Corrupt(absl::StrCat("unknown mode ", mode));
}

}  // namespace

void EncodeInts(std::span<const int64_t> values, std::string* dst, const EncodeOptions& options) {
  EncodeAt(values, dst, 0, Allowed{}, options);
}

size_t MaxEncodedIntsSize(size_t n) {
  // Widest FOR: header, 8 bytes a value, reference and width per mini-block.
  return 32 + 8 * n + 11 * ((n + kMiniBlock - 1) / kMiniBlock);
}

absl::Status DecodeInts(Reader* src, size_t n, int64_t* out) {
  if (n > kMaxBlockValues) return Corrupt("too many values");
  return DecodeAt(src, n, out, 0, true, nullptr);
}

absl::Status DecodeIntsMapped(Reader* src, size_t n, uint64_t* out, const IntMap& map) {
  if (n > kMaxBlockValues) return Corrupt("too many values");
  return DecodeAt(src, n, reinterpret_cast<int64_t*>(out), 0, true, &map);
}

}  // namespace lux::codec
