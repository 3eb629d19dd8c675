// File: lp_writer.h
// -----------------------------------------------------------------------------
// Writes points as InfluxDB line protocol (one field per line, ns timestamps),
// escaped so that the parser reads back exactly the same point.
#ifndef LUX_SERVER_LUXD_LP_WRITER_H_
#define LUX_SERVER_LUXD_LP_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lux/point.h"

namespace lux::luxd {

// Appends "measurement,tags field=value ts\n".
void AppendLine(std::string_view measurement, const std::vector<Tag>& tags, std::string_view field,
                const FieldValue& value, int64_t ts, std::string* out);

// Appends a whole point (all fields on one line).
void AppendPoint(const Point& p, std::string* out);

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_LP_WRITER_H_
