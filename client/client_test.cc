// lux::Client and its Writer against the real luxd over loopback gRPC,
// including a luxd killed (SIGKILL) and restarted while the writer streams.
#include "lux/client.h"

#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"
#include "tests/luxd_process.h"

namespace lux {
namespace {

using testing::LuxdProcess;
using testing::MakePoint;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = int64_t{1767225600} * kSec;

QuerySpec Count(const std::string& db, const std::string& measurement) {
  QuerySpec q;
  q.selector.database = db;
  q.selector.measurement = measurement;
  q.aggregate = Aggregate::kCount;
  return q;
}

int64_t CountOf(Client* c, const std::string& measurement) {
  auto frames = c->Query(Count("farm", measurement));
  EXPECT_TRUE(frames.ok()) << frames.status();
  if (!frames.ok() || frames->empty()) return 0;
  return std::get<int64_t>((*frames)[0].values[0]);
}

TEST(ClientTest, EveryCallRoundTrips) {
  testing::TempDir dir;
  LuxdProcess luxd(dir.path());
  ASSERT_NE(luxd.grpc_port(), 0);
  auto client = Client::Connect(luxd.grpc_target());
  ASSERT_TRUE(client.ok());
  Client& c = **client;
  ASSERT_TRUE(c.CreateDatabase("farm").ok());
  auto dbs = c.ListDatabases();
  ASSERT_TRUE(dbs.ok());
  EXPECT_EQ(*dbs, (std::vector<std::string>{"farm"}));

  WriteBatch b;
  b.database = "farm";
  for (int i = 0; i < 10; ++i) {
    b.points.push_back(
        MakePoint("env", {{"zone", i % 2 ? "a" : "b"}}, "temp", 20.0 + i, kT0 + i * kSec));
  }
  b.points.push_back(MakePoint("env", {{"zone", "a"}}, "temp", int64_t{1}, kT0));  // conflict
  auto w = c.Write(b);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->points_written, 10u);
  ASSERT_EQ(w->rejected.size(), 1u);
  EXPECT_EQ(w->rejected[0].index, 10u) << "mapped back to the batch's own index";
  EXPECT_NE(w->rejected[0].status.message().find("field type conflict"), std::string::npos);

  QuerySpec q;
  q.selector.database = "farm";
  q.selector.measurement = "env";
  q.selector.tags = {TagFilter{"zone", TagFilter::Op::kEqual, {"a"}}};
  QueryMetadata md;
  auto frames = c.Query(q, &md);
  ASSERT_TRUE(frames.ok()) << frames.status();
  ASSERT_EQ(frames->size(), 1u);
  EXPECT_EQ((*frames)[0].times.size(), 5u);
  EXPECT_EQ(std::get<double>((*frames)[0].values[0]), 21.0);
  EXPECT_EQ(md.points, 5u);
  EXPECT_EQ(md.read.series_matched, 1u);
  EXPECT_GE(md.read.points_scanned, 5u);

  auto last = c.Last(q.selector);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].timestamp_ns, kT0 + 9 * kSec);

  auto m = c.ListMeasurements("farm");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (std::vector<std::string>{"env"}));
  auto keys = c.TagKeys(Selector{"farm", "", "env", {}, {}});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, (std::vector<std::string>{"zone"}));
  auto values = c.TagValues(Selector{"farm", "", "env", {}, {}}, "zone");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<std::string>{"a", "b"}));
  auto fields = c.FieldKeys("farm", "env");
  ASSERT_TRUE(fields.ok());
  ASSERT_EQ(fields->size(), 1u);
  EXPECT_EQ((*fields)[0].second, FieldType::kFloat);
  auto series = c.Series(Selector{"farm", "", "env", {}, {}});
  ASSERT_TRUE(series.ok());
  EXPECT_EQ(series->size(), 2u);

  ASSERT_TRUE(
      c.CreateRetentionPolicy("farm", RetentionPolicy{"week", 7 * 86400 * kSec, 0, false}).ok());
  ASSERT_TRUE(
      c.AlterRetentionPolicy("farm", RetentionPolicy{"week", 8 * 86400 * kSec, 0, false}).ok());
  auto rps = c.ListRetentionPolicies("farm");
  ASSERT_TRUE(rps.ok());
  ASSERT_EQ(rps->size(), 2u);
  EXPECT_EQ((*rps)[1].duration_ns, 8 * 86400 * kSec);
  ASSERT_TRUE(c.DropRetentionPolicy("farm", "week").ok());

  ASSERT_TRUE(c.DeleteRange(Selector{"farm", "", "env", {}, {}}, kT0, kT0 + 5 * kSec).ok());
  EXPECT_EQ(CountOf(&c, "env"), 5);
  auto stats = c.Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->at("series"), 2);

  // Errors come back with their codes and texts.
  q.selector.measurement = "";
  EXPECT_EQ(c.Query(q).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.Query(q).status().message(), "selector.measurement is required");
  EXPECT_EQ(c.ListRetentionPolicies("nope").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(c.DropDatabase("farm").ok());
}

TEST(ClientTest, WriterBatchesBySizeAndTime) {
  testing::TempDir dir;
  LuxdProcess luxd(dir.path());
  auto client = Client::Connect(luxd.grpc_target());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->CreateDatabase("farm").ok());
  std::atomic<int> rejected{0};
  WriterOptions o;
  o.database = "farm";
  o.batch_points = 1000;
  o.flush_interval = absl::Milliseconds(50);
  o.on_error = [&](const Point* p, const absl::Status& why) {
    EXPECT_NE(p, nullptr) << why;
    ++rejected;
  };
  auto writer = (*client)->NewWriter(o);
  for (int i = 0; i < 20'500; ++i) {
    ASSERT_TRUE(
        writer->Add(MakePoint("m", {{"s", std::to_string(i % 50)}}, "v", double(i), kT0 + i * kSec))
            .ok());
  }
  ASSERT_TRUE(writer->Add(MakePoint("m", {{"s", "0"}}, "v", std::string("x"), kT0)).ok());
  // The last, partial batch goes by time, without a Flush.
  for (int i = 0; i < 100 && writer->counters().points_sent < 20'501; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  Writer::Counters c = writer->counters();
  EXPECT_EQ(c.points_sent, 20'501u);
  EXPECT_EQ(c.batches_sent, 21u);
  EXPECT_EQ(c.points_rejected, 1u);
  EXPECT_EQ(rejected, 1);
  ASSERT_TRUE(writer->Flush().ok());
  EXPECT_EQ(CountOf(client->get(), "m"), 20'500);
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(writer->Add(MakePoint("m", {}, "v", 1.0, kT0)).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ClientTest, WriterBackpressureWhenTheServerIsDown) {
  // Nothing listens there: batches retry, the buffer fills, Add refuses.
  auto client = Client::Connect("127.0.0.1:" + std::to_string(testing::FreePort()));
  ASSERT_TRUE(client.ok());
  WriterOptions o;
  o.database = "farm";
  o.batch_points = 10;
  o.max_buffered_points = 50;
  o.block_when_full = false;
  o.max_retries = 2;
  o.initial_backoff = absl::Milliseconds(10);
  auto writer = (*client)->NewWriter(o);
  absl::Status s;
  for (int i = 0; i < 1000 && s.ok(); ++i) s = writer->Add(MakePoint("m", {}, "v", 1.0, kT0 + i));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  const absl::Status flushed = writer->Flush();
  EXPECT_EQ(flushed.code(), absl::StatusCode::kUnavailable) << flushed;
  Writer::Counters c = writer->counters();
  EXPECT_EQ(c.points_failed, 50u);
  EXPECT_GE(c.retries, 10u);
}

// The writer streams while luxd is killed with SIGKILL and restarted on the
// same port: after Flush, every point the writer was given is stored once,
// with its value (batch ids make the retries of an applied batch no-ops).
TEST(ClientTest, WriterSurvivesLuxdKilledAndRestarted) {
  testing::TempDir dir;
  const std::string addr = "127.0.0.1:" + std::to_string(testing::FreePort());
  auto luxd =
      std::make_unique<LuxdProcess>(dir.path(), std::vector<std::string>{"--grpc-addr", addr});
  ASSERT_NE(luxd->grpc_port(), 0);
  auto client = Client::Connect(addr);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->CreateDatabase("farm").ok());
  WriterOptions o;
  o.database = "farm";
  o.batch_points = 500;
  o.flush_interval = absl::Milliseconds(20);
  o.max_retries = 100;
  o.initial_backoff = absl::Milliseconds(20);
  o.max_backoff = absl::Milliseconds(200);
  auto writer = (*client)->NewWriter(o);
  constexpr int kPoints = 60'000;
  std::atomic<int> added{0};
  std::thread producer([&] {
    for (int i = 0; i < kPoints; ++i) {
      ASSERT_TRUE(writer
                      ->Add(MakePoint("m", {{"s", std::to_string(i % 100)}}, "v", double(i),
                                      kT0 + int64_t(i) * kSec))
                      .ok());
      ++added;
      if (i % 1000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (int round = 0; round < 3; ++round) {
    while (added < (round + 1) * kPoints / 4)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(luxd->Signal(SIGKILL), 128 + SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    luxd = std::make_unique<LuxdProcess>(dir.path(), std::vector<std::string>{"--grpc-addr", addr});
    ASSERT_NE(luxd->grpc_port(), 0) << "restart " << round;
  }
  producer.join();
  const absl::Status flushed = writer->Flush();
  ASSERT_TRUE(flushed.ok()) << flushed;
  const Writer::Counters c = writer->counters();
  EXPECT_EQ(c.points_sent, uint64_t(kPoints));
  EXPECT_EQ(c.points_failed, 0u);
  EXPECT_GT(c.retries, 0u) << "the kills did not interrupt the stream";
  // Every point once, with its value: count and sum.
  EXPECT_EQ(CountOf(client->get(), "m"), kPoints);
  QuerySpec sum = Count("farm", "m");
  sum.aggregate = Aggregate::kSum;
  auto frames = (*client)->Query(sum);
  ASSERT_TRUE(frames.ok()) << frames.status();
  ASSERT_EQ(frames->size(), 1u);
  EXPECT_EQ(std::get<double>((*frames)[0].values[0]), double(kPoints) * (kPoints - 1) / 2);
}

// A subscription streams while luxd is killed (SIGKILL) and restarted: it
// reconnects, resumes from the last timestamp it saw, and ends up with
// every point once, in order.
// The seconds after kT0 of the points a subscription receives.
struct SeenSeconds {
  std::unique_ptr<Subscription> Subscribe(Client* client, const SubscribeOptions& so) {
    return client->Subscribe(Selector{"farm", "", "m", {}, {}}, so, [this](std::vector<Point> pts) {
      absl::MutexLock l(&mu);
      for (const Point& p : pts) seen.push_back((p.timestamp_ns - kT0) / kSec);
    });
  }
  // What arrived once `last` has (or after 20 s).
  std::vector<int64_t> WaitFor(int64_t want_last) {
    absl::MutexLock l(&mu);
    last = want_last;
    mu.AwaitWithTimeout(absl::Condition(
                            +[](SeenSeconds* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mu) {
                              return !s->seen.empty() && s->seen.back() == s->last;
                            },
                            this),
                        absl::Seconds(20));
    return seen;
  }
  absl::Mutex mu;
  std::vector<int64_t> seen ABSL_GUARDED_BY(mu);
  int64_t last ABSL_GUARDED_BY(mu) = 0;
};

TEST(ClientTest, SubscriptionResumesAcrossARestartWithoutGapOrDuplicate) {
  testing::TempDir dir;
  const std::string addr = "127.0.0.1:" + std::to_string(testing::FreePort());
  auto luxd =
      std::make_unique<LuxdProcess>(dir.path(), std::vector<std::string>{"--grpc-addr", addr});
  auto client = Client::Connect(addr);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->CreateDatabase("farm").ok());
  SeenSeconds got;
  SubscribeOptions so;
  so.initial_backoff = absl::Milliseconds(20);
  so.max_backoff = absl::Milliseconds(200);
  auto sub = got.Subscribe(client->get(), so);
  WriterOptions o;
  o.database = "farm";
  o.batch_points = 50;
  o.flush_interval = absl::Milliseconds(5);
  o.max_retries = 1000;
  o.initial_backoff = absl::Milliseconds(20);
  o.max_backoff = absl::Milliseconds(200);
  auto writer = (*client)->NewWriter(o);
  constexpr int kPoints = 3000;
  for (int i = 0; i < kPoints; ++i) {
    ASSERT_TRUE(writer->Add(MakePoint("m", {{"s", "1"}}, "v", double(i), kT0 + i * kSec)).ok());
    if (i % 50 == 0) absl::SleepFor(absl::Milliseconds(3));
    if (i == kPoints / 2) {
      ASSERT_TRUE(writer->Flush().ok());
      EXPECT_EQ(luxd->Signal(SIGKILL), 128 + SIGKILL);
      luxd =
          std::make_unique<LuxdProcess>(dir.path(), std::vector<std::string>{"--grpc-addr", addr});
      ASSERT_NE(luxd->grpc_port(), 0);
    }
  }
  ASSERT_TRUE(writer->Flush().ok());
  const std::vector<int64_t> seen = got.WaitFor(kPoints - 1);
  ASSERT_FALSE(seen.empty());
  EXPECT_LT(seen.front(), 100) << "the subscription was live early";
  for (size_t i = 1; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i], seen[i - 1] + 1) << "gap or duplicate at " << i;
  }
  EXPECT_EQ(seen.back(), kPoints - 1);
  EXPECT_GE(sub->reconnects(), 1u);
  sub->Cancel();
  EXPECT_TRUE(sub->Wait().ok());
}

// luxd's subscription hub slowed down and told to hold at most 30 points
// for subscribers: writes overrun it, which ends the subscription
// with RESOURCE_EXHAUSTED instead of slowing the write; the client resumes
// from the last point it saw, and the replay of stored points fills the gap.
TEST(ClientTest, SubscriptionResumesThroughHubOverrunsWithoutGapOrDuplicate) {
  testing::TempDir dir;
  const std::string config = dir.path() + "/luxd.toml";
  // A dispatcher slowed to 20 ms a write falls behind writes 2 ms apart.
  std::ofstream(config) << "max_subscription_backlog_points = 30\n"
                        << "testing_subscription_dispatch_delay_ms = 20\n";
  LuxdProcess luxd(dir.path() + "/data", {"--config", config});
  auto client = Client::Connect(luxd.grpc_target());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->CreateDatabase("farm").ok());
  SeenSeconds got;
  SubscribeOptions so;
  so.resume_from_ns = kT0;
  so.initial_backoff = absl::Milliseconds(5);
  so.max_backoff = absl::Milliseconds(50);
  auto sub = got.Subscribe(client->get(), so);
  constexpr int kPoints = 1000;
  for (int b = 0; b < kPoints / 20; ++b) {
    WriteBatch batch;
    batch.database = "farm";
    for (int i = b * 20; i < (b + 1) * 20; ++i) {
      batch.points.push_back(MakePoint("m", {{"s", "1"}}, "v", double(i), kT0 + i * kSec));
    }
    auto r = (*client)->Write(batch);
    ASSERT_TRUE(r.ok()) << r.status();
    absl::SleepFor(absl::Milliseconds(2));
  }
  const std::vector<int64_t> seen = got.WaitFor(kPoints - 1);
  ASSERT_EQ(seen.size(), size_t(kPoints));
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], int64_t(i)) << "gap or duplicate";
  EXPECT_GE(sub->reconnects(), 1u);
  auto stats = (*client)->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_GE((*stats)["subscriptions_ended_by_overrun"], 1.0);
  EXPECT_GE((*stats)["subscription_overrun_points"], 20.0);
  sub->Cancel();
  EXPECT_TRUE(sub->Wait().ok());
}

// Two series, one lagging the other by 50 s, through hub overruns (a
// dispatcher slowed to 20 ms a write, writes 3 ms apart): a resumption from the
// newest timestamp seen would skip the lagging series' points; each series
// must arrive whole, in order, once.
TEST(ClientTest, ResumeThroughOverrunsKeepsALaggingSeries) {
  for (int backlog : {1, 30}) {
    SCOPED_TRACE(backlog);
    testing::TempDir dir;
    const std::string config = dir.path() + "/luxd.toml";
    std::ofstream(config) << "max_subscription_backlog_points = " << backlog << "\n"
                          << "testing_subscription_dispatch_delay_ms = 20\n";
    LuxdProcess luxd(dir.path() + "/data", {"--config", config});
    auto client = Client::Connect(luxd.grpc_target());
    ASSERT_TRUE(client.ok());
    ASSERT_TRUE((*client)->CreateDatabase("farm").ok());
    absl::Mutex mu;
    std::map<std::string, std::vector<int64_t>> seen;  // sensor -> seconds after kT0
    size_t total = 0;
    SubscribeOptions so;
    so.resume_from_ns = kT0;
    so.initial_backoff = absl::Milliseconds(5);
    so.max_backoff = absl::Milliseconds(50);
    auto sub =
        (*client)->Subscribe(Selector{"farm", "", "m", {}, {}}, so, [&](std::vector<Point> pts) {
          absl::MutexLock l(&mu);
          for (const Point& p : pts) {
            seen[p.tags[0].value].push_back((p.timestamp_ns - kT0) / kSec);
            ++total;
          }
        });
    constexpr int kBatches = 50;
    for (int b = 0; b < kBatches; ++b) {
      WriteBatch batch;
      batch.database = "farm";
      for (int i = 0; i < 10; ++i) {
        const int64_t t = 100 + b * 10 + i;
        batch.points.push_back(MakePoint("m", {{"s", "a"}}, "v", 1.0, kT0 + t * kSec));
        batch.points.push_back(MakePoint("m", {{"s", "b"}}, "v", 2.0, kT0 + (t - 50) * kSec));
      }
      auto r = (*client)->Write(batch);
      ASSERT_TRUE(r.ok()) << r.status();
      absl::SleepFor(absl::Milliseconds(3));
    }
    {
      absl::MutexLock l(&mu);
      mu.AwaitWithTimeout(absl::Condition(
                              +[](size_t* n) { return *n >= size_t(2 * 10 * kBatches); }, &total),
                          absl::Seconds(20));
      for (const auto& [sensor, base] : {std::pair{"a", 100}, std::pair{"b", 50}}) {
        const auto& got = seen[sensor];
        ASSERT_EQ(got.size(), size_t(10 * kBatches)) << sensor;
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_EQ(got[i], base + int64_t(i)) << sensor << ": gap or duplicate at " << i;
        }
      }
    }
    EXPECT_GE(sub->reconnects(), 1u);
    auto stats = (*client)->Stats();
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_GE((*stats)["subscriptions_ended_by_overrun"], 1.0);
    sub->Cancel();
    EXPECT_TRUE(sub->Wait().ok());
  }
}

// TLS: luxd with a certificate (self-signed here, made by the openssl CLI),
// the client trusting it; a plaintext client is refused.
TEST(ClientTest, TlsToLuxd) {
  testing::TempDir dir;
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
      " -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl (tools/bootstrap installs it) failed";
  LuxdProcess luxd(dir.path() + "/data", {"--grpc-tls-cert", cert, "--grpc-tls-key", key});
  ASSERT_NE(luxd.grpc_port(), 0);
  std::ifstream in(cert);
  ClientOptions o;
  o.tls = true;
  o.tls_root_certs_pem.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  auto client = Client::Connect(luxd.grpc_target(), o);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->CreateDatabase("farm").ok());
  auto dbs = (*client)->ListDatabases();
  ASSERT_TRUE(dbs.ok()) << dbs.status();
  EXPECT_EQ(*dbs, (std::vector<std::string>{"farm"}));
  ClientOptions plain;
  plain.call_timeout = absl::Seconds(2);
  auto insecure = Client::Connect(luxd.grpc_target(), plain);
  ASSERT_TRUE(insecure.ok());
  EXPECT_EQ((*insecure)->ListDatabases().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lux
