// File: corrupt.h
// -----------------------------------------------------------------------------
// Hostile-input helpers shared by the codec tests.
#ifndef LUX_CODEC_TESTING_CORRUPT_H_
#define LUX_CODEC_TESTING_CORRUPT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/codec/int_codec.h"

namespace lux::codec::testing {

struct FlipCounts {
  size_t flips = 0;          // columns decoded: one per bit of the input
  size_t rejected = 0;       // of which DecodeInts returned an error
  size_t not_data_loss = 0;  // of which the error was not kDataLoss
};

// Decodes every one-bit corruption of an integer-pipeline column of n
// values. The decoder must never crash or read outside the buffer (ASan).
inline FlipCounts FlipEveryBit(std::string_view column, size_t n) {
  FlipCounts c;
  std::vector<int64_t> out(n);
  for (size_t byte = 0; byte < column.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string t(column);
      t[byte] ^= char(1 << bit);
      Reader r(t);
      const absl::Status st = DecodeInts(&r, n, out.data());
      ++c.flips;
      if (!st.ok()) ++c.rejected;
      if (!st.ok() && st.code() != absl::StatusCode::kDataLoss) ++c.not_data_loss;
    }
  }
  return c;
}

}  // namespace lux::codec::testing

#endif  // LUX_CODEC_TESTING_CORRUPT_H_
