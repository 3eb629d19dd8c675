// Microbenchmarks: codec x data pattern, bytes/value as a counter.
#include <benchmark/benchmark.h>

#include "engine/codec/decimal_codec.h"
#include "engine/codec/float_codec.h"
#include "engine/codec/gorilla_codec.h"
#include "engine/codec/int_codec.h"
#include "engine/codec/testing/patterns.h"
#include "engine/codec/timestamp_codec.h"

namespace lux::codec {
namespace {

constexpr size_t kN = 8192;

void BM_EncodeFloats(benchmark::State& state) {
  auto v = testing::SensorValues(kN, int(state.range(0)), 1);
  std::string buf;
  for (auto _ : state) {
    buf.clear();
    EncodeFloats(v, &buf);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations() * kN);
  state.counters["bytes_per_value"] = double(buf.size()) / kN;
}
BENCHMARK(BM_EncodeFloats)->Arg(1)->Arg(2)->Arg(4);

void BM_DecodeDecimal(benchmark::State& state) {
  auto v = testing::SensorValues(kN, int(state.range(0)), 1);
  std::string buf;
  EncodeDecimal(v, ChooseDecimalExponent(v), &buf);
  std::vector<double> out(kN);
  for (auto _ : state) {
    benchmark::DoNotOptimize(DecodeDecimal(buf, kN, out.data()).ok());
  }
  state.SetItemsProcessed(state.iterations() * kN);
  state.counters["bytes_per_value"] = double(buf.size()) / kN;
}
BENCHMARK(BM_DecodeDecimal)->Arg(1)->Arg(2)->Arg(4);

void BM_DecodeGorilla(benchmark::State& state) {
  auto v = testing::SensorValues(kN, int(state.range(0)), 1);
  std::string buf;
  EncodeGorilla(v, &buf);
  std::vector<double> out(kN);
  for (auto _ : state) {
    benchmark::DoNotOptimize(DecodeGorilla(buf, kN, out.data()).ok());
  }
  state.SetItemsProcessed(state.iterations() * kN);
  state.counters["bytes_per_value"] = double(buf.size()) / kN;
}
BENCHMARK(BM_DecodeGorilla)->Arg(1)->Arg(2)->Arg(4);

void BM_DecodeTimestamps(benchmark::State& state) {
  auto ts = testing::JitteredTimestamps(kN, 10 * testing::kSecond, state.range(0), 1);
  std::string buf;
  ColumnCodec c = EncodeTimestamps(ts, &buf);
  std::vector<int64_t> out(kN);
  for (auto _ : state) {
    benchmark::DoNotOptimize(DecodeTimestamps(c, buf, kN, out.data()).ok());
  }
  state.SetItemsProcessed(state.iterations() * kN);
  state.counters["bytes_per_value"] = double(buf.size()) / kN;
}
BENCHMARK(BM_DecodeTimestamps)->Arg(0)->Arg(1'000'000);

// Cold-partition integer columns: sensor noise of range(0) steps through the
// entropy stage (a predicted column, mode 7, for this noise).
void BM_DecodeEntropyInts(benchmark::State& state) {
  const auto v = testing::NoisyWalk(kN, double(state.range(0)), 1);
  std::string buf;
  EncodeInts(v, &buf, EncodeOptions{.allow_rans = true});
  std::vector<int64_t> out(kN);
  for (auto _ : state) {
    Reader r(buf);
    benchmark::DoNotOptimize(DecodeInts(&r, kN, out.data()).ok());
  }
  state.SetItemsProcessed(state.iterations() * kN);
  state.counters["bytes_per_value"] = double(buf.size()) / kN;
  state.counters["mode"] = double(uint8_t(buf[0]));
}
BENCHMARK(BM_DecodeEntropyInts)->Arg(1)->Arg(3)->Arg(6);

}  // namespace
}  // namespace lux::codec

BENCHMARK_MAIN();
