#include "engine/db/aggregate.h"

#include <cmath>

#include "gtest/gtest.h"

namespace lux::engine {
namespace {

constexpr int64_t kMin = 60'000'000'000;

Column Col(FieldType type, const std::vector<TimedValue>& points) {
  Column c;
  c.type = type;
  for (const auto& p : points) c.Push(p.ts, p.value);
  return c;
}

QuerySpec Spec(Aggregate a, int64_t interval, Fill fill = Fill::kNone) {
  QuerySpec s;
  s.aggregate = a;
  s.start_ns = 0;
  s.end_ns = 4 * kMin;
  s.interval_ns = interval;
  s.fill = fill;
  return s;
}

// Points at 0:10, 0:20, 0:40 (window 0), 2:30 (window 2); window 1 and 3 empty.
AggregateInput Input(const QuerySpec& spec) {
  AggregateInput in;
  in.spec = &spec;
  const int64_t s = kMin / 60;
  in.points =
      Col(FieldType::kFloat, {{10 * s, 1.0}, {20 * s, 4.0}, {40 * s, 2.5}, {150 * s, -2.0}});
  return in;
}

std::vector<double> Doubles(const Frame& f) {
  std::vector<double> out;
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (!f.valid[i]) {
      out.push_back(NAN);
    } else if (auto* d = std::get_if<double>(&f.values[i])) {
      out.push_back(*d);
    } else {
      out.push_back(double(std::get<int64_t>(f.values[i])));
    }
  }
  return out;
}

struct Case {
  const char* name;
  Aggregate aggregate;
  Fill fill;
  std::vector<int64_t> times;  // window starts, in minutes
  std::vector<double> values;  // NaN = null
};

TEST(AggregateTest, WindowsAndFillsAsHandComputed) {
  const double N = NAN;
  const Case cases[] = {
      {"count skips empty windows", Aggregate::kCount, Fill::kNone, {0, 2}, {3, 1}},
      {"sum", Aggregate::kSum, Fill::kNone, {0, 2}, {7.5, -2}},
      {"mean", Aggregate::kMean, Fill::kNone, {0, 2}, {2.5, -2}},
      {"min", Aggregate::kMin, Fill::kNone, {0, 2}, {1, -2}},
      {"max", Aggregate::kMax, Fill::kNone, {0, 2}, {4, -2}},
      {"first", Aggregate::kFirst, Fill::kNone, {0, 2}, {1, -2}},
      {"last", Aggregate::kLast, Fill::kNone, {0, 2}, {2.5, -2}},
      {"spread", Aggregate::kSpread, Fill::kNone, {0, 2}, {3, 0}},
      {"stddev of one point is null", Aggregate::kStddev, Fill::kNone, {0}, {1.5}},
      {"fill null", Aggregate::kMax, Fill::kNull, {0, 1, 2, 3}, {4, N, -2, N}},
      {"fill previous", Aggregate::kMax, Fill::kPrevious, {0, 1, 2, 3}, {4, 4, -2, -2}},
      {"fill linear leaves the edge null",
       Aggregate::kMax,
       Fill::kLinear,
       {0, 1, 2, 3},
       {4, 1, -2, N}},
      {"fill value", Aggregate::kMax, Fill::kValue, {0, 1, 2, 3}, {4, 7, -2, 7}},
  };
  for (const Case& c : cases) {
    QuerySpec spec = Spec(c.aggregate, kMin, c.fill);
    spec.fill_value = 7;
    Frame f;
    ASSERT_TRUE(AggregateWindows(Input(spec), &f).ok()) << c.name;
    std::vector<int64_t> times;
    for (int64_t m : c.times) times.push_back(m * kMin);
    EXPECT_EQ(f.times, times) << c.name;
    auto got = Doubles(f);
    ASSERT_EQ(got.size(), c.values.size()) << c.name;
    for (size_t i = 0; i < got.size(); ++i) {
      if (std::isnan(c.values[i])) {
        EXPECT_TRUE(std::isnan(got[i])) << c.name << " row " << i;
      } else {
        EXPECT_DOUBLE_EQ(got[i], c.values[i]) << c.name << " row " << i;
      }
    }
  }
}

TEST(AggregateTest, PercentileIsNearestRank) {
  QuerySpec spec = Spec(Aggregate::kPercentile, 0);
  spec.percentile = 50;
  Frame f;
  ASSERT_TRUE(AggregateWindows(Input(spec), &f).ok());
  // Sorted -2, 1, 2.5, 4: floor(4 * 0.5 + 0.5) - 1 = 1 -> 1.
  EXPECT_EQ(std::get<double>(f.values.at(0)), 1.0);
  spec.percentile = 100;
  f = Frame();
  ASSERT_TRUE(AggregateWindows(Input(spec), &f).ok());
  EXPECT_EQ(std::get<double>(f.values.at(0)), 4.0);
}

TEST(AggregateTest, TimeWeightedAverageHoldsEachValueUntilTheNext) {
  QuerySpec spec = Spec(Aggregate::kTimeWeightedAverage, kMin);
  Frame f;
  ASSERT_TRUE(AggregateWindows(Input(spec), &f).ok());
  // Window 0 from 0:10 to 1:00: 1 for 10 s, 4 for 20 s, 2.5 for 20 s -> 140 / 50.
  EXPECT_DOUBLE_EQ(std::get<double>(f.values.at(0)), 140.0 / 50);
  // Window 2 from 2:00: 2.5 carried for 30 s, then -2 for 30 s -> 0.25.
  EXPECT_DOUBLE_EQ(std::get<double>(f.values.at(1)), 0.25);
}

TEST(AggregateTest, FillPreviousLooksBeforeTheRange) {
  QuerySpec spec = Spec(Aggregate::kLast, kMin, Fill::kPrevious);
  AggregateInput in;
  in.spec = &spec;
  in.before = TimedValue{-5, int64_t{42}};
  in.points = Col(FieldType::kInteger, {{2 * kMin, int64_t{7}}});
  Frame f;
  ASSERT_TRUE(AggregateWindows(in, &f).ok());
  ASSERT_EQ(f.values.size(), 4u);
  EXPECT_EQ(std::get<int64_t>(f.values[0]), 42);
  EXPECT_EQ(std::get<int64_t>(f.values[1]), 42);
  EXPECT_EQ(std::get<int64_t>(f.values[2]), 7);
  EXPECT_EQ(std::get<int64_t>(f.values[3]), 7);
}

TEST(AggregateTest, IntegerAggregatesStayExact) {
  QuerySpec spec = Spec(Aggregate::kSum, 0);
  AggregateInput in;
  in.spec = &spec;
  in.points = Col(FieldType::kInteger, {{0, int64_t{9007199254740993}}, {1, int64_t{1}}});
  Frame f;
  ASSERT_TRUE(AggregateWindows(in, &f).ok());
  EXPECT_EQ(f.type, FieldType::kInteger);
  EXPECT_EQ(std::get<int64_t>(f.values.at(0)), 9007199254740994);
}

TEST(AggregateTest, RejectsNumericAggregatesOfStrings) {
  EXPECT_FALSE(AggregateType(Aggregate::kMean, FieldType::kString).ok());
  EXPECT_TRUE(AggregateType(Aggregate::kCount, FieldType::kString).ok());
  EXPECT_EQ(*AggregateType(Aggregate::kMean, FieldType::kInteger), FieldType::kFloat);
}

TEST(AggregateTest, WindowStartFloorsNegativeTimes) {
  EXPECT_EQ(WindowStart(-1, 10, 0), -10);
  EXPECT_EQ(WindowStart(10, 10, 0), 10);
  EXPECT_EQ(WindowStart(14, 10, 5), 5);
  EXPECT_EQ(WindowStart(4, 10, 5), -5);
}

}  // namespace
}  // namespace lux::engine
