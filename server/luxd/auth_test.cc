// Authentication and authorization through InfluxApi over a real lux::DB:
// the answers of ../shared/influxdb-http-write.md §5 and §2 rows 1, 5, 6.
#include "server/luxd/auth.h"

#include "absl/strings/escaping.h"
#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"
#include "server/luxd/influx_api.h"

namespace lux::luxd {
namespace {

using testing::TempDir;

HttpRequest Req(std::string method, std::string target, std::string body = "",
                std::map<std::string, std::string> headers = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string HeaderOf(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<none>";
}

std::string Basic(std::string_view user_password) {
  return "Basic " + absl::Base64Escape(std::string(user_password));
}

class AuthApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = DB::Open(Options(), dir_.path());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->CreateDatabase("probe").ok());
    ASSERT_TRUE(db_->CreateDatabase("other").ok());
    Config config;
    config.auth_enabled = true;
    config.users = {User{"admin", "s3cret", true, {}, {}}, User{"bob", "pw", false, {"probe"}, {}},
                    User{"writer", "wpw", false, {}, {"probe"}}};
    api_ = std::make_unique<InfluxApi>(db_.get(), config);
  }

  // Timestamps stored in probe's measurement m.
  std::vector<int64_t> StoredTimes() {
    QuerySpec q;
    q.selector.database = "probe";
    q.selector.measurement = "m";
    auto cursor = db_->Query(q);
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    std::vector<int64_t> times;
    Frame f;
    while (cursor.ok() && (*cursor)->Next(&f))
      times.insert(times.end(), f.times.begin(), f.times.end());
    return times;
  }

  TempDir dir_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<InfluxApi> api_;
};

TEST_F(AuthApiTest, MissingOrUnparseableCredentialsAre401WithChallenge) {
  for (const auto& req :
       {Req("POST", "/write?db=probe", "m v=1"), Req("POST", "/write?db=probe&u=admin", "m v=1"),
        Req("POST", "/write?db=probe", "m v=1", {{"authorization", "Basic !!!"}}),
        Req("POST", "/write?db=probe", "m v=1", {{"authorization", "Digest x"}})}) {
    HttpResponse r = api_->Handle(req);
    EXPECT_EQ(r.status, 401) << req.target;
    EXPECT_EQ(r.body, "{\"error\":\"unable to parse authentication credentials\"}\n");
    EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"), "Basic realm=\"InfluxDB\"");
    EXPECT_EQ(HeaderOf(r, "X-Influxdb-Error"), "<none>") << "401 carries no X-Influxdb-Error";
  }
}

TEST_F(AuthApiTest, WrongPasswordOrUnknownUserIs401AuthorizationFailed) {
  for (const auto& req :
       {Req("POST", "/write?db=probe&u=admin&p=nope", "m v=1"),
        Req("POST", "/write?db=probe", "m v=1", {{"authorization", Basic("ghost:x")}}),
        Req("POST", "/api/v2/write?bucket=probe", "m v=1",
            {{"authorization", "Token admin:wrong"}})}) {
    HttpResponse r = api_->Handle(req);
    EXPECT_EQ(r.status, 401) << req.target;
    EXPECT_EQ(r.body, "{\"error\":\"authorization failed\"}\n");
  }
  HttpResponse r =
      api_->Handle(Req("POST", "/write?db=probe", "m v=1", {{"authorization", "Bearer eyJ.x.y"}}));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, "{\"error\":\"bearer auth disabled\"}\n");
}

TEST_F(AuthApiTest, EveryCredentialFormWritesAndAuthComesBeforeTheDatabaseCheck) {
  EXPECT_EQ(api_->Handle(Req("POST", "/write?db=probe&u=admin&p=s3cret", "m v=1 1")).status, 204);
  EXPECT_EQ(api_->Handle(Req("POST", "/write?db=probe", "m v=2 2",
                             {{"authorization", Basic("writer:wpw")}}))
                .status,
            204);
  EXPECT_EQ(api_->Handle(Req("POST", "/api/v2/write?bucket=probe&precision=ns", "m v=3 3",
                             {{"authorization", "Token writer:wpw"}}))
                .status,
            204);
  // No credentials and a missing database: 401, not 404.
  EXPECT_EQ(api_->Handle(Req("POST", "/write?db=nope", "m v=1")).status, 401);
  EXPECT_EQ(api_->Handle(Req("POST", "/write?db=nope&u=admin&p=s3cret", "m v=1")).status, 404);
  EXPECT_EQ(StoredTimes(), (std::vector<int64_t>{1, 2, 3}));
}

TEST_F(AuthApiTest, UserWithoutWritePrivilegeIs403AndNothingIsStored) {
  HttpResponse r = api_->Handle(Req("POST", "/write?db=probe&u=bob&p=pw", "m v=1 1"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(
      r.body,
      "{\"error\":\"\\\"bob\\\" user is not authorized to write to database \\\"probe\\\"\"}\n");
  EXPECT_EQ(HeaderOf(r, "X-Influxdb-Error"),
            "\"bob\" user is not authorized to write to database \"probe\"");
  EXPECT_EQ(api_->Handle(Req("POST", "/write?db=other&u=writer&p=wpw", "m v=1 1")).status, 403);
  EXPECT_TRUE(StoredTimes().empty());
}

TEST_F(AuthApiTest, QueriesNeedTheirPrivileges) {
  HttpResponse r = api_->Handle(Req("POST", "/query?q=CREATE+DATABASE+x&u=bob&p=pw"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body,
            "{\"error\":\"error authorizing query: bob not authorized to execute statement "
            "'CREATE DATABASE x', requires admin privilege\"}\n");
  EXPECT_EQ(api_->Handle(Req("POST", "/query?q=CREATE+DATABASE+x")).status, 401);
  EXPECT_EQ(api_->Handle(Req("POST", "/query?q=CREATE+DATABASE+x&u=admin&p=s3cret")).status, 200);
  // A user who is not an admin sees only the databases it may use.
  r = api_->Handle(Req("GET", "/query?q=SHOW+DATABASES&u=bob&p=pw"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("[[\"probe\"]]"), std::string::npos) << r.body;
  r = api_->Handle(Req("GET", "/query?q=SHOW+RETENTION+POLICIES+ON+other&u=bob&p=pw"));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(api_->Handle(Req("GET", "/query?q=SHOW+RETENTION+POLICIES+ON+probe&u=bob&p=pw")).status,
            200);
}

TEST_F(AuthApiTest, ExportNeedsReadAndRejectedNeedsAdmin) {
  EXPECT_EQ(api_->Handle(Req("GET", "/export?db=probe&measurement=m")).status, 401);
  EXPECT_EQ(api_->Handle(Req("GET", "/export?db=probe&measurement=m&u=writer&p=wpw")).status, 403);
  EXPECT_EQ(api_->Handle(Req("GET", "/export?db=probe&measurement=m&u=bob&p=pw")).status, 200);
  EXPECT_EQ(api_->Handle(Req("GET", "/debug/rejected?u=bob&p=pw")).status, 403);
  EXPECT_EQ(api_->Handle(Req("GET", "/debug/rejected?u=admin&p=s3cret")).status, 200);
  // /ping, /health and /metrics stay open, as in InfluxDB.
  EXPECT_EQ(api_->Handle(Req("GET", "/ping")).status, 204);
  EXPECT_EQ(api_->Handle(Req("GET", "/health")).status, 200);
  EXPECT_EQ(api_->Handle(Req("GET", "/metrics")).status, 200);
}

TEST(AuthNoAdminTest, WithoutAnAdminWritesProceedWithoutAUserThenFail) {
  TempDir dir;
  auto db = DB::Open(Options(), dir.path());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->CreateDatabase("db").ok());
  Config config;
  config.auth_enabled = true;
  InfluxApi api(db->get(), config);
  HttpResponse r = api.Handle(Req("POST", "/write?db=db", "m v=1"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "{\"error\":\"user is required to write to database \\\"db\\\"\"}\n");
  EXPECT_EQ(api.Handle(Req("POST", "/write?db=nope", "m v=1")).status, 404);
}

TEST(AuthDisabledTest, AnyCredentialsOrNoneAreIgnored) {
  TempDir dir;
  auto db = DB::Open(Options(), dir.path());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->CreateDatabase("db").ok());
  InfluxApi api(db->get(), Config());
  EXPECT_EQ(api.Handle(Req("POST", "/write?db=db&u=x&p=y", "m v=1")).status, 204);
  EXPECT_EQ(api.Handle(Req("POST", "/api/v2/write?bucket=db", "m v=1",
                           {{"authorization", "Token anything"}}))
                .status,
            204);
}

}  // namespace
}  // namespace lux::luxd
