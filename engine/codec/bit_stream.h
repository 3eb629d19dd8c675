// File: bit_stream.h
// -----------------------------------------------------------------------------
// LSB-first bit writer (appending to a caller-owned string) and a
// bounds-checked bit reader for the variable-length codecs (Gorilla XOR,
// delta-of-delta). Header-only; thread-compatible.
#ifndef LUX_CODEC_BIT_STREAM_H_
#define LUX_CODEC_BIT_STREAM_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lux::codec {

class BitWriter {
 public:
  explicit BitWriter(std::string* dst) : dst_(dst) {}

  // Appends the low `n` bits of v. REQUIRES: 0 <= n <= 64, v < 2^n.
  void Write(uint64_t v, int n) {
    if (n == 0) return;
    acc_ |= v << fill_;
    if (fill_ + n >= 64) {
      char buf[8];
      std::memcpy(buf, &acc_, 8);
      dst_->append(buf, 8);
      acc_ = fill_ == 0 ? 0 : v >> (64 - fill_);
      fill_ = fill_ + n - 64;
    } else {
      fill_ += n;
    }
  }
  void WriteBit(bool b) { Write(b ? 1 : 0, 1); }

  // Flushes the partial last byte (zero-padded). Call once, at the end.
  void Finish() {
    char buf[8];
    std::memcpy(buf, &acc_, 8);
    dst_->append(buf, (fill_ + 7) / 8);
    acc_ = 0;
    fill_ = 0;
  }

 private:
  std::string* dst_;
  uint64_t acc_ = 0;
  int fill_ = 0;  // bits used in acc_, < 64
};

class BitReader {
 public:
  explicit BitReader(std::string_view src)
      : p_(reinterpret_cast<const uint8_t*>(src.data())), end_(p_ + src.size()) {}

  // Reads `n` bits (0..64) into *v; false when the input is exhausted.
  bool Read(int n, uint64_t* v) {
    if (n > 56) {
      uint64_t lo, hi;
      if (!Read(32, &lo) || !Read(n - 32, &hi)) return false;
      *v = lo | (hi << 32);
      return true;
    }
    if (avail_ < n) {
      Refill();
      if (avail_ < n) return false;
    }
    *v = n == 0 ? 0 : buf_ & (~uint64_t{0} >> (64 - n));
    buf_ = n == 64 ? 0 : buf_ >> n;
    avail_ -= n;
    return true;
  }
  bool ReadBit(bool* b) {
    uint64_t v;
    if (!Read(1, &v)) return false;
    *b = v != 0;
    return true;
  }
  // True when every byte has been consumed and only zero padding (< 8 bits)
  // remains: the stream ended where the writer's Finish() put it.
  bool AtCleanEnd() const { return p_ == end_ && avail_ < 8 && buf_ == 0; }

 private:
  void Refill() {
    if (end_ - p_ >= 8) {
      uint64_t w;
      std::memcpy(&w, p_, 8);
      buf_ |= w << avail_;
      const int bytes = (63 - avail_) >> 3;
      p_ += bytes;
      avail_ += bytes * 8;
      // Bits of w above the consumed bytes were shifted in but not counted.
      buf_ &= avail_ == 64 ? ~uint64_t{0} : (uint64_t{1} << avail_) - 1;
    } else {
      while (avail_ <= 56 && p_ < end_) {
        buf_ |= uint64_t{*p_++} << avail_;
        avail_ += 8;
      }
    }
  }

  const uint8_t* p_;
  const uint8_t* end_;
  uint64_t buf_ = 0;
  int avail_ = 0;
};

}  // namespace lux::codec

#endif  // LUX_CODEC_BIT_STREAM_H_
