// The real luxctl binary against the real luxd (one for the suite, on free
// loopback ports): every command, outputs compared exactly, exit codes.
// clang-format off
#include <utility>  // first: Boost.Asio 1.74's awaitable.hpp uses std::exchange unincluded
// clang-format on
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"
#include "tests/luxd_process.h"

namespace lux {
namespace {

using testing::HttpCall;
using testing::LuxdProcess;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

struct Result {
  int code = -1;  // 128 + signal when killed
  std::string out, err;
};

// A child process with stdin from a file (or /dev/null) and stdout/stderr
// into files; killed (SIGKILL) on destruction if still running.
class Child {
 public:
  Child(std::vector<std::string> argv, const std::string& dir, const std::string& stdin_path) {
    static int counter = 0;
    const std::string base = dir + "/run" + std::to_string(++counter);
    out_path_ = base + ".out";
    err_path_ = base + ".err";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(
        &actions, 0, stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Waits up to `timeout` for the exit; false if it is still running.
  bool Wait(std::chrono::milliseconds timeout, Result* r) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        pid_ = -1;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    r->out = ReadFile(out_path_);
    r->err = ReadFile(err_path_);
    return true;
  }
  std::string Output() const { return ReadFile(out_path_); }
  Result Kill() {
    Result r;
    if (pid_ > 0) kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(5), &r);
    return r;
  }

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
};

constexpr int64_t kSec = 1'000'000'000;

class LuxctlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    luxd_ = new LuxdProcess(dir_->path() + "/data");
  }
  static void TearDownTestSuite() {
    delete luxd_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_NE(luxd_->port(), 0);
    ASSERT_NE(luxd_->grpc_port(), 0);
  }

  static std::string Addr() { return luxd_->grpc_target(); }
  static std::string HttpAddr() { return "127.0.0.1:" + std::to_string(luxd_->port()); }
  static std::string Path(const std::string& name) { return dir_->path() + "/" + name; }

  // luxctl <args> --addr <luxd> (unless `addr` is false), stdin from a file.
  static Result Run(std::vector<std::string> args, const std::string& stdin_path = "",
                    bool addr = true) {
    args.insert(args.begin(), LUX_LUXCTL_BINARY);
    if (addr) args.insert(args.end(), {"--addr", Addr()});
    Child child(args, dir_->path(), stdin_path);
    Result r;
    if (!child.Wait(std::chrono::seconds(20), &r)) r = child.Kill();
    return r;
  }
  // /bin/sh -c <command>, for pipes; $LUXCTL and $ADDR are set.
  static Result Shell(const std::string& command) {
    const std::string script = "LUXCTL='" LUX_LUXCTL_BINARY "'; ADDR=" + Addr() + "; " + command;
    Child child({"/bin/sh", "-c", script}, dir_->path(), "");
    Result r;
    if (!child.Wait(std::chrono::seconds(20), &r)) r = child.Kill();
    return r;
  }
  // Writes `lines` into a new database `db` (created here); must all be stored.
  static void Load(const std::string& db, const std::string& lines) {
    ASSERT_EQ(Run({"databases", "create", db}).code, 0);
    WriteFile(Path(db + ".lp"), lines);
    Result r = Run({"write", "--db", db, Path(db + ".lp")});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
  }
  static std::string Export(const std::string& db, const std::string& measurement) {
    Result r = Run({"export", "--db", db, "-m", measurement});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  }

  static testing::TempDir* dir_;
  static LuxdProcess* luxd_;
};

testing::TempDir* LuxctlTest::dir_ = nullptr;
LuxdProcess* LuxctlTest::luxd_ = nullptr;

TEST_F(LuxctlTest, WriteReportsBadLinesByNumberAndStoresTheRest) {
  ASSERT_EQ(Run({"databases", "create", "w"}).out, "created database w\n");
  // Batches of 2 lines: numbers count across batches and a multi-line string.
  WriteFile(Path("w.lp"),
            "env,zone=a temp=21.5 1767225600000000000\n"
            "env,zone=a temp= 1767225601000000000\n"
            "env,zone=b note=\"two\n"
            "lines\" 1767225600000000000\n"
            "env,zone=b temp=3i 1767225600000000000\n"
            "# a comment\n"
            "env,zone=b temp=4 1767225600000000000\n");
  Result r = Run({"write", "--db", "w", "--batch-size", "2", Path("w.lp")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out,
            "line 2: unable to parse 'env,zone=a temp= 1767225601000000000': missing field value\n"
            "line 5: rejected 'env,zone=b temp=3i 1767225600000000000': field type conflict: "
            "input field \"temp\" on measurement \"env\" is type integer, already exists as type "
            "float\n"
            "wrote 3 points, rejected 2 lines\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(Export("w", "env"),
            "env,zone=a temp=21.5 1767225600000000000\n"
            "env,zone=b note=\"two\nlines\" 1767225600000000000\n"
            "env,zone=b temp=4 1767225600000000000\n");

  // stdin, another precision, every line good: exit 0.
  WriteFile(Path("w2.lp"), "env,zone=c temp=1 1767225600\n\n");
  r = Run({"write", "--db", "w", "--precision", "s"}, Path("w2.lp"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "wrote 1 point\n");
  r = Run({"query", "--db", "w", "-m", "env", "--where", "zone=c", "--format", "csv"});
  EXPECT_EQ(r.out, "time,zone,field,value\n1767225600000000000,c,temp,1\n");

  // A database that does not exist: nothing stored, exit 1.
  r = Run({"write", "--db", "nope", Path("w2.lp")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "wrote 0 points before the error\n");
  EXPECT_EQ(r.err, "luxctl: write: database not found: \"nope\"\n");
  r = Run({"write", "--db", "w", Path("missing.lp")});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "luxctl: cannot open " + Path("missing.lp") + ": No such file or directory\n");
}

TEST_F(LuxctlTest, QueryInThreeFormats) {
  Load("q",
       "env,zone=a temp=20 1767225600000000000\n"
       "env,zone=a temp=22 1767225610000000000\n"
       "env,zone=b temp=30 1767225600000000000\n"
       "env,zone=b temp=31 1767225620000000000\n"
       "env,zone=b,site=x hum=40i 1767225600000000000\n");
  Result r = Run({"query", "--db", "q", "-m", "env"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "time                  site  zone  field  value\n"
            "2026-01-01T00:00:00Z        a     temp   20\n"
            "2026-01-01T00:00:10Z        a     temp   22\n"
            "2026-01-01T00:00:00Z        b     temp   30\n"
            "2026-01-01T00:00:20Z        b     temp   31\n"
            "2026-01-01T00:00:00Z  x     b     hum    40\n");
  r = Run({"query", "--db", "q", "-m", "env", "--where", "zone!=a", "--where", "site=~^$",
           "--start", "2026-01-01T00:00:10Z", "--format", "csv"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "time,zone,field,value\n1767225620000000000,b,temp,31\n");
  r = Run({"query",
           "--db",
           "q",
           "-m",
           "env",
           "--field",
           "temp",
           "--agg",
           "mean",
           "--every",
           "10s",
           "--start",
           "1767225600000000000",
           "--end",
           "2026-01-01T00:00:30Z",
           "--group-by",
           "zone",
           "--fill",
           "null",
           "--format",
           "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "[{\"measurement\":\"env\",\"field\":\"temp\",\"type\":\"float\",\"tags\":{\"zone\":"
            "\"a\"},\"times\":[1767225600000000000,1767225610000000000,1767225620000000000],"
            "\"values\":[20,22,null]},\n"
            " {\"measurement\":\"env\",\"field\":\"temp\",\"type\":\"float\",\"tags\":{\"zone\":"
            "\"b\"},\"times\":[1767225600000000000,1767225610000000000,1767225620000000000],"
            "\"values\":[30,null,31]}]\n");
  r = Run({"query", "--db", "q", "-m", "env", "--field", "temp", "--agg", "percentile",
           "--percentile", "75", "--format", "csv"});
  EXPECT_EQ(r.out, "time,field,value\n1767225600000000000,temp,30\n");
  r = Run({"query", "--db", "q", "-m", "env", "--field", "temp", "--agg", "count", "--every", "20s",
           "--offset", "10s", "--start", "2026-01-01T00:00:00Z", "--end", "2026-01-01T00:00:30Z",
           "--fill", "0"});
  EXPECT_EQ(r.out,
            "time                  field  value\n"
            "2025-12-31T23:59:50Z  temp   2\n"
            "2026-01-01T00:00:10Z  temp   2\n");
  r = Run(
      {"query", "--db", "q", "-m", "env", "--field", "temp", "--limit", "1", "--where", "zone=a"});
  EXPECT_EQ(r.out,
            "time                  zone  field  value\n2026-01-01T00:00:00Z  a     temp   20\n");

  r = Run({"last", "--db", "q", "-m", "env"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "time                  site  zone  field  value\n"
            "2026-01-01T00:00:10Z        a     temp   22\n"
            "2026-01-01T00:00:20Z        b     temp   31\n"
            "2026-01-01T00:00:00Z  x     b     hum    40\n");
  r = Run({"last", "--db", "q", "-m", "env", "--field", "hum", "--format", "json"});
  EXPECT_EQ(r.out,
            "[{\"measurement\":\"env\",\"field\":\"hum\",\"type\":\"integer\",\"tags\":{\"site\":"
            "\"x\",\"zone\":\"b\"},\"times\":[1767225600000000000],\"values\":[40]}]\n");
}

TEST_F(LuxctlTest, ExportPipedIntoWriteRoundTripsExactly) {
  // Escaped measurement, tag and field names; every field type; strings with
  // quotes, backslashes and a newline; extreme numbers; a negative time.
  const std::string lines =
      "my\\ meas\\,ure,tag\\ key\\=1=va\\,l\\ ue\\=x,z=1 f\\ i\\,e\\=ld=\"say \\\"hi\\\"\\\\ "
      "back\\\\slash\",i=-9223372036854775808i,u=18446744073709551615u,b=false,fl=-1.5e-300 "
      "1767225600000000001\n"
      "my\\ meas\\,ure,tag\\ key\\=1=va\\,l\\ ue\\=x,z=1 f\\ i\\,e\\=ld=\"multi\nline\","
      "fl=1e+300,i=7i 1767225600000000002\n"
      "my\\ meas\\,ure,z=2 fl=0.1,s=\"\",b=T,u=0u -1\n";
  Load("src", lines);
  const std::string exported = Export("src", "my meas,ure");
  EXPECT_EQ(exported,
            "my\\ meas\\,ure,tag\\ key\\=1=va\\,l\\ ue\\=x,z=1 f\\ i\\,e\\=ld=\"say \\\"hi\\\"\\\\ "
            "back\\\\slash\" 1767225600000000001\n"
            "my\\ meas\\,ure,tag\\ key\\=1=va\\,l\\ ue\\=x,z=1 f\\ i\\,e\\=ld=\"multi\nline\" "
            "1767225600000000002\n"
            "my\\ meas\\,ure,tag\\ key\\=1=va\\,l\\ ue\\=x,z=1 i=-9223372036854775808i "
            "1767225600000000001\n"
            "my\\ meas\\,ure,tag\\ key\\=1=va\\,l\\ ue\\=x,z=1 i=7i 1767225600000000002\n"
            "my\\ meas\\,ure,tag\\ key\\=1=va\\,l\\ ue\\=x,z=1 u=18446744073709551615u "
            "1767225600000000001\n"
            "my\\ meas\\,ure,tag\\ key\\=1=va\\,l\\ ue\\=x,z=1 b=false 1767225600000000001\n"
            "my\\ meas\\,ure,tag\\ key\\=1=va\\,l\\ ue\\=x,z=1 fl=-1.5e-300 1767225600000000001\n"
            "my\\ meas\\,ure,tag\\ key\\=1=va\\,l\\ ue\\=x,z=1 fl=1e+300 1767225600000000002\n"
            "my\\ meas\\,ure,z=2 fl=0.1 -1\n"
            "my\\ meas\\,ure,z=2 s=\"\" -1\n"
            "my\\ meas\\,ure,z=2 b=true -1\n"
            "my\\ meas\\,ure,z=2 u=0u -1\n");
  // Byte for byte what luxd's own /export says.
  auto http = HttpCall(luxd_->port(), "GET",
                       "/export?db=src&measurement=" + testing::UrlEncode("my meas,ure"));
  EXPECT_EQ(http.body, exported);

  ASSERT_EQ(Run({"databases", "create", "dst"}).code, 0);
  Result r = Shell(
      "\"$LUXCTL\" export --db src -m 'my meas,ure' --addr $ADDR | "
      "\"$LUXCTL\" write --db dst --addr $ADDR");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "wrote 12 points\n");
  EXPECT_EQ(Export("dst", "my meas,ure"), exported);
  // A time range.
  r = Run({"export", "--db", "src", "-m", "my meas,ure", "--start", "0", "--end",
           "1767225600000000002"});
  EXPECT_EQ(r.out.find("1767225600000000002\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1767225600000000001\n"), std::string::npos) << r.out;
}

TEST_F(LuxctlTest, DatabasesRetentionPoliciesDeleteStats) {
  EXPECT_EQ(Run({"databases", "create", "adm"}).out, "created database adm\n");
  Result r = Run({"databases"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("adm\n"), std::string::npos) << r.out;
  EXPECT_EQ(Run({"databases", "list"}).out, r.out);
  r = Run({"rp", "list", "--db", "nope"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "luxctl: rp list: database not found: \"nope\"\n");

  r = Run({"rp", "create", "week", "--db", "adm", "--duration", "7d", "--partition", "1d"});
  EXPECT_EQ(r.out, "created retention policy week on adm\n") << r.err;
  r = Run({"rp", "alter", "week", "--db", "adm", "--duration", "14d", "--default"});
  EXPECT_EQ(r.out, "altered retention policy week on adm\n") << r.err;
  r = Run({"rp", "list", "--db", "adm"});
  EXPECT_EQ(r.out,
            "name     duration  partition  default\n"
            "autogen  inf       1d         false\n"
            "week     2w        1d         true\n");
  EXPECT_EQ(Run({"rp", "--db", "adm"}).out, r.out);
  r = Run({"rp", "alter", "nope", "--db", "adm", "--duration", "1d"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "luxctl: rp alter: retention policy not found: nope on adm\n");
  EXPECT_EQ(Run({"rp", "drop", "week", "--db", "adm"}).out,
            "dropped retention policy week on adm\n");
  EXPECT_EQ(Run({"rp", "list", "--db", "adm"}).out,
            "name     duration  partition  default\n"
            "autogen  inf       1d         false\n");
  WriteFile(Path("adm.lp"), "m,s=a v=1 1767225600000000000\n");
  r = Run({"write", "--db", "adm", Path("adm.lp")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "luxctl: write: database \"adm\" has no default retention policy\n");
  ASSERT_EQ(Run({"rp", "alter", "autogen", "--db", "adm", "--default"}).code, 0);

  WriteFile(Path("adm.lp"),
            "m,s=a v=1 1767225600000000000\nm,s=a v=2 1767225610000000000\n"
            "m,s=b v=3 1767225600000000000\nm,s=b v=4 1767225610000000000\n");
  ASSERT_EQ(Run({"write", "--db", "adm", Path("adm.lp")}).code, 0);
  r = Run({"delete", "--db", "adm", "-m", "m", "--where", "s=a", "--start", "2026-01-01T00:00:00Z",
           "--end", "2026-01-01T00:00:05Z"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "deleted m points in [2026-01-01T00:00:00Z, 2026-01-01T00:00:05Z)\n");
  EXPECT_EQ(Export("adm", "m"),
            "m,s=a v=2 1767225610000000000\nm,s=b v=3 1767225600000000000\n"
            "m,s=b v=4 1767225610000000000\n");
  r = Run({"delete", "--db", "adm", "-m", "m", "--start", "10", "--end", "0"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "luxctl: delete: a --start or --end of 0 would mean \"unbounded\" to luxd; use 1 or "
            "-1\n");
  r = Run({"delete", "--db", "adm", "-m", "m", "--start", "0"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.substr(0, 31), "luxctl: --end is required\nRun '");

  r = Run({"stats"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("(^|\n)series +[1-9][0-9]*\n"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("(^|\n)head_points +[0-9]+\n"))) << r.out;

  EXPECT_EQ(Run({"databases", "drop", "adm"}).out, "dropped database adm\n");
  EXPECT_EQ(Run({"databases"}).out.find("adm\n"), std::string::npos);
}

// luxd keeps the lines of its HTTP writes that it rejected; a policy too
// short refused a point, the policy is extended, the replay stores it.
// A replay that is refused again is kept again (luxd keeps what gRPC writes
// refuse too).
TEST_F(LuxctlTest, RejectedListAndReplay) {
  ASSERT_EQ(Run({"databases", "create", "rj"}).code, 0);
  ASSERT_EQ(Run({"rp", "create", "short", "--db", "rj", "--duration", "1h", "--default"}).code, 0);
  auto w = HttpCall(luxd_->port(), "POST", "/write?db=rj", "m,t=a v=1 1000000000\nm v=\n");
  ASSERT_EQ(w.status, 400) << w.body;
  // Times and client addresses vary: blank them.
  auto stable = [](const std::string& s) {
    return std::regex_replace(s, std::regex("\\S+Z  from \\S+  "), "T  from S  ");
  };
  const std::vector<std::string> http = {"--http-addr", HttpAddr()};
  auto with_http = [&](std::vector<std::string> args) {
    args.insert(args.end(), http.begin(), http.end());
    return args;
  };
  Result r = Run(with_http({"rejected", "list", "--limit", "2"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(stable(r.out),
            "2 lines rejected since luxd started, 2 listed here (oldest first)\n"
            "T  from S  db=rj rp= line 2: missing field value\n"
            "    m v=\n"
            "T  from S  db=rj rp= line 1: points beyond retention policy\n"
            "    m,t=a v=1 1000000000\n");
  EXPECT_EQ(Run(with_http({"rejected", "--limit", "2"})).out, r.out);
  r = Run(with_http({"rejected", "list", "--limit", "1"}));
  EXPECT_EQ(stable(r.out),
            "2 lines rejected since luxd started, 1 listed here (oldest first)\n"
            "T  from S  db=rj rp= line 1: points beyond retention policy\n"
            "    m,t=a v=1 1000000000\n");

  r = Run(with_http({"rejected", "replay", "--limit", "2"}));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out,
            "failed  db=rj rp=: unable to parse 'm v=': missing field value\n"
            "    m v=\n"
            "failed  db=rj rp=: points beyond retention policy\n"
            "    m,t=a v=1 1000000000\n"
            "replayed 2 lines: 0 stored, 2 still rejected\n");
  ASSERT_EQ(Run({"rp", "alter", "short", "--db", "rj", "--duration", "inf"}).code, 0);
  // The store now also holds the point the first replay had refused again.
  r = Run(with_http({"rejected", "replay", "--limit", "3"}));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out,
            "failed  db=rj rp=: unable to parse 'm v=': missing field value\n"
            "    m v=\n"
            "stored  db=rj rp=\n"
            "    m,t=a v=1 1000000000\n"
            "stored  db=rj rp=\n"
            "    m,t=a v=1 1000000000\n"
            "replayed 3 lines: 2 stored, 1 still rejected\n");
  EXPECT_EQ(Export("rj", "m"), "m,t=a v=1 1000000000\n");
  r = Run(with_http({"rejected", "replay", "--limit", "1"}));
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.substr(r.out.size() - 44), "replayed 1 line: 1 stored, 0 still rejected\n");

  // luxd's HTTP port unreachable.
  r = Run({"rejected", "list", "--http-addr", "127.0.0.1:" + std::to_string(testing::FreePort())});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.substr(0, 46), "luxctl: rejected: connecting to http://127.0.0") << r.err;
}

// Subscribe: luxd answers UNIMPLEMENTED for now, which luxctl says plainly.
// Once luxd streams, the test checks that a point written shows up instead.
TEST_F(LuxctlTest, SubscribeSaysWhenLuxdDoesNotImplementIt) {
  ASSERT_EQ(Run({"databases", "create", "sub"}).code, 0);
  Child child({LUX_LUXCTL_BINARY, "subscribe", "--db", "sub", "-m", "m", "--where", "t=a",
               "--field", "v", "--from", "0", "--addr", Addr()},
              dir_->path(), "");
  Result r;
  if (child.Wait(std::chrono::seconds(3), &r)) {
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "luxctl: subscribe: luxd at " + Addr() +
                         " does not implement Subscribe yet (UNIMPLEMENTED)\n");
    return;
  }
  WriteFile(Path("sub.lp"), "m,t=a v=1.5 1767225600000000000\nm,t=b v=2 1767225600000000000\n");
  ASSERT_EQ(Run({"write", "--db", "sub", Path("sub.lp")}).code, 0);
  for (int i = 0; i < 300 && child.Output().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  r = child.Kill();
  EXPECT_EQ(r.out, "m,t=a v=1.5 1767225600000000000\n");
}

TEST_F(LuxctlTest, EveryCommandHasHelpWithAnExample) {
  const std::vector<std::vector<std::string>> commands = {
      {},
      {"write"},
      {"query"},
      {"last"},
      {"export"},
      {"subscribe"},
      {"databases"},
      {"databases", "list"},
      {"databases", "create"},
      {"databases", "drop"},
      {"rp"},
      {"rp", "list"},
      {"rp", "create"},
      {"rp", "alter"},
      {"rp", "drop"},
      {"delete"},
      {"stats"},
      {"rejected"},
      {"rejected", "list"},
      {"rejected", "replay"},
  };
  for (const auto& command : commands) {
    std::vector<std::string> args = command;
    args.push_back("--help");
    Result r = Run(args, "", /*addr=*/false);
    std::string usage = "Usage: luxctl";
    for (const auto& c : command) usage += " " + c;
    EXPECT_EQ(r.code, 0) << usage;
    EXPECT_NE(r.out.find(usage + " [OPTIONS]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--addr"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nExample"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\n  luxctl "), std::string::npos) << r.out;
  }
}

TEST_F(LuxctlTest, UsageAndConnectionErrors) {
  Result r = Run({}, "", /*addr=*/false);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "luxctl: A subcommand is required\n"
            "Run 'luxctl --help' or 'luxctl <command> --help'.\n");
  r = Run({"query", "--db", "q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "luxctl: --measurement is required\n"
            "Run 'luxctl --help' or 'luxctl <command> --help'.\n");
  r = Run({"query", "--db", "q", "-m", "env", "--start", "yesterday"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "luxctl: --start: invalid time \"yesterday\" (ns since the epoch, RFC3339 like "
            "2026-01-01T00:00:00Z, now or now-1h)\n");
  r = Run({"query", "--db", "q", "-m", "env", "--where", "zone"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "luxctl: invalid --where \"zone\" (key=value, key!=value, key=~regex or key!~regex)\n");
  r = Run({"query", "--db", "q", "-m", "env", "--agg", "mean", "--every", "10s"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "luxctl: --every needs --start and --end\n");
  r = Run({"write", "--db", "q", "--precision", "x"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "luxctl: invalid --precision \"x\" (n, u, ms, s, m, h)\n");
  r = Run({"query", "--db", "nope", "-m", "env"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "luxctl: query: database not found: \"nope\"\n");
  const std::string dead = "127.0.0.1:" + std::to_string(testing::FreePort());
  for (std::vector<std::string> args : {std::vector<std::string>{"stats"},
                                        {"databases"},
                                        {"export", "--db", "a", "-m", "m"},
                                        {"subscribe", "--db", "a", "-m", "m"}}) {
    args.insert(args.end(), {"--addr", dead});
    r = Run(args, "", /*addr=*/false);
    EXPECT_EQ(r.code, 2) << args[0];
    const std::string prefix = "luxctl: " + args[0] + ": cannot reach luxd at " + dead + ": ";
    EXPECT_EQ(r.err.substr(0, prefix.size()), prefix) << r.err;
  }
}

}  // namespace
}  // namespace lux
