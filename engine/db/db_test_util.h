// File: db_test_util.h
// Helpers for engine tests: temporary directories and small point builders.
#ifndef LUX_ENGINE_DB_DB_TEST_UTIL_H_
#define LUX_ENGINE_DB_DB_TEST_UTIL_H_

#include <stdlib.h>

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

// The points of `b` as a columnar batch with one SeriesPoints per point,
// so that the flat indices of errors are the points'.
inline ColumnBatch OneSeriesPerPoint(const WriteBatch& b) {
  ColumnBatch c;
  c.database = b.database;
  c.retention_policy = b.retention_policy;
  c.batch_id = b.batch_id;
  for (const Point& p : b.points) {
    WriteBatch one;
    one.points = {p};
    c.series.push_back(ToColumnBatch(std::move(one)).series.front());
  }
  return c;
}

}  // namespace lux::testing

#endif  // LUX_ENGINE_DB_DB_TEST_UTIL_H_
