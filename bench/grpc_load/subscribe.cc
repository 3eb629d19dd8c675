// File: subscribe.cc
// --mode subscribe: S Subscribe streams (async API, over a few channels with
// a completion queue and a thread each: Debian's gRPC keeps its debug tag
// tracking, so a completion costs a scan of its queue's outstanding
// operations and 50,000 streams on one queue would measure that scan),
// each selecting one sensor_id of the sensor measurement, while a writer
// sends points at --rate with timestamp = the wall clock when it built them.
// A subscriber's delivery latency is its receive time minus the point's
// timestamp (writer and subscribers share this process's clock).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <limits>
#include <map>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "bench/grpc_load/modes.h"
#include "bench/workload/sensor_workload.h"

namespace lux::grpc_load {
namespace {

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What every subscriber shares.
struct Shared {
  // Points with timestamps from here on are measured; earlier ones are
  // registration probes.
  std::atomic<int64_t> measure_from_ns{std::numeric_limits<int64_t>::max()};
  std::atomic<uint64_t> measured{0};
  Latencies lat;
  absl::Mutex mu;
  std::map<std::string, int> ended ABSL_GUARDED_BY(mu);  // code: message -> streams
  int done ABSL_GUARDED_BY(mu) = 0;
  bool cancelling ABSL_GUARDED_BY(mu) = false;
};

class Subscriber {
 public:
  Subscriber(Shared* shared, v1::Lux::Stub* stub, grpc::CompletionQueue* cq,
             v1::SubscribeRequest req)
      : shared_(shared), req_(std::move(req)) {
    reader_ = stub->PrepareAsyncSubscribe(&ctx_, req_, cq);
    reader_->StartCall(&start_tag_);
  }
  // Runs a completion of one of a subscriber's tags (on its queue's thread).
  static void Handle(void* tag, bool ok) {
    auto* t = static_cast<Tag*>(tag);
    t->sub->On(t->kind, ok);
  }
  void Cancel() { ctx_.TryCancel(); }

  std::atomic<int64_t> received{0};

 private:
  enum class Kind { kStart, kRead, kFinish };
  struct Tag {
    Subscriber* sub;
    Kind kind;
  };

  void On(Kind kind, bool ok) {
    if (kind == Kind::kFinish) {
      absl::MutexLock l(&shared_->mu);
      if (!shared_->cancelling || status_.error_code() != grpc::StatusCode::CANCELLED) {
        ++shared_->ended[absl::StrCat(status_.error_code(), ": ",
                                      status_.error_message().substr(0, 80))];
      }
      ++shared_->done;
      return;
    }
    if (!ok) {  // the stream ended: its status
      reader_->Finish(&status_, &finish_tag_);
      return;
    }
    if (kind == Kind::kRead) Received();
    reader_->Read(&resp_, &read_tag_);
  }

  void Received() {
    const int64_t now = WallNs();
    const int64_t from = shared_->measure_from_ns.load(std::memory_order_relaxed);
    std::vector<double> ms;
    for (const auto& sp : resp_.points()) {
      for (int64_t ts : sp.timestamps_ns()) {
        if (ts >= from) ms.push_back(double(now - ts) / 1e6);
      }
      received += sp.timestamps_ns_size();
    }
    if (!ms.empty()) {
      shared_->measured += ms.size();
      shared_->lat.AddBatch(ms);
    }
  }

  Shared* const shared_;
  v1::SubscribeRequest req_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientAsyncReader<v1::SubscribeResponse>> reader_;
  v1::SubscribeResponse resp_;
  grpc::Status status_;
  Tag start_tag_{this, Kind::kStart};
  Tag read_tag_{this, Kind::kRead};
  Tag finish_tag_{this, Kind::kFinish};
};

// Points for `sensors` (indices), one each, timestamps `ts`, as one request.
v1::WriteRequest PointsFor(const std::string& db, const std::vector<lux::bench::SensorInfo>& info,
                           const std::vector<int>& sensors, const std::vector<int64_t>& ts) {
  v1::WriteRequest req;
  req.set_database(db);
  std::vector<int> series_of(info.size(), -1);
  for (size_t j = 0; j < sensors.size(); ++j) {
    const int s = sensors[j];
    v1::SeriesPoints* sp;
    if (series_of[s] < 0) {
      series_of[s] = req.series_size();
      sp = req.add_series();
      sp->set_measurement("sensor_readings");
      const auto& i = info[s];
      for (auto [k, v] : {std::pair{"facility_id", &i.facility_id},
                          {"sensor_id", &i.sensor_id},
                          {"sensor_type", &i.sensor_type},
                          {"zone_id", &i.zone_id}}) {
        auto* t = sp->add_tags();
        t->set_key(k);
        t->set_value(*v);
      }
      auto* value = sp->add_fields();
      value->set_name("value");
      value->mutable_values()->mutable_doubles();
      auto* quality = sp->add_fields();
      quality->set_name("quality");
      quality->mutable_values()->mutable_int64s();
    } else {
      sp = req.mutable_series(series_of[s]);
    }
    sp->add_timestamps_ns(ts[j]);
    sp->mutable_fields(0)->mutable_values()->mutable_doubles()->add_values(info[s].base);
    sp->mutable_fields(1)->mutable_values()->mutable_int64s()->add_values(100);
  }
  return req;
}

}  // namespace

int RunSubscribe(const Flags& f) {
  const std::string db = f.db.empty() ? "live" : f.db;
  const int streams = f.subscribers;
  const int sensors = f.sensors == 0 ? streams : f.sensors;
  const double seconds = f.seconds == 0 ? 30 : f.seconds;
  const int channels = f.channels == 0 ? 32 : f.channels;
  auto writer = v1::Lux::NewStub(NewChannel(f.target));
  std::string error;
  if (!CreateDatabase(writer.get(), db, &error)) Die("create database: " + error);
  const lux::bench::SensorWorkload workload(sensors);
  const auto& info = workload.sensors();
  auto write = [&](const std::vector<int>& which, const std::vector<int64_t>& ts) {
    grpc::ClientContext ctx;
    v1::WriteResponse resp;
    const grpc::Status s = writer->Write(&ctx, PointsFor(db, info, which, ts), &resp);
    if (!s.ok()) Die("write: " + s.error_message());
    return resp.points_written();
  };

  const double load = LoadAverage();
  const double busy = BusyCores();
  const ProcFigures before = ReadProc(f.luxd_pid);
  const ProcFigures self_before = ReadProc(getpid());
  std::vector<std::unique_ptr<v1::Lux::Stub>> stubs;
  std::vector<std::unique_ptr<grpc::CompletionQueue>> cqs;
  std::vector<std::thread> cq_threads;
  for (int c = 0; c < channels; ++c) {
    auto ch = NewChannel(f.target);
    ch->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
    stubs.push_back(v1::Lux::NewStub(ch));
    cqs.push_back(std::make_unique<grpc::CompletionQueue>());
    cq_threads.emplace_back([cq = cqs.back().get()] {
      void* tag;
      bool ok;
      while (cq->Next(&tag, &ok)) Subscriber::Handle(tag, ok);
    });
  }
  Shared shared;
  std::vector<std::unique_ptr<Subscriber>> subs;
  std::vector<int> subs_of(sensors, 0);
  const auto open0 = Clock::now();
  for (int i = 0; i < streams; ++i) {
    v1::SubscribeRequest req;
    auto* sel = req.mutable_selector();
    sel->set_database(db);
    sel->set_measurement("sensor_readings");
    auto* p = sel->add_tags();
    p->set_key("sensor_id");
    p->add_values(info[i % sensors].sensor_id);
    ++subs_of[i % sensors];
    subs.push_back(std::make_unique<Subscriber>(&shared, stubs[i % channels].get(),
                                                cqs[i % channels].get(), req));
  }
  // Registered yet? Probe the sensors of a sample (the last stream of each
  // channel, and some spread over the rest) until each sampled stream got a
  // point. Probes cost the hub a pass over every subscriber each.
  std::vector<int> sample;
  for (int i = std::max(0, streams - channels); i < streams; ++i) sample.push_back(i);
  for (int j = 0; j < 32; ++j) sample.push_back(int(int64_t(streams) * j / 32));
  bool registered = false;
  int probes = 0;
  while (Seconds(open0) < f.settle_timeout_seconds) {
    std::vector<int> which;
    std::vector<int64_t> ts;
    for (int i : sample) {
      if (subs[i]->received == 0) which.push_back(i % sensors), ts.push_back(WallNs());
    }
    std::sort(which.begin(), which.end());
    which.erase(std::unique(which.begin(), which.end()), which.end());
    ts.resize(which.size());
    if (which.empty()) {
      registered = true;
      break;
    }
    write(which, ts);
    ++probes;
    // The hub hands a write's matches over together: once one probed stream
    // has its point, the round is dispatched and the others were not
    // registered yet. Waiting for that keeps probes from piling up in a hub
    // that is slow with many streams.
    const auto r0 = Clock::now();
    auto any_arrived = [&] {
      for (int i : sample) {
        if (subs[i]->received > 0 && std::count(which.begin(), which.end(), i % sensors)) {
          return true;
        }
      }
      return false;
    };
    while (!any_arrived() && Seconds(r0) < 5) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const double open_seconds = Seconds(open0);
  // A fence: the hub dispatches in write order, so once this point arrives
  // every probe before it has been dispatched and the measurement starts
  // with an idle hub.
  {
    Subscriber* first = subs[sample.back()].get();
    const int64_t seen = first->received;
    write({sample.back() % sensors}, {WallNs()});
    while (first->received == seen && Seconds(open0) < f.settle_timeout_seconds) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const double settle_seconds = Seconds(open0);
  const ProcFigures opened = ReadProc(f.luxd_pid);
  const ProcFigures self_opened = ReadProc(getpid());

  // The measured ingest: points at --rate, sensors round robin.
  shared.measure_from_ns = WallNs();
  uint64_t written = 0, expected = 0;
  size_t sent = 0;
  int next_sensor = 0;
  std::vector<int64_t> last_ts(sensors, 0);
  ProcFigures peak = opened;
  const auto t0 = Clock::now();
  auto last_sample = t0;
  for (;;) {
    const double t = Seconds(t0);
    if (t >= seconds) break;
    const double due = f.rate * t - double(sent);
    if (due < std::max(1.0, f.rate / 1000)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    const size_t n = std::min<size_t>(size_t(due), 50'000);
    std::vector<int> which(n);
    std::vector<int64_t> ts(n);
    const int64_t now = WallNs();
    for (size_t j = 0; j < n; ++j) {
      const int s = next_sensor;
      next_sensor = (next_sensor + 1) % sensors;
      which[j] = s;
      ts[j] = last_ts[s] = std::max(now, last_ts[s] + 1);
      expected += subs_of[s];
    }
    written += write(which, ts);
    sent += n;
    if (Clock::now() - last_sample > std::chrono::milliseconds(500)) {
      const ProcFigures p = ReadProc(f.luxd_pid);
      peak.rss_mib = std::max(peak.rss_mib, p.rss_mib);
      peak.threads = std::max(peak.threads, p.threads);
      last_sample = Clock::now();
    }
  }
  const double write_seconds = Seconds(t0);
  const uint64_t delivered_in_window = shared.measured;
  const auto drain0 = Clock::now();
  while (shared.measured < expected && Seconds(drain0) < f.drain_seconds) {
    const ProcFigures p = ReadProc(f.luxd_pid);
    peak.rss_mib = std::max(peak.rss_mib, p.rss_mib);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double drained = Seconds(drain0);
  const uint64_t delivered = shared.measured;
  const ProcFigures after = ReadProc(f.luxd_pid);
  const auto lat = shared.lat.Sorted();

  std::string ended;
  int ended_early = 0;
  {
    absl::MutexLock l(&shared.mu);
    for (const auto& [what, n] : shared.ended) {
      absl::StrAppend(&ended, ended.empty() ? "" : ",", "\"", absl::CEscape(what), "\":", n);
      ended_early += n;
    }
    shared.cancelling = true;
  }
  std::printf(
      "{\"benchmark\":\"grpc_load\",\"mode\":\"subscribe\",\"streams\":%d,\"channels\":%d,"
      "\"sensors\":%d,\"streams_per_sensor\":%.2f,\"registered\":%s,\"open_seconds\":%.1f,"
      "\"settle_seconds\":%.1f,"
      "\"probes\":%d,\"rate_target\":%.0f,\"seconds\":%.2f,\"points_written\":%llu,"
      "\"write_points_per_s\":%.0f,\"expected_deliveries\":%llu,\"delivered_in_window\":%llu,"
      "\"delivered_per_s\":%.0f,\"delivered_total\":%llu,\"delivered_fraction\":%.4f,"
      "\"drain_seconds\":%.1f,%s,\"max_ms\":%.1f,\"streams_ended_early\":%d,\"ended\":{%s},"
      "\"loadavg_before\":%.2f,\"machine_busy_cores_before\":%.2f,\"luxd_rss_mib_before\":%.1f,"
      "\"luxd_rss_mib_open\":%.1f,"
      "\"luxd_rss_mib_after\":%.1f,\"luxd_rss_mib_peak\":%.1f,\"luxd_kib_per_stream\":%.1f,"
      "\"luxd_threads\":%d,\"luxd_cpu_cores\":%.2f,\"client_kib_per_stream\":%.1f}\n",
      streams, channels, sensors, double(streams) / sensors, registered ? "true" : "false",
      open_seconds, settle_seconds, probes, f.rate, write_seconds, (unsigned long long)written,
      written / write_seconds, (unsigned long long)expected,
      (unsigned long long)delivered_in_window, delivered_in_window / write_seconds,
      (unsigned long long)delivered, expected == 0 ? 0.0 : double(delivered) / expected, drained,
      PctJson(lat).c_str(), lat.empty() ? 0.0 : lat.back(), ended_early, ended.c_str(), load, busy,
      before.rss_mib, opened.rss_mib, after.rss_mib, peak.rss_mib,
      (opened.rss_mib - before.rss_mib) * 1024 / streams, peak.threads,
      (after.cpu_s - opened.cpu_s) / (write_seconds + drained),
      (self_opened.rss_mib - self_before.rss_mib) * 1024 / streams);
  std::fflush(stdout);

  for (auto& s : subs) s->Cancel();
  const auto c0 = Clock::now();
  for (;;) {
    {
      absl::MutexLock l(&shared.mu);
      if (shared.done == streams) break;
    }
    if (Seconds(c0) > 30) std::_Exit(1);  // calls still out reference `subs`
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& cq : cqs) cq->Shutdown();
  for (auto& t : cq_threads) t.join();
  return registered && ended_early == 0 && delivered == expected ? 0 : 1;
}

}  // namespace lux::grpc_load
