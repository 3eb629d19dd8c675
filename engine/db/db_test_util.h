// File: db_test_util.h
// Helpers for engine tests: temporary directories and small point builders.
#ifndef LUX_ENGINE_DB_DB_TEST_UTIL_H_
#define LUX_ENGINE_DB_DB_TEST_UTIL_H_

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "lux/db.h"

namespace lux::testing {

// A fresh directory under $TMPDIR, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "luxtest-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline Point MakePoint(std::string measurement, std::vector<Tag> tags, std::string field,
                       FieldValue value, int64_t ts) {
  Point p;
  p.measurement = std::move(measurement);
  p.tags = std::move(tags);
  p.fields.push_back(Field{std::move(field), std::move(value)});
  p.timestamp_ns = ts;
  return p;
}

// The points of `b` as a columnar batch: one SeriesPoints per distinct
// measurement, tags and field keys and types, in order of first appearance,
// each with its points in order (or one SeriesPoints per point with
// `one_per_point`: then the flat indices of errors are the points').
inline ColumnBatch ToColumns(const WriteBatch& b, bool one_per_point = false) {
  ColumnBatch c;
  c.database = b.database;
  c.retention_policy = b.retention_policy;
  c.batch_id = b.batch_id;
  auto same_shape = [](const Point& p, const SeriesPoints& sp) {
    if (p.measurement != sp.measurement || p.tags != sp.tags ||
        p.fields.size() != sp.fields.size()) {
      return false;
    }
    for (size_t k = 0; k < p.fields.size(); ++k) {
      if (p.fields[k].key != sp.fields[k].key ||
          p.fields[k].value.index() != sp.fields[k].values.index()) {
        return false;
      }
    }
    return true;
  };
  for (const Point& p : b.points) {
    auto it = std::find_if(c.series.begin(), c.series.end(),
                           [&](const SeriesPoints& sp) { return same_shape(p, sp); });
    if (one_per_point || it == c.series.end()) {
      it = c.series.insert(c.series.end(), SeriesPoints());
      SeriesPoints& sp = *it;
      sp.measurement = p.measurement;
      sp.tags = p.tags;
      for (const Field& f : p.fields) {
        FieldColumn& col = sp.fields.emplace_back();
        col.key = f.key;
        std::visit([&](const auto& v) { col.values = std::vector<std::decay_t<decltype(v)>>(); },
                   f.value);
      }
    }
    SeriesPoints& sp = *it;
    sp.timestamps_ns.push_back(p.timestamp_ns);
    for (size_t k = 0; k < p.fields.size(); ++k) {
      std::visit(
          [&](auto& col) {
            col.push_back(std::get<typename std::decay_t<decltype(col)>::value_type>(
                p.fields[k].value));
          },
          sp.fields[k].values);
    }
  }
  return c;
}

}  // namespace lux::testing

#endif  // LUX_ENGINE_DB_DB_TEST_UTIL_H_
