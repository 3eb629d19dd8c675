// File: aggregate.cc
// Warm path (per window). Numeric aggregates are templated on the stored
// type so integer min/max/sum stay exact.
#include "engine/db/aggregate.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace lux::engine {
namespace {

bool Numeric(FieldType t) {
  return t == FieldType::kFloat || t == FieldType::kInteger || t == FieldType::kUnsigned;
}

double AsDouble(const FieldValue& v) {
  switch (v.index()) {
    case 0:
      return std::get<double>(v);
    case 1:
      return double(std::get<int64_t>(v));
    case 2:
      return double(std::get<uint64_t>(v));
    case 3:
      return std::get<bool>(v) ? 1 : 0;
  }
  return 0;
}

// Converts a double result to the output type.
FieldValue FromDouble(double d, FieldType type) {
  switch (type) {
    case FieldType::kInteger:
      return int64_t(d);
    case FieldType::kUnsigned:
      return uint64_t(d);
    default:
      return d;
  }
}

template <typename T>
T Get(uint64_t bits) {
  if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<double>(bits);
  } else {
    return T(bits);
  }
}

// Aggregates points [begin, end) of one window; nullopt when the window
// yields no value (e.g. stddev of one point).
template <typename T>
std::optional<FieldValue> ReduceNumeric(const QuerySpec& spec, const Column& c, size_t b, size_t e,
                                        int64_t window_start, int64_t window_end,
                                        const std::optional<TimedValue>& prev) {
  const size_t n = e - b;
  const uint64_t* bits = c.bits.data();
  switch (spec.aggregate) {
    case Aggregate::kCount:
      return int64_t(n);
    case Aggregate::kSum: {
      if constexpr (std::is_same_v<T, double>) {
        double s = 0;
        for (size_t i = b; i < e; ++i) s += Get<T>(bits[i]);
        return s;
      } else {
        uint64_t s = 0;  // integer sums wrap, as InfluxDB's
        for (size_t i = b; i < e; ++i) s += bits[i];
        return T(s);
      }
    }
    case Aggregate::kMean: {
      double s = 0;
      for (size_t i = b; i < e; ++i) s += double(Get<T>(bits[i]));
      return s / double(n);
    }
    case Aggregate::kMin:
    case Aggregate::kMax:
    case Aggregate::kSpread: {
      T lo = Get<T>(bits[b]), hi = lo;
      for (size_t i = b; i < e; ++i) {
        const T v = Get<T>(bits[i]);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (spec.aggregate == Aggregate::kMin) return lo;
      if (spec.aggregate == Aggregate::kMax) return hi;
      return T(hi - lo);
    }
    case Aggregate::kFirst:
      return Get<T>(bits[b]);
    case Aggregate::kLast:
      return Get<T>(bits[e - 1]);
    case Aggregate::kStddev: {
      if (n < 2) return std::nullopt;
      double mean = 0;
      for (size_t i = b; i < e; ++i) mean += double(Get<T>(bits[i]));
      mean /= double(n);
      double ss = 0;
      for (size_t i = b; i < e; ++i) {
        const double d = double(Get<T>(bits[i])) - mean;
        ss += d * d;
      }
      return std::sqrt(ss / double(n - 1));
    }
    case Aggregate::kPercentile: {
      std::vector<T> v;
      v.reserve(n);
      for (size_t i = b; i < e; ++i) v.push_back(Get<T>(bits[i]));
      std::sort(v.begin(), v.end());
      // Nearest rank, as InfluxDB: floor(n * p / 100 + 0.5) - 1.
      const int64_t i = int64_t(std::floor(double(n) * spec.percentile / 100.0 + 0.5)) - 1;
      if (i < 0 || i >= int64_t(n)) return std::nullopt;
      return v[i];
    }
    case Aggregate::kTimeWeightedAverage: {
      // Step interpolation: each value holds until the next point. The
      // window starts with the value carried in from before it, if any.
      double area = 0;
      int64_t covered = 0;
      int64_t t = c.ts[b];
      double v = double(Get<T>(bits[b]));
      if (prev) {
        t = window_start;
        v = AsDouble(prev->value);
      }
      for (size_t i = b; i < e; ++i) {
        area += v * double(c.ts[i] - t);
        covered += c.ts[i] - t;
        t = c.ts[i];
        v = double(Get<T>(bits[i]));
      }
      area += v * double(window_end - t);
      covered += window_end - t;
      if (covered <= 0) return v;
      return area / double(covered);
    }
    case Aggregate::kNone:
      break;
  }
  return std::nullopt;
}

std::optional<FieldValue> Reduce(const QuerySpec& spec, const Column& c, size_t b, size_t e,
                                 int64_t ws, int64_t we, const std::optional<TimedValue>& prev) {
  switch (c.type) {
    case FieldType::kFloat:
      return ReduceNumeric<double>(spec, c, b, e, ws, we, prev);
    case FieldType::kInteger:
      return ReduceNumeric<int64_t>(spec, c, b, e, ws, we, prev);
    case FieldType::kUnsigned:
      return ReduceNumeric<uint64_t>(spec, c, b, e, ws, we, prev);
    default:
      if (spec.aggregate == Aggregate::kCount) return int64_t(e - b);
      if (spec.aggregate == Aggregate::kFirst) return c.Value(b);
      if (spec.aggregate == Aggregate::kLast) return c.Value(e - 1);
      return std::nullopt;
  }
}

}  // namespace

absl::StatusOr<FieldType> AggregateType(Aggregate aggregate, FieldType type) {
  switch (aggregate) {
    case Aggregate::kNone:
    case Aggregate::kFirst:
    case Aggregate::kLast:
      return type;
    case Aggregate::kCount:
      return FieldType::kInteger;
    case Aggregate::kMean:
    case Aggregate::kStddev:
    case Aggregate::kTimeWeightedAverage:
      if (Numeric(type)) return FieldType::kFloat;
      break;
    case Aggregate::kSum:
    case Aggregate::kMin:
    case Aggregate::kMax:
    case Aggregate::kSpread:
    case Aggregate::kPercentile:
      if (Numeric(type)) return type;
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("aggregate does not apply to ", FieldTypeName(type), " fields"));
}

int64_t WindowStart(int64_t ts, int64_t interval, int64_t offset) {
  // Floor division that is exact for negative times too.
  int64_t rel = ts - offset;
  int64_t q = rel / interval;
  if (rel % interval != 0 && rel < 0) --q;
  return q * interval + offset;
}

absl::Status AggregateWindows(const AggregateInput& in, Frame* out) {
  const QuerySpec& spec = *in.spec;
  auto out_type = AggregateType(spec.aggregate, in.points.type);
  if (!out_type.ok()) return out_type.status();
  out->type = *out_type;
  const Column& pts = in.points;
  const size_t n = pts.size();

  if (spec.interval_ns <= 0) {
    // One window over the whole range, stamped with the range start (or the
    // first point when the range is unbounded).
    if (n == 0) return absl::OkStatus();
    const int64_t ws =
        spec.start_ns == std::numeric_limits<int64_t>::min() ? pts.ts.front() : spec.start_ns;
    const int64_t we =
        spec.end_ns == std::numeric_limits<int64_t>::max() ? pts.ts.back() + 1 : spec.end_ns;
    auto v = Reduce(spec, pts, 0, n, ws, we,
                    spec.aggregate == Aggregate::kTimeWeightedAverage ? in.before : std::nullopt);
    if (v) {
      out->times.push_back(ws);
      out->values.push_back(std::move(*v));
      out->valid.push_back(1);
    }
    return absl::OkStatus();
  }

  const int64_t first_window = WindowStart(spec.start_ns, spec.interval_ns, spec.offset_ns);
  std::vector<std::optional<FieldValue>> values;
  std::optional<TimedValue> carried = in.before;  // for the time-weighted average
  size_t i = 0;
  for (int64_t ws = first_window; ws < spec.end_ns; ws += spec.interval_ns) {
    const int64_t we = ws + spec.interval_ns;
    size_t j = i;
    while (j < n && pts.ts[j] < we) ++j;
    std::optional<FieldValue> v;
    if (j > i) v = Reduce(spec, pts, i, j, std::max(ws, spec.start_ns), we, carried);
    if (j > i) carried = TimedValue{pts.ts[j - 1], pts.Value(j - 1)};
    i = j;
    values.push_back(std::move(v));
  }
  EmitWindows(spec, pts.type, values, in.before, out);
  return absl::OkStatus();
}

void EmitWindows(const QuerySpec& spec, FieldType point_type,
                 std::vector<std::optional<FieldValue>>& values,
                 const std::optional<TimedValue>& before, Frame* out) {
  const int64_t first_window = WindowStart(spec.start_ns, spec.interval_ns, spec.offset_ns);
  std::optional<FieldValue> previous;  // last non-null output, for fill(previous)
  if (spec.fill == Fill::kPrevious && before) {
    // Sensors that report on change: the value before the range carries in.
    Column one;
    one.type = point_type;
    one.Push(before->ts, before->value);
    auto v = Reduce(spec, one, 0, 1, before->ts, before->ts + 1, std::nullopt);
    if (v && spec.aggregate != Aggregate::kCount) previous = v;
  }
  for (size_t w = 0; w < values.size(); ++w) {
    const int64_t ws = first_window + int64_t(w) * spec.interval_ns;
    if (values[w]) {
      previous = values[w];
      out->times.push_back(ws);
      out->values.push_back(std::move(*values[w]));
      out->valid.push_back(1);
      continue;
    }
    switch (spec.fill) {
      case Fill::kNone:
        break;
      case Fill::kNull:
      case Fill::kLinear:  // interpolated below
        out->times.push_back(ws);
        out->values.push_back(FieldValue{});
        out->valid.push_back(0);
        break;
      case Fill::kPrevious:
        out->times.push_back(ws);
        out->values.push_back(previous ? *previous : FieldValue{});
        out->valid.push_back(previous ? 1 : 0);
        break;
      case Fill::kValue:
        out->times.push_back(ws);
        out->values.push_back(FromDouble(spec.fill_value, out->type));
        out->valid.push_back(1);
        break;
    }
  }
  if (spec.fill == Fill::kLinear) {
    // Interpolate each null between two valid windows; edges stay null.
    const size_t n = out->times.size();
    size_t last_valid = SIZE_MAX;
    for (size_t k = 0; k < n; ++k) {
      if (!out->valid[k]) continue;
      if (last_valid != SIZE_MAX && k > last_valid + 1) {
        const double y0 = AsDouble(out->values[last_valid]), y1 = AsDouble(out->values[k]);
        const double t0 = double(out->times[last_valid]), t1 = double(out->times[k]);
        for (size_t m = last_valid + 1; m < k; ++m) {
          const double y = y0 + (y1 - y0) * (double(out->times[m]) - t0) / (t1 - t0);
          out->values[m] = FromDouble(y, out->type);
          out->valid[m] = 1;
        }
      }
      last_valid = k;
    }
  }
}

// --- WindowAccumulator ---

bool WindowAccumulator::Supports(const QuerySpec& spec, FieldType type) {
  if (!Numeric(type)) return false;
  if (spec.interval_ns <= 0 && spec.start_ns == std::numeric_limits<int64_t>::min()) return false;
  switch (spec.aggregate) {
    case Aggregate::kCount:
    case Aggregate::kSum:
    case Aggregate::kMean:
    case Aggregate::kMin:
    case Aggregate::kMax:
    case Aggregate::kSpread:
    case Aggregate::kFirst:
    case Aggregate::kLast:
      return true;
    default:
      return false;
  }
}

WindowAccumulator::WindowAccumulator(const QuerySpec& spec, FieldType type)
    : spec_(spec), type_(type) {
  if (spec.interval_ns > 0) {
    first_window_ = WindowStart(spec.start_ns, spec.interval_ns, spec.offset_ns);
    const int64_t n = (spec.end_ns - 1 - first_window_) / spec.interval_ns + 1;
    windows_.resize(size_t(n));
  } else {
    first_window_ = spec.start_ns;
    windows_.resize(1);
  }
}

size_t WindowAccumulator::WindowOf(int64_t ts) const {
  return spec_.interval_ns > 0 ? size_t((ts - first_window_) / spec_.interval_ns) : 0;
}

bool WindowAccumulator::SameWindow(int64_t a, int64_t b) const {
  return WindowOf(a) == WindowOf(b);
}

template <typename T>
void WindowAccumulator::AddOne(Window& w, int64_t ts, uint64_t bits, uint64_t count, uint64_t sum,
                               uint64_t min, uint64_t max, int64_t last_ts, uint64_t last) {
  const T vmin = Get<T>(min), vmax = Get<T>(max);
  if (w.count == 0) {
    w.min = min;
    w.max = max;
    w.first_ts = ts;
    w.first = bits;
    w.last_ts = last_ts;
    w.last = last;
  } else {
    if (vmin < Get<T>(w.min)) w.min = min;
    if (vmax > Get<T>(w.max)) w.max = max;
    if (ts < w.first_ts) {
      w.first_ts = ts;
      w.first = bits;
    }
    if (last_ts >= w.last_ts) {
      w.last_ts = last_ts;
      w.last = last;
    }
  }
  w.count += count;
  if constexpr (std::is_same_v<T, double>) {
    w.sum_d += std::bit_cast<double>(sum);
  } else {
    w.sum_i += sum;
    w.sum_d += double(T(sum));
  }
}

template <typename T>
void WindowAccumulator::AddRange(Window& w, const Column& c, size_t b, size_t e) {
  const uint64_t* bits = c.bits.data();
  T lo = Get<T>(bits[b]), hi = lo;
  double sum_d = 0;
  uint64_t sum_i = 0;
  for (size_t i = b; i < e; ++i) {
    const T v = Get<T>(bits[i]);
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
    if constexpr (std::is_same_v<T, double>) {
      sum_d += v;
    } else {
      sum_i += bits[i];
    }
  }
  if constexpr (std::is_same_v<T, double>) {
    AddOne<T>(w, c.ts[b], bits[b], e - b, std::bit_cast<uint64_t>(sum_d),
              std::bit_cast<uint64_t>(lo), std::bit_cast<uint64_t>(hi), c.ts[e - 1], bits[e - 1]);
  } else {
    AddOne<T>(w, c.ts[b], bits[b], e - b, sum_i, uint64_t(lo), uint64_t(hi), c.ts[e - 1],
              bits[e - 1]);
  }
}

void WindowAccumulator::AddColumn(const Column& c) {
  // Points are time ordered: one division per window, then a tight loop.
  for (size_t i = 0; i < c.size();) {
    const size_t w = WindowOf(c.ts[i]);
    size_t j = c.size();
    if (spec_.interval_ns > 0) {
      const int64_t end = first_window_ + int64_t(w + 1) * spec_.interval_ns;
      j = std::lower_bound(c.ts.begin() + i, c.ts.end(), end) - c.ts.begin();
    }
    switch (type_) {
      case FieldType::kFloat:
        AddRange<double>(windows_[w], c, i, j);
        break;
      case FieldType::kInteger:
        AddRange<int64_t>(windows_[w], c, i, j);
        break;
      default:
        AddRange<uint64_t>(windows_[w], c, i, j);
        break;
    }
    i = j;
  }
}

void WindowAccumulator::AddBlock(const codec::BlockHeader& h) {
  Window& w = windows_[WindowOf(h.first_ts)];
  switch (type_) {
    case FieldType::kFloat:
      AddOne<double>(w, h.first_ts, h.first, h.count, h.sum, h.min, h.max, h.last_ts, h.last);
      break;
    case FieldType::kInteger:
      AddOne<int64_t>(w, h.first_ts, h.first, h.count, h.sum, h.min, h.max, h.last_ts, h.last);
      break;
    default:
      AddOne<uint64_t>(w, h.first_ts, h.first, h.count, h.sum, h.min, h.max, h.last_ts, h.last);
      break;
  }
}

std::optional<FieldValue> WindowAccumulator::Result(const Window& w) const {
  if (w.count == 0) return std::nullopt;
  auto typed = [&](uint64_t bits) { return FromBits(type_, bits); };
  switch (spec_.aggregate) {
    case Aggregate::kCount:
      return int64_t(w.count);
    case Aggregate::kSum:
      return type_ == FieldType::kFloat ? FieldValue(w.sum_d) : typed(w.sum_i);
    case Aggregate::kMean:
      return w.sum_d / double(w.count);
    case Aggregate::kMin:
      return typed(w.min);
    case Aggregate::kMax:
      return typed(w.max);
    case Aggregate::kSpread:
      if (type_ == FieldType::kFloat) {
        return std::bit_cast<double>(w.max) - std::bit_cast<double>(w.min);
      }
      return typed(w.max - w.min);
    case Aggregate::kFirst:
      return typed(w.first);
    case Aggregate::kLast:
      return typed(w.last);
    default:
      return std::nullopt;
  }
}

void WindowAccumulator::Finish(const std::optional<TimedValue>& before, Frame* out) {
  out->type = *AggregateType(spec_.aggregate, type_);
  std::vector<std::optional<FieldValue>> values;
  values.reserve(windows_.size());
  for (const Window& w : windows_) values.push_back(Result(w));
  if (spec_.interval_ns > 0) {
    EmitWindows(spec_, type_, values, before, out);
  } else if (values[0]) {
    out->times.push_back(spec_.start_ns);
    out->values.push_back(std::move(*values[0]));
    out->valid.push_back(1);
  }
}

}  // namespace lux::engine
