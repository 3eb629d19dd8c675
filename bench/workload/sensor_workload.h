// File: sensor_workload.h
// -----------------------------------------------------------------------------
// The sensor workload shared by the benchmarks: 1,000 sensors in
// 20 facilities x 5 zones, tags facility_id, zone_id, sensor_id, sensor_type
// (temperature, humidity, co2, ppfd, vpd), measurement sensor_readings,
// fields value (slowly drifting, noisy, quantised to the sensor's decimal
// precision) and quality (int), one point per sensor every 10 s. Points come
// in time order, sensor by sensor within each 10 s tick; any number of
// sensors and ticks (100M+ points). Deterministic for a seed.
#ifndef LUX_BENCH_WORKLOAD_SENSOR_WORKLOAD_H_
#define LUX_BENCH_WORKLOAD_SENSOR_WORKLOAD_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lux/point.h"

namespace lux::bench {

struct SensorInfo {
  std::string facility_id;
  std::string zone_id;
  std::string sensor_id;
  std::string sensor_type;
  int decimals = 1;
  double base = 0;
  double noise = 0;
};

class SensorWorkload {
 public:
  static constexpr int64_t kInterval = 10'000'000'000;                    // 10 s
  static constexpr int64_t kStart = int64_t{1767225600} * 1'000'000'000;  // 2026-01-01

  explicit SensorWorkload(int sensors = 1000, uint64_t seed = 42);

  const std::vector<SensorInfo>& sensors() const { return sensors_; }

  // The next `n` points in time order (appended to *out).
  void Next(size_t n, std::vector<Point>* out);

  // The same as InfluxDB line protocol, one line per point, ns timestamps.
  void NextLineProtocol(size_t n, std::string* out);

  // Time of the next point to be generated.
  int64_t now() const { return kStart + tick_ * kInterval; }

 private:
  struct State {
    double level;
    double drift;
  };
  // Advances sensor `s` to the current tick and returns its value and quality.
  void Reading(size_t s, double* value, int64_t* quality);

  std::vector<SensorInfo> sensors_;
  std::vector<State> state_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  int64_t tick_ = 0;
  size_t next_sensor_ = 0;
};

// Line-protocol request bodies of `batch` lines for each of `connections`
// writers, `points` lines in all: writer c runs SensorWorkload(1000, 42 + c)
// with its sensor ids prefixed "c<c>_", so every writer has its own 1,000
// series (x 2 fields). The bodies of http_ingest and write_path.
std::vector<std::vector<std::string>> ConnectionBodies(int connections, size_t points,
                                                       size_t batch);

}  // namespace lux::bench

#endif  // LUX_BENCH_WORKLOAD_SENSOR_WORKLOAD_H_
