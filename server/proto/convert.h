// File: convert.h
// -----------------------------------------------------------------------------
// Conversions between lux.v1 messages and the engine's plain C++ types
// (lux/point.h, lux/query.h, lux/db.h), for the server (luxd) and the C++
// client alike. Requests coming in are checked: INVALID_ARGUMENT names the
// field that is wrong.
#ifndef LUX_SERVER_PROTO_CONVERT_H_
#define LUX_SERVER_PROTO_CONVERT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lux/db.h"
#include "lux/v1/lux.pb.h"

namespace lux::proto {

// Values and types.
v1::FieldType ToProto(FieldType t);
// FIELD_TYPE_UNSPECIFIED (or an unknown number) is kFloat.
FieldType FromProto(v1::FieldType t);
size_t ColumnSize(const v1::Values& v);
// REQUIRES: i < ColumnSize(v) and a column is set.
FieldValue ValueAt(const v1::Values& v, int i);
void AppendValue(const FieldValue& value, v1::Values* out);
// Sets the (empty) column of type t, so a frame without values has a type.
void SetType(FieldType t, v1::Values* out);

// Requests, server side.
absl::Status FromProto(const v1::Selector& in, const std::string& where, Selector* out);
absl::Status FromProto(const v1::QueryRequest& req, QuerySpec* spec);
RetentionPolicy FromProto(const v1::RetentionPolicy& p);
// Converts a WriteRequest into an engine batch. `origin[k]` is the
// (series_index, point_index) of the batch's flat point index k. Series
// whose shape is wrong (a column of the wrong length or without values, a
// repeated field, no fields) are not converted: each of their points is
// listed in *errors instead.
void ToColumnBatch(const v1::WriteRequest& req, ColumnBatch* batch,
                  std::vector<std::pair<uint32_t, uint32_t>>* origin,
                  std::vector<v1::PointError>* errors);

// Results, server side.
void ToProto(const Frame& frame, v1::Frame* out);
void ToProto(const RetentionPolicy& rp, v1::RetentionPolicy* out);
void ToProto(const LastValue& lv, v1::LastPoint* out);

// Client side.
void ToProto(const Selector& in, v1::Selector* out);
void ToProto(const QuerySpec& spec, v1::QueryRequest* out);
Frame FromProto(const v1::Frame& in);
LastValue FromProto(const v1::LastPoint& in);
// Groups points into SeriesPoints: points with the same measurement, tags
// and field names and types share one, in their order. `origin[s][p]` is
// the index in `points` of series s's point p.
void ToWriteRequest(const std::vector<Point>& points, v1::WriteRequest* req,
                    std::vector<std::vector<size_t>>* origin);

}  // namespace lux::proto

#endif  // LUX_SERVER_PROTO_CONVERT_H_
