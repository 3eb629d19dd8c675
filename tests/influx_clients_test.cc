// End to end with InfluxDB clients no one here wrote, each writing to a luxd
// started by the test; what they wrote is read back through luxd's /export.
//  * Debian's `influx` CLI (package influxdb-client): -execute and -import;
//  * npm @influxdata/influxdb-client (v2 API, POST /api/v2/write);
//  * npm influx (node-influx, v1 API: ping, createDatabase, writePoints).
// The npm packages are pinned in tests/node/package-lock.json and installed
// once with `npm ci` into the build directory (tests/node_packages.h). A
// missing tool or registry is a failure, not a skip: these clients are what
// "drop-in replacement" means.
#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"
#include "tests/luxd_process.h"
#include "tests/node_packages.h"
#include "tests/process_util.h"

namespace lux {
namespace {

using testing::CommandResult;
using testing::FindInPath;
using testing::HttpCall;
using testing::LuxdProcess;
using testing::RunCommand;
using testing::SortedLines;

class InfluxClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    luxd_ = std::make_unique<LuxdProcess>(dir_.path() + "/luxd");
    ASSERT_NE(luxd_->port(), 0) << "luxd did not start";
  }
  std::string Port() const { return std::to_string(luxd_->port()); }
  void CreateDatabase(const std::string& db) {
    auto r = HttpCall(luxd_->port(), "POST", "/query?q=CREATE%20DATABASE%20" + db);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // What luxd stored for `measurement`, one line per field value, sorted.
  std::string Stored(const std::string& db, const std::string& measurement) {
    return testing::LuxdStoredLines(luxd_->port(), db, {measurement});
  }

  testing::TempDir dir_;
  std::unique_ptr<LuxdProcess> luxd_;
};

// ---- Debian's influx CLI ----

class InfluxCliTest : public InfluxClientsTest {
 protected:
  CommandResult Influx(std::vector<std::string> args) {
    args.insert(args.begin(), {FindInPath("influx"), "-host", "127.0.0.1", "-port", Port()});
    return RunCommand(args, 60);
  }
};

TEST_F(InfluxCliTest, ExecuteAndImport) {
  ASSERT_NE(FindInPath("influx"), "")
      << "the influx CLI is not in PATH: install Debian's influxdb-client (tools/bootstrap does)";
  CommandResult r = Influx({"-execute", "CREATE DATABASE cli"});
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // The file layout -import reads: statements up to `# DML`, then line
  // protocol with the target named by # CONTEXT-... comments.
  const std::string file = dir_.path() + "/import.txt";
  testing::WriteFile(file,
                     "# DDL\n"
                     "CREATE DATABASE cli_ddl\n"
                     "\n"
                     "# DML\n"
                     "# CONTEXT-DATABASE: cli\n"
                     "# CONTEXT-RETENTION-POLICY: autogen\n"
                     "env,zone=a\\ b,host=h\\,1 temp=21.5,n=7i,ok=T,note=\"say \\\"hi\\\"\" "
                     "1767225600000000001\n"
                     "env,zone=a\\ b,host=h\\,1 temp=22,ok=false 1767225601000000000\n"
                     "\n"
                     "env,zone=c temp=-0.5 1767225602000000000\n");
  r = Influx({"-import", "-path", file, "-precision", "ns"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Processed 3 inserts"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Failed 0 inserts"), std::string::npos) << r.output;
  EXPECT_EQ(Stored("cli", "env"), SortedLines({
                                      "env,host=h\\,1,zone=a\\ b temp=21.5 1767225600000000001",
                                      "env,host=h\\,1,zone=a\\ b n=7i 1767225600000000001",
                                      "env,host=h\\,1,zone=a\\ b ok=true 1767225600000000001",
                                      "env,host=h\\,1,zone=a\\ b note=\"say \\\"hi\\\"\" "
                                      "1767225600000000001",
                                      "env,host=h\\,1,zone=a\\ b temp=22 1767225601000000000",
                                      "env,host=h\\,1,zone=a\\ b ok=false 1767225601000000000",
                                      "env,zone=c temp=-0.5 1767225602000000000",
                                  }));

  // A gzip file (-compressed) at second precision.
  const std::string gz = dir_.path() + "/import_s.txt";
  testing::WriteFile(gz,
                     "# DML\n# CONTEXT-DATABASE: cli\nsec v=1 1767225600\nsec v=2 1767225660\n");
  ASSERT_EQ(RunCommand({FindInPath("gzip"), "-f", gz}).exit_code, 0);
  r = Influx({"-import", "-compressed", "-path", gz + ".gz", "-precision", "s"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Stored("cli", "sec"),
            SortedLines({"sec v=1 1767225600000000000", "sec v=2 1767225660000000000"}));

  // The DDL part ran, and SHOW DATABASES lists both in the CLI's table.
  r = Influx({"-execute", "SHOW DATABASES"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "name: databases\nname\n----\ncli\ncli_ddl\n");
}

TEST_F(InfluxCliTest, ImportIntoAMissingDatabaseFails) {
  ASSERT_NE(FindInPath("influx"), "")
      << "the influx CLI is not in PATH: install Debian's influxdb-client (tools/bootstrap does)";
  const std::string file = dir_.path() + "/import.txt";
  testing::WriteFile(file, "# DML\n# CONTEXT-DATABASE: nope\nm v=1 1767225600000000000\n");
  const CommandResult r = Influx({"-import", "-path", file, "-precision", "ns"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("database not found: \\\"nope\\\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ERROR: 1 point was not inserted"), std::string::npos) << r.output;
}

// ---- npm clients ----

class NodeClientsTest : public InfluxClientsTest {
 protected:
  void SetUp() override {
    InfluxClientsTest::SetUp();
    const CommandResult r = testing::InstallNodePackages(LUX_NODE_SRC_DIR, LUX_NODE_WORK_DIR);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  CommandResult Node(const std::string& script, std::vector<std::string> args) {
    return testing::RunNodeScript(LUX_NODE_WORK_DIR, script, std::move(args));
  }
};

// The points tests/node/v2_write.js writes, as luxd exports them.
std::string V2Expected(const std::string& m) {
  const std::string a = m + ",host=h\\,1\\=2,zone=a\\ b ";
  std::vector<std::string> lines = {
      a + "temp=21.5 1767225600000000001",
      a + "n=-7i 1767225600000000001",
      a + "u=3u 1767225600000000001",  // unsigned, as 2.x accepts (influxdb-http-write.md §3.5)
      a + "ok=true 1767225600000000001",
      a + "note=\"say \\\"hi\\\" \\\\\" 1767225600000000001",
      m + ",zone=c temp=-1.5 1767225700000000000",
      m + ",zone=c temp=2e-07 1767225800000000000",
  };
  for (int i = 0; i < 50; ++i) {
    char value[32];
    std::snprintf(value, sizeof(value), "%g", 20 + i / 4.0);
    lines.push_back(m + ",zone=z temp=" + value + " " + std::to_string(1767225600 + i) +
                    "000000000");
  }
  return SortedLines(lines);
}

TEST_F(NodeClientsTest, InfluxdataClientWritesThroughV2Api) {
  CreateDatabase("v2");
  CommandResult r = Node("v2_write.js", {Port(), "v2", "plain"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Stored("v2", "plain"), V2Expected("plain"));
  // bucket "db/rp" names the retention policy.
  r = Node("v2_write.js", {Port(), "v2/autogen", "with_rp"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Stored("v2", "with_rp"), V2Expected("with_rp"));
}

TEST_F(NodeClientsTest, InfluxdataClientSeesPartialWriteErrors) {
  CreateDatabase("v2");
  const CommandResult r = Node("v2_write.js", {Port(), "v2", "bad", "bad"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("status=400 body={\"error\":\"partial write: unable to parse 'bad v= "
                          "1767225600000000000': missing field value dropped=0\"}"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(Stored("v2", "bad"), "bad v=1 1767225600000000000\n") << "the good line is kept";
}

TEST_F(NodeClientsTest, NodeInfluxV1Client) {
  // The script creates the database itself (createDatabase) and checks that
  // ping reports a version and getDatabaseNames lists it.
  const CommandResult r = Node("v1_write.js", {Port(), "v1", "env"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("version=1."), std::string::npos) << r.output;
  const std::string a = "env,host=h\\,1\\=2,zone=a\\ b ";
  EXPECT_EQ(Stored("v1", "env"), SortedLines({
                                     a + "temp=21.5 1767225600000000001",
                                     a + "n=7i 1767225600000000001",
                                     a + "ok=true 1767225600000000001",
                                     a + "note=\"say \\\"hi\\\" \\\\\" 1767225600000000001",
                                     "env,zone=b temp=0.1 1767225600000000002",
                                     "env,zone=b n=-2i 1767225600000000002",
                                     "env,zone=c temp=-3 1767225601000000000",
                                     "env,zone=c ok=false 1767225601000000000",
                                 }));
}

}  // namespace
}  // namespace lux
