// End to end: every lux.v1 RPC against the real luxd on free loopback
// ports, through the generated C++ stub; health and reflection through
// Debian's python3-grpcio.
#include <grpcpp/grpcpp.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"
#include "lux/v1/lux.grpc.pb.h"
#include "tests/luxd_process.h"

namespace lux {
namespace {

using testing::LuxdProcess;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = int64_t{1767225600} * kSec;

v1::SeriesPoints Series(std::string measurement,
                        std::vector<std::pair<std::string, std::string>> tags,
                        std::vector<int64_t> times, std::string field, std::vector<double> values) {
  v1::SeriesPoints sp;
  sp.set_measurement(std::move(measurement));
  for (auto& [k, v] : tags) {
    auto* t = sp.add_tags();
    t->set_key(k);
    t->set_value(v);
  }
  sp.mutable_timestamps_ns()->Add(times.begin(), times.end());
  auto* f = sp.add_fields();
  f->set_name(std::move(field));
  f->mutable_values()->mutable_doubles()->mutable_values()->Add(values.begin(), values.end());
  return sp;
}

class GrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    luxd_ = std::make_unique<LuxdProcess>(dir_.path(), luxd_args_);
    ASSERT_NE(luxd_->grpc_port(), 0) << "luxd did not start";
    stub_ = v1::Lux::NewStub(
        grpc::CreateChannel(luxd_->grpc_target(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    v1::CreateDatabaseRequest req;
    req.set_name("farm");
    v1::CreateDatabaseResponse resp;
    ASSERT_TRUE(stub_->CreateDatabase(&ctx, req, &resp).ok());
  }

  v1::WriteResponse Write(std::vector<v1::SeriesPoints> series, std::string batch_id = "",
                          grpc::Status* status = nullptr) {
    grpc::ClientContext ctx;
    v1::WriteRequest req;
    req.set_database("farm");
    req.set_batch_id(std::move(batch_id));
    for (auto& s : series) *req.add_series() = std::move(s);
    v1::WriteResponse resp;
    grpc::Status s = stub_->Write(&ctx, req, &resp);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return resp;
  }

  // All frames of a query, and its status.
  std::vector<v1::Frame> Query(const v1::QueryRequest& req, grpc::Status* status = nullptr,
                               v1::QueryMetadata* metadata = nullptr) {
    grpc::ClientContext ctx;
    auto reader = stub_->Query(&ctx, req);
    std::vector<v1::Frame> frames;
    v1::QueryResponse resp;
    while (reader->Read(&resp)) {
      for (auto& f : resp.frames()) frames.push_back(f);
      if (resp.has_metadata() && metadata != nullptr) *metadata = resp.metadata();
    }
    grpc::Status s = reader->Finish();
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return frames;
  }

  static v1::QueryRequest Raw(std::string measurement) {
    v1::QueryRequest q;
    q.mutable_selector()->set_database("farm");
    q.mutable_selector()->set_measurement(std::move(measurement));
    return q;
  }

  std::vector<std::string> luxd_args_;  // beyond the data directory
  testing::TempDir dir_;
  std::unique_ptr<LuxdProcess> luxd_;
  std::unique_ptr<v1::Lux::Stub> stub_;
};

TEST_F(GrpcTest, WriteStoresGoodPointsAndNamesEachBadOne) {
  // Series 0: good. Series 1: a column one value short. Series 2: a type
  // conflict with series 0's field at one point... of a new measurement
  // field type: integers into the float field `temp`.
  v1::SeriesPoints conflict;
  conflict.set_measurement("env");
  conflict.add_timestamps_ns(kT0 + 5 * kSec);
  auto* f = conflict.add_fields();
  f->set_name("temp");
  f->mutable_values()->mutable_int64s()->add_values(7);
  auto resp =
      Write({Series("env", {{"zone", "a"}}, {kT0, kT0 + kSec}, "temp", {20.5, 21}),
             Series("env", {{"zone", "b"}}, {kT0, kT0 + kSec}, "temp", {1}), std::move(conflict)});
  EXPECT_EQ(resp.points_written(), 2u);
  ASSERT_EQ(resp.errors_size(), 3);
  EXPECT_EQ(resp.errors(0).series_index(), 1u);
  EXPECT_EQ(resp.errors(0).point_index(), 0u);
  EXPECT_EQ(resp.errors(0).message(),
            "series[1].fields[0] (\"temp\") has 1 values for 2 timestamps");
  EXPECT_EQ(resp.errors(1).point_index(), 1u);
  EXPECT_EQ(resp.errors(2).series_index(), 2u);
  EXPECT_NE(resp.errors(2).message().find("field type conflict"), std::string::npos)
      << resp.errors(2).message();
  auto frames = Query(Raw("env"));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].tags(0).value(), "a");
  EXPECT_EQ(frames[0].type(), v1::FIELD_TYPE_FLOAT);
  EXPECT_EQ(
      std::vector<int64_t>(frames[0].timestamps_ns().begin(), frames[0].timestamps_ns().end()),
      (std::vector<int64_t>{kT0, kT0 + kSec}));
  EXPECT_EQ(frames[0].values().doubles().values(0), 20.5);

  // Refused points are kept for `luxctl rejected`, as line protocol.
  const auto kept = testing::HttpCall(luxd_->port(), "GET", "/debug/rejected");
  EXPECT_NE(kept.body.find("\"line\":\"env temp=7i 1767225605000000000\""), std::string::npos)
      << kept.body;

  // The same field twice in one series: that series' points are refused.
  v1::SeriesPoints twice = Series("env", {{"zone", "t"}}, {kT0}, "temp", {1});
  *twice.add_fields() = twice.fields(0);
  resp = Write({std::move(twice)});
  EXPECT_EQ(resp.points_written(), 0u);
  ASSERT_EQ(resp.errors_size(), 1);
  EXPECT_EQ(resp.errors(0).message(), "series[0].fields[1] repeats field \"temp\"");

  grpc::Status status;
  grpc::ClientContext ctx;
  v1::WriteRequest no_db;
  v1::WriteResponse r;
  status = stub_->Write(&ctx, no_db, &r);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "database is required");
}

TEST_F(GrpcTest, BatchIdsApplyARetryOnce) {
  auto first = Write({Series("env", {}, {kT0}, "temp", {1})}, "gw-1");
  EXPECT_FALSE(first.duplicate());
  Write({Series("env", {}, {kT0}, "temp", {2})});
  auto retry = Write({Series("env", {}, {kT0}, "temp", {1})}, "gw-1");
  EXPECT_TRUE(retry.duplicate());
  EXPECT_EQ(retry.points_written(), 1u);
  auto frames = Query(Raw("env"));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].values().doubles().values(0), 2) << "the retry did not overwrite";
}

TEST_F(GrpcTest, WriteStreamSumsItsRequests) {
  grpc::ClientContext ctx;
  v1::WriteSummary summary;
  auto stream = stub_->WriteStream(&ctx, &summary);
  for (int i = 0; i < 10; ++i) {
    v1::WriteRequest req;
    req.set_database("farm");
    *req.add_series() = Series("env", {{"zone", "a"}}, {kT0 + i * kSec}, "temp", {double(i)});
    if (i == 3) *req.add_series() = Series("env", {}, {kT0, kT0 + 1}, "temp", {1});  // short
    ASSERT_TRUE(stream->Write(req));
  }
  stream->WritesDone();
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_EQ(summary.requests(), 10u);
  EXPECT_EQ(summary.points_written(), 10u);
  EXPECT_EQ(summary.points_rejected(), 2u);
  ASSERT_EQ(summary.error_request_index_size(), 2);
  EXPECT_EQ(summary.error_request_index(0), 3u);
}

TEST_F(GrpcTest, QueriesAggregateGroupAndFill) {
  std::vector<int64_t> times;
  std::vector<double> a, b;
  for (int i = 0; i < 60; ++i) {
    if (i >= 20 && i < 30) continue;  // a gap: one empty 10 s window
    times.push_back(kT0 + i * kSec);
    a.push_back(i);
    b.push_back(100 + i);
  }
  Write({Series("env", {{"zone", "a"}}, times, "temp", a),
         Series("env", {{"zone", "b"}}, times, "temp", b)});
  v1::QueryRequest q = Raw("env");
  q.set_start_ns(kT0);
  q.set_end_ns(kT0 + 60 * kSec);
  q.set_aggregate(v1::AGGREGATE_MEAN);
  q.set_interval_ns(10 * kSec);
  q.add_group_by_tags("zone");
  q.set_fill(v1::FILL_NULL);
  v1::QueryMetadata md;
  auto frames = Query(q, nullptr, &md);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].tags(0).value(), "a");
  ASSERT_EQ(frames[0].timestamps_ns_size(), 6);
  EXPECT_EQ(frames[0].values().doubles().values(0), 4.5);
  ASSERT_EQ(frames[0].valid_size(), 6);
  EXPECT_FALSE(frames[0].valid(2)) << "the empty window is null";
  EXPECT_EQ(frames[1].values().doubles().values(5), 154.5);
  EXPECT_EQ(md.frames(), 2u);
  EXPECT_EQ(md.resolution(), "raw");
  EXPECT_EQ(md.series_matched(), 2u);
  EXPECT_EQ(md.points_scanned(), 2u * times.size()) << "unsealed: every point read from the head";
  EXPECT_EQ(md.blocks_decoded() + md.blocks_from_headers(), 0u);

  // A tag predicate and a percentile.
  q.clear_group_by_tags();
  q.set_fill(v1::FILL_NONE);
  q.set_interval_ns(0);
  q.set_aggregate(v1::AGGREGATE_COUNT);
  auto* pred = q.mutable_selector()->add_tags();
  pred->set_key("zone");
  pred->set_op(v1::TagPredicate::OP_IN);
  pred->add_values("b");
  frames = Query(q);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].values().int64s().values(0), 50);

  // Clear errors.
  grpc::Status status;
  v1::QueryRequest bad = Raw("");
  Query(bad, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "selector.measurement is required");
  bad = Raw("env");
  bad.mutable_selector()->set_database("nope");
  Query(bad, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  bad = Raw("env");
  bad.mutable_selector()->add_tags()->set_key("zone");  // no value
  Query(bad, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "selector.tags[0] needs exactly one value, got 0");
}

TEST_F(GrpcTest, LastSchemaDeleteAndStats) {
  Write({Series("env", {{"zone", "a"}}, {kT0, kT0 + kSec}, "temp", {1, 2}),
         Series("env", {{"zone", "b"}}, {kT0}, "hum", {50})});
  {
    grpc::ClientContext ctx;
    v1::LastRequest req;
    req.mutable_selector()->set_database("farm");
    req.mutable_selector()->set_measurement("env");
    req.mutable_selector()->add_fields("temp");
    v1::LastResponse resp;
    ASSERT_TRUE(stub_->Last(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.points_size(), 1);
    EXPECT_EQ(resp.points(0).timestamp_ns(), kT0 + kSec);
    EXPECT_EQ(resp.points(0).value().doubles().values(0), 2);
  }
  {
    grpc::ClientContext ctx;
    v1::ListMeasurementsRequest req;
    req.set_database("farm");
    v1::ListMeasurementsResponse resp;
    ASSERT_TRUE(stub_->ListMeasurements(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.measurements_size(), 1);
    EXPECT_EQ(resp.measurements(0), "env");
  }
  {
    grpc::ClientContext ctx;
    v1::TagValuesRequest req;
    req.mutable_selector()->set_database("farm");
    req.mutable_selector()->set_measurement("env");
    req.set_key("zone");
    v1::TagValuesResponse resp;
    ASSERT_TRUE(stub_->TagValues(&ctx, req, &resp).ok());
    EXPECT_EQ(std::vector<std::string>(resp.values().begin(), resp.values().end()),
              (std::vector<std::string>{"a", "b"}));
  }
  {
    grpc::ClientContext ctx;
    v1::TagKeysRequest req;
    req.mutable_selector()->set_database("farm");
    req.mutable_selector()->set_measurement("env");
    v1::TagKeysResponse resp;
    ASSERT_TRUE(stub_->TagKeys(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.keys_size(), 1);
    EXPECT_EQ(resp.keys(0), "zone");
  }
  {
    grpc::ClientContext ctx;
    v1::FieldKeysRequest req;
    req.set_database("farm");
    req.set_measurement("env");
    v1::FieldKeysResponse resp;
    ASSERT_TRUE(stub_->FieldKeys(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.fields_size(), 2);
    EXPECT_EQ(resp.fields(0).type(), v1::FIELD_TYPE_FLOAT);
    grpc::ClientContext ctx2;
    req.clear_measurement();
    grpc::Status s = stub_->FieldKeys(&ctx2, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message(), "measurement is required");
    grpc::ClientContext ctx3;
    v1::ListMeasurementsResponse m;
    s = stub_->ListMeasurements(&ctx3, v1::ListMeasurementsRequest(), &m);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message(), "database is required");
  }
  {
    grpc::ClientContext ctx;
    v1::SeriesRequest req;
    req.mutable_selector()->set_database("farm");
    req.mutable_selector()->set_measurement("env");
    v1::SeriesResponse resp;
    ASSERT_TRUE(stub_->Series(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.series_size(), 2);
  }
  {
    grpc::ClientContext ctx;
    v1::DeleteRangeRequest req;
    req.mutable_selector()->set_database("farm");
    req.mutable_selector()->set_measurement("env");
    req.set_start_ns(kT0);
    req.set_end_ns(kT0 + 1);
    v1::DeleteRangeResponse resp;
    ASSERT_TRUE(stub_->DeleteRange(&ctx, req, &resp).ok());
    auto frames = Query(Raw("env"));
    ASSERT_EQ(frames.size(), 1u) << "zone b's only point is gone";
    EXPECT_EQ(frames[0].timestamps_ns_size(), 1);
  }
  {
    grpc::ClientContext ctx;
    v1::StatsResponse resp;
    ASSERT_TRUE(stub_->Stats(&ctx, v1::StatsRequest(), &resp).ok());
    EXPECT_EQ(resp.values().at("series"), 2);
  }
}

TEST_F(GrpcTest, DatabasesAndRetentionPolicies) {
  auto call = [&](auto method, const auto& req, auto* resp) {
    grpc::ClientContext ctx;
    return (stub_.get()->*method)(&ctx, req, resp);
  };
  v1::ListDatabasesResponse dbs;
  ASSERT_TRUE(call(&v1::Lux::Stub::ListDatabases, v1::ListDatabasesRequest(), &dbs).ok());
  ASSERT_EQ(dbs.databases_size(), 1);
  v1::CreateRetentionPolicyRequest create;
  create.set_database("farm");
  create.mutable_policy()->set_name("week");
  create.mutable_policy()->set_duration_ns(7 * 86400 * kSec);
  create.mutable_policy()->set_is_default(true);
  v1::CreateRetentionPolicyResponse created;
  ASSERT_TRUE(call(&v1::Lux::Stub::CreateRetentionPolicy, create, &created).ok());
  v1::AlterRetentionPolicyRequest alter;
  alter.set_database("farm");
  *alter.mutable_policy() = create.policy();
  alter.mutable_policy()->set_duration_ns(30 * 86400 * kSec);
  v1::AlterRetentionPolicyResponse altered;
  ASSERT_TRUE(call(&v1::Lux::Stub::AlterRetentionPolicy, alter, &altered).ok());
  v1::ListRetentionPoliciesRequest list;
  list.set_database("farm");
  v1::ListRetentionPoliciesResponse rps;
  ASSERT_TRUE(call(&v1::Lux::Stub::ListRetentionPolicies, list, &rps).ok());
  ASSERT_EQ(rps.policies_size(), 2);
  EXPECT_EQ(rps.policies(1).name(), "week");
  EXPECT_EQ(rps.policies(1).duration_ns(), 30 * 86400 * kSec);
  EXPECT_TRUE(rps.policies(1).is_default());
  v1::DropRetentionPolicyRequest drop;
  drop.set_database("farm");
  drop.set_name("week");
  v1::DropRetentionPolicyResponse dropped;
  ASSERT_TRUE(call(&v1::Lux::Stub::DropRetentionPolicy, drop, &dropped).ok());
  v1::DropDatabaseRequest dropdb;
  dropdb.set_name("farm");
  v1::DropDatabaseResponse dropped_db;
  ASSERT_TRUE(call(&v1::Lux::Stub::DropDatabase, dropdb, &dropped_db).ok());
  list.set_database("farm");
  grpc::Status s = call(&v1::Lux::Stub::ListRetentionPolicies, list, &rps);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
}

TEST_F(GrpcTest, AnExpiredDeadlineIsDeadlineExceeded) {
  std::vector<int64_t> times(5000);
  std::vector<double> values(5000);
  for (int i = 0; i < 5000; ++i) times[i] = kT0 + i * kSec, values[i] = i;
  Write({Series("env", {}, times, "temp", values)});
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() - std::chrono::seconds(1));
  auto reader = stub_->Query(&ctx, Raw("env"));
  v1::QueryResponse resp;
  while (reader->Read(&resp)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(GrpcTest, HealthAndReflectionAnswerDebiansPythonGrpc) {
  const std::string cmd = std::string("/usr/bin/python3 ") + LUX_SOURCE_DIR +
                          "/tests/python/grpc_health_reflection.py " + luxd_->grpc_target();
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 256> buf;
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
  ASSERT_EQ(pclose(p), 0) << "python3-grpcio client failed: " << out;
  EXPECT_NE(out.find("health \"\" SERVING"), std::string::npos) << out;
  EXPECT_NE(out.find("health lux.v1.Lux SERVING"), std::string::npos) << out;
  EXPECT_NE(out.find("service lux.v1.Lux"), std::string::npos) << out;
  EXPECT_NE(out.find("service grpc.health.v1.Health"), std::string::npos) << out;
}

// A Subscribe stream read on its own thread: the points it got, as
// "tags|field=value@ts" strings, in arrival order.
class Subscription {
 public:
  Subscription(v1::Lux::Stub* stub, v1::SubscribeRequest req, bool read = true) {
    reader_ = stub->Subscribe(&ctx_, req);
    if (read) {
      thread_ = std::thread([this] {
        v1::SubscribeResponse resp;
        while (reader_->Read(&resp)) {
          absl::MutexLock l(&mu_);
          for (const auto& sp : resp.points()) {
            std::string tags;
            for (const auto& t : sp.tags()) tags += t.key() + "=" + t.value() + ",";
            for (int i = 0; i < sp.timestamps_ns_size(); ++i) {
              for (const auto& f : sp.fields()) {
                points_.push_back(tags + "|" + f.name() + "=" +
                                  std::to_string(f.values().doubles().values(i)) + "@" +
                                  std::to_string(sp.timestamps_ns(i) - kT0));
              }
            }
          }
        }
        absl::MutexLock l(&mu_);
        status_ = reader_->Finish();
        ended_ = true;
      });
    }
  }
  ~Subscription() {
    ctx_.TryCancel();
    if (thread_.joinable()) thread_.join();
  }
  grpc::ClientReader<v1::SubscribeResponse>* Raw() { return reader_.get(); }
  // Waits until `n` points arrived (or the stream ended, or the timeout).
  std::vector<std::string> WaitFor(size_t n, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock l(&mu_);
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](std::pair<Subscription*, size_t>* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
              return a->first->points_.size() >= a->second || a->first->ended_;
            },
            new_arg(n)),
        timeout);
    return points_;
  }
  grpc::Status WaitEnd() {
    absl::MutexLock l(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&ended_), absl::Seconds(10));
    return status_;
  }

 private:
  std::pair<Subscription*, size_t>* new_arg(size_t n) {
    arg_ = {this, n};
    return &arg_;
  }
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<std::string> points_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::pair<Subscription*, size_t> arg_;
};

v1::SubscribeRequest Sub(std::string measurement, int64_t resume_from = 0) {
  v1::SubscribeRequest r;
  r.mutable_selector()->set_database("farm");
  r.mutable_selector()->set_measurement(std::move(measurement));
  r.set_resume_from_ns(resume_from);
  return r;
}

TEST_F(GrpcTest, SubscribeDeliversMatchingLivePoints) {
  v1::SubscribeRequest req = Sub("env");
  auto* pred = req.mutable_selector()->add_tags();
  pred->set_key("zone");
  pred->add_values("a");
  req.mutable_selector()->add_fields("temp");
  Subscription sub(stub_.get(), req);
  // The stream is registered once a probe write comes through.
  for (int i = 0; i < 200; ++i) {
    Write({Series("env", {{"zone", "a"}}, {kT0 - 1000 + i}, "temp", {-1})});
    if (!sub.WaitFor(1, absl::Milliseconds(50)).empty()) break;
  }
  const size_t probes = sub.WaitFor(1).size();
  ASSERT_GE(probes, 1u);
  v1::SeriesPoints two_fields = Series("env", {{"zone", "a"}}, {kT0 + 1}, "temp", {2});
  auto* hum = two_fields.add_fields();
  hum->set_name("hum");
  hum->mutable_values()->mutable_doubles()->add_values(50);
  Write({Series("env", {{"zone", "a"}}, {kT0}, "temp", {1}),
         Series("env", {{"zone", "b"}}, {kT0}, "temp", {9}),    // other zone
         Series("other", {{"zone", "a"}}, {kT0}, "temp", {9}),  // other measurement
         std::move(two_fields)});
  auto got = sub.WaitFor(probes + 2);
  ASSERT_EQ(got.size(), probes + 2);
  EXPECT_EQ(got[probes], "zone=a,|temp=1.000000@0");
  EXPECT_EQ(got[probes + 1], "zone=a,|temp=2.000000@1") << "only the selected field";
}

TEST_F(GrpcTest, SubscribeResumesWithStoredPointsThenLiveWithoutGapOrDuplicate) {
  std::vector<int64_t> times;
  std::vector<double> values;
  for (int i = 0; i < 10; ++i) times.push_back(kT0 + i), values.push_back(i);
  Write({Series("env", {}, times, "temp", values)});
  // Writes keep coming while the subscription replays.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 10; i < 400 && !stop; ++i) {
      Write({Series("env", {}, {kT0 + i}, "temp", {double(i)})});
    }
  });
  Subscription sub(stub_.get(), Sub("env", kT0 + 5));
  writer.join();
  auto got = sub.WaitFor(395);
  ASSERT_EQ(got.size(), 395u) << "points 5..399 once each";
  for (int i = 5; i < 400; ++i) {
    EXPECT_EQ(got[i - 5], "|temp=" + std::to_string(double(i)) + "@" + std::to_string(i));
  }
}

// luxd with its subscription hub delivering each write 5 ms late: a
// resumed subscription's replay reads writes whose live copies reach it
// after the replay has ended.
class GrpcLateHubTest : public GrpcTest {
 protected:
  GrpcLateHubTest() {
    const std::string config = config_dir_.path() + "/luxd.toml";
    std::ofstream(config) << "testing_subscription_dispatch_delay_ms = 5\n";
    luxd_args_ = {"--config", config};
  }
  testing::TempDir config_dir_;
};

TEST_F(GrpcLateHubTest, LiveCopiesOfReplayedWritesAreNotSentTwice) {
  // Sensor a's stored points keep the replay busy while b's are written;
  // the replay then reads b's, whose live copies are still on their way.
  constexpr int kStored = 100'000;
  std::vector<int64_t> times;
  std::vector<double> values;
  for (int i = 0; i < kStored; ++i) times.push_back(kT0 + i), values.push_back(i);
  Write({Series("env", {{"sensor", "a"}}, times, "temp", values)});
  times.resize(10), values.resize(10);
  Write({Series("env", {{"sensor", "b"}}, times, "temp", values)});
  std::atomic<int> written{10};
  std::thread writer([&] {
    for (int i = 10; i < 200; ++i) {
      Write({Series("env", {{"sensor", "b"}}, {kT0 + i}, "temp", {double(i)})});
      written = i + 1;
      absl::SleepFor(absl::Milliseconds(2));  // faster than the hub delivers
    }
  });
  while (written < 30) absl::SleepFor(absl::Milliseconds(1));
  Subscription sub(stub_.get(), Sub("env", kT0 + 5));
  writer.join();
  // A new value for a time the replay covers, then a marker after it in log
  // order. Whether the replay read b before the overwrite (then it comes
  // live, after b's points) or after it (then the replay holds it in place
  // of the old value) depends on timing; either way every point comes once.
  Write({Series("env", {{"sensor", "b"}}, {kT0 + 7}, "temp", {1000})});
  Write({Series("env", {{"sensor", "b"}}, {kT0 + 10'000}, "temp", {-1})});
  const std::string marker = "|temp=-1.000000@10000";
  const size_t at_least = (kStored - 5) + 195 + 1;  // a's, b's 5..199, the marker
  auto got = sub.WaitFor(at_least, absl::Seconds(60));
  ASSERT_GE(got.size(), at_least);
  if (got.back() != "sensor=b," + marker) got = sub.WaitFor(at_least + 1, absl::Seconds(60));
  ASSERT_EQ(got.back(), "sensor=b," + marker) << "the marker comes last";
  std::vector<std::string> b;
  for (const std::string& p : got) {
    if (p.starts_with("sensor=b,|")) b.push_back(p.substr(9));
  }
  const bool overwrite_replayed = b.size() == 196;
  std::vector<std::string> want;
  for (int i = 5; i < 200; ++i) {
    const double v = i == 7 && overwrite_replayed ? 1000 : double(i);
    want.push_back("|temp=" + std::to_string(v) + "@" + std::to_string(i));
  }
  if (!overwrite_replayed) want.push_back("|temp=1000.000000@7");  // live, once
  want.push_back(marker);
  EXPECT_EQ(b, want) << "b's points once each, in order";
  EXPECT_EQ(got.size() - b.size(), size_t(kStored - 5)) << "a's replayed points once each";
}

// Creates database "farm".
void CreateFarm(v1::Lux::Stub* stub) {
  grpc::ClientContext ctx;
  v1::CreateDatabaseRequest req;
  req.set_name("farm");
  v1::CreateDatabaseResponse resp;
  ASSERT_TRUE(stub->CreateDatabase(&ctx, req, &resp).ok());
}

// Writes `batches` requests of 5,000 points of env.temp into "farm"; each
// must be stored whole (ingest is never held by a subscriber).
void WriteEnvBatches(v1::Lux::Stub* stub, int batches) {
  std::vector<int64_t> times(5000);
  std::vector<double> values(5000, 1.0);
  for (int b = 0; b < batches; ++b) {
    for (int i = 0; i < 5000; ++i) times[i] = kT0 + int64_t(b) * 5000 + i;
    grpc::ClientContext ctx;
    v1::WriteRequest req;
    req.set_database("farm");
    *req.add_series() = Series("env", {}, times, "temp", values);
    v1::WriteResponse resp;
    ASSERT_TRUE(stub->Write(&ctx, req, &resp).ok()) << "ingest is never held by a subscriber";
    ASSERT_EQ(resp.points_written(), 5000u);
  }
}

TEST(GrpcSlowSubscriberTest, ASlowSubscriberIsDroppedAndIngestGoesOn) {
  testing::TempDir dir;
  const std::string config = dir.path() + "/luxd.toml";
  std::ofstream(config) << "max_subscriber_queue_points = 1000\n";
  LuxdProcess luxd(dir.path() + "/data", {"--config", config});
  auto stub =
      v1::Lux::NewStub(grpc::CreateChannel(luxd.grpc_target(), grpc::InsecureChannelCredentials()));
  ASSERT_NO_FATAL_FAILURE(CreateFarm(stub.get()));
  // A subscriber that never reads: its queue fills past the bound.
  Subscription slow(stub.get(), Sub("env"), /*read=*/false);
  absl::SleepFor(absl::Milliseconds(200));
  ASSERT_NO_FATAL_FAILURE(WriteEnvBatches(stub.get(), 40));
  auto* reader = slow.Raw();
  v1::SubscribeResponse r;
  while (reader->Read(&r)) {
  }
  const grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_NE(s.error_message().find("subscriber too slow"), std::string::npos) << s.error_message();
}

// A subscriber that stops reading for good: once it has failed and its
// write has waited stuck_subscriber_grace_s, luxd cancels the call, so
// the subscription (and its memory) does not stay forever.
TEST(GrpcSlowSubscriberTest, AStuckSubscriberIsCancelledAfterTheGrace) {
  testing::TempDir dir;
  const std::string config = dir.path() + "/luxd.toml";
  // A queue bound above one write's 5,000 points: the first write goes out
  // and stays stuck (the reader's flow-control window fills), the next
  // ones queue until the bound fails the subscription.
  std::ofstream(config) << "max_subscriber_queue_points = 20000\nstuck_subscriber_grace_s = 1\n";
  LuxdProcess luxd(dir.path() + "/data", {"--config", config});
  auto stub =
      v1::Lux::NewStub(grpc::CreateChannel(luxd.grpc_target(), grpc::InsecureChannelCredentials()));
  ASSERT_NO_FATAL_FAILURE(CreateFarm(stub.get()));
  auto subscriptions = [&] {
    grpc::ClientContext ctx;
    v1::StatsResponse resp;
    EXPECT_TRUE(stub->Stats(&ctx, v1::StatsRequest(), &resp).ok());
    return resp.values().at("subscriptions");
  };
  // The subscriber's own channel keeps its flow-control window small (no
  // BDP growth), so luxd's first write cannot complete while it does not read.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
  auto sub_stub = v1::Lux::NewStub(
      grpc::CreateCustomChannel(luxd.grpc_target(), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext sub_ctx;
  auto reader = sub_stub->Subscribe(&sub_ctx, Sub("env"));
  for (int i = 0; i < 100 && subscriptions() < 1; ++i) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(subscriptions(), 1);
  ASSERT_NO_FATAL_FAILURE(WriteEnvBatches(stub.get(), 40));
  // Still not reading: only the server can end it.
  for (int i = 0; i < 200 && subscriptions() > 0; ++i) absl::SleepFor(absl::Milliseconds(50));
  const bool cancelled = subscriptions() == 0;
  EXPECT_TRUE(cancelled) << "the stuck subscription was not cancelled";
  if (!cancelled) sub_ctx.TryCancel();  // not to hang below
  v1::SubscribeResponse r;
  while (reader->Read(&r)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

// Counts the points of one Subscribe stream (callback API: no thread each).
class CountingSubscriber final : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  CountingSubscriber(v1::Lux::Stub* stub, v1::SubscribeRequest req) : req_(std::move(req)) {
    stub->async()->Subscribe(&ctx_, &req_, this);
    StartRead(&resp_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    for (const auto& sp : resp_.points()) {
      // Probe points (field "p") only tell that the stream is registered.
      (sp.fields(0).name() == "p" ? probes : points) += sp.timestamps_ns_size();
    }
    StartRead(&resp_);
  }
  void OnDone(const grpc::Status& s) override {
    absl::MutexLock l(&mu_);
    status_ = s;
    done_ = true;
  }
  void Cancel() { ctx_.TryCancel(); }
  void AwaitDone() {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(&done_));
  }
  std::atomic<int64_t> points{0};
  std::atomic<int64_t> probes{0};

 private:
  v1::SubscribeRequest req_;
  grpc::ClientContext ctx_;
  v1::SubscribeResponse resp_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

// Thousands of concurrent subscriptions each receive every point they match.
TEST_F(GrpcTest, SubscribeFanOutToThousandsOfStreams) {
  constexpr int kSubs = 2000;
  std::vector<std::unique_ptr<v1::Lux::Stub>> stubs;
  for (int c = 0; c < 4; ++c) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection each
    stubs.push_back(v1::Lux::NewStub(
        grpc::CreateCustomChannel(luxd_->grpc_target(), grpc::InsecureChannelCredentials(), args)));
  }
  std::vector<std::unique_ptr<CountingSubscriber>> subs;
  for (int i = 0; i < kSubs; ++i) {
    v1::SubscribeRequest req = Sub("fan");
    if (i % 2 == 1) {  // odd ones: zone a only
      auto* p = req.mutable_selector()->add_tags();
      p->set_key("zone");
      p->add_values("a");
    }
    subs.push_back(std::make_unique<CountingSubscriber>(stubs[i % stubs.size()].get(), req));
  }
  // Probe until every stream is registered (each sees a zone-a probe).
  auto registered = [&] {
    return std::all_of(subs.begin(), subs.end(), [&](auto& s) { return s->probes >= 1; });
  };
  for (int i = 0; i < 1200 && !registered(); ++i) {
    Write({Series("fan", {{"zone", "a"}}, {kT0 - 100000 + i}, "p", {0})});
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(registered()) << "not every subscription registered";
  for (int b = 0; b < 5; ++b) {
    std::vector<int64_t> times;
    std::vector<double> values;
    for (int i = 0; i < 10; ++i) times.push_back(kT0 + b * 10 + i), values.push_back(i);
    Write({Series("fan", {{"zone", "a"}}, times, "v", values),
           Series("fan", {{"zone", "b"}}, times, "v", values)});
  }
  auto delivered = [&] {
    for (int i = 0; i < kSubs; ++i) {
      if (subs[i]->points < (i % 2 == 1 ? 50 : 100)) return false;
    }
    return true;
  };
  for (int i = 0; i < 1200 && !delivered(); ++i) absl::SleepFor(absl::Milliseconds(50));
  absl::SleepFor(absl::Milliseconds(200));  // a repeat would land by now
  int wrong = 0;
  for (int i = 0; i < kSubs; ++i) wrong += subs[i]->points != (i % 2 == 1 ? 50 : 100);
  EXPECT_EQ(wrong, 0) << "subscriptions that missed or repeated points";
  for (auto& s : subs) s->Cancel();
  for (auto& s : subs) s->AwaitDone();
}

}  // namespace
}  // namespace lux
