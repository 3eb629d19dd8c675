#include "server/lineproto/line_protocol.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/lineproto/parse_test_util.h"

namespace lux::lineproto {
namespace {

// Every case also checks that the other paths (ParseBatch, Parse without the
// plain-line scanner) agree with Parse.
ParseResult ParseBody(std::string_view body, ParseOptions options = {}) {
  ParseResult r;
  Parse(body, options, &r);
  EXPECT_EQ(r.points.size(), r.point_lines.size());
  testing::ExpectPathsAgree(body, options, r);
  return r;
}

// Parses a one-line body that must be valid.
Point ParseOne(std::string_view line, ParseOptions options = {}) {
  ParseResult r = ParseBody(line, options);
  EXPECT_TRUE(r.errors.empty()) << line << " -> " << (r.errors.empty() ? "" : r.errors[0].reason);
  EXPECT_EQ(r.points.size(), 1u) << line;
  return r.points.empty() ? Point{} : r.points[0];
}

// Parses a one-line body that must fail; returns the reason.
std::string ErrorOf(std::string_view line, ParseOptions options = {}) {
  ParseResult r = ParseBody(line, options);
  EXPECT_TRUE(r.points.empty()) << line;
  EXPECT_EQ(r.errors.size(), 1u) << line;
  return r.errors.empty() ? "<parsed>" : r.errors[0].reason;
}

const FieldValue& FieldOf(const Point& p, std::string_view key) {
  for (const Field& f : p.fields) {
    if (f.key == key) return f.value;
  }
  static const FieldValue kMissing = std::string("<missing>");
  ADD_FAILURE() << "no field " << key;
  return kMissing;
}

TEST(LineProtocolTest, ParsesTheSensorLine) {
  Point p = ParseOne(
      "sensor_readings,facility_id=f3,sensor_id=s154,sensor_type=co2,zone_id=z0 "
      "value=812,quality=100i 1767225600000000000");
  EXPECT_EQ(p.measurement, "sensor_readings");
  EXPECT_EQ(p.tags, (std::vector<Tag>{{"facility_id", "f3"},
                                      {"sensor_id", "s154"},
                                      {"sensor_type", "co2"},
                                      {"zone_id", "z0"}}));
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(p.fields[0].key, "value");
  EXPECT_EQ(p.fields[0].value, FieldValue(812.0));
  EXPECT_EQ(p.fields[1].key, "quality");
  EXPECT_EQ(p.fields[1].value, FieldValue(int64_t{100}));
  EXPECT_EQ(p.timestamp_ns, 1767225600000000000);
}

struct EscapeCase {
  const char* line;
  const char* measurement;
  std::vector<Tag> tags;
  const char* field_key;
  FieldValue value;
};

TEST(LineProtocolTest, UnescapesEachPosition) {
  const std::vector<EscapeCase> cases = {
      {R"(my\ meas,t=v f=1)", "my meas", {{"t", "v"}}, "f", 1.0},
      {R"(my\,meas f=1)", "my,meas", {}, "f", 1.0},
      {R"(a=b f=1)", "a=b", {}, "f", 1.0},  // '=' needs no escape in a name
      {R"(m\=x f=1)", "m=x", {}, "f", 1.0},
      {R"(m\"x f=1)", "m\"x", {}, "f", 1.0},
      {R"(m\x f=1)", "m\\x", {}, "f", 1.0},  // other backslashes stay
      {R"(m,t\ k=v\ 1 f=1)", "m", {{"t k", "v 1"}}, "f", 1.0},
      {R"(m,t\,k=v\,1 f=1)", "m", {{"t,k", "v,1"}}, "f", 1.0},
      {R"(m,t\=k=v\=1 f=1)", "m", {{"t=k", "v=1"}}, "f", 1.0},
      {R"(m,t"k=v"1 f=1)", "m", {{"t\"k", "v\"1"}}, "f", 1.0},  // quotes are plain in tags
      {R"(m,t=a\b f=1)", "m", {{"t", "a\\b"}}, "f", 1.0},
      {R"(m,t==x f=1)", "m", {{"t", "=x"}}, "f", 1.0},  // a leading '=' is data
      {R"(\m f=1)", "\\m", {}, "f", 1.0},
      {R"(m\\ x f=1)", "m\\ x", {}, "f", 1.0},  // the space after \\ is escaped
      {R"(m,t\\=v=x f=1)", "m", {{"t\\=v", "x"}}, "f", 1.0},
      {R"(m f\ k=1)", "m", {}, "f k", 1.0},
      {R"(m f\,k=1)", "m", {}, "f,k", 1.0},
      {R"(m f\=k=1)", "m", {}, "f=k", 1.0},
      {R"(m "fk"=1)", "m", {}, "\"fk\"", 1.0},
      {R"(m f="a\"b")", "m", {}, "f", std::string("a\"b")},
      {R"(m f="a\\b")", "m", {}, "f", std::string("a\\b")},
      {R"(m f="a\nb")", "m", {}, "f", std::string("a\\nb")},  // only \" and \\ unescape
      {R"(m f="a,b c=d")", "m", {}, "f", std::string("a,b c=d")},
      {R"(m f="")", "m", {}, "f", std::string()},
      {"m f=\"line1\nline2\"", "m", {}, "f", std::string("line1\nline2")},
      {"m f=\"\xe2\x82\xac\"", "m", {}, "f", std::string("\xe2\x82\xac")},
  };
  for (const EscapeCase& c : cases) {
    SCOPED_TRACE(c.line);
    Point p = ParseOne(c.line);
    EXPECT_EQ(p.measurement, c.measurement);
    EXPECT_EQ(p.tags, c.tags);
    ASSERT_EQ(p.fields.size(), 1u);
    EXPECT_EQ(p.fields[0].key, c.field_key);
    EXPECT_EQ(p.fields[0].value, c.value);
  }
}

TEST(LineProtocolTest, FieldTypes) {
  const std::vector<std::pair<const char*, FieldValue>> cases = {
      {"1", 1.0},
      {"1.5", 1.5},
      {"-1e3", -1000.0},
      {"1E+2", 100.0},
      {"2.5e-1", 0.25},
      {"5.", 5.0},
      {".5", 0.5},
      {"-.5", -0.5},
      {"007", 7.0},
      {"1e-400", 0.0},  // underflow is fine, as in Go
      {"1i", int64_t{1}},
      {"-42i", int64_t{-42}},
      {"9223372036854775807i", std::numeric_limits<int64_t>::max()},
      {"-9223372036854775808i", std::numeric_limits<int64_t>::min()},
      {"0u", uint64_t{0}},
      {"18446744073709551615u", std::numeric_limits<uint64_t>::max()},
      {"t", true},
      {"T", true},
      {"true", true},
      {"True", true},
      {"TRUE", true},
      {"f", false},
      {"F", false},
      {"false", false},
      {"False", false},
      {"FALSE", false},
      {R"("s")", std::string("s")},
  };
  for (const auto& [text, value] : cases) {
    SCOPED_TRACE(text);
    Point p = ParseOne(std::string("m v=") + text);
    ASSERT_EQ(p.fields.size(), 1u);
    EXPECT_EQ(p.fields[0].value, value);
    EXPECT_EQ(TypeOf(p.fields[0].value), TypeOf(value));
  }
}

TEST(LineProtocolTest, UnsignedNeedsTheOption) {
  ParseOptions v1;
  v1.allow_unsigned = false;
  EXPECT_EQ(ErrorOf("cpu u=1u 1", v1), "invalid number");
  EXPECT_EQ(FieldOf(ParseOne("cpu u=1u 1"), "u"), FieldValue(uint64_t{1}));
}

TEST(LineProtocolTest, ErrorReasonsMatchInfluxDB) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {",t=1 v=1", "missing measurement"},
      {"cpu", "missing fields"},
      {"cpu,host=a", "missing fields"},
      {"cpu,host=a\\ ", "missing fields"},
      {"cpu ", "invalid field format"},
      {"cpu,", "missing tag key"},
      {"cpu,=a v=1", "missing tag key"},
      {"cpu, v=1", "missing tag key"},
      {"cpu,host v=1", "missing tag value"},
      {"cpu,host,x=1 v=1", "missing tag value"},
      {"cpu,host= v=1", "missing tag value"},
      {"cpu,host=a,host=b v=1", "duplicate tags"},
      {"cpu,b=1,a=2,b=3 v=1", "duplicate tags"},  // found after sorting
      {"cpu,host=a=b v=1", "invalid tag format"},
      {"cpu,t=a\\\\ v=1i 5", "invalid tag format"},  // the space is escaped
      {"cpu,t\\\\=v\\\\ x f=1", "missing tag value"},
      {"cpu =1", "missing field key"},
      {"cpu v=1,=2", "missing field key"},
      {"cpu value=", "missing field value"},
      {"cpu value= 2", "missing field value"},
      {"cpu value=,b=1", "missing field value"},
      {"cpu v=1,b", "invalid field format"},
      {"cpu v", "invalid field format"},
      {"cpu v=1 v=2", "bad timestamp"},
      {"cpu v=\"abc", "unbalanced quotes"},
      {"cpu v=1.1.1", "invalid number"},
      {"cpu v=1a", "invalid number"},
      {"cpu v=-", "invalid number"},
      {"cpu v=-,w=1", "invalid number"},
      {"cpu v=.", "invalid number"},
      {"cpu v=NaN", "invalid number"},
      {"cpu v=nan", "invalid number"},
      {"cpu v=n", "invalid number"},
      {"cpu v=1.5i", "invalid number"},
      {"cpu v=1e3i", "invalid number"},
      {"cpu v=1i2", "invalid number"},
      {"cpu v=-1u", "invalid number"},
      {"cpu v=1.0u", "invalid number"},
      {"cpu v=1e", "invalid float"},
      {"cpu v=1e400", "invalid float"},
      {"cpu v=-e5", "invalid float"},
      {"cpu v=1e5e5", "invalid float"},
      {"cpu v=1000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "0000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "000000000000000000000000000000000000000000000000000000000000000000000000000000",
       "invalid float"},
      {"cpu v=tru", "invalid boolean"},
      {"cpu v=yes", "invalid boolean"},
      {"cpu v=tRUE", "invalid boolean"},
      {"cpu v=Inf", "invalid boolean"},
      {"cpu v=9223372036854775808i",
       "unable to parse integer 9223372036854775808: strconv.ParseInt: parsing "
       "\"9223372036854775808\": value out of range"},
      {"cpu v=-9223372036854775809i",
       "unable to parse integer -9223372036854775809: strconv.ParseInt: parsing "
       "\"-9223372036854775809\": value out of range"},
      {"cpu v=18446744073709551616u",
       "unable to parse unsigned 18446744073709551616: strconv.ParseUint: parsing "
       "\"18446744073709551616\": value out of range"},
      {"cpu v=1 12a", "bad timestamp"},
      {"cpu v=1 1-2", "bad timestamp"},
      {"cpu v=1 1.5", "bad timestamp"},
      {"cpu v=1 -", "strconv.ParseInt: parsing \"-\": invalid syntax"},
      {"cpu v=1 99999999999999999999",
       "strconv.ParseInt: parsing \"99999999999999999999\": value out of range"},
      {"cpu v=1 9223372036854775808",
       "strconv.ParseInt: parsing \"9223372036854775808\": value out of range"},
      {"cpu v=1 -9223372036854775809",
       "strconv.ParseInt: parsing \"-9223372036854775809\": value out of range"},
      {"cpu v=1 -9223372036854775808",
       "time outside range -9223372036854775806 - 9223372036854775806"},
      {"cpu v=1 9223372036854775807",
       "time outside range -9223372036854775806 - 9223372036854775806"},
      {"cpu v=1 -9223372036854775807",
       "time outside range -9223372036854775806 - 9223372036854775806"},
      {"cpu v=1 1 2", "point is invalid"},
      {"cpu v=1 1 x", "point is invalid"},
      // Field keys ending in a backslash: the two cuts disagree (master-1.x text).
      {"m v\\\\=1i 5", "invalid value: field-key=v\\\\=1i"},
      {"m v=1i,w\\\\=1i", "invalid value: field-key=w\\\\=1i"},
  };
  for (const auto& [line, reason] : cases) {
    EXPECT_EQ(ErrorOf(line), reason) << line;
  }
}

TEST(LineProtocolTest, TimeRangeEdgesAreInclusive) {
  EXPECT_EQ(ParseOne("cpu v=1 9223372036854775806").timestamp_ns, 9223372036854775806);
  EXPECT_EQ(ParseOne("cpu v=1 -9223372036854775806").timestamp_ns, -9223372036854775806);
  EXPECT_EQ(ParseOne("cpu v=1 -5").timestamp_ns, -5);
  EXPECT_EQ(ParseOne("cpu v=1 0").timestamp_ns, 0);
  EXPECT_EQ(ParseOne("cpu v=1 7   ").timestamp_ns, 7);  // trailing spaces are fine
}

TEST(LineProtocolTest, PrecisionMultipliesWithOverflowCheck) {
  const std::vector<std::tuple<const char*, int64_t, int64_t>> cases = {
      {"n", 5, 5},
      {"ns", 5, 5},
      {"u", 5, 5'000},
      {"us", 5, 5'000},
      {"ms", 5, 5'000'000},
      {"s", 5, 5'000'000'000},
      {"m", 5, 300'000'000'000},
      {"h", 5, 18'000'000'000'000},
      {"h", -5, -18'000'000'000'000},
  };
  for (const auto& [unit, ts, want] : cases) {
    ParseOptions o;
    ASSERT_TRUE(ParsePrecision(unit, &o.precision)) << unit;
    EXPECT_EQ(ParseOne("cpu v=1 " + std::to_string(ts), o).timestamp_ns, want) << unit;
  }
  ParseOptions s;
  s.precision = Precision::kSeconds;
  EXPECT_EQ(ParseOne("cpu v=1 9223372036", s).timestamp_ns, 9223372036000000000);
  EXPECT_EQ(ErrorOf("cpu v=1 9223372037", s),
            "time outside range -9223372036854775806 - 9223372036854775806");
  s.precision = Precision::kHours;
  EXPECT_EQ(ErrorOf("cpu v=1 -9223372036854775806", s),
            "time outside range -9223372036854775806 - 9223372036854775806");
}

TEST(LineProtocolTest, ParsePrecisionNames) {
  Precision p = Precision::kHours;
  EXPECT_TRUE(ParsePrecision("", &p));
  EXPECT_EQ(p, Precision::kNanoseconds);
  for (const char* bad : {"x", "S", "sec", "rfc3339", "nanoseconds", "mss"}) {
    p = Precision::kMinutes;
    EXPECT_FALSE(ParsePrecision(bad, &p)) << bad;
    EXPECT_EQ(p, Precision::kMinutes);
  }
}

TEST(LineProtocolTest, MissingTimestampTakesTheTruncatedDefault) {
  const int64_t now = 1'767'225'659'123'456'789;
  const std::vector<std::pair<Precision, int64_t>> cases = {
      {Precision::kNanoseconds, now},
      {Precision::kMicroseconds, 1'767'225'659'123'456'000},
      {Precision::kMilliseconds, 1'767'225'659'123'000'000},
      {Precision::kSeconds, 1'767'225'659'000'000'000},
      {Precision::kMinutes, 1'767'225'600'000'000'000},
      {Precision::kHours, 1'767'225'600'000'000'000},
  };
  for (const auto& [precision, want] : cases) {
    ParseOptions o;
    o.precision = precision;
    o.default_time_ns = now;
    ParseResult r = ParseBody("a v=1\nb v=2 \nc v=3 10", o);
    ASSERT_EQ(r.points.size(), 3u);
    EXPECT_EQ(r.points[0].timestamp_ns, want);
    EXPECT_EQ(r.points[1].timestamp_ns, want);
    EXPECT_EQ(r.points[2].timestamp_ns, 10 * PrecisionMultiplier(precision));
  }
  ParseOptions before_epoch;
  before_epoch.precision = Precision::kSeconds;
  before_epoch.default_time_ns = -1'500'000'000;  // truncation goes towards -inf
  EXPECT_EQ(ParseOne("a v=1", before_epoch).timestamp_ns, -2'000'000'000);
}

TEST(LineProtocolTest, CommentsBlankLinesAndCrlf) {
  ParseResult r = ParseBody(
      "# comment\n"
      "\n"
      "   \t\n"
      "  # indented comment\n"
      "a v=1 1\r\n"
      "\r\n"
      "   b v=2 2\n"
      "c v=\"x\" 3\r\n"
      "d v=4 4");
  EXPECT_TRUE(r.errors.empty()) << r.errors[0].reason;
  ASSERT_EQ(r.points.size(), 4u);
  EXPECT_EQ(r.point_lines, (std::vector<size_t>{5, 7, 8, 9}));
  EXPECT_EQ(r.points[1].measurement, "b");
  EXPECT_EQ(r.points[2].fields[0].value, FieldValue(std::string("x")));
  EXPECT_EQ(r.points[3].timestamp_ns, 4);

  EXPECT_TRUE(ParseBody("").points.empty());
  EXPECT_TRUE(ParseBody("\n\n# only comments\n").errors.empty());
  // As in InfluxDB, a quote in a comment's "field" hides the newlines after it.
  ParseResult swallowed = ParseBody("# note a=\"x\ncpu v=1 1\ncpu v=2 2\n");
  EXPECT_TRUE(swallowed.points.empty());
  EXPECT_TRUE(swallowed.errors.empty());
  // A bare '\r' without '\n' is data, as in InfluxDB.
  EXPECT_EQ(ErrorOf("cpu v=1 1\r"), "bad timestamp");
}

TEST(LineProtocolTest, PartialBatchKeepsGoodLinesAndNumbersBadOnes) {
  ParseResult r = ParseBody(
      "cpu v=1 1\n"
      "  mem value=\n"
      "cpu v=2 2\n"
      "\n"
      "cpu\n"
      "cpu v=3 3\n");
  ASSERT_EQ(r.points.size(), 3u);
  EXPECT_EQ(r.point_lines, (std::vector<size_t>{1, 3, 6}));
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line_number, 2u);
  EXPECT_EQ(r.errors[0].line, "mem value=");  // leading whitespace removed
  EXPECT_EQ(FormatError(r.errors[0]), "unable to parse 'mem value=': missing field value");
  EXPECT_EQ(r.errors[1].line_number, 5u);
  EXPECT_EQ(FormatError(r.errors[1]), "unable to parse 'cpu': missing fields");
}

TEST(LineProtocolTest, NewlinesInsideStringsJoinLines) {
  ParseResult r = ParseBody("a s=\"x\ny\" 1\nb v=1 2\nc s=\"open\nd v=1 3\n");
  ASSERT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.points[0].fields[0].value, FieldValue(std::string("x\ny")));
  EXPECT_EQ(r.point_lines, (std::vector<size_t>{1, 3}));
  // The unbalanced quote swallows the rest of the body into line 4.
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line_number, 4u);
  EXPECT_EQ(r.errors[0].line, "c s=\"open\nd v=1 3\n");
  EXPECT_EQ(r.errors[0].reason, "unbalanced quotes");
}

TEST(LineProtocolTest, TagsAreSortedAndDuplicateFieldsKeepTheLast) {
  Point p = ParseOne("m,z=1,a=2,m=3 v=1,w=2i,v=3,w=4i");
  EXPECT_EQ(p.tags, (std::vector<Tag>{{"a", "2"}, {"m", "3"}, {"z", "1"}}));
  ASSERT_EQ(p.fields.size(), 2u);
  EXPECT_EQ(FieldOf(p, "v"), FieldValue(3.0));
  EXPECT_EQ(FieldOf(p, "w"), FieldValue(int64_t{4}));
  // A repeat of another type stays, for the engine to refuse the point.
  Point conflict = ParseOne("m v=1,v=\"s\"");
  ASSERT_EQ(conflict.fields.size(), 2u);

  std::string many = "m ";
  for (int i = 0; i < 40; ++i) {
    many += 'f';
    many += std::to_string(i % 20);
    many += '=';
    many += std::to_string(i);
    many += ',';
  }
  many.pop_back();
  Point q = ParseOne(many);
  ASSERT_EQ(q.fields.size(), 20u);
  EXPECT_EQ(FieldOf(q, "f3"), FieldValue(23.0));
}

TEST(LineProtocolTest, InputsThatCrashInfluxDBAreRefused) {
  // models.(*point).StringValue panics on these after the parser accepts them.
  EXPECT_EQ(ErrorOf(R"(0 \\="=")"), "invalid field format");
  EXPECT_EQ(ErrorOf(R"(m \0=","=3,"=")"), "invalid field format");
  ParseResult r = ParseBody("ok v=1 1\n0 \\\\=\"=\"\nm \\0=\",\"=3,\"=\"\nok v=2 2");
  EXPECT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.errors.size(), 2u);
}

TEST(LineProtocolTest, EngineLevelFailuresBecomeParseErrors) {
  // InfluxDB accepts this line and then fails in its engine with a 500.
  // The key `a\\="` (cut where the backslash hides the first '=') leaves `nAL"`.
  EXPECT_EQ(ErrorOf(R"(m a\\="=nAL")"),
            R"(unable to parse floating point value "nAL\"": strconv.ParseFloat: parsing )"
            R"("nAL\"": invalid syntax)");
}

TEST(LineProtocolTest, Limits) {
  ParseOptions o;
  o.max_line_bytes = 20;
  ParseResult r = ParseBody("m v=1\nm,t=abcdefghijklmnop v=1\n", o);
  EXPECT_EQ(r.points.size(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line_number, 2u);
  EXPECT_EQ(r.errors[0].reason, "line too long: 24 > 20 bytes");

  o = {};
  o.max_tags = 2;
  EXPECT_EQ(ParseOne("m,a=1,b=2 v=1", o).tags.size(), 2u);
  EXPECT_EQ(ErrorOf("m,a=1,b=2,c=3 v=1", o), "too many tags: more than 2");

  // Key length: measurement and tags as written; with the field key, plus 4.
  const std::string name(65535, 'm');
  EXPECT_EQ(ParseOne(name.substr(0, 65530) + " v=1").measurement.size(), 65530u);
  EXPECT_EQ(ErrorOf(name + "x v=1"), "max key length exceeded: 65536 > 65535");
  EXPECT_EQ(ErrorOf(name.substr(0, 65530) + " vv=1"), "max key length exceeded: 65536 > 65535");
  o = {};
  o.max_key_bytes = 10;
  EXPECT_EQ(ErrorOf("m,tt=v f=1", o), "max key length exceeded: 11 > 10");
}

TEST(LineProtocolTest, WhitespaceOnlyLinesAreBlank) {
  // InfluxDB's skipWhitespace takes ' ', '\t' and NUL.
  ParseResult r = ParseBody(std::string(" \t\0\n\0\0\0\n", 8));
  EXPECT_TRUE(r.points.empty());
  EXPECT_TRUE(r.errors.empty());
}

TEST(LineProtocolTest, HostileBytesNeverCrash) {
  const std::vector<std::string> inputs = {
      "\\",          "m v=1\\",
      "m,\\",        "m,t=\\",
      "m v=\"\\",    "\"",
      "=",           ",",
      "m v=\"a\\\"", std::string("m\0v=1", 5),
      "m v=1 \\",    "\\\n\\\n",
      "m v=t,",      "m v=-e",
      "m v=1e+",     "m,a=b,a=b,a=b v=1",
  };
  for (const std::string& in : inputs) {
    ParseResult r = ParseBody(in);
    // Nothing is dropped silently: each input is a point or an error.
    EXPECT_FALSE(r.errors.empty() && r.points.empty()) << in;
  }
}

}  // namespace
}  // namespace lux::lineproto
