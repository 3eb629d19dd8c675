// File: column.cc
#include "engine/db/column.h"

#include <algorithm>
#include <numeric>
#include <queue>

namespace lux::engine {

Column SortedUnique(const Column& c, bool in_order) {
  std::vector<uint32_t> order(c.size());
  std::iota(order.begin(), order.end(), 0);
  if (!in_order) {
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return c.ts[a] < c.ts[b]; });
  }
  Column out;
  out.type = c.type;
  out.ts.reserve(c.size());
  for (uint32_t i : order) {
    if (!out.ts.empty() && out.ts.back() == c.ts[i]) {
      out.ReplaceLast(c, i);
    } else {
      out.PushFrom(c, i);
    }
  }
  return out;
}

Column Prefix(const Column& c, size_t n) {
  Column out;
  out.type = c.type;
  n = std::min(n, c.size());
  out.ts.assign(c.ts.begin(), c.ts.begin() + n);
  if (c.is_string()) {
    out.strs.assign(c.strs.begin(), c.strs.begin() + n);
  } else {
    out.bits.assign(c.bits.begin(), c.bits.begin() + n);
  }
  return out;
}

Column Slice(const Column& c, int64_t start, int64_t end) {
  const size_t lo = std::lower_bound(c.ts.begin(), c.ts.end(), start) - c.ts.begin();
  const size_t hi = std::lower_bound(c.ts.begin(), c.ts.end(), end) - c.ts.begin();
  Column out;
  out.type = c.type;
  out.ts.assign(c.ts.begin() + lo, c.ts.begin() + hi);
  if (c.is_string()) {
    out.strs.assign(c.strs.begin() + lo, c.strs.begin() + hi);
  } else {
    out.bits.assign(c.bits.begin() + lo, c.bits.begin() + hi);
  }
  return out;
}

Column MergeColumns(const Column& old, const Column& wins) {
  Column out;
  out.type = wins.type;
  out.ts.reserve(old.size() + wins.size());
  size_t a = 0, b = 0;
  while (a < old.size() || b < wins.size()) {
    if (b == wins.size() || (a < old.size() && old.ts[a] < wins.ts[b])) {
      out.PushFrom(old, a++);
    } else {
      if (a < old.size() && old.ts[a] == wins.ts[b]) ++a;
      out.PushFrom(wins, b++);
    }
  }
  return out;
}

Column MergeMany(std::vector<Column>& columns) {
  if (columns.size() == 1) return std::move(columns[0]);
  Column out;
  if (columns.empty()) return out;
  out.type = columns[0].type;
  size_t total = 0;
  for (const Column& c : columns) total += c.size();
  out.ts.reserve(total);
  if (!out.is_string()) out.bits.reserve(total);
  // (ts, column, position): a min-heap, ties broken by column order.
  using Head = std::tuple<int64_t, size_t, size_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap;
  for (size_t k = 0; k < columns.size(); ++k) {
    if (columns[k].size() != 0) heap.emplace(columns[k].ts[0], k, 0);
  }
  while (!heap.empty()) {
    auto [t, k, i] = heap.top();
    heap.pop();
    out.PushFrom(columns[k], i);
    if (i + 1 < columns[k].size()) heap.emplace(columns[k].ts[i + 1], k, i + 1);
  }
  return out;
}

}  // namespace lux::engine
