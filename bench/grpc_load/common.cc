// File: common.cc
#include "bench/grpc_load/common.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/workload/sensor_workload.h"
#include "server/proto/convert.h"

namespace lux::grpc_load {

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per channel
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

bool CreateDatabase(v1::Lux::Stub* stub, const std::string& db, std::string* error) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::CreateDatabaseRequest req;
    req.set_name(db);
    v1::CreateDatabaseResponse resp;
    const grpc::Status s = stub->CreateDatabase(&ctx, req, &resp);
    if (s.ok()) return true;
    *error = s.error_message();
    if (s.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void Latencies::Add(double ms) {
  absl::MutexLock l(&mu_);
  ms_.push_back(ms);
}

void Latencies::AddBatch(const std::vector<double>& ms) {
  absl::MutexLock l(&mu_);
  ms_.insert(ms_.end(), ms.begin(), ms.end());
}

std::vector<double> Latencies::Sorted() const {
  std::vector<double> v;
  {
    absl::MutexLock l(&mu_);
    v = ms_;
  }
  std::sort(v.begin(), v.end());
  return v;
}

size_t Latencies::size() const {
  absl::MutexLock l(&mu_);
  return ms_.size();
}

double Pct(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, size_t(p / 100 * sorted.size()))];
}

std::string PctJson(const std::vector<double>& sorted, const std::string& prefix) {
  return absl::StrFormat("\"%sp50_ms\":%.2f,\"%sp95_ms\":%.2f,\"%sp99_ms\":%.2f", prefix,
                         Pct(sorted, 50), prefix, Pct(sorted, 95), prefix, Pct(sorted, 99));
}

ProcFigures ReadProc(int pid) {
  ProcFigures f;
  if (pid <= 0) return f;
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) f.rss_mib = std::atof(line.c_str() + 6) / 1024;
    if (line.rfind("Threads:", 0) == 0) f.threads = std::atoi(line.c_str() + 8);
  }
  // Fields 14 and 15 of stat, utime and stime, in clock ticks; the command
  // name (field 2) may hold spaces, so count from its closing parenthesis.
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t close = all.rfind(')');
  if (close != std::string::npos) {
    std::vector<std::string> fields = absl::StrSplit(all.substr(close + 2), ' ');
    if (fields.size() > 13) {
      f.cpu_s = double(std::atoll(fields[11].c_str()) + std::atoll(fields[12].c_str())) /
                sysconf(_SC_CLK_TCK);
    }
  }
  return f;
}

double LoadAverage() {
  double load = 0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = 0;
    std::fclose(f);
  }
  return load;
}

double BusyCores(double seconds) {
  auto sample = [](double* busy, double* total) {
    std::ifstream in("/proc/stat");
    std::string cpu;
    in >> cpu;  // the "cpu" line: user nice system idle iowait irq softirq steal
    double v[8] = {};
    for (double& x : v) in >> x;
    *total = 0;
    for (double x : v) *total += x;
    *busy = *total - v[3] - v[4];
  };
  double b0, t0, b1, t1;
  sample(&b0, &t0);
  std::this_thread::sleep_for(std::chrono::milliseconds(int64_t(seconds * 1000)));
  sample(&b1, &t1);
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return t1 > t0 ? (b1 - b0) / (t1 - t0) * cores : 0;
}

std::vector<v1::WriteRequest> IngestRequests(const std::string& db, int stream, size_t points,
                                             size_t batch) {
  lux::bench::SensorWorkload gen(1000, 42 + stream);
  const std::string prefix = absl::StrCat("c", stream, "_");
  std::vector<v1::WriteRequest> out;
  for (size_t done = 0; done < points; done += batch) {
    std::vector<Point> pts;
    gen.Next(std::min(batch, points - done), &pts);
    for (Point& p : pts) {
      for (Tag& t : p.tags) {
        if (t.key == "sensor_id") t.value.insert(0, prefix);  // s12 -> c3_s12, as http_ingest
      }
    }
    v1::WriteRequest req;
    req.set_database(db);
    std::vector<std::vector<size_t>> origin;
    proto::ToWriteRequest(pts, &req, &origin);
    out.push_back(std::move(req));
  }
  return out;
}

size_t PointsIn(const v1::WriteRequest& req) {
  size_t n = 0;
  for (const auto& s : req.series()) n += s.timestamps_ns_size();
  return n;
}

void Die(const std::string& what) {
  std::fprintf(stderr, "grpc_load: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace lux::grpc_load
