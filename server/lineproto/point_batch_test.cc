#include "server/lineproto/point_batch.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/lineproto/line_protocol.h"
#include "server/lineproto/parse_test_util.h"
#include "server/lineproto/plain_line.h"

namespace lux::lineproto {
namespace {

TEST(PointBatchTest, HoldsEachTypeInColumns) {
  PointBatch batch;
  ParseBatch(
      "cpu,host=a,region=eu f=1.5,i=-3i,u=7u,b=t 10\n"
      "bad line\n"
      "m\\ x,t\\,k=v s=\"a\\\"b\",f=2 20\n",
      ParseOptions{}, &batch);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.measurement(0), "cpu");
  EXPECT_EQ(batch.line_number(0), 1u);
  EXPECT_EQ(batch.timestamp_ns(0), 10);
  ASSERT_EQ(batch.tag_count(0), 2u);
  EXPECT_EQ(batch.tag_key(0, 1), "region");
  EXPECT_EQ(batch.tag_value(0, 1), "eu");
  ASSERT_EQ(batch.field_count(0), 4u);
  EXPECT_EQ(batch.field_type(0, 0), FieldType::kFloat);
  EXPECT_EQ(batch.float_value(0, 0), 1.5);
  EXPECT_EQ(batch.integer_value(0, 1), -3);
  EXPECT_EQ(batch.unsigned_value(0, 2), 7u);
  EXPECT_TRUE(batch.boolean_value(0, 3));

  EXPECT_EQ(batch.measurement(1), "m x");
  EXPECT_EQ(batch.line_number(1), 3u);
  EXPECT_EQ(batch.tag_key(1, 0), "t,k");
  EXPECT_EQ(batch.field_type(1, 0), FieldType::kString);
  EXPECT_EQ(batch.string_value(1, 0), "a\"b");
  EXPECT_EQ(batch.field_value(1, 1), FieldValue(2.0));

  ASSERT_EQ(batch.errors().size(), 1u);
  EXPECT_EQ(batch.errors()[0].line_number, 2u);
  EXPECT_EQ(batch.errors()[0].reason, "invalid field format");

  std::vector<Point> points;
  batch.AppendPoints(&points);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[1].measurement, "m x");

  batch.Clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(batch.errors().empty());
  ParseBatch("a v=1 1", ParseOptions{}, &batch);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch.measurement(0), "a");
}

bool ScansPlain(std::string_view line, const ParseOptions& options = {}) {
  internal::PlainLine plain;
  return internal::ScanPlainLine(line, options, PrecisionMultiplier(options.precision), 0, &plain);
}

// ToColumns of the body in ToColumnsGroupsRunsOfATagSet... into *c.
void CheckGroupedColumns(ColumnBatch& c) {
  PointBatch batch;
  ParseBatch(
      "m,b=2,a=1 v=1.5,q=1i 10\n"         // A: tag set T, fields v q
      "m,a=1,b=2 v=2.5,q=2i 20\n"         // A again (tags sorted by the parser)
      "m,a=1 v=3i 30\n"                   // B: another tag set
      "m,a=1,b=2 v=4.5 40\n"              // C: T, other fields: a new group
      "m,a=1,b=2 v=\"s\",q=3i 50\n"       // D: T, other type: a new group
      "n,a=1 x=t,y=1u,z=\"w\\\"x\" 60\n"  // E: every other type
      "m,a=1,b=2 v=5.5,q=4i 70\n"         // F: T with A's fields, after D: a new group
      "m,a=1 v=4i 80\n",                  // B's tag set still on B's fields: joins B
      ParseOptions{}, &batch);
  ASSERT_EQ(batch.size(), 8u);
  std::vector<uint32_t> point_of;
  batch.ToColumns(&c, &point_of);
  ASSERT_EQ(c.series.size(), 6u);
  const SeriesPoints& a = c.series[0];
  EXPECT_EQ(a.measurement, "m");
  EXPECT_EQ(a.tags, (std::vector<Tag>{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(a.timestamps_ns, (std::vector<int64_t>{10, 20}));
  ASSERT_EQ(a.fields.size(), 2u);
  EXPECT_EQ(a.fields[0].key, "v");
  EXPECT_EQ(std::get<std::vector<double>>(a.fields[0].values), (std::vector<double>{1.5, 2.5}));
  EXPECT_EQ(std::get<std::vector<int64_t>>(a.fields[1].values), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(std::get<std::vector<int64_t>>(c.series[1].fields[0].values),
            (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(c.series[2].timestamps_ns, (std::vector<int64_t>{40}));
  EXPECT_EQ(std::get<std::vector<std::string>>(c.series[3].fields[0].values),
            (std::vector<std::string>{"s"}));
  const SeriesPoints& e = c.series[4];
  EXPECT_EQ(std::get<std::vector<bool>>(e.fields[0].values), (std::vector<bool>{true}));
  EXPECT_EQ(std::get<std::vector<uint64_t>>(e.fields[1].values), (std::vector<uint64_t>{1}));
  EXPECT_EQ(std::get<std::vector<std::string>>(e.fields[2].values),
            (std::vector<std::string>{"w\"x"}));
  EXPECT_EQ(c.series[5].timestamps_ns, (std::vector<int64_t>{70}));
  // Flat order: A's two points, B's two, then C, D, E, F.
  EXPECT_EQ(point_of, (std::vector<uint32_t>{0, 1, 2, 7, 3, 4, 5, 6}));
  // Flat index k is point j of series s, counting every series' points in order.
  size_t k = 0;
  for (const SeriesPoints& sp : c.series) {
    for (size_t j = 0; j < sp.timestamps_ns.size(); ++j, ++k) {
      ASSERT_LT(k, point_of.size());
      const Point want = batch.ToPoint(point_of[k]);
      const Point got = PointAt(sp, j);
      EXPECT_EQ(got.measurement, want.measurement);
      EXPECT_EQ(got.tags, want.tags);
      EXPECT_EQ(got.timestamp_ns, want.timestamp_ns);
      ASSERT_EQ(got.fields.size(), want.fields.size());
      for (size_t f = 0; f < want.fields.size(); ++f) {
        EXPECT_EQ(got.fields[f].key, want.fields[f].key);
        EXPECT_EQ(got.fields[f].value, want.fields[f].value);
      }
    }
  }
  EXPECT_EQ(k, point_of.size());
}

TEST(PointBatchTest, ToColumnsGroupsRunsOfATagSetAndMapsResultIndices) {
  ColumnBatch fresh;
  CheckGroupedColumns(fresh);
}

TEST(PointBatchTest, ToColumnsReusesAColumnBatchWhateverItHeld) {
  // A batch that held more series, other tags and fields of other types at
  // the same positions: every column is replaced.
  PointBatch other;
  std::string body;
  for (int i = 0; i < 9; ++i) absl::StrAppend(&body, "x,t=", i, ",u=1 v=\"s\",q=t,r=1u ", i, "\n");
  ParseBatch(body, ParseOptions{}, &other);
  ColumnBatch c;
  std::vector<uint32_t> point_of;
  other.ToColumns(&c, &point_of);
  ASSERT_EQ(c.series.size(), 9u);
  CheckGroupedColumns(c);
  CheckGroupedColumns(c);  // and once more over itself
}

TEST(PointBatchTest, ToColumnsTellsEscapedNamesFromPlainSeparators) {
  // Tag a = "1,b=2" (escaped) hashes as the plain tag set a=1,b=2 does; they
  // are still two series, and each joins its own group again later.
  PointBatch batch;
  ParseBatch("m,a=1\\,b\\=2 v=1 10\n"
             "m,a=1,b=2 v=2 20\n"
             "m,a=1\\,b\\=2 v=3 30\n"
             "m,a=1,b=2 v=4 40\n",
             ParseOptions{}, &batch);
  ASSERT_EQ(batch.size(), 4u);
  ASSERT_EQ(batch.tag_value(0, 0), "1,b=2");
  ColumnBatch c;
  std::vector<uint32_t> point_of;
  batch.ToColumns(&c, &point_of);
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.series[0].tags, (std::vector<Tag>{{"a", "1,b=2"}}));
  EXPECT_EQ(c.series[0].timestamps_ns, (std::vector<int64_t>{10, 30}));
  EXPECT_EQ(c.series[1].tags, (std::vector<Tag>{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(c.series[1].timestamps_ns, (std::vector<int64_t>{20, 40}));
  EXPECT_EQ(point_of, (std::vector<uint32_t>{0, 2, 1, 3}));
}

TEST(PointBatchTest, ToColumnsTellsTagSetsApartWhenTheirHashesCollide) {
  PointBatch::testing_hash_mask = 0;  // every tag set hashes alike
  ColumnBatch c;
  CheckGroupedColumns(c);
  PointBatch::testing_hash_mask = ~uint64_t{0};
}

// Every series (tag set and field) sees its values in body order in the
// grouped batch, whatever field sets its lines carry: at one timestamp the
// last line still wins.
TEST(PointBatchTest, ToColumnsKeepsEachSeriesInBodyOrder) {
  std::mt19937 rng(11);
  std::string body;
  for (int i = 0; i < 2000; ++i) {
    // A random subset of the fields, in a random order; the value is the line.
    std::vector<std::string> fields = {"a", "b", "c"};
    std::shuffle(fields.begin(), fields.end(), rng);
    const size_t n = 1 + rng() % 3;
    absl::StrAppend(&body, "m,t=", rng() % 3);
    for (size_t f = 0; f < n; ++f)
      absl::StrAppend(&body, f == 0 ? " " : ",", fields[f], "=", i, "i");
    absl::StrAppend(&body, " ", 100 + rng() % 5, "\n");
  }
  PointBatch batch;
  ParseBatch(body, ParseOptions{}, &batch);
  ASSERT_EQ(batch.size(), 2000u);
  ColumnBatch c;
  std::vector<uint32_t> point_of;
  batch.ToColumns(&c, &point_of);
  // (tag value, field) -> the line numbers of its values, in flat order.
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> seen;
  for (const SeriesPoints& sp : c.series) {
    for (const FieldColumn& col : sp.fields) {
      for (int64_t v : std::get<std::vector<int64_t>>(col.values)) {
        seen[{sp.tags[0].value, col.key}].push_back(v);
      }
    }
  }
  for (const auto& [series, values] : seen) {
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end()))
        << series.first << " " << series.second;
  }
  EXPECT_LT(c.series.size(), 2000u);
}

TEST(PointBatchTest, PlainScanTakesTheCommonShapeOnly) {
  for (const char* line : {
           "sensor_readings,facility_id=f3,sensor_id=s154,sensor_type=co2,zone_id=z0 "
           "value=812,quality=100i 1767225600000000000",
           "m v=1",
           "m v=0.9999999999999999,w=-99.99999999999999,x=0.123456789012345678",
           "m,t==v v=-1.25,w=.5,x=5.,b=false,B=T,u=9999999999999999999u -9223372036854775806",
           "m v=123456789012345678901e0",
       }) {
    SCOPED_TRACE(line);
    const bool scientific = std::string_view(line).find("e0") != std::string_view::npos;
    EXPECT_EQ(ScansPlain(line), !scientific);
    testing::ExpectPathsAgree(line, ParseOptions{}, [&] {
      ParseResult r;
      Parse(line, ParseOptions{}, &r);
      return r;
    }());
  }
  // Doubted: LineParser decides (some are valid, some not).
  for (const char* line : {
           "m,b=1,a=2 v=1",
           "m,a=1,a=2 v=1",
           "m v=1,v=2",
           "m v=1e3",
           "m v=1 ",
           "m  v=1",
           "m v=1  2",
           "m v=nan",
           "m v=1.5i",
           "m v=-1u",
           "m v=tru",
           "m v=1 1.5",
           "m v=1 99999999999999999999",
           "m,t= v=1",
           "m,=v v=1",
           "m, v=1",
           "m v=12345678901234567890",
           "m =1",
           "m v=1,",
           "m v=1i 9223372036854775807",
           "m v",
           ",m v=1",
       }) {
    SCOPED_TRACE(line);
    EXPECT_FALSE(ScansPlain(line));
    ParseResult r;
    Parse(line, ParseOptions{}, &r);
    testing::ExpectPathsAgree(line, ParseOptions{}, r);
  }
  ParseOptions no_unsigned;
  no_unsigned.allow_unsigned = false;
  EXPECT_FALSE(ScansPlain("m v=1u", no_unsigned));
  ParseOptions hours;
  hours.precision = Precision::kHours;
  EXPECT_FALSE(ScansPlain("m v=1 9223372036854775", hours));  // overflows in ns
  ParseOptions limits;
  limits.max_tags = 1;
  limits.max_key_bytes = 12;
  EXPECT_FALSE(ScansPlain("m,a=1,b=2 v=1", limits));
  EXPECT_FALSE(ScansPlain("m,a=1 value=1", limits));
  EXPECT_TRUE(ScansPlain("m,a=1 val=1", limits));
}

// Random lines from pieces that hit every rule: escapes, quotes, newlines in
// strings, each field type and its edge values, timestamps, CRLF, comments,
// and random damage.
class LineGenerator {
 public:
  explicit LineGenerator(uint32_t seed) : rng_(seed) {}

  std::string Body(size_t lines) {
    std::string body;
    for (size_t i = 0; i < lines; ++i) {
      body += Line();
      body += Pick({"\n", "\n", "\n", "\r\n", "\n\n"});
    }
    if (Chance(2)) body.pop_back();  // no terminator after the last line
    return body;
  }

  std::string Line() {
    if (Chance(20)) return Pick({"# comment v=1", "", "   \t", "  # x=\"y", "\\", "m"});
    // Half the lines take only pieces of the plain shape, but for values and
    // timestamps, so that the plain-line scanner sees every value.
    const bool plain = Chance(2);
    std::string line = Chance(10) && !plain ? Pick({" ", "\t", "  "}) : "";
    line += plain ? Pick({"m", "cpu", "sensor_readings", "y=z", "é"})
                  : Pick({"m", "cpu", "a\\ b", "x\\,y", "q\\\"", "w\\\\", "m\\", "\tm"});
    const int tags = int(rng_() % 5);
    const bool sorted = plain || !Chance(4);
    for (int t = 0; t < tags; ++t) {
      line += ',';
      line += sorted ? std::string(1, char('a' + 2 * t)) +
                           (plain ? Pick({"", "k"}) : Pick({"", "k", "\\ k", "=k"}))
                     : Pick({"a", "b", "host", "t\\,k", "t\\=k", "", "z"});
      line += '=';
      line += plain ? Pick({"v", "v1", "=v", "long_value_0123"})
                    : Pick({"v", "v\\ 1", "v\\,2", "", "v=", "\\"});
    }
    line += plain ? " " : Pick({" ", " ", "  ", "\t", " \t"});
    const int fields = 1 + int(rng_() % 4);
    for (int f = 0; f < fields; ++f) {
      if (f > 0) line += ',';
      line += plain ? "f" + std::to_string(f)
                    : Pick({"v", "value", "quality", "w\\ x", "k\\=y", "", "\"q", "v"});
      line += '=';
      line += Pick({"1",
                    "-1",
                    "812",
                    "1.5",
                    "-0",
                    "-0.0",
                    ".5",
                    "5.",
                    "1e3",
                    "1E-3",
                    "12i",
                    "-12i",
                    "9223372036854775807i",
                    "9223372036854775808i",
                    "-9223372036854775808i",
                    "18446744073709551615u",
                    "18446744073709551616u",
                    "12u",
                    "-12u",
                    "1.5i",
                    "t",
                    "TRUE",
                    "False",
                    "tru",
                    "\"str\"",
                    "\"with \\\"quote\\\"\"",
                    "\"multi\nline\"",
                    "\"a,b=c d\"",
                    "NaN",
                    "nan",
                    "-",
                    ".",
                    "123456789012345",
                    "1234567890123456",
                    "1234567890123456789",
                    "12345678901234567890",
                    "0.1234567890123456789",
                    "00001.50",
                    "--1",
                    "\"",
                    "0x10",
                    "1i2",
                    "1..2",
                    "",
                    "\"\\\\\"",
                    "0.000000000000000000000001",
                    "9007199254740993",
                    "0.9999999999999999",
                    "-99.99999999999999"});
    }
    line += Pick({"", "", " 1", " -1", " 1767225600000000000", " 9223372036854775806",
                  " 9223372036854775807", " -9223372036854775806", " -9223372036854775807",
                  " 99999999999999999999", " 12a", " 1 ", "  1", "\t1", " -", " 00012", " 1 2",
                  " 9223372036854775", " -0"});
    if (Chance(8)) Damage(&line);
    return line;
  }

 private:
  bool Chance(uint32_t one_in) { return rng_() % one_in == 0; }
  std::string Pick(std::initializer_list<std::string> choices) {
    return *(choices.begin() + rng_() % choices.size());
  }
  void Damage(std::string* line) {
    static constexpr char kBytes[] = " ,=\\\"\n\r\t#0i.-";
    const size_t at = line->empty() ? 0 : rng_() % line->size();
    const char c = kBytes[rng_() % (sizeof(kBytes) - 1)];
    switch (rng_() % 3) {
      case 0:
        line->insert(line->begin() + at, c);
        break;
      case 1:
        if (!line->empty()) (*line)[at] = c;
        break;
      default:
        if (!line->empty()) line->erase(at, 1);
    }
  }

  std::mt19937 rng_;
};

std::vector<ParseOptions> OptionSets() {
  std::vector<ParseOptions> sets(5);
  sets[0].default_time_ns = 1'767'225'600'123'456'789;
  sets[1].precision = Precision::kSeconds;
  sets[1].default_time_ns = -1'500'000'000;
  sets[2].allow_unsigned = false;
  sets[3].max_tags = 2;
  sets[3].max_key_bytes = 40;
  sets[3].max_line_bytes = 64;
  sets[4].precision = Precision::kHours;
  return sets;
}

TEST(PointBatchTest, GeneratedLinesParseAlikeOnEveryPath) {
  const std::vector<ParseOptions> option_sets = OptionSets();
  LineGenerator gen(20261129);
  for (int i = 0; i < 4000; ++i) {
    const std::string line = gen.Line();
    const ParseOptions& options = option_sets[size_t(i) % option_sets.size()];
    ParseResult r;
    Parse(line, options, &r);
    testing::ExpectPathsAgree(line, options, r);
    if (HasFailure()) return;  // one failing line is enough to debug
  }
}

TEST(PointBatchTest, GeneratedBodiesParseAlikeOnEveryPath) {
  const std::vector<ParseOptions> option_sets = OptionSets();
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    LineGenerator gen(seed);
    const std::string body = gen.Body(400);
    for (const ParseOptions& options : option_sets) {
      ParseResult r;
      Parse(body, options, &r);
      EXPECT_FALSE(r.points.empty());
      EXPECT_FALSE(r.errors.empty());
      testing::ExpectPathsAgree(body, options, r);
      if (HasFailure()) return;
    }
  }
}

}  // namespace
}  // namespace lux::lineproto
