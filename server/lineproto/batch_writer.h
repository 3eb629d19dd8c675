// File: batch_writer.h
// -----------------------------------------------------------------------------
// How the parser fills a PointBatch (point_batch.h).
#ifndef LUX_SERVER_LINEPROTO_BATCH_WRITER_H_
#define LUX_SERVER_LINEPROTO_BATCH_WRITER_H_

#include <cstddef>
#include <string_view>

#include "lux/point.h"
#include "server/lineproto/plain_line.h"
#include "server/lineproto/point_batch.h"

namespace lux::lineproto::internal {

class BatchWriter {
 public:
  // Appends the point ScanPlainLine cut out of `line` (the hot path: one copy
  // of the line into the arena). REQUIRES: line.size() < 4 GiB.
  static void AppendPlain(std::string_view line, const PlainLine& plain, size_t line_number,
                          PointBatch* batch);
  // Appends `p`. REQUIRES: its strings total less than 4 GiB.
  static void AppendPoint(const Point& p, size_t line_number, PointBatch* batch);
  // Room for `points` more points with about `bytes` of names, up front.
  static void Reserve(size_t points, size_t bytes, PointBatch* batch);
  static std::vector<LineError>& Errors(PointBatch* batch) { return batch->errors_; }
};

}  // namespace lux::lineproto::internal

#endif  // LUX_SERVER_LINEPROTO_BATCH_WRITER_H_
