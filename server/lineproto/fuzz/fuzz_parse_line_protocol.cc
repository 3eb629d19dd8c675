// Parses arbitrary bytes as a request body, with options taken from the first
// byte, and checks the result's invariants, that ParseBatch gives the same
// points, line numbers and errors, and that ToColumns groups them faithfully. (Fuzz builds also
// check each line the plain-line scanner takes against the full parser: LUX_LINEPROTO_VERIFY_CUTS.)
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/lineproto/line_protocol.h"

namespace {

// Aborts unless got and want are the same point (float fields bit for bit,
// so that -0.0 and 0.0 differ).
void CheckSamePoint(const lux::Point& got, const lux::Point& want) {
  if (got.measurement != want.measurement || got.tags != want.tags ||
      got.timestamp_ns != want.timestamp_ns || got.fields.size() != want.fields.size()) {
    std::abort();
  }
  for (size_t f = 0; f < got.fields.size(); ++f) {
    const lux::FieldValue& a = got.fields[f].value;
    const lux::FieldValue& b = want.fields[f].value;
    if (got.fields[f].key != want.fields[f].key || a.index() != b.index()) std::abort();
    if (a.index() == 0 ? std::memcmp(&std::get<0>(a), &std::get<0>(b), sizeof(double)) != 0
                       : a != b) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  lux::lineproto::ParseOptions options;
  options.precision = static_cast<lux::lineproto::Precision>(flags % 6);
  options.allow_unsigned = (flags & 0x08) != 0;
  options.default_time_ns = (flags & 0x10) ? -1'234'567'890'123 : 1'767'225'600'123'456'789;
  if (flags & 0x20) {
    options.max_line_bytes = 64;
    options.max_tags = 2;
    options.max_key_bytes = 40;
  }
  lux::lineproto::ParseResult result;
  lux::lineproto::Parse(body, options, &result);
  if (result.points.size() != result.point_lines.size()) std::abort();
  for (const lux::Point& p : result.points) {
    if (p.measurement.empty() || p.fields.empty()) std::abort();
    for (size_t i = 1; i < p.tags.size(); ++i) {
      if (p.tags[i - 1].key > p.tags[i].key) std::abort();
    }
  }
  for (const auto& e : result.errors) {
    if (e.reason.empty() || e.line_number == 0) std::abort();
    (void)lux::lineproto::FormatError(e);
  }

  lux::lineproto::PointBatch batch;
  lux::lineproto::ParseBatch(body, options, &batch);
  if (batch.size() != result.points.size()) std::abort();
  for (size_t i = 0; i < batch.size(); ++i) {
    const lux::Point& want = result.points[i];
    if (batch.line_number(i) != result.point_lines[i]) std::abort();
    CheckSamePoint(batch.ToPoint(i), want);
  }
  const auto& errors = batch.errors();
  if (errors.size() != result.errors.size()) std::abort();
  for (size_t e = 0; e < errors.size(); ++e) {
    if (errors[e].line_number != result.errors[e].line_number ||
        errors[e].line != result.errors[e].line || errors[e].reason != result.errors[e].reason) {
      std::abort();
    }
  }

  // Grouped into columns (into a batch reused across inputs, sometimes with
  // every tag-set hash colliding): every point exactly once, as parsed, and
  // each series (tag set and field) in body order.
  static lux::ColumnBatch columns;
  lux::lineproto::PointBatch::testing_hash_mask = (flags & 0x40) ? 0 : ~uint64_t{0};
  std::vector<uint32_t> point_of;
  batch.ToColumns(&columns, &point_of);
  lux::lineproto::PointBatch::testing_hash_mask = ~uint64_t{0};
  if (point_of.size() != batch.size()) std::abort();
  std::vector<bool> seen(batch.size());
  std::map<std::pair<std::string, std::string>, uint32_t> last;  // series -> its last point
  size_t k = 0;
  for (const lux::SeriesPoints& sp : columns.series) {
    std::string tagset = sp.measurement;
    for (const lux::Tag& t : sp.tags) tagset += '\0' + t.key + '\0' + t.value;
    for (size_t j = 0; j < sp.timestamps_ns.size(); ++j, ++k) {
      if (k >= point_of.size() || point_of[k] >= batch.size() || seen[point_of[k]]) std::abort();
      seen[point_of[k]] = true;
      const lux::Point got = lux::PointAt(sp, j);
      CheckSamePoint(got, batch.ToPoint(point_of[k]));
      for (size_t f = 0; f < got.fields.size(); ++f) {
        auto [it, fresh] = last.try_emplace({tagset, got.fields[f].key}, point_of[k]);
        if (!fresh) {
          // Out of body order (a line may repeat a field: equal is fine).
          if (it->second > point_of[k]) std::abort();
          it->second = point_of[k];
        }
      }
    }
  }
  if (k != point_of.size()) std::abort();
  return 0;
}
