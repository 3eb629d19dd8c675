// DecodeWalRecord on hostile bytes (a log read back after a crash or from a
// damaged disk). With bit 0 of the first byte set, the rest instead builds a
// WalBatch (runs of every type, timestamps as signed byte steps or those of
// the previous run, values from the input) that must round-trip exactly,
// before and after zstd; then one byte of the record is flipped and the
// record must decode or fail, never crash.
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/db/wal_record.h"

namespace {

struct Bytes {
  const uint8_t* p;
  size_t n;
  uint8_t Next() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  uint64_t Next64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | Next();
    return v;
  }
};

bool Same(const lux::engine::WalBatch& a, const lux::engine::WalBatch& b) {
  if (a.runs.size() != b.runs.size()) return false;
  for (size_t r = 0; r < a.runs.size(); ++r) {
    const auto &x = a.runs[r], &y = b.runs[r];
    if (x.sid != y.sid || x.type != y.type || x.end - x.begin != y.end - y.begin) return false;
    for (uint32_t i = 0; i < x.end - x.begin; ++i) {
      if (a.ts[x.begin + i] != b.ts[y.begin + i]) return false;
      if (x.type == lux::FieldType::kString
              ? a.strs[a.bits[x.begin + i]] != b.strs[b.bits[y.begin + i]]
              : a.bits[x.begin + i] != b.bits[y.begin + i]) {
        return false;
      }
    }
  }
  return true;
}

void RoundTrip(Bytes in, uint8_t flip) {
  lux::engine::WalBatch batch;
  std::vector<int64_t> previous;  // timestamps of the last run
  while (in.n > 0) {
    const uint8_t head = in.Next();
    const auto type = lux::FieldType(1 + head % 5);
    // Bit 7: another field of the previous run's line (its timestamps).
    const bool same_line = (head & 0x80) != 0 && !previous.empty();
    batch.BeginRun(in.Next() | uint64_t(head >> 3 & 0xf) << 8, type);
    int64_t t = same_line ? 0 : int64_t(in.Next64());
    const int n = same_line ? int(previous.size()) : in.Next() % 40;
    if (!same_line) previous.clear();
    for (int k = 0; k < n; ++k) {
      if (same_line) {
        t = previous[k];
      } else {
        t = int64_t(uint64_t(t) + uint64_t(int64_t(int8_t(in.Next())) * 1'000'000'000));
        previous.push_back(t);
      }
      switch (type) {
        case lux::FieldType::kString:
          batch.AddString(t, std::string(in.Next() % 4, char(in.Next())));
          break;
        case lux::FieldType::kBoolean:
          batch.Add(t, in.Next() & 1);
          break;
        default:
          batch.Add(t, in.Next64());
          break;
      }
    }
  }
  std::string record;
  lux::engine::EncodeWalRecord(batch, &record);
  lux::engine::WalBatch out;
  std::optional<lux::engine::WalDelete> del;
  if (!lux::engine::DecodeWalRecord(record, &out, &del).ok() || del || !Same(out, batch)) {
    std::abort();
  }
  if (record.empty()) return;
  record[flip % record.size()] ^= char(flip | 1);
  (void)lux::engine::DecodeWalRecord(record, &out, &del).ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1) {
    RoundTrip(Bytes{data + 2, size < 2 ? 0 : size - 2}, size > 1 ? data[1] : 0);
    return 0;
  }
  lux::engine::WalBatch out;
  std::optional<lux::engine::WalDelete> del;
  (void)lux::engine::DecodeWalRecord(
      std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), &out, &del)
      .ok();
  return 0;
}
