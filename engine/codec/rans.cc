// File: rans.cc
// Encode: warm path (per column). Decode: hot path (per value). The coder is
// the rANS of F. Giesen's ryg_rans (public domain, its 16-bit-word variant)
// with 32-bit states in [2^16, 2^32), two of them interleaved (even and odd positions)
// so that the decoder's two dependency chains overlap.
#include "engine/codec/rans.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/codec/bit_stream.h"  // BitWriter, BitReader
#include "engine/codec/predictor.h"
#include "engine/common/status_macros.h"

namespace lux::codec {
namespace {

constexpr uint32_t kScale = uint32_t{1} << kRansScaleBits;
constexpr uint32_t kMask = kScale - 1;
// States live in [kLow, 2^32) and are renormalised 16 bits at a time: after
// decoding a symbol at most one 16-bit word is needed, so the decoder's
// renormalisation is a conditional move rather than a loop.
constexpr uint32_t kLow = uint32_t{1} << 16;

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt rANS residuals: ", what));
}

// Symbol of residual r and the number of raw low bits that follow it.
inline uint32_t SymbolOf(uint64_t r, int* extra_bits) {
  if (r < kRansDirect) {
    *extra_bits = 0;
    return uint32_t(r);
  }
  const int b = std::bit_width(r);  // 8..64
  *extra_bits = b - 3;
  return kRansDirect + 4 * uint32_t(b - 8) + uint32_t((r >> (b - 3)) & 3);
}

// Raw bits after bucket symbol s (>= kRansDirect), and its value without them.
inline int ExtraBitsOf(uint32_t s) { return int((s - kRansDirect) >> 2) + 5; }
inline uint64_t BucketBase(uint32_t s) {
  return uint64_t(4 | ((s - kRansDirect) & 3)) << ExtraBitsOf(s);
}

struct Table {
  uint32_t size = 0;  // symbols 0..size-1 are in the table
  uint32_t freq[kRansAlphabet] = {};
  uint32_t cum[kRansAlphabet] = {};
};

// Histogram of the symbols of u[i] / divisor and the total raw bits.
void Count(const uint64_t* u, size_t m, uint64_t divisor, uint64_t* counts, uint64_t* extra) {
  *extra = 0;
  for (size_t i = 0; i < m; ++i) {
    int nb;
    ++counts[SymbolOf(divisor == 1 ? u[i] : u[i] / divisor, &nb)];
    *extra += nb;
  }
}

// Frequencies summing to kScale, at least 1 for every symbol that occurs.
// Deterministic: it is part of the format that the golden bytes pin.
void Normalize(const uint64_t* counts, size_t m, Table* t) {
  uint32_t size = 0, best = 0;
  uint64_t sum = 0;
  for (uint32_t s = 0; s < kRansAlphabet; ++s) {
    if (counts[s] == 0) continue;
    size = s + 1;
    if (counts[s] > counts[best]) best = s;
    uint64_t f = (counts[s] * kScale + m / 2) / m;
    t->freq[s] = uint32_t(f == 0 ? 1 : f);
    sum += t->freq[s];
  }
  if (sum < kScale) t->freq[best] += uint32_t(kScale - sum);
  while (sum > kScale) {  // at most one step per symbol rounded up
    uint32_t top = 0;
    for (uint32_t s = 1; s < size; ++s) {
      if (t->freq[s] > t->freq[top]) top = s;
    }
    --t->freq[top];
    --sum;
  }
  t->size = size;
  uint32_t c = 0;
  for (uint32_t s = 0; s < size; ++s) {
    t->cum[s] = c;
    c += t->freq[s];
  }
}

// The table as written: `varint` size, then per symbol `varint` frequency,
// except that a zero frequency is followed by `varint` the number of further
// zeros (bucket symbols of wide residuals are sparse).
void AppendTable(const Table& t, std::string* dst) {
  PutVarint64(dst, t.size);
  for (uint32_t s = 0; s < t.size;) {
    PutVarint64(dst, t.freq[s]);
    if (t.freq[s] != 0) {
      ++s;
      continue;
    }
    uint32_t z = s + 1;
    while (z < t.size && t.freq[z] == 0) ++z;
    PutVarint64(dst, z - s - 1);
    s = z;
  }
}

size_t TableBytes(const Table& t) {
  std::string s;
  AppendTable(t, &s);
  return s.size();
}

// The coarse table (FORMAT.md): the size field is A + kCoarseTable, then per
// symbol a weight code w (0: absent; w >= 1 is the weight W(w), about
// 2^((w-1)/4)): w(0) in 7 bits, then each w(s) - w(s-1) zigzagged in
// Exp-Golomb order 0, LSB-first, zero-padded to a byte. The frequencies are
// Normalize() of the weights. A 4096-scale table of a noisy column costs
// ~1.5 bytes a symbol exactly and ~2-3 bits coarsely, while weights within
// 2^(1/8) of the counts cost the stream only ~0.002 bits a value.
constexpr uint64_t kCoarseTable = 1024;
constexpr uint32_t kMaxWeightCode = 124;
constexpr int kFirstCodeBits = 7;

uint64_t WeightOf(uint32_t w) {
  static constexpr uint64_t kMantissa[4] = {65536, 77936, 92682, 110218};  // 2^(r/4) << 16
  if (w == 0) return 0;
  const uint64_t v = (kMantissa[(w - 1) & 3] << ((w - 1) >> 2)) >> 16;
  return v == 0 ? 1 : v;
}

// The code whose weight is nearest to `count` >= 1 in ratio.
uint32_t WeightCodeOf(uint64_t count) {
  uint32_t lo = 1;
  while (lo < kMaxWeightCode && WeightOf(lo + 1) <= count) ++lo;
  if (lo == kMaxWeightCode || WeightOf(lo) == count) return lo;
  const uint64_t a = WeightOf(lo), b = WeightOf(lo + 1);  // a < count < b
  return count * count > a * b ? lo + 1 : lo;
}

// n >= 0 as Exp-Golomb order 0 in an LSB-first stream: k = bit_width(n+1)-1
// zeros, a one, then the low k bits of n + 1.
void PutExpGolomb(BitWriter* bits, uint64_t n) {
  const int k = std::bit_width(n + 1) - 1;
  bits->Write(0, k);
  bits->Write(1, 1);
  bits->Write((n + 1) & ((uint64_t{1} << k) - 1), k);
}

// Weight codes for the symbol counts (size symbols), their weights and the
// table they make.
void CoarseTable(const uint64_t* counts, uint32_t size, uint8_t* codes, Table* t) {
  std::vector<uint64_t> weights(kRansAlphabet, 0);
  uint64_t total = 0;
  for (uint32_t s = 0; s < size; ++s) {
    codes[s] = counts[s] == 0 ? 0 : uint8_t(WeightCodeOf(counts[s]));
    weights[s] = WeightOf(codes[s]);
    total += weights[s];
  }
  Normalize(weights.data(), total, t);
  t->size = size;
}

void AppendCoarseTable(const uint8_t* codes, uint32_t size, std::string* dst) {
  PutVarint64(dst, size + kCoarseTable);
  std::string bytes;
  BitWriter bits(&bytes);
  bits.Write(codes[0], kFirstCodeBits);
  for (uint32_t s = 1; s < size; ++s) {
    PutExpGolomb(&bits, ZigZag(int64_t(codes[s]) - int64_t(codes[s - 1])));
  }
  bits.Finish();
  dst->append(bytes);
}

size_t CoarseTableBytes(const uint8_t* codes, uint32_t size) {
  std::string s;
  AppendCoarseTable(codes, size, &s);
  return s.size();
}

// Bits of the rANS stream for `counts` under table t (an estimate: the
// entropy under t's frequencies, without the states).
double StreamBits(const uint64_t* counts, const Table& t) {
  double bits = 0;
  for (uint32_t s = 0; s < t.size; ++s) {
    if (counts[s] != 0) bits += double(counts[s]) * (kRansScaleBits - std::log2(double(t.freq[s])));
  }
  return bits;
}

// The cheaper table for `counts`: the coarse one when it saves at least
// kCoarseMinSaving bytes by the estimate (which is good to a byte or two).
constexpr double kCoarseMinSaving = 4;

struct ChosenTable {
  Table table;
  bool coarse = false;
  uint8_t codes[kRansAlphabet] = {};
  size_t table_bytes = 0;
  double stream_bits = 0;
};

void ChooseTable(const uint64_t* counts, size_t m, ChosenTable* c) {
  Normalize(counts, m, &c->table);
  c->table_bytes = TableBytes(c->table);
  c->stream_bits = StreamBits(counts, c->table);
  Table coarse;
  CoarseTable(counts, c->table.size, c->codes, &coarse);
  const size_t coarse_bytes = CoarseTableBytes(c->codes, coarse.size);
  const double coarse_bits = StreamBits(counts, coarse);
  if (double(coarse_bytes) + coarse_bits / 8 + kCoarseMinSaving <
      double(c->table_bytes) + c->stream_bits / 8) {
    c->table = coarse;
    c->coarse = true;
    c->table_bytes = coarse_bytes;
    c->stream_bits = coarse_bits;
  }
}

}  // namespace

size_t EstimateRansResidualsSize(const uint64_t* u, size_t m, uint64_t divisor) {
  if (m == 0) return SIZE_MAX;
  std::vector<uint64_t> counts(kRansAlphabet, 0);
  uint64_t extra;
  Count(u, m, divisor, counts.data(), &extra);
  ChosenTable c;
  ChooseTable(counts.data(), m, &c);
  const size_t extra_bytes = (extra + 7) / 8;
  const size_t rans_bytes = 8 + size_t(std::ceil(c.stream_bits / 8));
  return VarintSize(divisor) + c.table_bytes + VarintSize(extra_bytes) + extra_bytes +
         VarintSize(rans_bytes) + rans_bytes;
}

void AppendRansResiduals(const uint64_t* u, size_t m, uint64_t divisor, std::string* dst) {
  std::vector<uint16_t> sym(m);
  std::vector<uint64_t> counts(kRansAlphabet, 0);
  std::string extra;
  BitWriter bits(&extra);
  for (size_t i = 0; i < m; ++i) {
    const uint64_t r = divisor == 1 ? u[i] : u[i] / divisor;
    int nb;
    sym[i] = uint16_t(SymbolOf(r, &nb));
    ++counts[sym[i]];
    if (nb > 0) bits.Write(r & (~uint64_t{0} >> (64 - nb)), nb);
  }
  bits.Finish();
  ChosenTable chosen;
  ChooseTable(counts.data(), m, &chosen);
  const Table& t = chosen.table;

  // Encode backwards, 16-bit words little-endian; a symbol emits at most
  // one word.
  std::vector<uint8_t> buf(2 * m + 8);
  uint8_t* end = buf.data() + buf.size();
  uint8_t* p = end;
  uint32_t x[2] = {kLow, kLow};
  for (size_t i = m; i-- > 0;) {
    const uint32_t s = sym[i];
    const uint32_t f = t.freq[s];
    uint32_t st = x[i & 1];
    const uint64_t x_max = uint64_t((kLow >> kRansScaleBits) << 16) * f;
    if (st >= x_max) {
      p -= 2;
      p[0] = uint8_t(st);
      p[1] = uint8_t(st >> 8);
      st >>= 16;
    }
    x[i & 1] = ((st / f) << kRansScaleBits) + (st % f) + t.cum[s];
  }
  for (int k = 1; k >= 0; --k) {
    p -= 4;
    for (int b = 0; b < 4; ++b) p[b] = uint8_t(x[k] >> (8 * b));
  }

  PutVarint64(dst, divisor);
  if (chosen.coarse) {
    AppendCoarseTable(chosen.codes, t.size, dst);
  } else {
    AppendTable(t, dst);
  }
  PutVarint64(dst, extra.size());
  dst->append(extra);
  PutVarint64(dst, uint64_t(end - p));
  dst->append(reinterpret_cast<const char*>(p), end - p);
}

namespace {

// Reads a coarse table of `size` (1..kRansAlphabet) symbols into freq[0..size).
absl::Status ReadCoarseTable(Reader* src, uint32_t size, uint16_t* freq) {
  BitReader bits(src->rest());
  uint64_t consumed = kFirstCodeBits;
  uint64_t code;
  if (!bits.Read(kFirstCodeBits, &code)) return Corrupt("truncated coarse table");
  uint64_t weights[kRansAlphabet] = {};
  uint64_t total = 0;
  for (uint32_t s = 0;;) {
    if (code > kMaxWeightCode) return Corrupt(absl::StrCat("weight code ", code));
    weights[s] = WeightOf(uint32_t(code));
    total += weights[s];
    if (++s == size) break;
    int zeros = 0;  // Exp-Golomb: zeros, then a one and `zeros` more bits
    bool bit;
    for (;;) {
      if (!bits.ReadBit(&bit)) return Corrupt("truncated coarse table");
      if (bit) break;
      if (++zeros > 16) return Corrupt("bad weight difference");
    }
    uint64_t rest;
    if (!bits.Read(zeros, &rest)) return Corrupt("truncated coarse table");
    consumed += 2 * uint64_t(zeros) + 1;
    const int64_t delta = UnZigZag(((uint64_t{1} << zeros) | rest) - 1);
    code = uint64_t(int64_t(code) + delta);  // checked above on the next turn
  }
  if (total == 0) return Corrupt("coarse table without symbols");
  uint64_t padding;
  if (!bits.Read(int((8 - consumed % 8) % 8), &padding) || padding != 0) {
    return Corrupt("nonzero padding bits");
  }
  std::string_view table_bytes;
  if (!src->GetBytes((consumed + 7) / 8, &table_bytes)) return Corrupt("truncated coarse table");
  Table t;
  Normalize(weights, total, &t);
  for (uint32_t s = 0; s < size; ++s) freq[s] = uint16_t(t.freq[s]);
  return absl::OkStatus();
}

// The decoder, with `map` applied to each residual in order: u[i] =
// map(residual i / divisor, divisor) for i = 0..m-1. With a table of direct
// symbols only (no raw bits: sensor noise) it is applied in the rANS loop
// itself, so that a serial map (the predictor's chain) overlaps the states'
// chains instead of running after them; otherwise after both passes.
template <typename Map>
absl::Status DecodeRans(Reader* src, size_t m, uint64_t* u, uint64_t* divisor, Map map) {
  uint64_t size;
  if (!src->GetVarint64(divisor)) return Corrupt("truncated divisor");
  if (*divisor == 0) return Corrupt("zero divisor");
  if (!src->GetVarint64(&size)) return Corrupt("truncated table size");
  uint16_t freq[kRansAlphabet];
  if (size > kCoarseTable) {
    size -= kCoarseTable;
    if (size > kRansAlphabet) return Corrupt(absl::StrCat("coarse table size ", size));
    RETURN_IF_ERROR(ReadCoarseTable(src, uint32_t(size), freq));
  } else {
    if (size == 0 || size > kRansAlphabet) return Corrupt(absl::StrCat("table size ", size));
    uint32_t sum = 0;
    for (uint64_t s = 0; s < size;) {
      uint64_t f;
      if (!src->GetVarint64(&f)) return Corrupt("truncated table");
      if (f > kScale - sum) return Corrupt("frequencies exceed the scale");
      freq[s++] = uint16_t(f);
      sum += uint32_t(f);
      if (f == 0) {
        uint64_t zeros;
        if (!src->GetVarint64(&zeros)) return Corrupt("truncated table");
        if (zeros > size - s) return Corrupt("zero run past the table");
        for (uint64_t k = 0; k < zeros; ++k) freq[s++] = 0;
      }
    }
    if (sum != kScale) return Corrupt("frequencies short of the scale");
  }

  // slot -> the step's frequency and bias (slot - cumulative frequency),
  // packed as freq | bias << 13 so that the states' chains load one word,
  // and slot -> symbol beside it, off the chains. Filled per symbol with
  // plain stores (the compiler vectorises them); uninitialised on the stack.
  static_assert(kRansAlphabet <= 65536 && kScale <= (1u << 13));
  uint32_t slot_step[kScale];
  uint16_t slot_sym[kScale];
  uint32_t c = 0;
  for (uint32_t s = 0; s < size; ++s) {
    const uint32_t f = freq[s];
    uint32_t* step_out = slot_step + c;
    for (uint32_t k = 0; k < f; ++k) step_out[k] = f | (k << 13);
    std::fill_n(slot_sym + c, f, uint16_t(s));
    c += f;
  }
  auto next_state = [&](uint32_t st) {
    const uint32_t e = slot_step[st & kMask];
    return (e & 0x1fff) * (st >> kRansScaleBits) + (e >> 13);
  };

  std::string_view extra, stream;
  if (!src->GetLengthPrefixed(&extra)) return Corrupt("truncated raw bits");
  if (!src->GetLengthPrefixed(&stream)) return Corrupt("truncated stream");
  if (stream.size() < 8) return Corrupt("stream shorter than its states");
  const uint8_t* p = reinterpret_cast<const uint8_t*>(stream.data());
  const uint8_t* end = p + stream.size();
  uint32_t x[2];
  for (int k = 0; k < 2; ++k) {
    uint32_t v = 0;
    for (int b = 0; b < 4; ++b) v |= uint32_t(p[4 * k + b]) << (8 * b);
    if (v < kLow) {
      return Corrupt("state out of range");
    }
    x[k] = v;
  }
  p += 8;

  // Pass 1: symbols, the two states' chains interleaved, each symbol handed
  // to `emit`. While 4 bytes remain the renormalisation reads without a
  // bounds check (branch-free); the tail is checked word by word. One
  // instance per emit, so that the fused one keeps the map's state in
  // registers.
  const bool direct = size <= kRansDirect;
  const uint64_t d = *divisor;
  auto pass1 = [&](auto emit) -> absl::Status {
    auto step = [&](uint32_t& st, uint64_t* out) {
      emit(out, slot_sym[st & kMask]);
      // freq >= 1 and st >> 12 >= 16: one 16-bit word brings st back to
      // [kLow, 2^32).
      st = next_state(st);
      const bool renorm = st < kLow;
      const uint32_t word = uint32_t(p[0]) | uint32_t(p[1]) << 8;
      st = renorm ? (st << 16) | word : st;
      p += renorm ? 2 : 0;
    };
    auto checked_step = [&](uint32_t& st, uint64_t* out) -> bool {
      if (end - p < 2) {
        emit(out, slot_sym[st & kMask]);
        st = next_state(st);
        return st >= kLow;  // a word would be needed and there is none
      }
      step(st, out);
      return true;
    };
    // Two values a turn. Both states' next words are loaded before either
    // state knows whether it needs one: state 1 takes the second word when
    // state 0 took the first, so the states' chains meet only in a select,
    // not in a load behind the pointer update.
    uint32_t x0 = x[0], x1 = x[1];
    size_t i = 0;
    for (; i + 1 < m && end - p >= 4; i += 2) {
      const uint32_t w0 = uint32_t(p[0]) | uint32_t(p[1]) << 8;
      const uint32_t w1 = uint32_t(p[2]) | uint32_t(p[3]) << 8;
      emit(u + i, slot_sym[x0 & kMask]);
      emit(u + i + 1, slot_sym[x1 & kMask]);
      const uint32_t s0 = next_state(x0), s1 = next_state(x1);
      const bool r0 = s0 < kLow, r1 = s1 < kLow;
      x0 = r0 ? (s0 << 16) | w0 : s0;
      x1 = r1 ? (s1 << 16) | (r0 ? w1 : w0) : s1;
      p += 2 * (int(r0) + int(r1));
    }
    x[0] = x0;
    x[1] = x1;
    for (; i < m; ++i) {
      if (!checked_step(x[i & 1], u + i)) return Corrupt("truncated stream");
    }
    if (x[0] != kLow || x[1] != kLow) return Corrupt("final states do not match");
    if (p != end) return Corrupt("trailing stream bytes");
    return absl::OkStatus();
  };
  if (direct) {
    RETURN_IF_ERROR(pass1([&map, d](uint64_t* out, uint64_t sym) { *out = map(sym, d); }));
  } else {
    RETURN_IF_ERROR(pass1([](uint64_t* out, uint64_t sym) { *out = sym; }));
  }

  // Pass 2: bucket symbols take their raw low bits. The bits are copied with
  // 8 bytes of padding so that each is one unaligned load.
  if (direct) {
    if (!extra.empty()) return Corrupt("trailing raw bits");
    return absl::OkStatus();
  }
  const uint64_t total_bits = uint64_t(extra.size()) * 8;
  std::vector<uint8_t> padded(extra.size() + 16, 0);
  std::memcpy(padded.data(), extra.data(), extra.size());
  uint64_t pos = 0;
  auto load = [&](uint64_t at, int n) {  // n <= 56; at <= total_bits
    uint64_t w;
    std::memcpy(&w, padded.data() + (at >> 3), 8);
    return (w >> (at & 7)) & ((uint64_t{1} << n) - 1);
  };
  // Per symbol: its raw-bit count and value without them (itself if direct).
  uint8_t nbits[kRansAlphabet];
  uint64_t base[kRansAlphabet];
  bool wide = false;
  for (uint32_t s = 0; s < size; ++s) {
    nbits[s] = s < kRansDirect ? 0 : uint8_t(ExtraBitsOf(s));
    base[s] = s < kRansDirect ? s : BucketBase(s);
    wide |= nbits[s] > 56;
  }
  for (size_t k = 0; k < m; ++k) {
    const uint32_t s = uint32_t(u[k]);
    const int nb = nbits[s];
    uint64_t low;
    if (!wide || nb <= 56) {
      low = load(pos, nb);
    } else {
      low = load(pos, 32) | load(pos + 32, nb - 32) << 32;
    }
    pos += nb;
    if (pos > total_bits) return Corrupt("truncated raw bits");
    u[k] = base[s] | low;
  }
  // The writer pads the last byte with zeros and nothing more.
  if (total_bits - pos >= 8) return Corrupt("trailing raw bits");
  if (pos < total_bits && load(pos, int(total_bits - pos)) != 0) {
    return Corrupt("nonzero padding bits");
  }
  for (size_t k = 0; k < m; ++k) u[k] = map(u[k], d);
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadRansResiduals(Reader* src, size_t m, uint64_t* u, uint64_t* divisor) {
  return DecodeRans(src, m, u, divisor, [](uint64_t r, uint64_t) { return r; });
}

absl::Status ReadRansPredicted(Reader* src, size_t n, uint64_t first, uint8_t params, uint64_t step,
                               uint64_t* u) {
  // The decoder goes in by value: its state stays in registers (through a
  // reference it would live in memory, reloaded after every store to u).
  uint64_t divisor;
  u[0] = first;
  return WithPredictionDecoder(first, params, step, [&](auto decoder) {
    return DecodeRans(src, n - 1, u + 1, &divisor, decoder);
  });
}

}  // namespace lux::codec
