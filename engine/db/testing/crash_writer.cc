// crash_writer DIR FIRST_BATCH [DELETE_AFTER | cold]
// Writes batches of 50 points (synced) to the database in DIR forever and
// prints the id of each acknowledged batch on its own line; the crash test
// kills it with SIGKILL at random moments. Batch b holds points
// ts = T0 + (b * 50 + i) s, value = b * 50 + i, on 5 series. With
// DELETE_AFTER = d: once batch d is acknowledged, deletes the points of
// batches [d/2, d) and prints "deleted". With "cold": the database's clock
// follows the data (now = the newest point), partitions are 10 minutes
// wide and cold as soon as they end, so that the sealer re-encodes
// partitions for the cold tier all the time while the writer is killed.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "lux/clock.h"
#include "lux/db.h"

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: crash_writer DIR FIRST_BATCH [DELETE_AFTER | cold]\n");
    return 2;
  }
  const bool cold = argc == 4 && std::string(argv[3]) == "cold";
  const long long delete_after = argc == 4 && !cold ? std::atoll(argv[3]) : -1;
  constexpr int64_t kT0 = int64_t{1767225600} * 1'000'000'000;
  lux::Options options;
  options.sync = true;
  options.block_points = 64;  // seal and truncate the log often
  // In cold mode the clock starts at the newest point written before (the
  // data time this run goes on from), so that partitions left cold by an
  // earlier, killed run are re-encoded from the sealer's first round.
  const long long first_batch = std::atoll(argv[2]);
  auto clock = std::make_shared<lux::FakeClock>(kT0 + (first_batch * 50 - 1) * 1'000'000'000);
  if (cold) {
    options.clock = clock;
    options.default_partition_ns = int64_t{600} * 1'000'000'000;
    options.cold_partition_age_ns = 0;
    options.max_head_age_ns = int64_t{60} * 1'000'000'000;  // aged heads seal as data time moves
  }
  auto db = lux::DB::Open(options, argv[1]);
  if (!db.ok()) {
    std::fprintf(stderr, "open: %s\n", db.status().ToString().c_str());
    return 1;
  }
  if (!(*db)->CreateDatabase("crash").ok()) return 1;
  for (uint64_t batch = std::strtoull(argv[2], nullptr, 10);; ++batch) {
    lux::WriteBatch b;
    b.database = "crash";
    for (int i = 0; i < 50; ++i) {
      const int64_t n = int64_t(batch) * 50 + i;
      lux::Point p;
      p.measurement = "m";
      p.tags = {{"s", std::to_string(i % 5)}};
      p.fields = {{"v", int64_t(n)}};
      p.timestamp_ns = kT0 + n * 1'000'000'000;
      b.points.push_back(std::move(p));
    }
    if (cold) clock->Set(b.points.back().timestamp_ns);
    auto r = (*db)->Write(b);
    if (!r.ok() || !r->rejected.empty()) {
      std::fprintf(stderr, "write failed\n");
      return 1;
    }
    std::printf("%llu\n", static_cast<unsigned long long>(batch));
    if (cold && batch % 20 == 0) {  // "cold N": partitions re-encoded so far
      std::string stats;
      (*db)->GetProperty("lux.stats", &stats);
      const size_t at = stats.find("\"cold_partitions_encoded\":");
      if (at != std::string::npos) std::printf("cold %lld\n", std::atoll(stats.c_str() + at + 26));
    }
    std::fflush(stdout);
    if (static_cast<long long>(batch) == delete_after) {
      lux::Selector sel;
      sel.database = "crash";
      sel.measurement = "m";
      const int64_t from = kT0 + delete_after / 2 * 50 * 1'000'000'000;
      const int64_t to = kT0 + delete_after * 50 * 1'000'000'000;
      if (!(*db)->DeleteRange(sel, from, to).ok()) return 1;
      std::printf("deleted\n");
      std::fflush(stdout);
    }
  }
}
