// Parity with a real InfluxDB: each test starts Debian's influxd 1.6.7 (from
// PATH, own directories, free loopback ports) and luxd, sends both the same
// requests and compares status codes, error bodies and the points stored
// (influxd read back with SELECT * ... GROUP BY *, luxd with /export).
// Where luxd follows InfluxDB 1.12 on purpose, the test says so and cites
// ../shared/influxdb-http-write.md (below: "doc §N").
#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"
#include "server/luxd/gzip_for_tests.h"
#include "tests/influxd_process.h"
#include "tests/luxd_process.h"

namespace lux {
namespace {

using testing::Gzip;
using testing::HttpCall;
using testing::HttpResult;

struct Request {
  std::string method = "POST";
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;
};

Request Write(std::string body, std::string params = "db=db") {
  return {"POST", "/write?" + params, std::move(body), {}};
}

std::string Lines(std::initializer_list<const char*> lines) {
  std::string out;
  for (const char* l : lines) out += std::string(l) + "\n";
  return out;
}

class ParityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    influxd_ = std::make_unique<testing::InfluxdProcess>(dir_.path() + "/influxd");
    ASSERT_NE(influxd_->port(), 0) << influxd_->error();
    luxd_ = std::make_unique<testing::LuxdProcess>(dir_.path() + "/luxd");
    ASSERT_NE(luxd_->port(), 0) << "luxd did not start";
    for (uint16_t port : {influxd_->port(), luxd_->port()}) {
      ASSERT_EQ(HttpCall(port, "POST", "/query?q=CREATE%20DATABASE%20db").status, 200);
    }
  }
  HttpResult Influx(const Request& r) {
    return HttpCall(influxd_->port(), r.method, r.target, r.body, r.headers);
  }
  HttpResult Lux(const Request& r) {
    return HttpCall(luxd_->port(), r.method, r.target, r.body, r.headers);
  }
  std::string InfluxStored() { return testing::InfluxdStoredLines(influxd_->port(), "db"); }
  std::string LuxStored(const std::vector<std::string>& measurements) {
    return testing::LuxdStoredLines(luxd_->port(), "db", measurements);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::InfluxdProcess> influxd_;
  std::unique_ptr<testing::LuxdProcess> luxd_;
};

// One request sent to both after `setup`; luxd must answer as influxd does,
// except where lux_status / lux_body name a documented difference.
struct Case {
  std::string name;
  Request request;
  int want_status = 0;                    // influxd's: checks the case tests what it says
  std::vector<std::string> measurements;  // to read back from luxd
  std::vector<Request> setup;
  int lux_status = 0;    // documented difference: luxd's status
  std::string lux_body;  // documented difference: luxd's body
  std::string lux_bug;   // an undocumented difference: the case is skipped

  Case After(Request r) const {
    Case c = *this;
    c.setup.push_back(std::move(r));
    return c;
  }
  Case LuxAnswers(int status, std::string body) const {
    Case c = *this;
    c.lux_status = status;
    c.lux_body = std::move(body);
    return c;
  }
  Case LuxBug(std::string why) const {
    Case c = *this;
    c.lux_bug = std::move(why);
    return c;
  }
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

Case C(std::string name, Request request, int want_status, std::vector<std::string> measurements) {
  Case c;
  c.name = std::move(name);
  c.request = std::move(request);
  c.want_status = want_status;
  c.measurements = std::move(measurements);
  return c;
}

// doc §2.1: 1.12+ appends " for database: <db>" to storage-level partial
// writes; 1.6 has no suffix.
std::string Partial112(const std::string& reason, int dropped) {
  return "{\"error\":\"partial write: " + reason + " dropped=" + std::to_string(dropped) +
         " for database: db\"}\n";
}

std::vector<Case> Cases() {
  const std::string gz = Gzip("gz,host=a v=1 1767225600000000000\ngz v=2 1767225600000000001\n");
  const std::map<std::string, std::string> gzip = {{"Content-Encoding", "gzip"}};
  const std::string ts = " 1767225600000000000", m1 = "m v=1" + ts;
  const std::string time_field =
      "invalid field name: input field \\\"time\\\" on measurement \\\"m\\\" is invalid";
  return {
      C("GoodBatch",
        Write(Lines({"cpu,host=a,region=eu v=1.5,n=3i,s=\"x y\",b=true 1767225600000000000",
                     "cpu,host=b v=2 1767225600000000001", "mem free=10i 1767225600000000000"})),
        204, {"cpu", "mem"}),
      C("EmptyBody", Write(""), 204, {}),
      C("BlankLines", Write("\n  \n\t\n\n"), 204, {}),
      C("CommentsOnly", Write("# one\n#two\n"), 204, {}),
      C("CommentsBetweenLines",
        Write("# c\nc v=1 1767225600000000000\n  # indented\nc v=2 1767225600000000001\n"), 204,
        {"c"}),
      C("UnsortedTagsOneSeries",
        Write(Lines({"m,z=1,a=2 v=1 1767225600000000000", "m,a=2,z=1 w=2 1767225600000000000"})),
        204, {"m"}),
      C("SameSeriesAndTimeLastWins",
        Write(Lines({"m v=1,w=1 1767225600000000000", "m v=2 1767225600000000000",
                     "m,t=a v=1,v=3 1767225600000000000"})),
        204, {"m"}),
      C("MissingDb", Write(m1, "precision=s"), 400, {}),
      C("EmptyDb", Write(m1, "db="), 400, {}),
      C("UnknownDb", Write(m1, "db=nope"), 404, {}),
      C("AllLinesBad", Write("cpu\nmem value=\n"), 400, {"cpu", "mem"}),
      C("PartialParseFailure",
        Write("m v=1 1767225600000000000\nm v= 2\nm v=3 1767225600000000002\n"), 400, {"m"}),
      C("BadLastLineWithoutNewline", Write(m1 + "\nm,t v=2"), 400, {"m"}),
      C("DuplicateTags", Write("m,t=1,t=2 v=1 1767225600000000000"), 400, {"m"}),
      C("JunkAfterTimestamp", Write(m1 + " x"), 400, {"m"}),
      C("BadTimestamp", Write("m v=1 12x"), 400, {"m"}),
      C("TimestampOutOfRange", Write("m v=1 9223372036854775807"), 400, {"m"}),
      C("IntegerOutOfRange", Write("m v=9223372036854775808i 1767225600000000000"), 400, {"m"}),
      C("Numbers",
        Write("num a=1e3,b=-0.5,c=.5,d=1E-2,e=-0,f=9223372036854775807i,"
              "g=-9223372036854775808i,h=1.7976931348623157e308,k=5e-324 1767225600000000000"),
        204, {"num"}),
      C("EveryBooleanSpelling",
        Write("bools a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE "
              "1767225600000000000"),
        204, {"bools"}),
      C("BadBooleanSpelling", Write("bools a=tRUE 1767225600000000000"), 400, {"bools"}),
      C("Escaping",
        Write(Lines({
            R"(esc\,m\ 1,t\ k=v\,1\=\ 2 f\,1\=\ x=1 1767225600000000000)",
            R"(esc\,m\ 1 s="a\"b\\c\d",e="",q="x=1, y" 1767225600000000001)",
            R"(back\\slash,t=a\\b v=1 1767225600000000000)",
            R"(eq=m,"t"="v" "f"=1 1767225600000000000)",
            "ütf,ß=é v=\"ö\" 1767225600000000000",
        })),
        204, {"esc,m 1", "back\\\\slash", "eq=m", "ütf"}),
      // doc §2.1: storage-level drops carry 1.12's " for database: db" suffix.
      C("FieldTypeConflictWithExisting",
        Write("m v=2i 1767225600000000001\nm v=3 1767225600000000002\n"), 400, {"m"})
          .After(Write(m1))
          .LuxAnswers(400, Partial112("field type conflict: input field \\\"v\\\" on measurement "
                                      "\\\"m\\\" is type integer, already exists as type float",
                                      1)),
      C("TagNamedTime", Write("m,time=x v=1 1767225600000000000\nm v=2 1767225600000000001"), 400,
        {"m"})
          .LuxAnswers(400, Partial112("invalid tag key: input tag \\\"time\\\" on measurement "
                                      "\\\"m\\\" is invalid",
                                      1)),
      C("OnlyFieldNamedTime", Write("m time=1 1767225600000000000\nm v=2 1767225600000000001"), 400,
        {"m"})
          .LuxAnswers(400, Partial112(time_field, 1)),
      // doc §3.3: a `time` field beside others is stripped silently up to 1.11;
      // 1.12+, and luxd, answer 400 with dropped=0 (the point is stored).
      C("FieldNamedTimeBesideOthers", Write("m v=1,time=2 1767225600000000000"), 204, {"m"})
          .LuxAnswers(400, Partial112(time_field, 0)),
      C("PrecisionN", Write("p v=1 1767225600123456789", "db=db&precision=n"), 204, {"p"}),
      C("PrecisionU", Write("p v=1 1767225600123456", "db=db&precision=u"), 204, {"p"}),
      C("PrecisionMs", Write("p v=1 1767225600123", "db=db&precision=ms"), 204, {"p"}),
      C("PrecisionS", Write("p v=1 1767225600", "db=db&precision=s"), 204, {"p"}),
      C("PrecisionM", Write("p v=1 29453760", "db=db&precision=m"), 204, {"p"}),
      C("PrecisionH", Write("p v=1 490896", "db=db&precision=h"), 204, {"p"}),
      C("Gzip", {"POST", "/write?db=db", gz, gzip}, 204, {"gz"}),
      C("GzipHeaderPlainBody", {"POST", "/write?db=db", m1, gzip}, 400, {"m"}),
      C("GzipTruncated", {"POST", "/write?db=db", gz.substr(0, gz.size() - 6), gzip}, 400, {"gz"}),
      // doc §4: only the exact token `gzip` means gzip; a plain body under
      // "GZIP" is parsed as it is. (A gzip body under "GZIP" would put its
      // control bytes in X-Influxdb-Error, which the test's HTTP client rejects.)
      C("ContentEncodingIsCaseSensitive",
        {"POST", "/write?db=db", m1, {{"Content-Encoding", "GZIP"}}}, 204, {"m"}),
      C("ContentTypeIgnored", {"POST", "/write?db=db", m1, {{"Content-Type", "application/json"}}},
        204, {"m"}),
      C("ValidConsistency", Write(m1, "db=db&consistency=quorum"), 204, {"m"}),
      C("InvalidConsistency", Write(m1, "db=db&consistency=most"), 400, {"m"}),
      C("ExplicitAutogenRp", Write(m1, "db=db&rp=autogen"), 204, {"m"}),
      C("UnknownRp", Write(m1, "db=db&rp=nope"), 500, {"m"}),
      C("EmptyRpAndPrecisionMeanDefaults", Write(m1, "db=db&rp=&precision="), 204, {"m"}),
      C("CredentialsIgnoredWithoutAuth",
        {"POST", "/write?db=db&u=a&p=b", m1, {{"Authorization", "Basic Ym9iOnNlY3JldA=="}}}, 204,
        {"m"}),
      C("LeadingWhitespaceOfBadLinesNotQuoted", Write("  bad1\n m v=1" + ts + "\n\tbad2 x\n"), 400,
        {"m"}),
      // Go's JSON writes '>' as \u003e; bodies are compared decoded.
      C("KeyTooLong", Write("m" + std::string(70000, 'x') + " v=1" + ts), 400, {"m"}),
      // doc §2.1: with storage drops, only the storage reason is reported.
      C("StorageDropAndParseErrorTogether",
        Write("m,time=1 v=1" + ts + "\nbad\nm v=2 1767225600000000001"), 400, {"m"})
          .LuxAnswers(400, Partial112("invalid tag key: input tag \\\"time\\\" on measurement "
                                      "\\\"m\\\" is invalid",
                                      1)),
      // One line giving a field two types: 1.6 fails the request; 1.12 (doc
      // §2.1), and luxd, drop the point. Nothing is stored either way.
      C("DuplicateFieldKeyOfTwoTypes", Write("m v=1,v=2i" + ts), 400, {"m"})
          .LuxAnswers(400, Partial112("field type conflict: input field \\\"v\\\" on measurement "
                                      "\\\"m\\\" is type integer, already exists as type float",
                                      1)),
      // An empty `consistency=` means "not given".
      C("EmptyConsistency", Write(m1, "db=db&consistency="), 204, {"m"}),
      // Go's URL.Query().Get takes the first of repeated parameters.
      C("RepeatedParameterFirstWins",
        Write("m v=1 1767225600000", "db=db&precision=ms&precision=s"), 204, {"m"}),
      C("OptionsWrite", {"OPTIONS", "/write?db=db", "", {}}, 200, {}),
      C("StatusIsPing", {"GET", "/status", "", {}}, 204, {}),
      C("GetWrite", {"GET", "/write?db=db", "", {}}, 405, {}),
      C("PutWrite", {"PUT", "/write?db=db", m1, {}}, 405, {"m"}),
      C("UnknownPath", {"GET", "/nope", "", {}}, 404, {}),
      C("UnknownWritePath", {"POST", "/api/v1/write?db=db", m1, {}}, 404, {"m"}),
  };
}

// The message of a {"error":"..."} body, decoded (Go escapes <, > and & as
// \u003c...); any other body as it is.
std::string ErrorText(const std::string& body) {
  testing::Json j;
  size_t pos = 0;
  if (testing::Json::Parse(body, &pos, &j) && j["error"].type == testing::Json::kString) {
    return "error: " + j["error"].text;
  }
  return body;
}

class ParityCaseTest : public ParityTest, public ::testing::WithParamInterface<Case> {
 protected:
  void SetUp() override {
    // LUX_PARITY_RUN_BUGS=1 runs the known differences too (to check a fix).
    if (!GetParam().lux_bug.empty() && std::getenv("LUX_PARITY_RUN_BUGS") == nullptr) {
      GTEST_SKIP() << "LUX-BUG: " << GetParam().lux_bug;
    }
    ParityTest::SetUp();
  }
};

TEST_P(ParityCaseTest, SameAnswerAndSamePointsStored) {
  const Case& c = GetParam();
  for (const Request& r : c.setup) ASSERT_EQ(Lux(r).status, Influx(r).status) << r.body;
  HttpResult influx = Influx(c.request), lux = Lux(c.request);
  ASSERT_EQ(influx.status, c.want_status) << influx.body;
  EXPECT_EQ(lux.status, c.lux_status != 0 ? c.lux_status : influx.status);
  if (c.lux_body.empty()) {
    EXPECT_EQ(ErrorText(lux.body), ErrorText(influx.body));
    EXPECT_EQ(lux.headers["x-influxdb-error"], influx.headers["x-influxdb-error"]);
  } else {
    EXPECT_EQ(lux.body, c.lux_body) << "influxd 1.6: " << influx.body;
  }
  EXPECT_EQ(lux.headers["content-type"], influx.headers["content-type"]);
  // influxd lists allowed methods in Go map order: "OPTIONS, POST" or "POST, OPTIONS".
  auto methods = [](std::string allow) {
    std::sort(allow.begin(), allow.end());
    return allow;
  };
  EXPECT_EQ(methods(lux.headers["allow"]), methods(influx.headers["allow"]));
  EXPECT_EQ(LuxStored(c.measurements), InfluxStored());
}

INSTANTIATE_TEST_SUITE_P(Influx16, ParityCaseTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

// ---- Documented differences: luxd follows InfluxDB 1.8+ / 1.12 ----

// doc §2 rows 2 and 2′: 1.6 takes an unknown precision as nanoseconds; 1.8+
// answers 400.
TEST_F(ParityTest, InvalidPrecisionIs400AsIn18) {
  const Request r = Write("p v=1 1767225600000000000", "db=db&precision=x");
  EXPECT_EQ(Influx(r).status, 204);
  EXPECT_EQ(InfluxStored(), "p v=1 1767225600000000000\n");
  const HttpResult lux = Lux(r);
  EXPECT_EQ(lux.status, 400);
  EXPECT_EQ(lux.body, "{\"error\":\"invalid precision \\\"x\\\" (use n, u, ms, s, m or h)\"}\n");
  EXPECT_EQ(LuxStored({"p"}), "");
}

// The issue asks for CRLF line ends (gateways on Windows send them):
// InfluxDB keeps the '\r' in the timestamp and rejects every such line
// ("bad timestamp"), and a line of just "\r"; luxd takes "\r\n" as a line end.
TEST_F(ParityTest, CrLfLineEndsAcceptedAsTheIssueAsks) {
  const Request r = Write("m v=1 1767225600000000000\r\nm v=2 1767225600000000001\r\n\r\n");
  const HttpResult influx = Influx(r);
  EXPECT_EQ(influx.status, 400);
  EXPECT_NE(influx.body.find("bad timestamp"), std::string::npos) << influx.body;
  EXPECT_EQ(InfluxStored(), "");
  EXPECT_EQ(Lux(r).status, 204);
  EXPECT_EQ(LuxStored({"m"}),
            testing::SortedLines({"m v=1 1767225600000000000", "m v=2 1767225600000000001"}));
}

// doc §3.5: no 1.x release build accepts `1u`; 2.x does, and so does luxd.
TEST_F(ParityTest, UnsignedIntegersAcceptedAsIn2x) {
  const Request r = Write("u v=1u,w=18446744073709551615u 1767225600000000000");
  const HttpResult influx = Influx(r);
  EXPECT_EQ(influx.status, 400);
  EXPECT_EQ(influx.body,
            "{\"error\":\"unable to parse 'u v=1u,w=18446744073709551615u 1767225600000000000': "
            "invalid number\"}\n");
  EXPECT_EQ(Lux(r).status, 204);
  EXPECT_EQ(LuxStored({"u"}),
            testing::SortedLines(
                {"u v=1u 1767225600000000000", "u w=18446744073709551615u 1767225600000000000"}));
}

// doc §2.1: a type conflict between two new fields of one request fails the
// whole request up to 1.11; from 1.12 the first point wins.
TEST_F(ParityTest, TypeConflictInsideOneRequestFirstWinsAsIn112) {
  const Request r = Write("m v=1 1767225600000000000\nm v=2i 1767225600000000001\n");
  const HttpResult influx = Influx(r);
  EXPECT_EQ(influx.status, 400);
  EXPECT_EQ(influx.body, "{\"error\":\"field type conflict\"}\n");
  EXPECT_EQ(InfluxStored(), "");
  const HttpResult lux = Lux(r);
  EXPECT_EQ(lux.status, 400);
  EXPECT_EQ(lux.body, Partial112("field type conflict: input field \\\"v\\\" on measurement "
                                 "\\\"m\\\" is type integer, already exists as type float",
                                 1));
  EXPECT_EQ(LuxStored({"m"}), "m v=1 1767225600000000000\n");
}

// doc §6, §7: /ping answers alike; /health and /api/v2/write exist from 1.8.
TEST_F(ParityTest, PingAlikeHealthAndV2WriteAsIn18) {
  for (const char* method : {"GET", "HEAD"}) {
    HttpResult influx = Influx({method, "/ping", "", {}}), lux = Lux({method, "/ping", "", {}});
    EXPECT_EQ(influx.status, 204);
    EXPECT_EQ(lux.status, 204);
    EXPECT_EQ(lux.body, "");
    EXPECT_FALSE(influx.headers["x-influxdb-version"].empty());
    EXPECT_FALSE(lux.headers["x-influxdb-version"].empty());
    EXPECT_EQ(lux.headers["x-influxdb-build"], influx.headers["x-influxdb-build"]);
    EXPECT_EQ(lux.headers["request-id"].size(), influx.headers["request-id"].size());
  }
  EXPECT_EQ(Influx({"GET", "/ping?verbose=true", "", {}}).status, 204);
  const HttpResult verbose = Lux({"GET", "/ping?verbose=true", "", {}});
  EXPECT_EQ(verbose.status, 200);
  EXPECT_NE(verbose.body.find("\"version\":"), std::string::npos) << verbose.body;
  EXPECT_EQ(Influx({"GET", "/health", "", {}}).status, 404);
  const HttpResult health = Lux({"GET", "/health", "", {}});
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"status\":\"pass\""), std::string::npos) << health.body;
  const Request v2 = {"POST", "/api/v2/write?bucket=db&precision=s", "v2 v=1 1767225600", {}};
  EXPECT_EQ(Influx(v2).status, 404);
  EXPECT_EQ(Lux(v2).status, 204);
  EXPECT_EQ(LuxStored({"v2"}), "v2 v=1 1767225600000000000\n");
}

// doc §3.4: Debian's 1.6 build refuses invalid UTF-8 in measurement names and
// field keys with a 500; upstream 1.x stores them, and so does luxd.
TEST_F(ParityTest, InvalidUtf8NamesStoredAsUpstream) {
  const Request r = Write("m\xff v=1 1767225600000000000");
  const HttpResult influx = Influx(r);
  EXPECT_EQ(influx.status, 500);
  EXPECT_EQ(influx.body,
            "{\"error\":\"proto: field \\\"tsdb.MeasurementFields.Name\\\" contains invalid "
            "UTF-8\"}\n");
  EXPECT_EQ(Lux(r).status, 204);
  EXPECT_EQ(LuxStored({"m\xff"}), "m\xff v=1 1767225600000000000\n");
}

// doc §3.4: these two inputs make 1.6 (and master-1.x) panic in a goroutine
// that nothing recovers, so they are not sent to influxd; luxd answers 400.
TEST_F(ParityTest, InputsThatCrashInfluxdGet400) {
  for (const std::string& body :
       {std::string("0 \\=\"=\""), std::string("m \0=\",\"=3,\"=\"", 13)}) {
    EXPECT_EQ(Lux(Write(body)).status, 400) << body;
  }
  EXPECT_EQ(Lux({"GET", "/ping", "", {}}).status, 204) << "still alive";
}

}  // namespace
}  // namespace lux
