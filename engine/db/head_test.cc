// Head segments and the logical view of a head over segments and tail:
// every field type, out-of-order and repeated timestamps, cuts at every
// position.
#include "engine/db/head.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "gtest/gtest.h"

namespace lux::engine {
namespace {

// `n` points of `type` in arrival order: mostly a steady clock with late
// points, repeats and jumps, and values that exercise the encoders.
Column MakeColumn(FieldType type, size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  Column c;
  c.type = type;
  int64_t t = 1'000'000'000;
  for (size_t i = 0; i < n; ++i) {
    const int mode = int(rng() % 10);
    if (mode < 6) {
      t += 10;
      c.ts.push_back(t);
    } else if (mode < 8) {
      c.ts.push_back(t - int64_t(rng() % 200));  // late, or a repeat
    } else if (mode < 9) {
      c.ts.push_back(t);  // the same timestamp again
    } else {
      c.ts.push_back(i % 2 ? std::numeric_limits<int64_t>::max() - int64_t(i)
                           : std::numeric_limits<int64_t>::min() + int64_t(i));
    }
    switch (type) {
      case FieldType::kFloat: {
        const double specials[] = {std::nan(""), -0.0, std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(), 1e-310};
        const double v = rng() % 7 == 0 ? specials[rng() % 5] : double(int(rng() % 1000)) / 10;
        c.bits.push_back(std::bit_cast<uint64_t>(v));
        break;
      }
      case FieldType::kInteger:
        c.bits.push_back(rng() % 5 == 0 ? uint64_t(std::numeric_limits<int64_t>::min())
                                        : uint64_t(int64_t(i) - int64_t(rng() % 3)));
        break;
      case FieldType::kUnsigned:
        c.bits.push_back(rng() % 5 == 0 ? std::numeric_limits<uint64_t>::max() : rng() % 100);
        break;
      case FieldType::kBoolean:
        c.bits.push_back(rng() % 4 == 0);
        break;
      case FieldType::kString:
        c.strs.push_back(std::string(rng() % 40, char('a' + i % 26)));
        break;
    }
  }
  return c;
}

void ExpectSame(const Column& got, const Column& want) {
  ASSERT_EQ(got.type, want.type);
  ASSERT_EQ(got.ts, want.ts);
  ASSERT_EQ(got.bits, want.bits);  // bit-exact: NaN payloads, -0.0
  ASSERT_EQ(got.strs, want.strs);
}

Column Suffix(const Column& c, size_t from) {
  Column out;
  out.type = c.type;
  for (size_t i = from; i < c.size(); ++i) out.PushFrom(c, i);
  return out;
}

// A head holding `c` with as many whole segments of `seg` points as fit
// in the first `in_segments` points, the rest in the tail.
HeadSeries MakeHead(const Column& c, size_t seg, size_t in_segments) {
  HeadSeries h;
  h.tail = c;
  h.in_order = std::is_sorted(c.ts.begin(), c.ts.end());
  if (c.size() != 0) h.newest_ts = c.ts.back();
  std::vector<std::shared_ptr<const HeadSegment>> segs;
  const size_t n = in_segments - in_segments % seg;
  for (size_t off = 0; off < n; off += seg) segs.push_back(EncodeHeadSegment(c, off, seg));
  if (!segs.empty()) h.InstallSegments(std::move(segs), n);
  return h;
}

constexpr FieldType kNumeric[] = {FieldType::kFloat, FieldType::kInteger, FieldType::kUnsigned,
                                  FieldType::kBoolean};

TEST(HeadSegmentTest, EveryNumericTypeRoundTripsBitExactInArrivalOrder) {
  for (FieldType type : kNumeric) {
    for (size_t n : {size_t{1}, size_t{2}, size_t{3}, size_t{16}, size_t{257}, size_t{4096}}) {
      const Column c = MakeColumn(type, n, uint32_t(n));
      auto seg = EncodeHeadSegment(c, 0, n);
      EXPECT_EQ(seg->count, n);
      EXPECT_EQ(seg->min_ts, *std::min_element(c.ts.begin(), c.ts.end()));
      EXPECT_EQ(seg->max_ts, *std::max_element(c.ts.begin(), c.ts.end()));
      Column out;
      out.type = type;
      out.Push(5, FromBits(type, 1));  // decoding appends after what is there
      DecodeHeadSegment(*seg, &out);
      Column want;
      want.type = type;
      want.Push(5, FromBits(type, 1));
      for (size_t i = 0; i < n; ++i) want.PushFrom(c, i);
      ExpectSame(out, want);
    }
  }
}

TEST(HeadSegmentTest, SteadySeriesTakeAFewBitsAPoint) {
  Column c;
  c.type = FieldType::kFloat;
  for (int i = 0; i < 256; ++i) c.Push(int64_t(i) * 1'000'000'000, 20.0 + (i % 4) * 0.5);
  EXPECT_LT(EncodeHeadSegment(c, 0, 256)->data.size(), 256u * 2) << "< 2 bytes a point";
  Column counter;
  counter.type = FieldType::kInteger;
  for (int i = 0; i < 256; ++i) counter.Push(int64_t(i) * 1'000'000'000, int64_t(1000 + 3 * i));
  EXPECT_LT(EncodeHeadSegment(counter, 0, 256)->data.size(), 32u);
}

TEST(HeadSeriesTest, LogicalSequenceIsSegmentsThenTail) {
  for (FieldType type : kNumeric) {
    const Column c = MakeColumn(type, 100, 7);
    for (size_t in_segments : {size_t{0}, size_t{16}, size_t{50}, size_t{96}}) {
      const HeadSeries h = MakeHead(c, 16, in_segments);
      EXPECT_EQ(h.size(), 100u);
      EXPECT_EQ(h.segments.size(), in_segments / 16);
      EXPECT_EQ(h.tail.size(), 100u - in_segments / 16 * 16);
      Column all;
      all.type = type;
      h.AppendAll(&all);
      ExpectSame(all, c);
      // Ranges: arrival order kept; sorted, one per timestamp, later wins.
      for (auto [start, end] :
           {std::pair<int64_t, int64_t>{0, 0},
            {1'000'000'000, 1'000'000'300},
            {1'000'000'250, 1'000'000'800},
            {std::numeric_limits<int64_t>::min(), 1'000'000'500},
            {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}}) {
        ExpectSame(h.SortedRange(start, end), Slice(SortedUnique(c, false), start, end));
      }
    }
  }
}

TEST(HeadSeriesTest, DroppingAPrefixCutsAnywhereInSegmentsOrTail) {
  for (FieldType type : kNumeric) {
    const Column c = MakeColumn(type, 70, 11);
    for (size_t cut = 0; cut <= 70; ++cut) {
      HeadSeries h = MakeHead(c, 16, 64);  // 4 segments, 6 in the tail
      h.DropPrefix(cut);
      ASSERT_EQ(h.size(), 70 - cut);
      Column rest;
      rest.type = type;
      h.AppendAll(&rest);
      ExpectSame(rest, Suffix(c, cut));
      size_t in_segments = 0;
      for (const auto& seg : h.segments) in_segments += seg->count;
      EXPECT_EQ(in_segments, h.segment_points);
      EXPECT_EQ(h.tail.size(), 6u - (cut > 64 ? cut - 64 : 0)) << "the tail is untouched";
    }
  }
}

TEST(HeadSeriesTest, StringsStayInTheTail) {
  const Column c = MakeColumn(FieldType::kString, 40, 3);
  HeadSeries h = MakeHead(c, 16, 0);
  h.DropPrefix(15);
  Column rest;
  rest.type = FieldType::kString;
  h.AppendAll(&rest);
  ExpectSame(rest, Suffix(c, 15));
  EXPECT_GT(h.MemoryBytes(), 0u);
}

TEST(HeadSeriesTest, CompactedHeadTakesFarLessMemory) {
  Column c;
  c.type = FieldType::kFloat;
  HeadSeries raw;
  raw.tail.type = FieldType::kFloat;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 4096; ++i) {
    const double v = 20.0 + double(int(rng() % 100)) / 10;
    c.Push(int64_t(i) * 1'000'000'000, v);
    raw.tail.Push(int64_t(i) * 1'000'000'000, v);  // grown by appends, as the write path does
  }
  const HeadSeries compact = MakeHead(c, 256, 4096);
  EXPECT_EQ(compact.tail.size(), 0u);
  EXPECT_GE(raw.MemoryBytes(), 4096u * 16);
  // Noisy one-decimal values are Gorilla's bad case (~7 bytes a point).
  EXPECT_LT(compact.MemoryBytes() * 2, raw.MemoryBytes()) << compact.MemoryBytes();
}

TEST(HeadSeriesTest, ResetToMovesEverythingIntoTheTail) {
  const Column c = MakeColumn(FieldType::kInteger, 50, 5);
  HeadSeries h = MakeHead(c, 16, 48);
  Column kept = Suffix(c, 20);
  h.ResetTo(kept);
  EXPECT_TRUE(h.segments.empty());
  EXPECT_EQ(h.segment_points, 0u);
  EXPECT_EQ(h.newest_ts, c.ts.back());
  Column all;
  all.type = FieldType::kInteger;
  h.AppendAll(&all);
  ExpectSame(all, kept);
}

}  // namespace
}  // namespace lux::engine
