// File: column.h
// -----------------------------------------------------------------------------
// A typed, time-ordered run of one series' points without per-value
// variants: numeric and boolean values as raw 64-bit patterns (double bits,
// int64, uint64, 0/1), strings apart. The read path and the head use it.
#ifndef LUX_ENGINE_DB_COLUMN_H_
#define LUX_ENGINE_DB_COLUMN_H_

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "lux/point.h"

namespace lux::engine {

inline uint64_t ToBits(const FieldValue& v) {
  switch (v.index()) {
    case 0:
      return std::bit_cast<uint64_t>(std::get<double>(v));
    case 1:
      return uint64_t(std::get<int64_t>(v));
    case 2:
      return std::get<uint64_t>(v);
    case 3:
      return std::get<bool>(v) ? 1 : 0;
  }
  return 0;
}

inline FieldValue FromBits(FieldType type, uint64_t bits) {
  switch (type) {
    case FieldType::kFloat:
      return std::bit_cast<double>(bits);
    case FieldType::kInteger:
      return int64_t(bits);
    case FieldType::kUnsigned:
      return bits;
    case FieldType::kBoolean:
      return bits != 0;
    case FieldType::kString:
      break;
  }
  return FieldValue{};
}

struct Column {
  FieldType type = FieldType::kFloat;
  std::vector<int64_t> ts;
  std::vector<uint64_t> bits;     // every type but kString
  std::vector<std::string> strs;  // kString

  size_t size() const { return ts.size(); }
  bool is_string() const { return type == FieldType::kString; }

  FieldValue Value(size_t i) const {
    return is_string() ? FieldValue(strs[i]) : FromBits(type, bits[i]);
  }
  void Push(int64_t t, const FieldValue& v) {
    ts.push_back(t);
    if (is_string()) {
      strs.push_back(std::get<std::string>(v));
    } else {
      bits.push_back(ToBits(v));
    }
  }
  // Appends point i of `from` (same type).
  void PushFrom(const Column& from, size_t i) {
    ts.push_back(from.ts[i]);
    if (is_string()) {
      strs.push_back(from.strs[i]);
    } else {
      bits.push_back(from.bits[i]);
    }
  }
  // Overwrites the last value with point i of `from`.
  void ReplaceLast(const Column& from, size_t i) {
    if (is_string()) {
      strs.back() = from.strs[i];
    } else {
      bits.back() = from.bits[i];
    }
  }
  void Clear() {
    ts.clear();
    bits.clear();
    strs.clear();
  }
};

// Points of c in time order, one per timestamp (the later of equal
// timestamps wins). `in_order`: c.ts is already non-decreasing.
Column SortedUnique(const Column& c, bool in_order);

// The first n points of c (in its order).
Column Prefix(const Column& c, size_t n);

// Points of c (time ordered) with start <= ts < end.
Column Slice(const Column& c, int64_t start, int64_t end);

// Merges two time-ordered columns of one type; `wins` takes ties.
Column MergeColumns(const Column& old, const Column& wins);

// Merges time-ordered columns of one type into one (ties: earlier column
// first, so a later one's point comes after).
Column MergeMany(std::vector<Column>& columns);

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_COLUMN_H_
