// File: varint.h
// -----------------------------------------------------------------------------
// LEB128 varints and zigzag, appended to a caller-owned std::string and read
// back from a bounds-checked cursor. Thread-compatible, header-only.
#ifndef LUX_COMMON_VARINT_H_
#define LUX_COMMON_VARINT_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lux {

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

inline void PutVarint64(std::string* dst, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}
// Bytes PutVarint64 writes for v.
inline size_t VarintSize(uint64_t v) { return v == 0 ? 1 : (std::bit_width(v) + 6) / 7; }

// Writes varints, fixed64s and bytes through a pointer into memory sized
// beforehand (the caller bounds what it writes): for keys and records built
// once per write unit or per series, where appending piece by piece to a
// string cost more than the rest of building them.
class PointerWriter {
 public:
  explicit PointerWriter(char* p) : p_(p) {}
  void Varint(uint64_t v) {
    for (; v >= 0x80; v >>= 7) *p_++ = static_cast<char>(v | 0x80);
    *p_++ = static_cast<char>(v);
  }
  void Byte(uint8_t v) { *p_++ = static_cast<char>(v); }
  void Fixed64(uint64_t v) {
    for (int i = 0; i < 8; ++i) *p_++ = static_cast<char>(v >> (8 * i));
  }
  void Bytes(std::string_view s) {
    if (!s.empty()) std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  // varint(size) then the bytes (PutLengthPrefixed's layout).
  void LengthPrefixed(std::string_view s) {
    Varint(s.size());
    Bytes(s);
  }
  char* pos() const { return p_; }

 private:
  char* p_;
};

inline void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 8);
}
inline uint64_t LoadFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

// A read cursor over untrusted bytes. Every getter returns false when the
// input is exhausted or malformed and then leaves the cursor unusable; callers
// turn that into kDataLoss.
class Reader {
 public:
  explicit Reader(std::string_view src) : p_(src.data()), end_(src.data() + src.size()) {}

  bool GetVarint64(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63 && p_ < end_; shift += 7) {
      uint64_t byte = static_cast<uint8_t>(*p_++);
      if (shift == 63 && byte > 1) return false;  // overflows 64 bits
      result |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool GetSignedVarint64(int64_t* v) {
    uint64_t u;
    if (!GetVarint64(&u)) return false;
    *v = UnZigZag(u);
    return true;
  }
  bool GetFixed64(uint64_t* v) {
    if (end_ - p_ < 8) return false;
    *v = LoadFixed64(p_);
    p_ += 8;
    return true;
  }
  bool GetByte(uint8_t* v) {
    if (p_ >= end_) return false;
    *v = static_cast<uint8_t>(*p_++);
    return true;
  }
  // Takes the next `n` bytes as a view into the source.
  bool GetBytes(size_t n, std::string_view* out) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  // Takes a varint length followed by that many bytes.
  bool GetLengthPrefixed(std::string_view* out) {
    uint64_t n;
    return GetVarint64(&n) && GetBytes(n, out);
  }
  std::string_view rest() const { return std::string_view(p_, end_ - p_); }
  size_t remaining() const { return end_ - p_; }
  bool empty() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace lux

#endif  // LUX_COMMON_VARINT_H_
