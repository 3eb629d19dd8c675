// Property test: random in-order, out-of-order and duplicate writes and
// range deletes, with flushes (sealing), the background sealer and reopens
// (log replay), against an in-memory model.
// Every query shape must agree exactly: raw, each aggregate, GROUP BY time
// and tags, each fill. The model aggregates with the same pure window
// function (tested on its own in aggregate_test), so what this pins down is
// storage: merging head, late data, blocks and partitions, and recovery.
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "engine/db/aggregate.h"
#include "engine/db/db_test_util.h"
#include "engine/db/db_testing.h"
#include "gtest/gtest.h"
#include "lux/db.h"

namespace lux {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1767225600 * kSec;
constexpr int kSensors = 4;

std::string SensorName(int s) { return absl::StrCat("s", s); }
std::string ZoneOf(int s) { return s % 2 ? "b" : "a"; }

// Reference: (sensor, field) -> ts -> value.
using Model = std::map<std::pair<int, std::string>, std::map<int64_t, FieldValue>>;

bool SameValue(const FieldValue& a, const FieldValue& b) {
  if (a.index() != b.index()) return false;
  if (auto* x = std::get_if<double>(&a)) {
    const double y = std::get<double>(b);
    return *x == y || (std::isnan(*x) && std::isnan(y)) ||
           std::abs(*x - y) <= 1e-9 * std::max(std::abs(*x), std::abs(y));
  }
  return a == b;
}

// A number from the stats JSON, or 0.
int64_t Stat(DB* db, const std::string& key) {
  std::string stats;
  if (!db->GetProperty("lux.stats", &stats)) return 0;
  const std::string needle = "\"" + key + "\":";
  const size_t at = stats.find(needle);
  return at == std::string::npos ? 0 : std::stoll(stats.substr(at + needle.size()));
}

// With `segmented`, head tails compress into segments of 16 points (also
// at random moments, besides the background sealer), and full-block seals
// (40 points) cut inside segments.
void RunAgainstModel(uint32_t seed, bool segmented) {
  std::mt19937_64 rng(seed);
  testing::TempDir dir;
  auto clock = std::make_shared<FakeClock>(kT0 + 100000 * kSec);
  Options options;
  options.clock = clock;
  options.sync = false;
  options.block_points = 16;
  options.default_partition_ns = 500 * kSec;  // several partitions
  if (segmented) {
    options.head_segment_points = 16;
    options.block_points = 40;
  }
  std::unique_ptr<DB> db;
  int64_t segments_built = 0;
  auto reopen = [&] {
    if (db != nullptr) segments_built += Stat(db.get(), "head_segments_built");
    db.reset();
    auto r = DB::Open(options, dir.path());
    ASSERT_TRUE(r.ok()) << r.status();
    db = std::move(*r);
  };
  reopen();
  ASSERT_TRUE(db->CreateDatabase("farm").ok());
  Model model;
  std::vector<int64_t> next_slot(kSensors, 0);

  auto check = [&] {
    // Raw, per series.
    for (const std::string field : {"v", "q"}) {
      QuerySpec q;
      q.selector = {"farm", "", "m", {field}, {}};
      auto cursor = db->Query(q);
      ASSERT_TRUE(cursor.ok());
      Frame f;
      size_t frames = 0;
      while ((*cursor)->Next(&f)) {
        ++frames;
        int sensor = -1;
        for (const Tag& t : f.tags) {
          if (t.key == "sensor") sensor = std::stoi(t.value.substr(1));
        }
        const auto& want = model[{sensor, field}];
        ASSERT_EQ(f.times.size(), want.size()) << "sensor " << sensor << " field " << field;
        size_t i = 0;
        for (const auto& [ts, v] : want) {
          ASSERT_EQ(f.times[i], ts);
          ASSERT_TRUE(SameValue(f.values[i], v)) << "sensor " << sensor << " ts " << ts;
          ++i;
        }
      }
      ASSERT_TRUE((*cursor)->status().ok()) << (*cursor)->status();
      size_t nonempty = 0;
      for (const auto& [k, pts] : model) nonempty += k.second == field && !pts.empty();
      ASSERT_EQ(frames, nonempty);
    }
    // Aggregates.
    const Aggregate aggs[] = {Aggregate::kCount,
                              Aggregate::kSum,
                              Aggregate::kMean,
                              Aggregate::kMin,
                              Aggregate::kMax,
                              Aggregate::kFirst,
                              Aggregate::kLast,
                              Aggregate::kStddev,
                              Aggregate::kSpread,
                              Aggregate::kPercentile,
                              Aggregate::kTimeWeightedAverage};
    const Fill fills[] = {Fill::kNone, Fill::kNull, Fill::kPrevious, Fill::kLinear, Fill::kValue};
    for (int k = 0; k < 12; ++k) {
      QuerySpec q;
      const std::string field = rng() % 2 ? "v" : "q";
      q.selector = {"farm", "", "m", {field}, {}};
      if (rng() % 3 == 0) q.selector.tags = {{"sensor", TagFilter::Op::kNotEqual, {"s1"}}};
      q.aggregate = aggs[rng() % std::size(aggs)];
      q.percentile = 90;
      q.fill = fills[rng() % std::size(fills)];
      q.fill_value = -1;
      q.start_ns = kT0 + int64_t(rng() % 1500) * kSec;
      q.end_ns = q.start_ns + int64_t(1 + rng() % 1500) * kSec;
      q.interval_ns = (rng() % 4 == 0) ? 0 : int64_t(50 + rng() % 300) * kSec;
      q.offset_ns = int64_t(rng() % 7) * kSec;
      if (q.interval_ns == 0) q.offset_ns = 0;
      if (rng() % 2) q.group_by_tags = {"zone"};
      // Model side: group the model's series the same way.
      std::map<std::string, std::vector<engine::TimedValue>> group_points;
      std::map<std::string, engine::AggregateInput> groups;
      for (int s = 0; s < kSensors; ++s) {
        if (!q.selector.tags.empty() && s == 1) continue;
        const auto& pts = model[{s, field}];
        if (pts.empty()) continue;
        const std::string key = q.group_by_tags.empty() ? "" : ZoneOf(s);
        auto& in = groups[key];
        in.spec = &q;
        in.points.type = field == "v" ? FieldType::kFloat : FieldType::kInteger;
        for (auto it = pts.lower_bound(q.start_ns); it != pts.end() && it->first < q.end_ns; ++it) {
          group_points[key].push_back({it->first, it->second});
        }
        auto before = pts.lower_bound(q.start_ns);
        if (before != pts.begin()) {
          --before;
          if (!in.before || before->first > in.before->ts) {
            in.before = engine::TimedValue{before->first, before->second};
          }
        }
      }
      std::map<std::string, Frame> want;
      for (auto& [key, in] : groups) {
        auto& gp = group_points[key];
        std::stable_sort(gp.begin(), gp.end(),
                         [](const auto& a, const auto& b) { return a.ts < b.ts; });
        for (const auto& tv : gp) in.points.Push(tv.ts, tv.value);
        Frame f;
        ASSERT_TRUE(engine::AggregateWindows(in, &f).ok());
        if (!f.times.empty()) want[key] = f;
      }
      auto cursor = db->Query(q);
      ASSERT_TRUE(cursor.ok()) << cursor.status();
      Frame f;
      size_t frames = 0;
      while ((*cursor)->Next(&f)) {
        ++frames;
        const std::string key = f.tags.empty() ? "" : f.tags[0].value;
        ASSERT_TRUE(want.contains(key)) << "unexpected group " << key;
        const Frame& w = want[key];
        ASSERT_EQ(f.times, w.times) << "query " << k << " aggregate " << int(q.aggregate);
        ASSERT_EQ(f.valid, w.valid);
        for (size_t i = 0; i < f.values.size(); ++i) {
          if (f.valid[i]) {
            ASSERT_TRUE(SameValue(f.values[i], w.values[i])) << i;
          }
        }
      }
      ASSERT_TRUE((*cursor)->status().ok()) << (*cursor)->status();
      ASSERT_EQ(frames, want.size());
    }
  };

  for (int op = 0; op < 150; ++op) {
    const int kind = int(rng() % 20);
    if (kind == 0) {
      ASSERT_TRUE(db->Flush().ok());
    } else if (kind == 1) {
      reopen();
    } else if (kind == 3 && segmented) {
      engine::TEST_CompactHeads(db.get());
    } else if (kind == 2) {
      // Delete a random time range of one sensor, or of all of them.
      const int64_t from = kT0 + int64_t(rng() % 1200) * kSec;
      const int64_t to = from + int64_t(1 + rng() % 400) * kSec;
      Selector sel{"farm", "", "m", {}, {}};
      const int sensor = int(rng() % (kSensors + 1));
      if (sensor < kSensors) sel.tags = {{"sensor", TagFilter::Op::kEqual, {SensorName(sensor)}}};
      ASSERT_TRUE(db->DeleteRange(sel, from, to).ok());
      for (auto& [key, pts] : model) {
        if (sensor < kSensors && key.first != sensor) continue;
        pts.erase(pts.lower_bound(from), pts.lower_bound(to));
      }
    } else {
      WriteBatch b;
      b.database = "farm";
      const int n = 1 + int(rng() % 30);
      for (int i = 0; i < n; ++i) {
        const int s = int(rng() % kSensors);
        int64_t slot;
        const int mode = int(rng() % 10);
        if (mode < 6) {
          slot = next_slot[s]++;  // in order
        } else if (mode < 9) {
          slot = int64_t(rng() % uint64_t(next_slot[s] + 1));  // late or duplicate
        } else {
          slot = next_slot[s] + int64_t(rng() % 50);  // a gap
          next_slot[s] = slot + 1;
        }
        // Unique per sensor: no two series share a timestamp.
        const int64_t ts = kT0 + slot * 4 * kSec + s * kSec;
        Point p;
        p.measurement = "m";
        p.tags = {{"zone", ZoneOf(s)}, {"sensor", SensorName(s)}};
        const double v = double(int64_t(rng() % 4000) - 2000) / 10;
        p.fields = {{"v", v}, {"q", int64_t(rng() % 5)}};
        p.timestamp_ns = ts;
        model[{s, "v"}][ts] = v;
        model[{s, "q"}][ts] = std::get<int64_t>(p.fields[1].value);
        b.points.push_back(p);
      }
      // Either form of a write: the columnar one groups each series' points.
      auto r = rng() % 2 == 0 ? db->Write(b) : db->Write(ToColumnBatch(b));
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_TRUE(r->rejected.empty());
      ASSERT_EQ(r->points_written, b.points.size());
    }
    if (op % 25 == 24) check();
  }
  check();
  segments_built += Stat(db.get(), "head_segments_built");
  if (segmented) {
    EXPECT_GT(segments_built, 50) << "head segments formed";
  }
}

class DBPropertyTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(DBPropertyTest, AgreesWithModel) { RunAgainstModel(GetParam(), /*segmented=*/false); }

TEST_P(DBPropertyTest, AgreesWithModelWithACompressedHead) {
  RunAgainstModel(GetParam(), /*segmented=*/true);
}

INSTANTIATE_TEST_SUITE_P(Seeds, DBPropertyTest, ::testing::Values(1u, 2u, 3u, 4u, 5u));

}  // namespace
}  // namespace lux
