// File: dashboard.cc
// --mode dashboard: builds lux_bench's query database in luxd over gRPC (or
// reuses it), then C clients, each with one call outstanding at a time,
// issue lux_bench's four dashboard queries in turn for --seconds. Callback
// API over a few channels: 10,000 outstanding calls need no 10,000 threads.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <queue>
#include <random>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/grpc_load/modes.h"
#include "bench/workload/sensor_workload.h"
#include "lux/query.h"
#include "server/proto/convert.h"

namespace lux::grpc_load {
namespace {

constexpr int64_t kHour = int64_t{3600} * 1'000'000'000;
using Workload = lux::bench::SensorWorkload;

// lux_bench's four dashboard queries (query-range, the two of query-agg,
// query-last), in the order a client cycles through them.
enum QueryType { kRange6h = 0, kMean5m = 1, kMax1h = 2, kLastFacility = 3, kTypes = 4 };
constexpr const char* kTypeName[kTypes] = {"range_6h_raw", "mean_5m_1d", "max_1h_1d_facility",
                                           "last_facility"};

// A bounded queue of requests from the generator to one build stream.
struct RequestQueue {
  absl::Mutex mu;
  std::deque<v1::WriteRequest> q ABSL_GUARDED_BY(mu);
  bool closed ABSL_GUARDED_BY(mu) = false;
};

// Writes the points lux_bench's query workloads ingest (one SensorWorkload,
// seed 42, in time order) through `streams` WriteStreams, each owning the
// sensors with index % streams == its number, so every series arrives in
// time order. Returns the points stored.
uint64_t Build(const Flags& f, const std::string& db, size_t points, int sensors) {
  const int k = f.build_streams;
  std::vector<RequestQueue> queues(k);
  std::atomic<uint64_t> written{0};
  std::vector<std::thread> writers;
  for (int s = 0; s < k; ++s) {
    writers.emplace_back([&, s] {
      auto stub = v1::Lux::NewStub(NewChannel(f.target));
      grpc::ClientContext ctx;
      v1::WriteSummary summary;
      auto stream = stub->WriteStream(&ctx, &summary);
      for (;;) {
        v1::WriteRequest req;
        {
          absl::MutexLock l(&queues[s].mu);
          queues[s].mu.Await(absl::Condition(
              +[](RequestQueue* q)
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu) { return q->closed || !q->q.empty(); },
              &queues[s]));
          if (queues[s].q.empty()) break;
          req = std::move(queues[s].q.front());
          queues[s].q.pop_front();
        }
        if (!stream->Write(req)) break;
      }
      stream->WritesDone();
      const grpc::Status st = stream->Finish();
      if (!st.ok()) Die("build stream: " + st.error_message());
      written += summary.points_written();
    });
  }
  Workload gen(sensors);
  std::vector<std::vector<Point>> pending(k);
  auto send = [&](int s) {
    v1::WriteRequest req;
    req.set_database(db);
    std::vector<std::vector<size_t>> origin;
    proto::ToWriteRequest(pending[s], &req, &origin);
    pending[s].clear();
    absl::MutexLock l(&queues[s].mu);
    queues[s].mu.Await(absl::Condition(
        +[](RequestQueue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu) { return q->q.size() < 4; },
        &queues[s]));
    queues[s].q.push_back(std::move(req));
  };
  size_t g = 0;  // points generated; point g belongs to sensor g % sensors
  while (g < points) {
    std::vector<Point> chunk;
    gen.Next(std::min<size_t>(5000, points - g), &chunk);
    for (Point& p : chunk) {
      const int s = int((g++ % sensors) % k);
      pending[s].push_back(std::move(p));
      if (pending[s].size() >= f.batch) send(s);
    }
  }
  for (int s = 0; s < k; ++s) {
    if (!pending[s].empty()) send(s);
    absl::MutexLock l(&queues[s].mu);
    queues[s].closed = true;
  }
  for (auto& t : writers) t.join();
  return written;
}

// Points of sensor s0 in `db`: what a database built for `points` holds.
int64_t CountOfFirstSensor(v1::Lux::Stub* stub, const std::string& db) {
  QuerySpec q;
  q.selector.database = db;
  q.selector.measurement = "sensor_readings";
  q.selector.fields = {"value"};
  q.selector.tags = {{"sensor_id", TagFilter::Op::kEqual, {"s0"}}};
  q.aggregate = Aggregate::kCount;
  v1::QueryRequest req;
  proto::ToProto(q, &req);
  grpc::ClientContext ctx;
  auto reader = stub->Query(&ctx, req);
  v1::QueryResponse resp;
  int64_t n = 0;
  while (reader->Read(&resp)) {
    for (const auto& fr : resp.frames()) {
      for (int64_t v : fr.values().int64s().values()) n += v;
    }
  }
  const grpc::Status s = reader->Finish();
  if (!s.ok()) return -1;
  return n;
}

class DashboardClient;

// Wakes clients after their think time (one thread for all of them).
class Waker {
 public:
  Waker() : thread_([this] { Loop(); }) {}
  ~Waker() {
    {
      absl::MutexLock l(&mu_);
      stop_ = true;
      cv_.Signal();
    }
    thread_.join();
  }
  void At(Clock::time_point when, DashboardClient* c) {
    absl::MutexLock l(&mu_);
    heap_.push({when, c});
    cv_.Signal();
  }

 private:
  void Loop();
  using Entry = std::pair<Clock::time_point, DashboardClient*>;
  absl::Mutex mu_;
  absl::CondVar cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Distinct sensor_id values in `db`, at most `limit` (-1 on error).
int64_t SensorCount(v1::Lux::Stub* stub, const std::string& db, uint64_t limit) {
  v1::TagValuesRequest req;
  req.mutable_selector()->set_database(db);
  req.mutable_selector()->set_measurement("sensor_readings");
  req.set_key("sensor_id");
  req.set_limit(limit);
  v1::TagValuesResponse resp;
  grpc::ClientContext ctx;
  if (!stub->TagValues(&ctx, req, &resp).ok()) return -1;
  return resp.values_size();
}

// State shared by every client of a run.
struct Run {
  std::vector<std::unique_ptr<v1::Lux::Stub>> stubs;
  std::string db;
  std::vector<std::string> sensor_ids;
  int64_t span_start = 0, span_end = 0;
  Clock::time_point warm_end, end;
  double deadline_s = 60;
  double think_ms = 0;
  Waker* waker = nullptr;
  Latencies lat[kTypes];
  std::atomic<uint64_t> rows[kTypes] = {};
  absl::Mutex mu;
  std::map<std::string, int> errors ABSL_GUARDED_BY(mu);
  int active ABSL_GUARDED_BY(mu) = 0;

  void Record(QueryType t, Clock::time_point start, const grpc::Status& s, size_t n) {
    if (start < warm_end || start >= end) return;
    lat[t].Add(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    rows[t] += n;
    if (!s.ok()) {
      absl::MutexLock l(&mu);
      ++errors[absl::StrCat(s.error_code(), ": ", s.error_message().substr(0, 80))];
    }
  }
};

class DashboardClient {
 public:
  DashboardClient(Run* run, int id)
      : run_(run),
        rng_(1000 + id),
        type_(id % kTypes),
        stub_(run->stubs[id % run->stubs.size()].get()) {}
  // Issues the next query, or retires the client when the run is over.
  void Next();
  // The first query: at once, or after a random part of the think time.
  void Start() {
    if (run_->think_ms <= 0) return Next();
    const double ms = run_->think_ms * double(rng_() % 1000) / 1000;
    run_->waker->At(Clock::now() + std::chrono::microseconds(int64_t(ms * 1000)), this);
  }
  // A query finished: the next one after the think time.
  void Done() {
    if (run_->think_ms <= 0) return Next();
    const double ms = run_->think_ms * (0.5 + double(rng_() % 1000) / 1000);
    run_->waker->At(Clock::now() + std::chrono::microseconds(int64_t(ms * 1000)), this);
  }

 private:
  int64_t RandomStart(int64_t width) {
    const int64_t span = run_->span_end - run_->span_start;
    return span <= width ? run_->span_start
                         : run_->span_start + int64_t(rng_() % uint64_t(span - width));
  }
  QuerySpec Base() const {
    QuerySpec q;
    q.selector.database = run_->db;
    q.selector.measurement = "sensor_readings";
    q.selector.fields = {"value"};
    return q;
  }

  Run* const run_;
  std::mt19937_64 rng_;
  int type_;
  v1::Lux::Stub* const stub_;
};

// One Query call; deletes itself when done and starts the client's next.
class QueryCall final : public grpc::ClientReadReactor<v1::QueryResponse> {
 public:
  QueryCall(Run* run, DashboardClient* client, v1::Lux::Stub* stub, QueryType type,
            const QuerySpec& spec)
      : run_(run), client_(client), type_(type) {
    proto::ToProto(spec, &req_);
    start_ = Clock::now();
    ctx_.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(int64_t(run->deadline_s * 1000)));
    stub->async()->Query(&ctx_, &req_, this);
    StartRead(&resp_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    for (const auto& fr : resp_.frames()) rows_ += fr.timestamps_ns_size();
    StartRead(&resp_);
  }
  void OnDone(const grpc::Status& s) override {
    run_->Record(type_, start_, s, rows_);
    DashboardClient* c = client_;
    delete this;
    c->Done();
  }

 private:
  Run* const run_;
  DashboardClient* const client_;
  const QueryType type_;
  grpc::ClientContext ctx_;
  v1::QueryRequest req_;
  v1::QueryResponse resp_;
  Clock::time_point start_;
  size_t rows_ = 0;
};

// One Last call, likewise.
struct LastCall {
  grpc::ClientContext ctx;
  v1::LastRequest req;
  v1::LastResponse resp;
};

void DashboardClient::Next() {
  if (Clock::now() >= run_->end) {
    absl::MutexLock l(&run_->mu);
    --run_->active;
    return;
  }
  const auto type = QueryType(type_);
  type_ = (type_ + 1) % kTypes;
  QuerySpec q = Base();
  const auto& ids = run_->sensor_ids;
  switch (type) {
    case kRange6h:
      q.selector.tags = {{"sensor_id", TagFilter::Op::kEqual, {ids[rng_() % ids.size()]}}};
      q.start_ns = RandomStart(6 * kHour);
      q.end_ns = q.start_ns + 6 * kHour;
      break;
    case kMean5m:
      q.start_ns = RandomStart(24 * kHour);
      q.end_ns = q.start_ns + 24 * kHour;
      q.selector.tags = {{"sensor_id", TagFilter::Op::kEqual, {ids[rng_() % ids.size()]}}};
      q.aggregate = Aggregate::kMean;
      q.interval_ns = 5 * 60 * int64_t{1'000'000'000};
      break;
    case kMax1h:
      q.start_ns = RandomStart(24 * kHour);
      q.end_ns = q.start_ns + 24 * kHour;
      q.selector.tags = {{"facility_id", TagFilter::Op::kEqual, {absl::StrCat("f", rng_() % 20)}},
                         {"sensor_type", TagFilter::Op::kEqual, {"temperature"}}};
      q.aggregate = Aggregate::kMax;
      q.interval_ns = kHour;
      break;
    default: {
      q.selector.tags = {{"facility_id", TagFilter::Op::kEqual, {absl::StrCat("f", rng_() % 20)}}};
      auto* call = new LastCall;
      proto::ToProto(q.selector, call->req.mutable_selector());
      call->ctx.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::milliseconds(int64_t(run_->deadline_s * 1000)));
      const auto start = Clock::now();
      stub_->async()->Last(&call->ctx, &call->req, &call->resp,
                           [this, call, start](grpc::Status s) {
                             run_->Record(kLastFacility, start, s, call->resp.points_size());
                             delete call;
                             Done();
                           });
      return;
    }
  }
  new QueryCall(run_, this, stub_, type, q);
}

void Waker::Loop() {
  absl::MutexLock l(&mu_);
  while (!stop_) {
    if (heap_.empty()) {
      cv_.Wait(&mu_);
      continue;
    }
    const auto now = Clock::now();
    if (heap_.top().first > now) {
      cv_.WaitWithTimeout(&mu_, absl::FromChrono(heap_.top().first - now));
      continue;
    }
    DashboardClient* c = heap_.top().second;
    heap_.pop();
    mu_.Unlock();
    c->Next();
    mu_.Lock();
  }
}

}  // namespace

int RunDashboard(const Flags& f) {
  Run run;
  run.db = f.db.empty() ? "bench" : f.db;
  const size_t points = f.points == 0 ? 10'000'000 : f.points;
  const int sensors = f.sensors == 0 ? 1000 : f.sensors;
  const double seconds = f.seconds == 0 ? 30 : f.seconds;
  const int channels = f.channels == 0 ? 16 : f.channels;
  auto admin = v1::Lux::NewStub(NewChannel(f.target));
  std::string error;
  if (!CreateDatabase(admin.get(), run.db, &error)) Die("create database: " + error);
  const int64_t expected = int64_t(points / sensors);
  if (!f.reuse) {
    const double load = LoadAverage();
    const auto t0 = Clock::now();
    const uint64_t written = Build(f, run.db, points, sensors);
    const double s = Seconds(t0);
    std::printf(
        "{\"benchmark\":\"grpc_load\",\"mode\":\"dashboard-build\",\"points\":%zu,"
        "\"points_written\":%llu,\"streams\":%d,\"seconds\":%.2f,\"points_per_s\":%.0f,"
        "\"loadavg_before\":%.2f,\"luxd_rss_mib\":%.1f}\n",
        points, (unsigned long long)written, f.build_streams, s, written / s, load,
        ReadProc(f.luxd_pid).rss_mib);
    std::fflush(stdout);
  }
  const int64_t have = CountOfFirstSensor(admin.get(), run.db);
  if (have != expected) {
    Die(absl::StrCat("database ", run.db, " holds ", have, " points of s0, not the ", expected,
                     " of a ", points, "-point build (drop --reuse to build it)"));
  }
  // Other sensors (an ingest run's, say) would change what the facility
  // queries read.
  if (const int64_t n = SensorCount(admin.get(), run.db, sensors + 1); n != sensors) {
    Die(absl::StrCat("database ", run.db, " holds ", n, " sensor ids, not the workload's ", sensors,
                     ": use a database of its own (--db, or a fresh luxd)"));
  }
  Workload gen(sensors);
  for (const auto& s : gen.sensors()) run.sensor_ids.push_back(s.sensor_id);
  run.span_start = Workload::kStart;
  run.span_end = Workload::kStart + int64_t(points / sensors) * Workload::kInterval;
  run.deadline_s = f.deadline_seconds;
  run.think_ms = f.think_ms;
  Waker waker;
  run.waker = &waker;
  for (int c = 0; c < channels; ++c) {
    auto ch = NewChannel(f.target);
    ch->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
    run.stubs.push_back(v1::Lux::NewStub(ch));
  }
  std::vector<std::unique_ptr<DashboardClient>> clients;
  for (int i = 0; i < f.clients; ++i) clients.push_back(std::make_unique<DashboardClient>(&run, i));
  const double load = LoadAverage();
  const double busy = BusyCores();
  const ProcFigures before = ReadProc(f.luxd_pid);
  const auto t0 = Clock::now();
  run.warm_end = t0 + std::chrono::milliseconds(int64_t(f.warmup_seconds * 1000));
  run.end = run.warm_end + std::chrono::milliseconds(int64_t(seconds * 1000));
  {
    absl::MutexLock l(&run.mu);
    run.active = f.clients;
  }
  // With think time the clients start spread over one think time, as
  // dashboards opened at different moments; else all at once.
  for (auto& c : clients) c->Start();
  // luxd's threads and memory while the clients run.
  ProcFigures peak;
  for (;;) {
    {
      absl::MutexLock l(&run.mu);
      const auto limit = run.end + std::chrono::milliseconds(int64_t(f.deadline_seconds * 1000));
      if (run.active == 0 || Clock::now() > limit + std::chrono::seconds(5)) break;
    }
    const ProcFigures p = ReadProc(f.luxd_pid);
    peak.rss_mib = std::max(peak.rss_mib, p.rss_mib);
    peak.threads = std::max(peak.threads, p.threads);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const ProcFigures cpu_end = ReadProc(f.luxd_pid);
  const double elapsed = Seconds(t0);
  int still_active;
  std::string errors;
  {
    absl::MutexLock l(&run.mu);
    still_active = run.active;
    for (const auto& [what, n] : run.errors) {
      absl::StrAppend(&errors, errors.empty() ? "" : ",", "\"", absl::CEscape(what), "\":", n);
    }
  }
  std::vector<double> all;
  std::string per_type;
  size_t failed = 0;
  for (int t = 0; t < kTypes; ++t) {
    const auto v = run.lat[t].Sorted();
    all.insert(all.end(), v.begin(), v.end());
    absl::StrAppend(&per_type, ",\"", kTypeName[t], "_queries\":", v.size(), ",",
                    PctJson(v, absl::StrCat(kTypeName[t], "_")), ",\"", kTypeName[t],
                    "_rows_per_query\":",
                    absl::StrFormat("%.1f", v.empty() ? 0.0 : double(run.rows[t]) / v.size()));
  }
  {
    absl::MutexLock l(&run.mu);
    for (const auto& [what, n] : run.errors) failed += n;
  }
  std::sort(all.begin(), all.end());
  std::printf(
      "{\"benchmark\":\"grpc_load\",\"mode\":\"dashboard\",\"points\":%zu,\"clients\":%d,"
      "\"think_ms\":%.0f,\"channels\":%d,\"seconds\":%.1f,\"warmup_seconds\":%.1f,\"queries\":%zu,"
      "\"queries_per_s\":%.0f,%s%s,\"failed\":%zu,\"errors\":{%s},\"clients_unfinished\":%d,"
      "\"loadavg_before\":%.2f,\"machine_busy_cores_before\":%.2f,\"luxd_rss_mib_before\":%.1f,"
      "\"luxd_rss_mib_peak\":%.1f,"
      "\"luxd_threads_before\":%d,\"luxd_threads_peak\":%d,\"luxd_cpu_cores\":%.2f}\n",
      points, f.clients, f.think_ms, channels, seconds, f.warmup_seconds, all.size(),
      all.size() / seconds, PctJson(all).c_str(), per_type.c_str(), failed, errors.c_str(),
      still_active, load, busy, before.rss_mib, peak.rss_mib, before.threads, peak.threads,
      (cpu_end.cpu_s - before.cpu_s) / elapsed);
  std::fflush(stdout);
  if (still_active != 0) {
    // Calls still out reference `run` and `clients`: leave without unwinding.
    std::_Exit(1);
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace lux::grpc_load
