// File: ingest.cc
// --mode ingest: N concurrent WriteStream streams (or, with --unary, N
// clients issuing Write back to back), each sending the points http_ingest
// sends on its connection, as 5,000-point WriteRequests. Callback API: no
// thread per stream.
#include <algorithm>
#include <cstdio>

#include "absl/strings/escaping.h"
#include "bench/grpc_load/modes.h"

namespace lux::grpc_load {
namespace {

// Everything a stream or client reports when it is done.
struct Outcome {
  size_t points_sent = 0;
  uint64_t points_written = 0;
  uint64_t points_rejected = 0;
  double seconds = 0;
  grpc::Status status;
};

// One WriteStream sending `reqs` in order. OnWriteDone only says the message
// went to the transport, so a stream measures throughput, not per-request
// latency; the summary at the end says what luxd stored.
class StreamWriter final : public grpc::ClientWriteReactor<v1::WriteRequest> {
 public:
  StreamWriter(v1::Lux::Stub* stub, const std::vector<v1::WriteRequest>* reqs)
      : stub_(stub), reqs_(reqs) {}

  void Start() {
    t0_ = Clock::now();
    stub_->async()->WriteStream(&ctx_, &summary_, this);
    if (reqs_->empty()) {
      StartWritesDone();
    } else {
      StartWrite(&(*reqs_)[0]);
    }
    StartCall();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return;  // the stream broke: OnDone follows
    if (++next_ < reqs_->size()) {
      StartWrite(&(*reqs_)[next_]);
    } else {
      StartWritesDone();
    }
  }
  void OnDone(const grpc::Status& s) override {
    absl::MutexLock l(&mu_);
    out_.seconds = Seconds(t0_);
    out_.status = s;
    out_.points_written = summary_.points_written();
    out_.points_rejected = summary_.points_rejected();
    for (const auto& r : *reqs_) out_.points_sent += PointsIn(r);
    done_ = true;
  }
  Outcome Await() {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(&done_));
    return out_;
  }

 private:
  v1::Lux::Stub* const stub_;
  const std::vector<v1::WriteRequest>* const reqs_;
  grpc::ClientContext ctx_;
  v1::WriteSummary summary_;
  size_t next_ = 0;
  Clock::time_point t0_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  Outcome out_ ABSL_GUARDED_BY(mu_);
};

// One client sending `reqs` with unary Write calls, one after another,
// timing each.
class UnaryWriter {
 public:
  UnaryWriter(v1::Lux::Stub* stub, const std::vector<v1::WriteRequest>* reqs, Latencies* lat)
      : stub_(stub), reqs_(reqs), lat_(lat) {}

  void Start() {
    t0_ = Clock::now();
    Next();
  }
  Outcome Await() {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(&done_));
    return out_;
  }

 private:
  void Next() {
    if (next_ == reqs_->size()) {
      absl::MutexLock l(&mu_);
      out_.seconds = Seconds(t0_);
      done_ = true;
      return;
    }
    ctx_ = std::make_unique<grpc::ClientContext>();
    resp_.Clear();
    const auto r0 = Clock::now();
    stub_->async()->Write(ctx_.get(), &(*reqs_)[next_], &resp_, [this, r0](grpc::Status s) {
      lat_->Add(std::chrono::duration<double, std::milli>(Clock::now() - r0).count());
      {
        absl::MutexLock l(&mu_);
        out_.points_sent += PointsIn((*reqs_)[next_]);
        out_.points_written += resp_.points_written();
        out_.points_rejected += resp_.errors_size();
        if (!s.ok()) {
          out_.status = s;
          next_ = reqs_->size() - 1;  // stop here
        }
      }
      ++next_;
      Next();
    });
  }

  v1::Lux::Stub* const stub_;
  const std::vector<v1::WriteRequest>* const reqs_;
  Latencies* const lat_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  v1::WriteResponse resp_;
  size_t next_ = 0;
  Clock::time_point t0_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  Outcome out_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

int RunIngest(const Flags& f) {
  const std::string db = f.db.empty() ? "bench" : f.db;
  const size_t total = f.points == 0 ? 2'000'000 : f.points;
  const int n = f.streams;
  const size_t per_stream = total / n;
  {
    auto stub = v1::Lux::NewStub(NewChannel(f.target));
    std::string error;
    if (!CreateDatabase(stub.get(), db, &error)) Die("create database: " + error);
  }
  // Pre-generate each stream's requests (generation is not measured, as in
  // http_ingest).
  std::vector<std::vector<v1::WriteRequest>> reqs(n);
  for (int c = 0; c < n; ++c) reqs[c] = IngestRequests(db, c, per_stream, f.batch);
  // One connection per stream, as http_ingest's keep-alive connections.
  std::vector<std::unique_ptr<v1::Lux::Stub>> stubs;
  for (int c = 0; c < n; ++c) {
    auto ch = NewChannel(f.target);
    ch->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
    stubs.push_back(v1::Lux::NewStub(ch));
  }
  const double load = LoadAverage();
  const double busy = BusyCores();
  const ProcFigures before = ReadProc(f.luxd_pid);
  Latencies lat;
  std::vector<Outcome> outcomes;
  const auto t0 = Clock::now();
  if (f.unary) {
    std::vector<std::unique_ptr<UnaryWriter>> w;
    for (int c = 0; c < n; ++c)
      w.push_back(std::make_unique<UnaryWriter>(stubs[c].get(), &reqs[c], &lat));
    for (auto& x : w) x->Start();
    for (auto& x : w) outcomes.push_back(x->Await());
  } else {
    std::vector<std::unique_ptr<StreamWriter>> w;
    for (int c = 0; c < n; ++c)
      w.push_back(std::make_unique<StreamWriter>(stubs[c].get(), &reqs[c]));
    for (auto& x : w) x->Start();
    for (auto& x : w) outcomes.push_back(x->Await());
  }
  const double seconds = Seconds(t0);
  const ProcFigures after = ReadProc(f.luxd_pid);
  size_t sent = 0;
  uint64_t written = 0, rejected = 0;
  int failed = 0;
  std::string first_error;
  std::vector<double> per_stream_rate;
  for (const Outcome& o : outcomes) {
    sent += o.points_sent;
    written += o.points_written;
    rejected += o.points_rejected;
    per_stream_rate.push_back(o.seconds > 0 ? o.points_sent / o.seconds : 0);
    if (!o.status.ok()) {
      ++failed;
      if (first_error.empty()) first_error = o.status.error_message();
    }
  }
  std::sort(per_stream_rate.begin(), per_stream_rate.end());
  std::string latency = "\"request_latency\":\"not measurable per WriteStream message\"";
  if (f.unary) latency = PctJson(lat.Sorted());
  std::printf(
      "{\"benchmark\":\"grpc_load\",\"mode\":\"ingest\",\"api\":\"%s\",\"streams\":%d,"
      "\"points\":%zu,\"batch\":%zu,\"seconds\":%.3f,\"points_per_s\":%.0f,"
      "\"points_written\":%llu,\"points_rejected\":%llu,\"stream_points_per_s_min\":%.0f,"
      "\"stream_points_per_s_median\":%.0f,\"stream_points_per_s_max\":%.0f,%s,"
      "\"failed_streams\":%d,\"first_error\":\"%s\",\"loadavg_before\":%.2f,"
      "\"machine_busy_cores_before\":%.2f,"
      "\"luxd_rss_mib_before\":%.1f,\"luxd_rss_mib_after\":%.1f,\"luxd_cpu_cores\":%.2f}\n",
      f.unary ? "Write" : "WriteStream", n, sent, f.batch, seconds, sent / seconds,
      (unsigned long long)written, (unsigned long long)rejected, per_stream_rate.front(),
      per_stream_rate[per_stream_rate.size() / 2], per_stream_rate.back(), latency.c_str(), failed,
      absl::CEscape(first_error).c_str(), load, busy, before.rss_mib, after.rss_mib,
      (after.cpu_s - before.cpu_s) / seconds);
  std::fflush(stdout);
  return failed == 0 && written == sent ? 0 : 1;
}

}  // namespace lux::grpc_load
