// http_ingest --port P [--connections N] [--points TOTAL] [--batch 5000] [--db bench]
//             [--rate POINTS_PER_S] [--trace FILE]
//
// N keep-alive connections POST the sensor workload as line protocol to a
// running luxd (or any InfluxDB 1.x-compatible server) at 127.0.0.1:P,
// batches of --batch lines, and print one JSON object: points/s and request
// latency p50/p95/p99, and the p95 of the requests after each connection's
// first (p95_after_first_ms: the first wave makes every series of the run at
// once, all connections together), and when the first wave ended
// (first_wave_ms: the last connection's first request answered, from the
// first request's start). Each connection writes its own sensors
// (so batches of different connections never overwrite each other). Creates
// the database first with a CREATE DATABASE query.
//
// Without --rate every connection sends its next batch as soon as the last
// one is answered (closed loop: the latency then is connections / request
// rate, Little's law, whatever the server). With --rate the connections
// together offer that many points/s, each batch sent at its scheduled time,
// and latency counts from that time (queueing included, no coordinated
// omission): the latency at a given load.
//
// --trace writes one line per request, "connection request start_ms
// latency_ms" (start from the first request's), to see when slow requests
// happen: all together (a stall) or spread (unfair service).
// clang-format off
#include <utility>  // first: Boost.Asio 1.74's awaitable.hpp uses std::exchange unincluded
// clang-format on
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "bench/workload/sensor_workload.h"

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int port = 8086, connections = 8;
  size_t points = 2'000'000, batch = 5000;
  double rate = 0;
  std::string trace;
  std::string db = "bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--port")
      port = std::stoi(argv[i + 1]);
    else if (a == "--connections")
      connections = std::stoi(argv[i + 1]);
    else if (a == "--points")
      points = std::stoull(argv[i + 1]);
    else if (a == "--batch")
      batch = std::stoull(argv[i + 1]);
    else if (a == "--db")
      db = argv[i + 1];
    else if (a == "--rate")
      rate = std::stod(argv[i + 1]);
    else if (a == "--trace")
      trace = argv[i + 1];
  }
  auto connect = [&](beast::tcp_stream& s, boost::asio::io_context& ioc) {
    tcp::resolver r(ioc);
    s.connect(r.resolve("127.0.0.1", std::to_string(port)));
  };
  auto post = [&](beast::tcp_stream& s, const std::string& target, std::string body) {
    http::request<http::string_body> req(http::verb::post, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return int(res.result_int());
  };
  try {
    boost::asio::io_context ioc;
    beast::tcp_stream s(ioc);
    connect(s, ioc);
    post(s, "/query?q=CREATE%20DATABASE%20" + db, "");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_ingest: 127.0.0.1:%d: %s\n", port, e.what());
    return 1;
  }
  // Pre-generate each connection's batches (generation is not measured).
  const size_t per_conn = points / connections;
  auto bodies = lux::bench::ConnectionBodies(connections, points, batch);
  std::vector<std::vector<double>> lat(connections), start(connections);
  std::vector<int> failures(connections, 0);
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      try {
        boost::asio::io_context ioc;
        beast::tcp_stream s(ioc);
        connect(s, ioc);
        // Paced: connection c's k-th batch is due at t0 + (k + c / N) * period.
        const auto period =
            std::chrono::duration<double>(rate > 0 ? batch * connections / rate : 0);
        size_t k = 0;
        for (auto& body : bodies[c]) {
          auto r0 = Clock::now();
          if (rate > 0) {
            const auto due = t0 + std::chrono::duration_cast<Clock::duration>(
                                      period * (double(k) + double(c) / connections));
            std::this_thread::sleep_until(due);
            r0 = due;
          }
          ++k;
          start[c].push_back(std::chrono::duration<double, std::milli>(r0 - t0).count());
          const int status = post(s, "/write?db=" + db, std::move(body));
          lat[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - r0).count());
          if (status != 204) ++failures[c];
        }
      } catch (const std::exception& e) {
        // A broken connection fails its unsent batches; the others go on.
        std::fprintf(stderr, "http_ingest: connection %d: %s\n", c, e.what());
        failures[c] += int(bodies[c].size() - lat[c].size());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!trace.empty()) {
    FILE* f = std::fopen(trace.c_str(), "w");
    if (f == nullptr) {
      std::perror(trace.c_str());
      return 1;
    }
    for (int c = 0; c < connections; ++c) {
      for (size_t k = 0; k < lat[c].size(); ++k) {
        std::fprintf(f, "%d %zu %.3f %.3f\n", c, k, start[c][k], lat[c][k]);
      }
    }
    std::fclose(f);
  }
  // All requests, and those after each connection's first (whose series
  // the server has already made: the first wave makes every series at once).
  std::vector<double> all, after_first;
  int failed = 0;
  double first_wave_ms = 0;  // when the last connection's first request was answered
  for (int c = 0; c < connections; ++c) {
    if (!lat[c].empty()) first_wave_ms = std::max(first_wave_ms, start[c][0] + lat[c][0]);
    all.insert(all.end(), lat[c].begin(), lat[c].end());
    if (lat[c].size() > 1) after_first.insert(after_first.end(), lat[c].begin() + 1, lat[c].end());
    failed += failures[c];
  }
  auto pct_of = [](std::vector<double>& v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, size_t(p / 100 * v.size()))];
  };
  auto pct = [&](double p) { return pct_of(all, p); };
  std::printf(
      "{\"benchmark\":\"http_ingest\",\"connections\":%d,\"offered_rate\":%.0f,\"points\":%zu,"
      "\"batch\":%zu,"
      "\"seconds\":%.3f,\"points_per_s\":%.0f,\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,"
      "\"p95_after_first_ms\":%.2f,\"first_wave_ms\":%.2f,\"failed_requests\":%d}\n",
      connections, rate, per_conn * connections, batch, seconds, per_conn * connections / seconds,
      pct(50), pct(95), pct(99), pct_of(after_first, 95), first_wave_ms, failed);
  return failed == 0 ? 0 : 1;
}
