// File: db_test_util.h
// Helpers for engine tests: temporary directories and small point builders.
#ifndef LUX_ENGINE_DB_DB_TEST_UTIL_H_
#define LUX_ENGINE_DB_DB_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

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

}  // namespace lux::testing

#endif  // LUX_ENGINE_DB_DB_TEST_UTIL_H_
