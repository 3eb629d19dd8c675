// End to end: the real luxd on a free loopback port, spoken to over HTTP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"
#include "server/luxd/gzip_for_tests.h"
#include "server/luxd/socket_for_tests.h"
#include "tests/luxd_process.h"

namespace lux {
namespace {

using testing::HttpCall;
using testing::LuxdProcess;

using testing::Gzip;
using testing::RawConnect;
using testing::ReadStatuses;
using testing::SendAll;

class LuxdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    luxd_ = std::make_unique<LuxdProcess>(dir_.path());
    ASSERT_NE(luxd_->port(), 0) << "luxd did not start";
    auto r = Post("/query?q=CREATE%20DATABASE%20farm", "");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  testing::HttpResult Post(const std::string& target, const std::string& body,
                           const std::map<std::string, std::string>& headers = {}) {
    return HttpCall(luxd_->port(), "POST", target, body, headers);
  }
  testing::HttpResult Get(const std::string& target) {
    return HttpCall(luxd_->port(), "GET", target);
  }
  std::string Export(const std::string& measurement) {
    auto r = Get("/export?db=farm&measurement=" + measurement);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }

  testing::TempDir dir_;
  std::unique_ptr<LuxdProcess> luxd_;
};

TEST_F(LuxdTest, PingHealthAndHeaders) {
  auto r = Get("/ping");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["x-influxdb-build"], "OSS");
  EXPECT_FALSE(r.headers["x-influxdb-version"].empty());
  EXPECT_EQ(r.headers["request-id"].size(), 36u);
  EXPECT_EQ(r.headers["request-id"], r.headers["x-request-id"]);
  EXPECT_EQ(HttpCall(luxd_->port(), "HEAD", "/ping").status, 204);
  r = Get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"status\":\"pass\""), std::string::npos);
  r = Get("/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  r = Get("/write?db=farm");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "OPTIONS, POST");
}

TEST_F(LuxdTest, WritesReadBackThroughExport) {
  auto r = Post("/write?db=farm",
                "env,zone=a temp=21.5,hum=40i 1767225600000000000\n"
                "# a comment\n\n"
                "env,zone=a temp=21.7,hum=41i 1767225610000000000\r\n"
                "env,zone=b\\ 2 temp=-3 1767225600000000000\n");
  EXPECT_EQ(r.status, 204) << r.body;
  // Series in creation order, each in time order.
  EXPECT_EQ(Export("env"),
            "env,zone=a temp=21.5 1767225600000000000\n"
            "env,zone=a temp=21.7 1767225610000000000\n"
            "env,zone=a hum=40i 1767225600000000000\n"
            "env,zone=a hum=41i 1767225610000000000\n"
            "env,zone=b\\ 2 temp=-3 1767225600000000000\n");
}

// Lines are written to the engine grouped by tag set and fields; at one
// timestamp the last line still wins, as in InfluxDB, whatever fields the
// lines between carry.
TEST_F(LuxdTest, TheLastLineAtATimestampWinsAcrossFieldSets) {
  auto r = Post("/write?db=farm",
                "cpu,host=a usage=1 1767225600000000000\n"
                "cpu,host=a usage=2,idle=5 1767225600000000000\n"
                "cpu,host=a usage=3 1767225600000000000\n"
                "cpu,host=a idle=6,usage=4 1767225610000000000\n"
                "cpu,host=a usage=7,idle=8 1767225610000000000\n");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Export("cpu"),
            "cpu,host=a usage=3 1767225600000000000\n"
            "cpu,host=a usage=7 1767225610000000000\n"
            "cpu,host=a idle=5 1767225600000000000\n"
            "cpu,host=a idle=8 1767225610000000000\n");
}

TEST_F(LuxdTest, AWriteToAnUnknownDatabaseIsKeptForReplay) {
  auto r = Post("/write?db=nope", "m v=1 1\n# comment\n\nm v=2 2\n");
  EXPECT_EQ(r.status, 404);
  const auto kept = Get("/debug/rejected");
  EXPECT_NE(
      kept.body.find("\"line_number\":1,\"line\":\"m v=1 1\",\"reason\":\"database not found: "
                     "\\\"nope\\\"\""),
      std::string::npos)
      << kept.body;
  EXPECT_NE(kept.body.find("\"line_number\":4,\"line\":\"m v=2 2\""), std::string::npos)
      << kept.body;
  EXPECT_NE(kept.body.find("\"total\":2"), std::string::npos) << kept.body;
}

TEST_F(LuxdTest, PartialWritesKeepTheGoodLinesAndSayWhy) {
  auto r = Post("/write?db=farm", "m v=1 1\nm v= 2\nm v=3 3\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      "{\"error\":\"partial write: unable to parse 'm v= 2': missing field value dropped=0\"}\n");
  EXPECT_EQ(r.headers["x-influxdb-error"],
            "partial write: unable to parse 'm v= 2': missing field value dropped=0");
  EXPECT_EQ(Export("m"), "m v=1 1\nm v=3 3\n");
  r = Post("/write?db=farm", "m v=2i 4\nm v=5 5\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "{\"error\":\"partial write: field type conflict: input field \\\"v\\\" on measurement "
            "\\\"m\\\" is type integer, already exists as type float dropped=1 for database: "
            "farm\"}\n");
  EXPECT_EQ(Export("m"), "m v=1 1\nm v=3 3\nm v=5 5\n");
  r = Post("/write?db=farm", "garbage\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"error\":\"unable to parse 'garbage': missing fields\"}\n");
  auto rejected = Get("/debug/rejected");
  EXPECT_NE(rejected.body.find("\"reason\":\"missing fields\""), std::string::npos)
      << rejected.body;
  EXPECT_NE(rejected.body.find("\"line\":\"m v=2i 4\""), std::string::npos) << rejected.body;
}

TEST_F(LuxdTest, InfluxErrorsForBadRequests) {
  EXPECT_EQ(Post("/write", "m v=1").body, "{\"error\":\"database is required\"}\n");
  auto r = Post("/write?db=nope", "m v=1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "{\"error\":\"database not found: \\\"nope\\\"\"}\n");
  r = Post("/write?db=farm&precision=x", "m v=1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"error\":\"invalid precision \\\"x\\\" (use n, u, ms, s, m or h)\"}\n");
  r = Post("/write?db=farm&rp=nope", "m v=1 1");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "{\"error\":\"retention policy not found: nope\"}\n");
  r = Post("/write?db=farm&consistency=most", "m v=1 1");
  EXPECT_EQ(r.body, "{\"error\":\"invalid consistency level\"}\n");
  r = Post("/write?db=farm", "m v=1 1", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"error\":\"gzip: invalid header\"}\n");
  r = Post("/write?db=farm", Gzip("m v=1 1\n").substr(0, 12), {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.body, "{\"error\":\"unexpected EOF\"}\n");
  EXPECT_EQ(Post("/write?db=farm", "").status, 204) << "an empty body is fine";
  // The two inputs that crash InfluxDB 1.x get a 400.
  EXPECT_EQ(Post("/write?db=farm", "0 \\=\"=\"").status, 400);
  EXPECT_EQ(Post("/write?db=farm", std::string("m \0=\",\"=3,\"=\"", 13)).status, 400);
  EXPECT_EQ(Get("/ping").status, 204) << "still alive";
}

TEST_F(LuxdTest, GzipAndV2Writes) {
  auto r = Post("/write?db=farm&precision=s", Gzip("g v=1 1767225600\n"),
                {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 204) << r.body;
  r = Post("/api/v2/write?bucket=farm&org=x&precision=ms", "g v=2 1767225601000",
           {{"Authorization", "Token anything"}});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Export("g"), "g v=1 1767225600000000000\ng v=2 1767225601000000000\n");
  r = Post("/api/v2/write?bucket=farm&precision=h", "g v=3 1");
  EXPECT_EQ(r.body, "{\"error\":\"invalid precision \\\"h\\\" (use ns, us, ms or s)\"}\n");
  r = Post("/api/v2/write", "g v=3 1");
  EXPECT_EQ(r.status, 404);
}

TEST_F(LuxdTest, QueryStatementsInInfluxShape) {
  auto r = Post("/query", "q=CREATE+RETENTION+POLICY+week+ON+farm+DURATION+7d+REPLICATION+1",
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.body, "{\"results\":[{\"statement_id\":0}]}\n");
  r = Get("/query?q=SHOW%20DATABASES");
  EXPECT_EQ(r.body,
            "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"databases\",\"columns\":"
            "[\"name\"],\"values\":[[\"farm\"]]}]}]}\n");
  r = Get("/query?q=SHOW%20RETENTION%20POLICIES&db=farm");
  EXPECT_EQ(r.body,
            "{\"results\":[{\"statement_id\":0,\"series\":[{\"columns\":[\"name\",\"duration\","
            "\"shardGroupDuration\",\"replicaN\",\"default\"],\"values\":[[\"autogen\",\"0s\","
            "\"24h0m0s\",1,true],[\"week\",\"168h0m0s\",\"24h0m0s\",1,false]]}]}]}\n");
  r = Get("/query?q=SELECT%20*%20FROM%20m");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"error\":\"statement not supported yet: SELECT * FROM m\"}\n");
}

TEST_F(LuxdTest, SigtermClosesCleanlyAndSigkillLosesNothingAcknowledged) {
  ASSERT_EQ(Post("/write?db=farm", "k v=1 1\nk v=2 2\n").status, 204);
  EXPECT_EQ(luxd_->Signal(SIGTERM), 0);
  luxd_ = std::make_unique<LuxdProcess>(dir_.path());
  ASSERT_NE(luxd_->port(), 0);
  EXPECT_EQ(Export("k"), "k v=1 1\nk v=2 2\n");
  ASSERT_EQ(Post("/write?db=farm", "k v=3 3\n").status, 204);
  EXPECT_EQ(luxd_->Signal(SIGKILL), 128 + SIGKILL);
  luxd_ = std::make_unique<LuxdProcess>(dir_.path());
  ASSERT_NE(luxd_->port(), 0);
  EXPECT_EQ(Export("k"), "k v=1 1\nk v=2 2\nk v=3 3\n");
}

TEST_F(LuxdTest, TenThousandConnectionsAtOnce) {
  // 10,000 connections opened at once; the server keeps answering, on them
  // and on a fresh one.
  constexpr int kConnections = 10000;
  std::vector<int> fds;
  for (int i = 0; i < kConnections; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0) << "socket " << i << ": " << strerror(errno);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(luxd_->port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0)
        << "connect " << i << ": " << strerror(errno);
    fds.push_back(fd);
  }
  EXPECT_EQ(Get("/ping").status, 204) << "a new client is served while 10,000 are open";
  for (int i = 0; i < kConnections; i += 97) {
    const std::string req = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(write(fds[i], req.data(), req.size()), ssize_t(req.size()));
    std::string resp;
    char buf[1024];
    while (resp.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = read(fds[i], buf, sizeof(buf));
      ASSERT_GT(n, 0) << "connection " << i << " got no answer";
      resp.append(buf, size_t(n));
    }
    EXPECT_EQ(resp.substr(0, 12), "HTTP/1.1 204") << resp;
  }
  for (int fd : fds) close(fd);
  EXPECT_EQ(Post("/write?db=farm", "c v=1 1\n").status, 204);
}

TEST_F(LuxdTest, BodiesInPiecesLargeChunkedAndPipelined) {
  // A body that arrives in pieces (header alone, then bytes, then the rest
  // together with a pipelined second request) is read whole, and the second
  // request is answered after it.
  const int fd = RawConnect(luxd_->port());
  const std::string body =
      "pieces,host=a v=1 1767225600000000000\npieces,host=a v=2 1767225601000000000\n";
  SendAll(fd, "POST /write?db=farm HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  SendAll(fd, body.substr(0, 7));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  SendAll(fd, body.substr(7) + "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ReadStatuses(fd, 2), (std::vector<int>{204, 204}));
  close(fd);
  EXPECT_EQ(Export("pieces"),
            "pieces,host=a v=1 1767225600000000000\npieces,host=a v=2 1767225601000000000\n");

  // A chunked body takes Beast's parser; it is stored the same.
  const int chunked = RawConnect(luxd_->port());
  SendAll(chunked,
          "POST /write?db=farm HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          "15\r\nchunked,host=a v=7 1\n\r\n0\r\n\r\n");
  EXPECT_EQ(ReadStatuses(chunked, 1), std::vector<int>{204});
  close(chunked);
  EXPECT_EQ(Export("chunked"), "chunked,host=a v=7 1\n");

  // 20,000 lines (~1 MB) in one request: every point stored.
  std::string big;
  for (int i = 0; i < 20000; ++i) {
    absl::StrAppend(&big, "big,sensor=s", i % 50, " value=", i, ".5,quality=100i ",
                    1767225600000000000 + int64_t{i} * 1000000000, "\n");
  }
  ASSERT_GT(big.size(), 1'000'000u);
  ASSERT_EQ(Post("/write?db=farm", big).status, 204);
  const std::string stored = Export("big");
  EXPECT_EQ(std::count(stored.begin(), stored.end(), '\n'), 40000) << "two fields per line";
}

TEST_F(LuxdTest, ReusedBodyStringsHoldOnlyTheNewBody) {
  // Body strings are pooled across requests: a body that arrives in pieces,
  // read into the string a larger body left (cut to its length while its
  // end still holds the old bytes), reaches the handler as its own bytes
  // only; and small requests between them do not disturb the pool.
  auto lines = [](absl::string_view m, int n, int sensors) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      absl::StrAppend(&out, m, ",sensor=s", i % sensors, " value=", i, " ",
                      1767225600000000000 + int64_t{i} * 1000000000, "\n");
    }
    return out;
  };
  const std::string big = lines("old", 20000, 50);
  // One series (exported in the order sent), ~90 % of the big body: it fits
  // the big one's string, within four times its length.
  const std::string mid = lines("mid", 19000, 1);
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(Post("/write?db=farm", big).status, 204);
    const int fd = RawConnect(luxd_->port());
    SendAll(fd, "POST /write?db=farm HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                    std::to_string(mid.size()) + "\r\n\r\n" + mid.substr(0, 100));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    SendAll(fd, mid.substr(100));
    EXPECT_EQ(ReadStatuses(fd, 1), std::vector<int>{204});
    close(fd);
    EXPECT_EQ(Export("mid"), mid) << round;
    ASSERT_EQ(Post("/write?db=farm", "new,host=a v=1 1\n").status, 204);
    EXPECT_EQ(Export("new"), "new,host=a v=1 1\n");
  }
  const std::string old = Export("old");
  EXPECT_EQ(std::count(old.begin(), old.end(), '\n'), 20000);
}

// Resident memory of a process, in KiB (VmRSS), or -1.
long RssKib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

TEST_F(LuxdTest, DeclaredBodyLengthsAreNotAllocatedAhead) {
  // 300 clients declare 20 MB bodies (under the 25 MB limit) and send 10
  // bytes: the server holds what arrived, not 6 GB, and serves others. A
  // 1 MB body first leaves a string in the server's pool of body strings.
  std::string warm;
  while (warm.size() < 1'000'000) absl::StrAppend(&warm, "warm v=", warm.size(), " 1\n");
  ASSERT_EQ(Post("/write?db=farm", warm).status, 204);
  const long before = RssKib(luxd_->pid());
  ASSERT_GT(before, 0);
  std::vector<int> fds;
  for (int i = 0; i < 300; ++i) {
    const int fd = RawConnect(luxd_->port());
    SendAll(fd,
            "POST /write?db=farm HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n"
            "m v=1 1\nm ");
    fds.push_back(fd);
  }
  EXPECT_EQ(Get("/ping").status, 204);
  const long during = RssKib(luxd_->pid());
  EXPECT_LT(during - before, 200 * 1024) << "KiB grown with 300 declared 20 MB bodies";
  for (int fd : fds) close(fd);
  EXPECT_EQ(Post("/write?db=farm", "c v=1 1\n").status, 204);
}

TEST_F(LuxdTest, CurlWithGzip) {
  // A client no one here wrote: curl, sending a gzip file.
  const std::string lines = dir_.path() + "/lines.txt";
  FILE* f = std::fopen(lines.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("cg,host=a v=1 1767225600000000000\ncg,host=a v=2 1767225601000000000\n", f);
  std::fclose(f);
  const std::string cmd = "gzip -k -f " + lines + " && curl -s -o /dev/null -w '%{http_code}' " +
                          "-XPOST -H 'Content-Encoding: gzip' --data-binary @" + lines +
                          ".gz 'http://127.0.0.1:" + std::to_string(luxd_->port()) +
                          "/write?db=farm'";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char code[8] = {};
  ASSERT_NE(std::fgets(code, sizeof(code), p), nullptr);
  pclose(p);
  EXPECT_STREQ(code, "204");
  EXPECT_EQ(Export("cg"), "cg,host=a v=1 1767225600000000000\ncg,host=a v=2 1767225601000000000\n");
}

TEST(LuxdLimitsTest, SlowAndIdleClientsAreCutOffWithoutHoldingOthers) {
  testing::TempDir dir;
  LuxdProcess luxd(dir.path(), {"--idle-timeout-s", "1"});
  ASSERT_NE(luxd.port(), 0);
  auto open_conn = [&] {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(luxd.port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    return fd;
  };
  // A slow client: half a request, then nothing. An idle one: nothing at all.
  const int slow = open_conn(), idle = open_conn();
  const std::string half = "POST /write?db=x HTTP/1.1\r\nHost: x\r\nContent-Len";
  ASSERT_EQ(write(slow, half.data(), half.size()), ssize_t(half.size()));
  EXPECT_EQ(HttpCall(luxd.port(), "GET", "/ping").status, 204) << "others are served meanwhile";
  // Both are closed by the server after the idle timeout.
  for (int fd : {slow, idle}) {
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[256];
    EXPECT_EQ(read(fd, buf, sizeof(buf)), 0) << "not closed after the idle timeout";
    close(fd);
  }
  EXPECT_EQ(HttpCall(luxd.port(), "GET", "/ping").status, 204);
}

TEST(LuxdLimitsTest, OversizedBodiesGet413PlainOrCompressed) {
  testing::TempDir dir;
  LuxdProcess luxd(dir.path(), {"--max-body-bytes", "1000", "--create-database-on-write"});
  ASSERT_NE(luxd.port(), 0);
  std::string big;
  while (big.size() < 5000) big += "m v=1 1\n";
  auto r = HttpCall(luxd.port(), "POST", "/write?db=farm", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, "{\"error\":\"Request Entity Too Large\"}\n");
  // 5 kB of text in well under 1,000 bytes of gzip: the limit applies after
  // decompression too (InfluxDB's does not).
  const std::string gz = Gzip(big);
  ASSERT_LT(gz.size(), 1000u);
  r = HttpCall(luxd.port(), "POST", "/write?db=farm", gz, {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 413);
  r = HttpCall(luxd.port(), "POST", "/write?db=farm", "m v=1 1\n");
  EXPECT_EQ(r.status, 204) << "created on write: " << r.body;
}

TEST(LuxdConfigTest, UsersFromTheConfigFileAndWriteThrottling) {
  testing::TempDir dir;
  const std::string config = dir.path() + "/luxd.toml";
  std::ofstream(config) << R"(
auth_enabled = true
max_concurrent_writes = 1
max_enqueued_writes = 1
enqueued_write_timeout_ms = 1
[[users]]
name = "admin"
password = "s3cret"
admin = true
[[users]]
name = "gateway"
password = "gw"
write = ["farm"]
)";
  LuxdProcess luxd(dir.path() + "/data", {"--config", config});
  ASSERT_NE(luxd.port(), 0);
  const std::map<std::string, std::string> admin = {{"Authorization", "Basic YWRtaW46czNjcmV0"}};
  EXPECT_EQ(HttpCall(luxd.port(), "POST", "/query?q=CREATE+DATABASE+farm", "").status, 401);
  EXPECT_EQ(HttpCall(luxd.port(), "POST", "/query?q=CREATE+DATABASE+farm", "", admin).status, 200);
  auto r = HttpCall(luxd.port(), "POST", "/write?db=farm", "m v=1 1");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers["www-authenticate"], "Basic realm=\"InfluxDB\"");
  EXPECT_EQ(HttpCall(luxd.port(), "POST", "/write?db=farm&u=gateway&p=gw", "m v=1 1").status, 204);

  // While one large write runs, a second one waits at most 1 ms: 503 as
  // InfluxDB's throttler answers.
  std::string big;
  for (int i = 0; i < 300'000; ++i)
    absl::StrAppend(&big, "big,sensor=s", i % 1000, " v=", i, " ", i + 1, "\n");
  // Either side may be the one that waits (and is refused): try until a
  // small write is refused while the large one runs.
  bool throttled = false;
  for (int attempt = 0; attempt < 20 && !throttled; ++attempt) {
    std::atomic<bool> big_done{false};
    int big_status = 0;
    std::thread writer([&] {
      big_status = HttpCall(luxd.port(), "POST", "/write?db=farm&u=gateway&p=gw", big).status;
      big_done = true;
    });
    while (!big_done) {
      auto small = HttpCall(luxd.port(), "POST", "/write?db=farm&u=gateway&p=gw", "m v=2 2");
      if (small.status == 503) {
        throttled = true;
        EXPECT_EQ(small.body, "request throttled, exceeds timeout\n");
      } else {
        EXPECT_EQ(small.status, 204) << small.body;
      }
    }
    writer.join();
    EXPECT_TRUE(big_status == 204 || big_status == 503) << big_status;
  }
  EXPECT_TRUE(throttled) << "no write was throttled while a 300,000-line write ran";
  r = HttpCall(luxd.port(), "GET", "/metrics");
  EXPECT_NE(r.body.find("lux_http_writes_throttled_total "), std::string::npos);
  EXPECT_NE(r.body.find("lux_block_cache_misses "), std::string::npos);
}

}  // namespace
}  // namespace lux
