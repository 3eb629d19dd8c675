// File: datasets.h
// -----------------------------------------------------------------------------
// Reads the float sensor datasets (`value` or `value,timestamp` per line,
// values parsed with strtod, timestamps in Unix seconds) for tests and
// benchmarks.
#ifndef LUX_CODEC_TESTING_DATASETS_H_
#define LUX_CODEC_TESTING_DATASETS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace lux::codec::testing {

struct Dataset {
  std::string name;  // file name without folder and extension
  std::vector<double> values;
  std::vector<int64_t> timestamps;  // nanoseconds; empty when the file has none
};

// Parses one dataset file. kInvalidArgument names the line of a bad row.
absl::StatusOr<Dataset> LoadDataset(const std::string& path);

// The *.csv files of `dir`, sorted by name.
std::vector<std::string> ListDatasets(const std::string& dir);

}  // namespace lux::codec::testing

#endif  // LUX_CODEC_TESTING_DATASETS_H_
