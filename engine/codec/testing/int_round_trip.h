// File: int_round_trip.h
// -----------------------------------------------------------------------------
// Round trip of an integer-pipeline column, shared by the codec tests.
#ifndef LUX_CODEC_TESTING_INT_ROUND_TRIP_H_
#define LUX_CODEC_TESTING_INT_ROUND_TRIP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/codec/int_codec.h"
#include "gtest/gtest.h"

namespace lux::codec::testing {

// Encodes `in` after a non-empty destination prefix (which must stay as it
// was), checks the size bound, stores the column in *encoded and returns
// what it decodes to (the whole column consumed).
inline std::vector<int64_t> RoundTripInts(const std::vector<int64_t>& in, std::string* encoded,
                                          const EncodeOptions& options = {}) {
  std::string buf = "xyz";
  EncodeInts(in, &buf, options);
  EXPECT_EQ(buf.substr(0, 3), "xyz");
  EXPECT_LE(buf.size() - 3, MaxEncodedIntsSize(in.size()));
  *encoded = buf.substr(3);
  Reader r(*encoded);
  std::vector<int64_t> out(in.size());
  EXPECT_TRUE(DecodeInts(&r, in.size(), out.data()).ok());
  EXPECT_TRUE(r.empty());
  return out;
}

// The pipeline mode of an encoded column.
inline IntMode ModeOf(const std::string& encoded) { return static_cast<IntMode>(encoded[0]); }

}  // namespace lux::codec::testing

#endif  // LUX_CODEC_TESTING_INT_ROUND_TRIP_H_
