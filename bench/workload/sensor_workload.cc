// File: sensor_workload.cc
#include "bench/workload/sensor_workload.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace lux::bench {
namespace {

struct TypeSpec {
  const char* name;
  int decimals;
  double base;
  double noise;
};
constexpr TypeSpec kTypes[] = {
    {"temperature", 1, 22.0, 0.08}, {"humidity", 1, 65.0, 0.3}, {"co2", 0, 800.0, 6.0},
    {"ppfd", 0, 450.0, 4.0},        {"vpd", 2, 1.1, 0.01},
};

}  // namespace

SensorWorkload::SensorWorkload(int sensors, uint64_t seed) : rng_(seed) {
  for (int i = 0; i < sensors; ++i) {
    const TypeSpec& t = kTypes[i % 5];
    SensorInfo s;
    s.facility_id = absl::StrCat("f", (i / 50) % 20);
    s.zone_id = absl::StrCat("z", (i / 10) % 5);
    s.sensor_id = absl::StrCat("s", i);
    s.sensor_type = t.name;
    s.decimals = t.decimals;
    s.base = t.base * (0.9 + 0.2 * double(i % 17) / 16);
    s.noise = t.noise;
    sensors_.push_back(s);
    state_.push_back({s.base, 0});
  }
}

void SensorWorkload::Reading(size_t s, double* value, int64_t* quality) {
  const SensorInfo& info = sensors_[s];
  State& st = state_[s];
  // A slow random walk pulled back to the base, plus measurement noise.
  st.drift = 0.98 * st.drift + 0.02 * normal_(rng_) * info.noise;
  st.level += st.drift + 0.01 * (info.base - st.level);
  const double scale = std::pow(10.0, info.decimals);
  *value = std::round((st.level + normal_(rng_) * info.noise) * scale) / scale;
  *quality = (rng_() % 1000 == 0) ? 80 : 100;
}

void SensorWorkload::Next(size_t n, std::vector<Point>* out) {
  out->reserve(out->size() + n);
  for (size_t k = 0; k < n; ++k) {
    const SensorInfo& info = sensors_[next_sensor_];
    double value;
    int64_t quality;
    Reading(next_sensor_, &value, &quality);
    Point p;
    p.measurement = "sensor_readings";
    p.tags = {{"facility_id", info.facility_id},
              {"sensor_id", info.sensor_id},
              {"sensor_type", info.sensor_type},
              {"zone_id", info.zone_id}};
    p.fields = {{"value", value}, {"quality", quality}};
    p.timestamp_ns = now();
    out->push_back(std::move(p));
    if (++next_sensor_ == sensors_.size()) {
      next_sensor_ = 0;
      ++tick_;
    }
  }
}

void SensorWorkload::NextLineProtocol(size_t n, std::string* out) {
  for (size_t k = 0; k < n; ++k) {
    const SensorInfo& info = sensors_[next_sensor_];
    double value;
    int64_t quality;
    Reading(next_sensor_, &value, &quality);
    absl::StrAppend(out, "sensor_readings,facility_id=", info.facility_id,
                    ",sensor_id=", info.sensor_id, ",sensor_type=", info.sensor_type,
                    ",zone_id=", info.zone_id, " value=", value, ",quality=", quality, "i ", now(),
                    "\n");
    if (++next_sensor_ == sensors_.size()) {
      next_sensor_ = 0;
      ++tick_;
    }
  }
}

std::vector<std::vector<std::string>> ConnectionBodies(int connections, size_t points,
                                                       size_t batch) {
  const size_t per_conn = points / size_t(connections);
  std::vector<std::vector<std::string>> bodies(static_cast<size_t>(connections));
  for (int c = 0; c < connections; ++c) {
    SensorWorkload gen(1000, 42 + uint64_t(c));
    const std::string prefix = absl::StrCat("c", c, "_");
    for (size_t done = 0; done < per_conn; done += batch) {
      std::string body;
      gen.NextLineProtocol(std::min(batch, per_conn - done), &body);
      std::string prefixed;
      prefixed.reserve(body.size() + body.size() / 16);
      size_t pos = 0, at;
      while ((at = body.find("sensor_id=s", pos)) != std::string::npos) {
        prefixed.append(body, pos, at + 10 - pos);
        prefixed += prefix;
        pos = at + 10;
      }
      prefixed.append(body, pos);
      bodies[size_t(c)].push_back(std::move(prefixed));
    }
  }
  return bodies;
}

}  // namespace lux::bench
