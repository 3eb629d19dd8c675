// File: options.h
// -----------------------------------------------------------------------------
// Options of an embedded Lux database. Plain struct: defaults inline, one
// Validate().
#ifndef LUX_OPTIONS_H_
#define LUX_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "lux/clock.h"

namespace lux {

struct Options {
  // Create the data directory when it does not exist. Default true.
  bool create_if_missing = true;
  // fsync the write-ahead log before a Write returns. With it, an
  // acknowledged write survives power loss; without, it survives a process
  // crash (kill -9) only. Default true. Not changeable at runtime.
  bool sync = true;
  // Points per series at which the head seals a block. Default 8192 (see the
  // README's block-size measurements). 16 ..= 2^20.
  size_t block_points = 8192;
  // A series' unsealed points are sealed once the oldest of them arrived
  // this long ago (by `clock`), however few they are: this bounds the log
  // and the replay after a crash. Checked about once a second. 0 = only
  // full blocks, Flush and Close seal. Default one hour.
  int64_t max_head_age_ns = int64_t{3600} * 1'000'000'000;
  // Unsealed points per compressed head segment. New points append to an
  // uncompressed tail (16 bytes each); the background sealer compresses
  // each full run of this many (timestamps and integers delta-of-delta,
  // floats Gorilla XOR; strings stay uncompressed) off the write path.
  // 0 = keep the head uncompressed. 0 or 16 ..= 2^20. Default 256.
  size_t head_segment_points = 256;
  // Bound on unsealed points in memory. From half of it the sealer seals
  // every series' head, full blocks or not; at the bound, writes fail with
  // kResourceExhausted ("retry") until it has caught up. Default 50 million
  // (~800 MB uncompressed; a few bytes a point once in segments).
  size_t max_head_points = 50'000'000;
  // Encode cold partitions with the codecs' entropy stage (rANS over
  // integer residuals and predicted sensor columns): ~30% fewer bytes per
  // value on noisy sensor data (0.229 against 0.318 bytes per field value on
  // the sensor workload), decoding at ~250 M values/s instead of 1-2 G (the
  // query targets hold either way; README "Performance"). A partition is
  // cold once it ended cold_partition_age_ns ago: blocks sealed into it from
  // then on are entropy-coded, and the background sealer re-encodes the
  // blocks it got while hot, once. Hot partitions (today's) keep the fast
  // codecs. Default true; false: every block stays fast to decode.
  bool entropy_coding = true;
  // See entropy_coding. 0 = a partition is cold as soon as it ended.
  // 0 ..= 100 years. Default one hour.
  int64_t cold_partition_age_ns = int64_t{3600} * 1'000'000'000;
  // Partition width of a retention policy created without one, in ns.
  // Default one day.
  int64_t default_partition_ns = int64_t{24} * 3600 * 1'000'000'000;
  // Largest number of series per database; writes creating more are
  // rejected per point. Default 10 million.
  size_t max_series_per_database = 10'000'000;
  // Largest number of points in one Write. Default 1 million.
  size_t max_points_per_write = 1'000'000;
  // How long a WriteBatch::batch_id is remembered (a retry within it is not
  // applied twice). 0 = batch ids are ignored. Default 10 minutes.
  int64_t batch_id_window_ns = int64_t{600} * 1'000'000'000;
  // Longest batch id accepted. Default 256 bytes.
  size_t max_batch_id_bytes = 256;
  // Let RocksDB write its informational log (every flush, compaction and
  // column family with its options, a statistics dump every 10 minutes) to
  // <path>/LOG. Off by default: it only logs warnings and errors, which
  // keeps LOG from growing with the partitions (it was ~0.2 MB at 100M
  // points, 0.5 % of the data). Turn on to debug RocksDB itself.
  bool rocksdb_info_log = false;
  // RocksDB block cache, bytes. Default 256 MiB.
  size_t block_cache_bytes = size_t{256} << 20;
  // Source of "now". Default: the system clock.
  std::shared_ptr<Clock> clock;

  // OK, or kInvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

}  // namespace lux

#endif  // LUX_OPTIONS_H_
