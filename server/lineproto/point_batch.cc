#include "server/lineproto/point_batch.h"

#include <xxhash.h>

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "server/lineproto/batch_writer.h"

namespace lux::lineproto {

void PointBatch::Clear() {
  arena_.clear();
  points_.clear();
  tags_.clear();
  fields_.clear();
  errors_.clear();
}

FieldValue PointBatch::field_value(size_t i, size_t f) const {
  switch (field_type(i, f)) {
    case FieldType::kFloat:
      return float_value(i, f);
    case FieldType::kInteger:
      return integer_value(i, f);
    case FieldType::kUnsigned:
      return unsigned_value(i, f);
    case FieldType::kBoolean:
      return boolean_value(i, f);
    case FieldType::kString:
      break;
  }
  return std::string(string_value(i, f));
}

Point PointBatch::ToPoint(size_t i) const {
  Point p;
  p.measurement = measurement(i);
  p.tags.resize(tag_count(i));
  for (size_t t = 0; t < p.tags.size(); ++t) {
    p.tags[t].key = tag_key(i, t);
    p.tags[t].value = tag_value(i, t);
  }
  p.fields.resize(field_count(i));
  for (size_t f = 0; f < p.fields.size(); ++f) {
    p.fields[f].key = field_key(i, f);
    p.fields[f].value = field_value(i, f);
  }
  p.timestamp_ns = timestamp_ns(i);
  return p;
}

void PointBatch::AppendPoints(std::vector<Point>* out) const {
  out->reserve(out->size() + size());
  for (size_t i = 0; i < size(); ++i) out->push_back(ToPoint(i));
}

bool PointBatch::SameTagSet(size_t i, size_t j) const {
  const uint32_t pi = points_[i].plain_series_end, pj = points_[j].plain_series_end;
  if (pi != 0 && pj != 0) return View(i, Str{0, pi}) == View(j, Str{0, pj});
  if (tag_count(i) != tag_count(j) || measurement(i) != measurement(j)) return false;
  for (size_t t = 0; t < tag_count(i); ++t) {
    if (tag_key(i, t) != tag_key(j, t) || tag_value(i, t) != tag_value(j, t)) return false;
  }
  return true;
}

bool PointBatch::SameFields(size_t i, size_t j) const {
  if (field_count(i) != field_count(j)) return false;
  for (size_t f = 0; f < field_count(i); ++f) {
    if (field_type(i, f) != field_type(j, f) || field_key(i, f) != field_key(j, f)) return false;
  }
  return true;
}

uint64_t PointBatch::TagSetHash(size_t i, std::string* scratch) const {
  std::string_view key;
  if (const uint32_t end = points_[i].plain_series_end; end != 0) {
    key = View(i, Str{0, end});
  } else {
    // Unescaped, so that it hashes as a plain line of the same tag set
    // would; names holding ',' or '=' may share bytes with another tag set,
    // which SameTagSet tells apart.
    scratch->assign(measurement(i));
    for (size_t t = 0; t < tag_count(i); ++t) {
      scratch->push_back(',');
      scratch->append(tag_key(i, t));
      scratch->push_back('=');
      scratch->append(tag_value(i, t));
    }
    key = *scratch;
  }
  // XXH3: a third of absl::Hash's instructions on keys of this length.
  return XXH3_64bits(key.data(), key.size()) & testing_hash_mask;
}

void PointBatch::ToColumns(ColumnBatch* out, std::vector<uint32_t>* flat_to_point) const {
  // 1. The group of each point and each group's size. A group is a run of
  // one tag set (measurement and tags as given) with one field signature
  // (keys and types in order). A tag set's points join its latest group
  // while their signature matches it and open a new group when it changes,
  // so that every series (tag set and field) keeps its points in body order
  // across groups: the later of two points at one timestamp still wins.
  // Tag sets are found by hash; the group's first point confirms the match
  // (a colliding hash probes the next value).
  absl::flat_hash_map<uint64_t, uint32_t> latest;  // tag-set hash -> its latest group
  std::vector<uint32_t> group_of(size());
  std::vector<uint32_t> first;  // of each group: its first point
  std::vector<uint32_t> next;   // of each group: its size, then its next flat index
  std::string scratch;
  for (size_t i = 0; i < size(); ++i) {
    uint64_t h = TagSetHash(i, &scratch);
    auto it = latest.find(h);
    while (it != latest.end() && !SameTagSet(i, first[it->second])) it = latest.find(++h);
    if (it == latest.end() || !SameFields(i, first[it->second])) {
      const uint32_t g = uint32_t(first.size());
      latest[h] = g;
      first.push_back(uint32_t(i));
      next.push_back(0);
      group_of[i] = g;
    } else {
      group_of[i] = it->second;
    }
    ++next[group_of[i]];
  }
  // 2. One SeriesPoints per group, its columns reserved; what *out held is
  // overwritten, its strings' and vectors' memory reused.
  out->series.resize(first.size());
  for (size_t g = 0; g < first.size(); ++g) {
    const size_t i = first[g], n = next[g];
    SeriesPoints& sp = out->series[g];
    sp.measurement.assign(measurement(i));
    sp.tags.resize(tag_count(i));
    for (size_t t = 0; t < tag_count(i); ++t) {
      sp.tags[t].key.assign(tag_key(i, t));
      sp.tags[t].value.assign(tag_value(i, t));
    }
    sp.timestamps_ns.clear();
    sp.timestamps_ns.reserve(n);
    sp.fields.resize(field_count(i));
    for (size_t f = 0; f < field_count(i); ++f) {
      FieldColumn& col = sp.fields[f];
      col.key.assign(field_key(i, f));
      if (ColumnType(col.values) == field_type(i, f)) {
        std::visit([](auto& v) { v.clear(); }, col.values);
      } else {
        col.values = EmptyColumn(field_type(i, f));
      }
      std::visit([n](auto& v) { v.reserve(n); }, col.values);
    }
  }
  // 3. Fill; flat positions: each group's points follow the earlier groups'.
  uint32_t at = 0;
  for (uint32_t& n : next) at += std::exchange(n, at);
  flat_to_point->resize(size());
  for (size_t i = 0; i < size(); ++i) {
    (*flat_to_point)[next[group_of[i]]++] = uint32_t(i);
    SeriesPoints& sp = out->series[group_of[i]];
    sp.timestamps_ns.push_back(timestamp_ns(i));
    for (size_t f = 0; f < field_count(i); ++f) {
      FieldValues& col = sp.fields[f].values;
      switch (col.index()) {
        case 0:
          std::get<0>(col).push_back(float_value(i, f));
          break;
        case 1:
          std::get<1>(col).push_back(integer_value(i, f));
          break;
        case 2:
          std::get<2>(col).push_back(unsigned_value(i, f));
          break;
        case 3:
          std::get<3>(col).push_back(boolean_value(i, f));
          break;
        default:
          std::get<4>(col).emplace_back(string_value(i, f));
          break;
      }
    }
  }
}

namespace internal {

void BatchWriter::AppendPlain(std::string_view line, const PlainLine& plain, size_t line_number,
                              PointBatch* batch) {
  using Str = PointBatch::Str;
  PointBatch::PointRow& row = batch->points_.emplace_back();
  row.arena_base = batch->arena_.size();
  row.tags_begin = batch->tags_.size();
  row.fields_begin = batch->fields_.size();
  row.measurement = Str{0, plain.measurement_end};
  row.plain_series_end =
      plain.tag_count == 0 ? plain.measurement_end : plain.tags[plain.tag_count - 1].value_end;
  row.tag_count = plain.tag_count;
  row.field_count = plain.field_count;
  row.timestamp_ns = plain.timestamp_ns;
  row.line_number = line_number;
  // Every name is a piece of the line: one copy serves them all.
  batch->arena_.append(line);
  for (uint32_t t = 0; t < plain.tag_count; ++t) {
    const PlainLine::TagSpan& s = plain.tags[t];
    batch->tags_.push_back({Str{s.key_begin, s.key_end - s.key_begin},
                            Str{s.value_begin, s.value_end - s.value_begin}});
  }
  for (uint32_t f = 0; f < plain.field_count; ++f) {
    const PlainLine::FieldSlot& s = plain.fields[f];
    batch->fields_.push_back(
        {Str{s.key_begin, s.key_end - s.key_begin}, Str{0, 0}, s.bits, s.type});
  }
}

void BatchWriter::AppendPoint(const Point& p, size_t line_number, PointBatch* batch) {
  using Str = PointBatch::Str;
  std::string& arena = batch->arena_;
  const size_t base = arena.size();
  auto add = [&](std::string_view s) {
    const Str str{uint32_t(arena.size() - base), uint32_t(s.size())};
    arena.append(s);
    return str;
  };
  PointBatch::PointRow& row = batch->points_.emplace_back();
  row.arena_base = base;
  row.tags_begin = batch->tags_.size();
  row.fields_begin = batch->fields_.size();
  row.measurement = add(p.measurement);
  row.tag_count = uint32_t(p.tags.size());
  row.field_count = uint32_t(p.fields.size());
  row.timestamp_ns = p.timestamp_ns;
  row.line_number = line_number;
  for (const Tag& t : p.tags) {
    const Str key = add(t.key);
    batch->tags_.push_back({key, add(t.value)});
  }
  for (const Field& f : p.fields) {
    PointBatch::FieldRow field{add(f.key), Str{0, 0}, 0, TypeOf(f.value)};
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            field.str = add(v);
          } else if constexpr (std::is_same_v<T, bool>) {
            field.bits = v;
          } else {
            std::memcpy(&field.bits, &v, sizeof(v));
          }
        },
        f.value);
    batch->fields_.push_back(field);
  }
}

void BatchWriter::Reserve(size_t points, size_t bytes, PointBatch* batch) {
  batch->points_.reserve(batch->points_.size() + points);
  batch->arena_.reserve(batch->arena_.size() + bytes);
}

}  // namespace internal
}  // namespace lux::lineproto
