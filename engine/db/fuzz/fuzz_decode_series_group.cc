// SeriesGroupReader and DecodeSeriesGroupKey on hostile bytes (an index
// record read back from a damaged disk at open). With bit 0 of the first
// byte set, the rest instead builds a group (ids rising by byte steps, types,
// series keys cut from the input) that must read back exactly; then one byte
// of the value is flipped and it must read or fail, never crash.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/db/keys.h"

namespace {

using lux::FieldType;
using lux::engine::SeriesGroupReader;
using lux::engine::SeriesGroupWriter;
using lux::engine::SeriesKey;

size_t ReadAll(uint64_t first_sid, std::string_view value) {
  SeriesGroupReader r(first_sid, value);
  uint64_t sid;
  FieldType type;
  std::string_view key;
  size_t n = 0;
  while (r.Next(&sid, &type, &key)) ++n;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string db, rp;
  uint64_t first = 0;
  (void)lux::engine::DecodeSeriesGroupKey(in, &db, &rp, &first);
  if (size == 0 || (data[0] & 1) == 0) {
    ReadAll(size > 1 ? data[1] : 0, in.substr(std::min<size_t>(size, 2)));
    return 0;
  }
  // Build: each entry takes a step byte, a type byte, and a key of up to
  // 15 bytes split among measurement, one tag and field.
  SeriesGroupWriter w;
  struct Want {
    uint64_t sid;
    FieldType type;
    std::string key;
  };
  std::vector<Want> want;
  uint64_t sid = 1000;
  size_t i = 1;
  while (i + 3 <= size && want.size() < 64) {
    sid += 1 + data[i];
    const FieldType type = FieldType(1 + data[i + 1] % 5);
    const size_t len = std::min<size_t>(data[i + 2] % 16, size - i - 3);
    const std::string bytes(in.substr(i + 3, len));
    i += 3 + len;
    const std::string value = bytes.substr(len / 3, 2 * len / 3 - len / 3);
    std::vector<lux::Tag> tags;
    if (!value.empty()) tags.push_back({"t", value});
    SeriesKey key{bytes.substr(0, len / 3), std::move(tags), bytes.substr(2 * len / 3)};
    w.Add(sid, type, key);
    want.push_back({sid, type, lux::engine::EncodeSeriesKey(key.measurement, key.tags, key.field)});
  }
  if (want.empty()) return 0;
  std::string value = w.Finish();
  SeriesGroupReader r(w.first_sid(), value);
  uint64_t got_sid;
  FieldType got_type;
  std::string_view got_key;
  for (const Want& e : want) {
    if (!r.Next(&got_sid, &got_type, &got_key) || got_sid != e.sid || got_type != e.type ||
        got_key != e.key) {
      std::abort();
    }
  }
  if (r.Next(&got_sid, &got_type, &got_key) || !r.ok()) std::abort();
  value[size % value.size()] ^= static_cast<char>(1 << (size % 8));
  ReadAll(w.first_sid(), value);
  return 0;
}
