// File: db_test_util.h
// Helpers for engine tests: temporary directories and small point builders.
#ifndef LUX_ENGINE_DB_DB_TEST_UTIL_H_
#define LUX_ENGINE_DB_DB_TEST_UTIL_H_

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
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

// The number after "key": in the flat JSON `json`, looking from the first
// "within":{ when `within` is given (lux.block-bytes' per-type objects);
// -1 when absent.
inline int64_t JsonNumber(const std::string& json, const std::string& key,
                          const std::string& within = "") {
  size_t from = 0;
  if (!within.empty()) {
    from = json.find("\"" + within + "\":{");
    if (from == std::string::npos) return -1;
  }
  const std::string needle = "\"" + key + "\":";
  const size_t at = json.find(needle, from);
  return at == std::string::npos ? -1 : std::stoll(json.substr(at + needle.size()));
}

// Points stored in measurement m of database "farm" (every field), by a
// count query.
inline size_t CountPoints(DB* db, const std::string& m = "m") {
  QuerySpec q;
  q.selector = {"farm", "", m, {}, {}};
  q.aggregate = Aggregate::kCount;
  auto c = db->Query(q);
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return 0;
  size_t n = 0;
  Frame f;
  while ((*c)->Next(&f)) n += size_t(std::get<int64_t>(f.values[0]));
  EXPECT_TRUE((*c)->status().ok()) << (*c)->status();
  return n;
}

// A number of lux.stats, or -1.
inline int64_t Stat(DB* db, const std::string& key) {
  std::string stats;
  return db->GetProperty("lux.stats", &stats) ? JsonNumber(stats, key) : -1;
}

// A number of lux.block-bytes for one value type ("float64", "int64", ...), or -1.
inline int64_t BlockBytesStat(DB* db, const std::string& type, const std::string& key) {
  std::string json;
  return db->GetProperty("lux.block-bytes", &json) ? JsonNumber(json, key, type) : -1;
}

}  // namespace lux::testing

#endif  // LUX_ENGINE_DB_DB_TEST_UTIL_H_
