// End to end with a lux.v1 client no one here wrote: Node.js with npm
// @grpc/grpc-js and @grpc/proto-loader, loading server/proto/lux/v1/lux.proto
// as it is (no code generation), runs tests/node/grpc_client.js against a
// luxd started by the test. The script checks every answer it gets (Write with
// a bad series, WriteStream, batch ids, raw and MEAN queries, Last,
// ListMeasurements, FieldKeys, INVALID_ARGUMENT, Subscribe's UNIMPLEMENTED);
// then this test reads back through the generated C++ stub, independently of
// the script, exactly the points it should have stored.
// The npm packages are pinned in tests/node/package-lock.json and installed
// once with `npm ci` into the build directory (tests/node_packages.h). A
// missing node, npm or registry is a failure, not a skip.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <string>
#include <vector>

#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"
#include "lux/v1/lux.grpc.pb.h"
#include "tests/luxd_process.h"
#include "tests/node_packages.h"
#include "tests/process_util.h"

namespace lux {
namespace {

using testing::CommandResult;
using testing::LuxdProcess;
using testing::SortedLines;

// One line per stored value: "measurement,k=v,... field=value timestamp",
// tags sorted, values typed as in line protocol (1.5, 7i, "s", true).
std::string FrameLines(const std::vector<v1::Frame>& frames) {
  std::vector<std::string> lines;
  for (const v1::Frame& f : frames) {
    std::vector<std::string> tags;
    for (const auto& t : f.tags()) tags.push_back(t.key() + "=" + t.value());
    std::sort(tags.begin(), tags.end());
    std::string series = f.measurement();
    for (const auto& t : tags) series += "," + t;
    const v1::Values& v = f.values();
    for (int i = 0; i < f.timestamps_ns_size(); ++i) {
      std::string value;
      switch (f.type()) {
        case v1::FIELD_TYPE_FLOAT: {
          char buf[32];
          auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v.doubles().values(i));
          value.assign(buf, end);
          break;
        }
        case v1::FIELD_TYPE_INTEGER:
          value = std::to_string(v.int64s().values(i)) + "i";
          break;
        case v1::FIELD_TYPE_UNSIGNED:
          value = std::to_string(v.uint64s().values(i)) + "u";
          break;
        case v1::FIELD_TYPE_BOOLEAN:
          value = v.bools().values(i) ? "true" : "false";
          break;
        case v1::FIELD_TYPE_STRING:
          value = "\"" + v.strings().values(i) + "\"";
          break;
        default:
          value = "?type" + std::to_string(int(f.type()));
      }
      lines.push_back(series + " " + f.field() + "=" + value + " " +
                      std::to_string(f.timestamps_ns(i)));
    }
  }
  return SortedLines(std::move(lines));
}

class GrpcNodeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    luxd_ = std::make_unique<LuxdProcess>(dir_.path() + "/luxd");
    ASSERT_NE(luxd_->grpc_port(), 0) << "luxd did not start";
    const CommandResult r = testing::InstallNodePackages(LUX_NODE_SRC_DIR, LUX_NODE_WORK_DIR);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    stub_ = v1::Lux::NewStub(
        grpc::CreateChannel(luxd_->grpc_target(), grpc::InsecureChannelCredentials()));
  }

  // Every point of `measurement` in nodedb, through the C++ stub.
  std::string Stored(const std::string& measurement) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::QueryRequest req;
    req.mutable_selector()->set_database("nodedb");
    req.mutable_selector()->set_measurement(measurement);
    auto reader = stub_->Query(&ctx, req);
    std::vector<v1::Frame> frames;
    v1::QueryResponse resp;
    while (reader->Read(&resp)) {
      for (const auto& f : resp.frames()) {
        EXPECT_EQ(f.valid_size(), 0) << "a null in raw frame " << f.ShortDebugString();
        frames.push_back(f);
      }
    }
    const grpc::Status s = reader->Finish();
    if (!s.ok()) return "query failed: " + s.error_message();
    return FrameLines(frames);
  }

  testing::TempDir dir_;
  std::unique_ptr<LuxdProcess> luxd_;
  std::unique_ptr<v1::Lux::Stub> stub_;
};

TEST_F(GrpcNodeClientTest, GrpcJsWithProtoLoaderCallsTheV1Api) {
  const CommandResult r = testing::RunNodeScript(
      LUX_NODE_WORK_DIR, "grpc_client.js",
      {luxd_->grpc_target(), LUX_SOURCE_DIR "/server/proto/lux/v1/lux.proto"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The script compared every answer; spot-check its summary of what it read.
  for (const char* part : {
           R"("write":{"points_written":"5","errors":[{"series_index":2,"point_index":0,)",
           R"("requests":"5","points_written":"10","points_rejected":"3")",
           R"("batch":{"first":false,"retry":true})",
           R"("mean":[{"zone":"zone=a","values":[21.875,-3.5]},{"zone":"zone=b","values":[2]}])",
           R"("measurements":["batch","env","stream"])",
           R"("details":"selector.measurement is required")",
           R"("subscribe":["2@1","3@2"])",
       }) {
    EXPECT_NE(r.output.find(part), std::string::npos) << "missing " << part << " in:\n" << r.output;
  }

  // What luxd stored, read back without the script: the good points of
  // Write (series zone=c, one column short, not at all), WriteStream's five
  // requests less the short series src=bad, and the first value of the
  // batch written twice with one batch_id.
  constexpr int64_t kT0 = int64_t{1767225600} * 1'000'000'000;
  auto at = [&](int s) { return " " + std::to_string(kT0 + s * int64_t{1'000'000'000}); };
  const std::string a = "env,host=h1,zone=a ";
  const std::string b = "env,zone=b ";
  EXPECT_EQ(Stored("env"), SortedLines({
                               a + "temp=21.5" + at(0),
                               a + "temp=22.25" + at(1),
                               a + "temp=-3.5" + at(2),
                               a + "n=7i" + at(0),
                               a + "n=-9007199254740993i" + at(1),
                               a + "n=0i" + at(2),
                               a + "note=\"hi\"" + at(0),
                               a + "note=\"say \"x\"\"" + at(1),
                               a + "note=\"ünïcode ✓\"" + at(2),
                               a + "ok=true" + at(0),
                               a + "ok=false" + at(1),
                               a + "ok=true" + at(2),
                               b + "temp=1.5" + at(0),
                               b + "temp=2.5" + at(1),
                               b + "n=9223372036854775807i" + at(0),
                               b + "n=-9223372036854775808i" + at(1),
                           }));
  std::vector<std::string> stream;
  for (int i = 0; i < 5; ++i) {
    stream.push_back("stream,src=node v=" + std::to_string(i) + at(10 + 2 * i));
    stream.push_back("stream,src=node v=" + std::to_string(i) + ".5" + at(11 + 2 * i));
    stream.push_back("stream,src=node c=" + std::to_string(i) + "i" + at(10 + 2 * i));
    stream.push_back("stream,src=node c=" + std::to_string(-i) + "i" + at(11 + 2 * i));
  }
  EXPECT_EQ(Stored("stream"), SortedLines(stream));
  EXPECT_EQ(Stored("batch"), "batch v=1" + at(0) + "\n");

  grpc::ClientContext ctx;
  v1::ListMeasurementsRequest req;
  req.set_database("nodedb");
  v1::ListMeasurementsResponse resp;
  ASSERT_TRUE(stub_->ListMeasurements(&ctx, req, &resp).ok());
  EXPECT_EQ(std::vector<std::string>(resp.measurements().begin(), resp.measurements().end()),
            (std::vector<std::string>{"batch", "env", "live", "stream"}));
}

}  // namespace
}  // namespace lux
