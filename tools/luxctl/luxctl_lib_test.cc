// luxctl's pure parts: flag values, output formats, the /debug/rejected JSON
// reader, and input cut into pieces that parse as the whole input does.
#include <limits>

#include "gtest/gtest.h"
#include "tools/luxctl/line_input.h"
#include "tools/luxctl/output.h"
#include "tools/luxctl/rejected.h"
#include "tools/luxctl/values.h"

namespace lux::luxctl {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = int64_t{1767225600} * kSec;  // 2026-01-01T00:00:00Z

TEST(DurationTest, ParsesUnitsAndSums) {
  EXPECT_EQ(*ParseDuration("10s"), 10 * kSec);
  EXPECT_EQ(*ParseDuration("5m"), 300 * kSec);
  EXPECT_EQ(*ParseDuration("1h30m"), 5400 * kSec);
  EXPECT_EQ(*ParseDuration("1.5h"), 5400 * kSec);
  EXPECT_EQ(*ParseDuration("7d"), 7 * 86400 * kSec);
  EXPECT_EQ(*ParseDuration("2w"), 14 * 86400 * kSec);
  EXPECT_EQ(*ParseDuration("250ms"), 250'000'000);
  EXPECT_EQ(*ParseDuration("3us"), 3000);
  EXPECT_EQ(*ParseDuration("1ns"), 1);
  EXPECT_EQ(*ParseDuration("0"), 0);
  for (const char* bad : {"", "10", "s", "-1s", "1x", "1h 2m", "99999999999d"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(DurationTest, FormatsTheShortestText) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(7 * 86400 * kSec), "1w");
  EXPECT_EQ(FormatDuration(86400 * kSec), "1d");
  EXPECT_EQ(FormatDuration(5400 * kSec), "1h30m");
  EXPECT_EQ(FormatDuration(1'500'000'000), "1s500ms");
  EXPECT_EQ(FormatDuration(-10 * kSec), "-10s");
  for (int64_t ns : {int64_t{1}, 999 * kSec, 8 * 86400 * kSec + 7, int64_t{123456789012345}}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(ns)), ns) << FormatDuration(ns);
  }
}

TEST(TimeTest, ParsesNsRfc3339AndNow) {
  EXPECT_EQ(*ParseTime("1767225600000000000", 0), kT0);
  EXPECT_EQ(*ParseTime("-5", 0), -5);
  EXPECT_EQ(*ParseTime("2026-01-01T00:00:00Z", 0), kT0);
  EXPECT_EQ(*ParseTime("2026-01-01T02:00:00.5+02:00", 0), kT0 + kSec / 2);
  EXPECT_EQ(*ParseTime("2026-01-01T00:00:00.000000001Z", 0), kT0 + 1);
  EXPECT_EQ(*ParseTime("2026-01-01T00:00:10", 0), kT0 + 10 * kSec);
  EXPECT_EQ(*ParseTime("2026-01-01", 0), kT0);
  EXPECT_EQ(*ParseTime("now", kT0), kT0);
  EXPECT_EQ(*ParseTime("now-1h", kT0), kT0 - 3600 * kSec);
  EXPECT_EQ(*ParseTime("now+10s", kT0), kT0 + 10 * kSec);
  for (const char* bad : {"", "yesterday", "now-", "now-1", "2026-13-01T00:00:00Z", "12:00"}) {
    EXPECT_FALSE(ParseTime(bad, kT0).ok()) << bad;
  }
  EXPECT_EQ(FormatTime(kT0), "2026-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(kT0 + 250'000'000), "2026-01-01T00:00:00.25Z");
  EXPECT_EQ(FormatTime(kT0 + 1), "2026-01-01T00:00:00.000000001Z");
}

TEST(TagFilterTest, ReadsTheFourOperators) {
  auto check = [](const char* text, const char* key, TagFilter::Op op, const char* value) {
    auto f = ParseTagFilter(text);
    ASSERT_TRUE(f.ok()) << text;
    EXPECT_EQ(f->key, key) << text;
    EXPECT_EQ(f->op, op) << text;
    ASSERT_EQ(f->values.size(), 1u);
    EXPECT_EQ(f->values[0], value) << text;
  };
  check("zone=a", "zone", TagFilter::Op::kEqual, "a");
  check("zone!=a", "zone", TagFilter::Op::kNotEqual, "a");
  check("zone=~^a|b$", "zone", TagFilter::Op::kRegex, "^a|b$");
  check("zone!~tmp", "zone", TagFilter::Op::kNotRegex, "tmp");
  check("zone=", "zone", TagFilter::Op::kEqual, "");
  check("k=a=b!=c", "k", TagFilter::Op::kEqual, "a=b!=c");
  check("a!b=c", "a!b", TagFilter::Op::kEqual, "c");
  for (const char* bad : {"", "zone", "=a", "!=a"}) EXPECT_FALSE(ParseTagFilter(bad).ok()) << bad;
}

TEST(NamesTest, AggregatesAndFills) {
  EXPECT_EQ(*ParseAggregate("mean"), Aggregate::kMean);
  EXPECT_EQ(*ParseAggregate("percentile"), Aggregate::kPercentile);
  EXPECT_EQ(*ParseAggregate("twa"), Aggregate::kTimeWeightedAverage);
  EXPECT_FALSE(ParseAggregate("median").ok());
  Fill fill;
  double value = 0;
  ASSERT_TRUE(ParseFill("previous", &fill, &value).ok());
  EXPECT_EQ(fill, Fill::kPrevious);
  ASSERT_TRUE(ParseFill("-2.5", &fill, &value).ok());
  EXPECT_EQ(fill, Fill::kValue);
  EXPECT_EQ(value, -2.5);
  EXPECT_FALSE(ParseFill("zero", &fill, &value).ok());
  EXPECT_FALSE(ParseFill("nan", &fill, &value).ok());
}

std::vector<Frame> SampleFrames() {
  Frame a;
  a.measurement = "env";
  a.field = "temp";
  a.tags = {{"zone", "a"}};
  a.type = FieldType::kFloat;
  a.times = {kT0, kT0 + kSec};
  a.values = {21.5, 0.0};
  a.valid = {1, 0};
  Frame b;
  b.measurement = "env";
  b.field = "note";
  b.tags = {{"site", "x,y"}};
  b.type = FieldType::kString;
  b.times = {kT0};
  b.values = {std::string("say \"hi\"\n")};
  return {a, b};
}

TEST(OutputTest, Table) {
  EXPECT_EQ(Render(SampleFrames(), Format::kTable),
            "time                  site  zone  field  value\n"
            "2026-01-01T00:00:00Z        a     temp   21.5\n"
            "2026-01-01T00:00:01Z        a     temp   null\n"
            "2026-01-01T00:00:00Z  x,y         note   say \"hi\"\n\n");
  EXPECT_EQ(Render({}, Format::kTable), "");
}

TEST(OutputTest, Csv) {
  EXPECT_EQ(Render(SampleFrames(), Format::kCsv),
            "time,site,zone,field,value\n"
            "1767225600000000000,,a,temp,21.5\n"
            "1767225601000000000,,a,temp,\n"
            "1767225600000000000,\"x,y\",,note,\"say \"\"hi\"\"\n\"\n");
}

TEST(OutputTest, Json) {
  EXPECT_EQ(Render(SampleFrames(), Format::kJson),
            "[{\"measurement\":\"env\",\"field\":\"temp\",\"type\":\"float\",\"tags\":{\"zone\":"
            "\"a\"},\"times\":[1767225600000000000,1767225601000000000],\"values\":[21.5,null]},\n"
            " {\"measurement\":\"env\",\"field\":\"note\",\"type\":\"string\",\"tags\":{\"site\":"
            "\"x,y\"},\"times\":[1767225600000000000],\"values\":[\"say \\\"hi\\\"\\n\"]}]\n");
  EXPECT_EQ(Render({}, Format::kJson), "[]\n");
}

TEST(OutputTest, LastValuesAsFrames) {
  LastValue lv{"env", "ok", {{"zone", "a"}}, kT0, true};
  auto frames = FramesOf({lv});
  EXPECT_EQ(Render(frames, Format::kCsv), "time,zone,field,value\n1767225600000000000,a,ok,true\n");
}

TEST(RejectedJsonTest, ReadsLuxdsShape) {
  auto list = ParseRejectedJson(
      "{\"total\":7,\"rejected\":[{\"time\":1767225600000000000,\"source\":\"127.0.0.1:5\","
      "\"db\":\"farm\",\"rp\":\"\",\"line_number\":3,\"line\":\"m s=\\\"a\\\\b\\\"\\n x\","
      "\"reason\":\"caf\\u00e9 \\ud83d\\ude00 \xE2\x82\xAC\\t\"}]}\n");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->total, 7u);
  ASSERT_EQ(list->lines.size(), 1u);
  const RejectedLine& l = list->lines[0];
  EXPECT_EQ(l.time_ns, kT0);
  EXPECT_EQ(l.source, "127.0.0.1:5");
  EXPECT_EQ(l.db, "farm");
  EXPECT_EQ(l.rp, "");
  EXPECT_EQ(l.line_number, 3u);
  EXPECT_EQ(l.line, "m s=\"a\\b\"\n x");
  EXPECT_EQ(l.reason, "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC\t");
  EXPECT_TRUE(ParseRejectedJson(" { \"rejected\" : [ ] , \"total\" : 0 , \"x\":[1,{}]} ").ok());
}

TEST(RejectedJsonTest, RefusesOtherShapes) {
  for (const char* bad : {"", "{", "[]", "{\"total\":1}", "{\"total\":1,\"rejected\":{}}",
                          "{\"total\":1,\"rejected\":[{\"time\":1}]}", "{\"total\":\"1\"}",
                          "{\"total\":1,\"rejected\":[]} x", "{\"total\":1,\"rejected\":[\"\\q\"]}",
                          "<html>502 Bad Gateway</html>"}) {
    EXPECT_FALSE(ParseRejectedJson(bad).ok()) << bad;
  }
  std::string deep(10000, '[');
  EXPECT_FALSE(ParseRejectedJson(deep).ok());
}

// Pieces of any size parse to what the whole input parses to.
TEST(LineInputTest, PiecesParseAsTheWholeInput) {
  const std::string input =
      "# comment\n"
      "m,t=a v=1 1\n"
      "\n"
      "m s=\"two\nlines\" 2\r\n"
      "m v= 3\n"
      "   m,t=b\\ c v=4 4\n"
      "m s=\"a \\\" quote\nand\nmore\",v=5 5\n"
      "bad line here\n"
      "m,t=x\\\nnewline v=6 6\n"
      "m v=7 7";
  lineproto::ParseOptions options;
  lineproto::ParseResult whole;
  lineproto::Parse(input, options, &whole);
  ASSERT_EQ(whole.errors.size(), 2u);
  for (size_t per_piece : {1, 2, 3, 100}) {
    LineInput lines(input, per_piece);
    lineproto::ParseResult piece, all;
    std::vector<std::string> texts;
    while (lines.Next(options, &piece)) {
      for (size_t i = 0; i < piece.points.size(); ++i) {
        all.points.push_back(piece.points[i]);
        all.point_lines.push_back(piece.point_lines[i]);
        texts.push_back(std::string(lines.Line(piece.point_lines[i])));
      }
      for (const auto& e : piece.errors) {
        all.errors.push_back(e);
        EXPECT_EQ(lines.Line(e.line_number), e.line) << e.line_number;
      }
    }
    ASSERT_EQ(all.points.size(), whole.points.size()) << per_piece;
    EXPECT_EQ(all.point_lines, whole.point_lines) << per_piece;
    for (size_t i = 0; i < all.points.size(); ++i) {
      EXPECT_EQ(all.points[i].timestamp_ns, whole.points[i].timestamp_ns);
      EXPECT_EQ(all.points[i].tags, whole.points[i].tags);
    }
    ASSERT_EQ(all.errors.size(), whole.errors.size());
    for (size_t i = 0; i < all.errors.size(); ++i) {
      EXPECT_EQ(all.errors[i].line_number, whole.errors[i].line_number);
      EXPECT_EQ(all.errors[i].line, whole.errors[i].line);
    }
    EXPECT_EQ(texts[0], "m,t=a v=1 1");
    EXPECT_EQ(texts[1], "m s=\"two\nlines\" 2");
    EXPECT_EQ(texts[2], "m,t=b\\ c v=4 4");
  }
  EXPECT_EQ(whole.point_lines, (std::vector<size_t>{2, 4, 7, 8, 12, 14}));
  EXPECT_EQ(whole.errors[0].line_number, 6u);
  EXPECT_EQ(whole.errors[1].line_number, 11u);
}

}  // namespace
}  // namespace lux::luxctl
