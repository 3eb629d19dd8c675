// File: bytes.h
// -----------------------------------------------------------------------------
// Byte classes shared by the line protocol scanners.
#ifndef LUX_SERVER_LINEPROTO_BYTES_H_
#define LUX_SERVER_LINEPROTO_BYTES_H_

#include <cstdint>
#include <string_view>

namespace lux::lineproto::internal {

// InfluxDB's skipWhitespace takes ' ', '\t' and NUL.
inline bool IsSpaceLike(char c) { return c == ' ' || c == '\t' || c == '\0'; }

inline bool IsDigit(char c) { return uint8_t(c - '0') < 10; }

// A set of bytes, for scans that skip ordinary bytes with one load each.
struct ByteSet {
  bool has[256] = {};
  constexpr explicit ByteSet(std::string_view bytes) {
    for (char c : bytes) has[uint8_t(c)] = true;
  }
  bool operator[](char c) const { return has[uint8_t(c)]; }
};

}  // namespace lux::lineproto::internal

#endif  // LUX_SERVER_LINEPROTO_BYTES_H_
