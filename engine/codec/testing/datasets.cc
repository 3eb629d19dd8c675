// File: datasets.cc
#include "engine/codec/testing/datasets.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace lux::codec::testing {

absl::StatusOr<Dataset> LoadDataset(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  Dataset d;
  d.name = std::filesystem::path(path).stem().string();
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const char* s = line.c_str();
    char* end;
    errno = 0;
    const double v = std::strtod(s, &end);
    if (end == s) return absl::InvalidArgumentError(absl::StrCat(path, ":", lineno, ": bad value"));
    d.values.push_back(v);
    if (*end == ',') {
      const char* t = end + 1;
      const long long secs = std::strtoll(t, &end, 10);
      if (end == t || *end != '\0') {
        return absl::InvalidArgumentError(absl::StrCat(path, ":", lineno, ": bad timestamp"));
      }
      d.timestamps.push_back(int64_t(secs) * 1'000'000'000);
    } else if (*end != '\0') {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", lineno, ": junk after value"));
    }
  }
  if (!d.timestamps.empty() && d.timestamps.size() != d.values.size()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": timestamps on some lines only"));
  }
  return d;
}

std::vector<std::string> ListDatasets(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".csv") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace lux::codec::testing
