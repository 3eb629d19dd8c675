// File: gorilla_codec.cc
// Hot path (per value).
#include "engine/codec/gorilla_codec.h"

#include <bit>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "engine/codec/bit_stream.h"
#include "engine/codec/format.h"

namespace lux::codec {
namespace {

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt gorilla column: ", what));
}

// Leading zeros are stored in 5 bits, so at most 31 of them are implicit.
constexpr int kMaxLeading = 31;

}  // namespace

void EncodeGorilla(std::span<const double> values, std::string* dst) {
  if (values.empty()) return;
  BitWriter w(dst);
  uint64_t prev = std::bit_cast<uint64_t>(values[0]);
  w.Write(prev, 64);
  int lead = -1, trail = 0;  // current window; lead < 0: none yet
  for (size_t i = 1; i < values.size(); ++i) {
    const uint64_t cur = std::bit_cast<uint64_t>(values[i]);
    const uint64_t x = cur ^ prev;
    prev = cur;
    if (x == 0) {
      w.Write(0, 1);
      continue;
    }
    int l = std::countl_zero(x);
    if (l > kMaxLeading) l = kMaxLeading;
    const int t = std::countr_zero(x);
    const int new_bits = 2 + 5 + 6 + (64 - l - t);
    if (lead >= 0 && l >= lead && t >= trail && 2 + (64 - lead - trail) <= new_bits) {
      w.Write(0b01, 2);  // '1' then '0': reuse the window
      w.Write(x >> trail, 64 - lead - trail);
      continue;
    }
    lead = l;
    trail = t;
    const int len = 64 - l - t;
    w.Write(0b11, 2);
    w.Write(uint64_t(l), 5);
    w.Write(uint64_t(len - 1), 6);
    w.Write(x >> t, len);
  }
  w.Finish();
}

size_t MaxEncodedGorillaSize(size_t n) { return 8 + (n * (2 + 5 + 6 + 64) + 7) / 8; }

absl::Status DecodeGorilla(std::string_view src, size_t n, double* out) {
  if (n > kMaxBlockValues) return Corrupt("too many values");
  if (n == 0) return src.empty() ? absl::OkStatus() : Corrupt("trailing bytes");
  BitReader r(src);
  uint64_t prev;
  if (!r.Read(64, &prev)) return Corrupt("truncated first value");
  out[0] = std::bit_cast<double>(prev);
  int lead = -1, trail = 0;
  for (size_t i = 1; i < n; ++i) {
    uint64_t control;
    if (!r.Read(1, &control)) return Corrupt("truncated control bit");
    if (control != 0) {
      uint64_t fresh;
      if (!r.Read(1, &fresh)) return Corrupt("truncated control bit");
      if (fresh) {
        uint64_t l, len_minus_1;
        if (!r.Read(5, &l) || !r.Read(6, &len_minus_1)) return Corrupt("truncated window");
        const int len = int(len_minus_1) + 1;
        if (int(l) + len > 64) return Corrupt("window wider than 64 bits");
        lead = int(l);
        trail = 64 - lead - len;
      } else if (lead < 0) {
        return Corrupt("window reused before one was opened");
      }
      uint64_t bits;
      if (!r.Read(64 - lead - trail, &bits)) return Corrupt("truncated value bits");
      prev ^= bits << trail;
    }
    out[i] = std::bit_cast<double>(prev);
  }
  if (!r.AtCleanEnd()) return Corrupt("trailing bytes");
  return absl::OkStatus();
}

}  // namespace lux::codec
