// File: misc.cc
// Small definitions of the public headers: clock, options, point helpers.
#include <chrono>

#include "absl/strings/str_cat.h"
#include "lux/clock.h"
#include "lux/options.h"
#include "lux/point.h"

namespace lux {

namespace {
class RealClock : public Clock {
 public:
  int64_t NowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};
}  // namespace

std::shared_ptr<Clock> SystemClock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<RealClock>();
  return clock;
}

absl::Status Options::Validate() const {
  if (block_points < 16 || block_points > (size_t{1} << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("block_points must be in [16, 1048576], got ", block_points));
  }
  if (default_partition_ns <= 0) {
    return absl::InvalidArgumentError("default_partition_ns must be positive");
  }
  if (max_head_age_ns < 0)
    return absl::InvalidArgumentError("max_head_age_ns must not be negative");
  if (max_points_per_write == 0) {
    return absl::InvalidArgumentError("max_points_per_write must be positive");
  }
  return absl::OkStatus();
}

const char* FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kFloat:
      return "float";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kUnsigned:
      return "unsigned";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kString:
      return "string";
  }
  return "unknown";
}

FieldType TypeOf(const FieldValue& v) {
  switch (v.index()) {
    case 0:
      return FieldType::kFloat;
    case 1:
      return FieldType::kInteger;
    case 2:
      return FieldType::kUnsigned;
    case 3:
      return FieldType::kBoolean;
    default:
      return FieldType::kString;
  }
}

}  // namespace lux
