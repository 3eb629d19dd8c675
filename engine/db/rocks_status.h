// File: rocks_status.h
// -----------------------------------------------------------------------------
// The one adapter from rocksdb::Status to absl::Status.
#ifndef LUX_ENGINE_DB_ROCKS_STATUS_H_
#define LUX_ENGINE_DB_ROCKS_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/status.h"

namespace lux::engine {

// Corruption -> kDataLoss; Busy/TryAgain -> kUnavailable; no space ->
// kResourceExhausted; other I/O errors -> kUnavailable; NotFound ->
// kNotFound; anything else -> kInternal. The message names `context`.
inline absl::Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return absl::OkStatus();
  const std::string msg = absl::StrCat(std::string(context), ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsBusy() || s.IsTryAgain()) return absl::UnavailableError(msg);
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(msg);
  if (s.IsIOError()) return absl::UnavailableError(msg);
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  return absl::InternalError(msg);
}

}  // namespace lux::engine

#endif  // LUX_ENGINE_DB_ROCKS_STATUS_H_
