// lineproto_bench [--lines N] [--reps R] [--keep-heap 0|1]
//
// Parses N generated sensor lines (the line shape of bench/workload) with
// lux::lineproto::Parse, R times, and prints the best lines/s and MB/s
// (lines_per_s, mb_per_s); then the same with lux::lineproto::ParseBatch into
// columns (batch_lines_per_s, batch_mb_per_s).
// One core, one request body per repetition, one ParseResult (PointBatch) reused.
// --keep-heap 1 stops glibc from handing freed memory back to the kernel
// between repetitions (as a long-running server's allocator would keep it);
// with 0, page faults on the output Points cost about as much as parsing.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "server/lineproto/line_protocol.h"

namespace {

std::string MakeBody(size_t lines) {
  static const char* kTypes[] = {"co2", "temperature", "humidity", "light"};
  std::string body;
  body.reserve(lines * 130);
  int64_t ts = 1767225600000000000;
  for (size_t i = 0; i < lines; ++i) {
    const size_t sensor = i % 400;
    body += "sensor_readings,facility_id=f";
    body += std::to_string(sensor % 8);
    body += ",sensor_id=s";
    body += std::to_string(sensor);
    body += ",sensor_type=";
    body += kTypes[sensor % 4];
    body += ",zone_id=z";
    body += std::to_string(sensor % 5);
    body += " value=";
    body += std::to_string(400 + (i * 7919) % 900);
    if (i % 3 == 0) body += ".25";
    body += ",quality=100i ";
    body += std::to_string(ts);
    body += '\n';
    if (sensor == 399) ts += 10'000'000'000;
  }
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  size_t lines = 1'000'000;
  int reps = 5;
  bool keep_heap = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--lines") == 0) lines = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--keep-heap") == 0) keep_heap = std::atoi(argv[i + 1]) != 0;
  }
  if (keep_heap) {
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
  }
  const std::string body = MakeBody(lines);
  lux::lineproto::ParseOptions options;
  options.default_time_ns = 1767225600123456789;
  double best = 1e30;
  size_t points = 0;
  // One result reused, as a server reuses its allocator's memory between requests.
  lux::lineproto::ParseResult result;
  for (int r = 0; r < reps; ++r) {
    result.points.clear();
    result.point_lines.clear();
    result.errors.clear();
    const auto t0 = std::chrono::steady_clock::now();
    lux::lineproto::Parse(body, options, &result);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, s);
    points = result.points.size();
    if (!result.errors.empty()) {
      std::fprintf(stderr, "unexpected error: %s\n",
                   lux::lineproto::FormatError(result.errors[0]).c_str());
      return 1;
    }
  }
  // The same body into columns, one PointBatch reused.
  double batch_best = 1e30;
  size_t batch_points = 0;
  lux::lineproto::PointBatch batch;
  for (int r = 0; r < reps; ++r) {
    batch.Clear();
    const auto t0 = std::chrono::steady_clock::now();
    lux::lineproto::ParseBatch(body, options, &batch);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    batch_best = std::min(batch_best, s);
    batch_points = batch.size();
    if (!batch.errors().empty()) {
      std::fprintf(stderr, "unexpected error: %s\n",
                   lux::lineproto::FormatError(batch.errors()[0]).c_str());
      return 1;
    }
  }
  std::printf(
      "{\"lines\": %zu, \"points\": %zu, \"bytes\": %zu, \"keep_heap\": %d, \"best_s\": %.4f, "
      "\"lines_per_s\": %.0f, \"mb_per_s\": %.1f, \"batch_points\": %zu, \"batch_best_s\": %.4f, "
      "\"batch_lines_per_s\": %.0f, \"batch_mb_per_s\": %.1f}\n",
      lines, points, body.size(), int(keep_heap), best, double(lines) / best,
      double(body.size()) / best / 1e6, batch_points, batch_best, double(lines) / batch_best,
      double(body.size()) / batch_best / 1e6);
  return points == lines && batch_points == lines ? 0 : 1;
}
