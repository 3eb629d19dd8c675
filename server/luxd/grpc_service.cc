// File: grpc_service.cc
// Warm path (per request); the per-point work is in the engine.
#include "server/luxd/grpc_service.h"

#include <chrono>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/luxd/http_util.h"

namespace lux::luxd {
namespace {

// Responses of a query stream hold about this many values each.
constexpr size_t kValuesPerResponse = 64 * 1024;

v1::FieldType ToProto(FieldType t) { return static_cast<v1::FieldType>(static_cast<int>(t)); }

// Number of values in a column and whether it has a type at all.
size_t ColumnSize(const v1::Values& v) {
  switch (v.values_case()) {
    case v1::Values::kDoubles:
      return v.doubles().values_size();
    case v1::Values::kInt64S:
      return v.int64s().values_size();
    case v1::Values::kUint64S:
      return v.uint64s().values_size();
    case v1::Values::kBools:
      return v.bools().values_size();
    case v1::Values::kStrings:
      return v.strings().values_size();
    case v1::Values::VALUES_NOT_SET:
      break;
  }
  return 0;
}

FieldValue ValueAt(const v1::Values& v, int i) {
  switch (v.values_case()) {
    case v1::Values::kDoubles:
      return v.doubles().values(i);
    case v1::Values::kInt64S:
      return v.int64s().values(i);
    case v1::Values::kUint64S:
      return v.uint64s().values(i);
    case v1::Values::kBools:
      return v.bools().values(i);
    default:
      return v.strings().values(i);
  }
}

void AppendValue(const FieldValue& value, v1::Values* out) {
  switch (value.index()) {
    case 0:
      out->mutable_doubles()->add_values(std::get<double>(value));
      break;
    case 1:
      out->mutable_int64s()->add_values(std::get<int64_t>(value));
      break;
    case 2:
      out->mutable_uint64s()->add_values(std::get<uint64_t>(value));
      break;
    case 3:
      out->mutable_bools()->add_values(std::get<bool>(value));
      break;
    default:
      out->mutable_strings()->add_values(std::get<std::string>(value));
  }
}

// The empty column of a type (so that a frame without values has one).
void SetType(FieldType t, v1::Values* out) {
  switch (t) {
    case FieldType::kFloat:
      out->mutable_doubles();
      break;
    case FieldType::kInteger:
      out->mutable_int64s();
      break;
    case FieldType::kUnsigned:
      out->mutable_uint64s();
      break;
    case FieldType::kBoolean:
      out->mutable_bools();
      break;
    case FieldType::kString:
      out->mutable_strings();
      break;
  }
}

absl::Status ToSelector(const v1::Selector& in, const std::string& where, Selector* out) {
  out->database = in.database();
  out->retention_policy = in.retention_policy();
  out->measurement = in.measurement();
  out->fields.assign(in.fields().begin(), in.fields().end());
  out->tags.clear();
  for (int i = 0; i < in.tags_size(); ++i) {
    const v1::TagPredicate& t = in.tags(i);
    TagFilter f;
    f.key = t.key();
    f.values.assign(t.values().begin(), t.values().end());
    switch (t.op()) {
      case v1::TagPredicate::OP_UNSPECIFIED:
      case v1::TagPredicate::OP_EQUAL:
        f.op = TagFilter::Op::kEqual;
        break;
      case v1::TagPredicate::OP_NOT_EQUAL:
        f.op = TagFilter::Op::kNotEqual;
        break;
      case v1::TagPredicate::OP_IN:
        f.op = TagFilter::Op::kIn;
        break;
      case v1::TagPredicate::OP_REGEX:
        f.op = TagFilter::Op::kRegex;
        break;
      case v1::TagPredicate::OP_NOT_REGEX:
        f.op = TagFilter::Op::kNotRegex;
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".tags[", i, "].op: unknown operator ", int(t.op())));
    }
    if (f.key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".tags[", i, "].key is empty"));
    }
    if (f.op != TagFilter::Op::kIn && f.values.size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".tags[", i, "] needs exactly one value, got ", f.values.size()));
    }
    out->tags.push_back(std::move(f));
  }
  if (out->database.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".database is required"));
  }
  return absl::OkStatus();
}

// The call's deadline as an absl::Time (infinite when none).
absl::Time DeadlineOf(const grpc::ServerContext* ctx) {
  const auto d = ctx->deadline();
  if (d == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(d);
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(static_cast<int>(s.code())),
                      std::string(s.message()));
}

void ToWriteBatch(const v1::WriteRequest& req, WriteBatch* batch,
                  std::vector<std::pair<uint32_t, uint32_t>>* origin,
                  std::vector<v1::PointError>* errors) {
  batch->database = req.database();
  batch->retention_policy = req.retention_policy();
  for (int si = 0; si < req.series_size(); ++si) {
    const v1::SeriesPoints& sp = req.series(si);
    const int n = sp.timestamps_ns_size();
    std::string problem;
    if (sp.fields_size() == 0) problem = absl::StrCat("series[", si, "] has no fields");
    for (int f = 0; f < sp.fields_size() && problem.empty(); ++f) {
      const v1::FieldColumn& col = sp.fields(f);
      if (col.values().values_case() == v1::Values::VALUES_NOT_SET) {
        problem = absl::StrCat("series[", si, "].fields[", f, "] (\"", col.name(),
                               "\") has no values column");
      } else if (ColumnSize(col.values()) != size_t(n)) {
        problem = absl::StrCat("series[", si, "].fields[", f, "] (\"", col.name(), "\") has ",
                               ColumnSize(col.values()), " values for ", n, " timestamps");
      }
    }
    if (!problem.empty()) {
      for (int p = 0; p < std::max(n, 1); ++p) {
        v1::PointError e;
        e.set_series_index(si);
        e.set_point_index(p);
        e.set_message(problem);
        errors->push_back(std::move(e));
      }
      continue;
    }
    std::vector<Tag> tags;
    tags.reserve(sp.tags_size());
    for (const auto& t : sp.tags()) tags.push_back(Tag{t.key(), t.value()});
    for (int p = 0; p < n; ++p) {
      Point pt;
      pt.measurement = sp.measurement();
      pt.tags = tags;
      pt.timestamp_ns = sp.timestamps_ns(p);
      pt.fields.reserve(sp.fields_size());
      for (const auto& col : sp.fields())
        pt.fields.push_back(Field{col.name(), ValueAt(col.values(), p)});
      batch->points.push_back(std::move(pt));
      origin->emplace_back(si, p);
    }
  }
}

absl::Status ToQuerySpec(const v1::QueryRequest& req, QuerySpec* spec) {
  if (auto s = ToSelector(req.selector(), "selector", &spec->selector); !s.ok()) return s;
  if (spec->selector.measurement.empty()) {
    return absl::InvalidArgumentError("selector.measurement is required");
  }
  spec->start_ns = req.start_ns() == 0 ? std::numeric_limits<int64_t>::min() : req.start_ns();
  spec->end_ns = req.end_ns() == 0 ? std::numeric_limits<int64_t>::max() : req.end_ns();
  if (req.aggregate() < v1::AGGREGATE_NONE ||
      req.aggregate() > v1::AGGREGATE_TIME_WEIGHTED_AVERAGE) {
    return absl::InvalidArgumentError(
        absl::StrCat("aggregate: unknown value ", int(req.aggregate())));
  }
  spec->aggregate = static_cast<Aggregate>(static_cast<int>(req.aggregate()));
  spec->percentile = req.percentile();
  if (spec->aggregate == Aggregate::kPercentile &&
      (req.percentile() < 0 || req.percentile() > 100)) {
    return absl::InvalidArgumentError(
        absl::StrCat("percentile must be within 0..100, got ", req.percentile()));
  }
  spec->interval_ns = req.interval_ns();
  spec->offset_ns = req.offset_ns();
  if (req.interval_ns() < 0) return absl::InvalidArgumentError("interval_ns must be >= 0");
  spec->group_by_tags.assign(req.group_by_tags().begin(), req.group_by_tags().end());
  if (req.fill() < v1::FILL_NONE || req.fill() > v1::FILL_VALUE) {
    return absl::InvalidArgumentError(absl::StrCat("fill: unknown value ", int(req.fill())));
  }
  spec->fill = static_cast<Fill>(static_cast<int>(req.fill()));
  spec->fill_value = req.fill_value();
  spec->limit = req.limit();
  spec->offset = req.offset();
  return absl::OkStatus();
}

void ToProto(const Frame& f, v1::Frame* out) {
  out->set_measurement(f.measurement);
  out->set_field(f.field);
  for (const Tag& t : f.tags) {
    auto* tag = out->add_tags();
    tag->set_key(t.key);
    tag->set_value(t.value);
  }
  out->set_type(ToProto(f.type));
  out->mutable_timestamps_ns()->Add(f.times.begin(), f.times.end());
  v1::Values* values = out->mutable_values();
  SetType(f.type, values);
  bool all_valid = true;
  for (size_t i = 0; i < f.values.size(); ++i) {
    const bool valid = f.valid.empty() || f.valid[i] != 0;
    all_valid &= valid;
    // A null keeps its place with the type's zero value.
    if (valid) {
      AppendValue(f.values[i], values);
    } else {
      switch (f.type) {
        case FieldType::kFloat:
          AppendValue(0.0, values);
          break;
        case FieldType::kInteger:
          AppendValue(int64_t{0}, values);
          break;
        case FieldType::kUnsigned:
          AppendValue(uint64_t{0}, values);
          break;
        case FieldType::kBoolean:
          AppendValue(false, values);
          break;
        case FieldType::kString:
          AppendValue(std::string(), values);
          break;
      }
    }
  }
  if (!all_valid) {
    for (size_t i = 0; i < f.values.size(); ++i) out->add_valid(f.valid[i] != 0);
  }
}

grpc::Status LuxService::WriteOne(const v1::WriteRequest& req, v1::WriteResponse* resp) {
  if (req.database().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "database is required");
  }
  WriteBatch batch;
  batch.batch_id = req.batch_id();
  std::vector<std::pair<uint32_t, uint32_t>> origin;
  std::vector<v1::PointError> errors;
  ToWriteBatch(req, &batch, &origin, &errors);
  if (!batch.points.empty() || !batch.batch_id.empty()) {
    auto result = db_->Write(batch);
    if (!result.ok()) return ToGrpc(result.status());
    resp->set_points_written(result->points_written);
    resp->set_duplicate(result->duplicate);
    for (const auto& rej : result->rejected) {
      v1::PointError e;
      e.set_series_index(origin[rej.index].first);
      e.set_point_index(origin[rej.index].second);
      e.set_message(std::string(rej.status.message()));
      errors.push_back(std::move(e));
    }
  }
  std::sort(errors.begin(), errors.end(), [](const v1::PointError& a, const v1::PointError& b) {
    return std::pair(a.series_index(), a.point_index()) <
           std::pair(b.series_index(), b.point_index());
  });
  for (auto& e : errors) *resp->add_errors() = std::move(e);
  return grpc::Status::OK;
}

grpc::Status LuxService::Write(grpc::ServerContext*, const v1::WriteRequest* req,
                               v1::WriteResponse* resp) {
  return WriteOne(*req, resp);
}

grpc::Status LuxService::WriteStream(grpc::ServerContext*,
                                     grpc::ServerReader<v1::WriteRequest>* reader,
                                     v1::WriteSummary* summary) {
  v1::WriteRequest req;
  uint32_t index = 0;
  while (reader->Read(&req)) {
    v1::WriteResponse resp;
    grpc::Status s = WriteOne(req, &resp);
    if (!s.ok()) {
      return grpc::Status(s.error_code(), absl::StrCat("request ", index, ": ", s.error_message()));
    }
    summary->set_requests(summary->requests() + 1);
    summary->set_points_written(summary->points_written() + resp.points_written());
    summary->set_points_rejected(summary->points_rejected() + resp.errors_size());
    for (const auto& e : resp.errors()) {
      if (summary->errors_size() >= 100) break;
      *summary->add_errors() = e;
      summary->add_error_request_index(index);
    }
    ++index;
  }
  return grpc::Status::OK;
}

grpc::Status LuxService::Query(grpc::ServerContext* ctx, const v1::QueryRequest* req,
                               grpc::ServerWriter<v1::QueryResponse>* writer) {
  const auto t0 = std::chrono::steady_clock::now();
  QuerySpec spec;
  if (auto s = ToQuerySpec(*req, &spec); !s.ok()) return ToGrpc(s);
  spec.deadline = DeadlineOf(ctx);
  std::atomic<bool> cancelled{false};
  spec.cancelled = &cancelled;
  auto cursor = db_->Query(spec);
  if (!cursor.ok()) return ToGrpc(cursor.status());
  v1::QueryResponse resp;
  size_t values = 0;
  uint64_t frames = 0, points = 0;
  Frame f;
  while ((*cursor)->Next(&f)) {
    ToProto(f, resp.add_frames());
    values += f.times.size();
    points += f.times.size();
    ++frames;
    if (values >= kValuesPerResponse) {
      if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "query cancelled");
      if (!writer->Write(resp)) return grpc::Status(grpc::StatusCode::CANCELLED, "client gone");
      resp.Clear();
      values = 0;
    }
  }
  if (!(*cursor)->status().ok()) return ToGrpc((*cursor)->status());
  v1::QueryMetadata* md = resp.mutable_metadata();
  md->set_frames(frames);
  md->set_points(points);
  md->set_elapsed_ms(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  md->set_resolution("raw");
  writer->Write(resp);
  return grpc::Status::OK;
}

grpc::Status LuxService::Last(grpc::ServerContext*, const v1::LastRequest* req,
                              v1::LastResponse* resp) {
  Selector sel;
  if (auto s = ToSelector(req->selector(), "selector", &sel); !s.ok()) return ToGrpc(s);
  if (sel.measurement.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "selector.measurement is required");
  }
  auto last = db_->Last(sel);
  if (!last.ok()) return ToGrpc(last.status());
  for (const LastValue& lv : *last) {
    v1::LastPoint* p = resp->add_points();
    p->set_measurement(lv.measurement);
    p->set_field(lv.field);
    for (const Tag& t : lv.tags) {
      auto* tag = p->add_tags();
      tag->set_key(t.key);
      tag->set_value(t.value);
    }
    p->set_timestamp_ns(lv.timestamp_ns);
    p->set_type(ToProto(TypeOf(lv.value)));
    AppendValue(lv.value, p->mutable_value());
  }
  return grpc::Status::OK;
}

grpc::Status LuxService::ListDatabases(grpc::ServerContext*, const v1::ListDatabasesRequest*,
                                       v1::ListDatabasesResponse* resp) {
  for (auto& name : db_->ListDatabases()) resp->add_databases(std::move(name));
  return grpc::Status::OK;
}

grpc::Status LuxService::ListMeasurements(grpc::ServerContext*,
                                          const v1::ListMeasurementsRequest* req,
                                          v1::ListMeasurementsResponse* resp) {
  auto r = db_->ListMeasurements(req->database(), req->limit());
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& m : *r) resp->add_measurements(std::move(m));
  return grpc::Status::OK;
}

grpc::Status LuxService::TagKeys(grpc::ServerContext*, const v1::TagKeysRequest* req,
                                 v1::TagKeysResponse* resp) {
  Selector sel;
  if (auto s = ToSelector(req->selector(), "selector", &sel); !s.ok()) return ToGrpc(s);
  auto r = db_->ListTagKeys(sel, req->limit());
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& k : *r) resp->add_keys(std::move(k));
  return grpc::Status::OK;
}

grpc::Status LuxService::TagValues(grpc::ServerContext*, const v1::TagValuesRequest* req,
                                   v1::TagValuesResponse* resp) {
  Selector sel;
  if (auto s = ToSelector(req->selector(), "selector", &sel); !s.ok()) return ToGrpc(s);
  if (req->key().empty())
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "key is required");
  auto r = db_->ListTagValues(sel, req->key(), req->limit());
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& v : *r) resp->add_values(std::move(v));
  return grpc::Status::OK;
}

grpc::Status LuxService::FieldKeys(grpc::ServerContext*, const v1::FieldKeysRequest* req,
                                   v1::FieldKeysResponse* resp) {
  auto r = db_->ListFieldKeys(req->database(), req->measurement());
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& [name, type] : *r) {
    v1::FieldKey* k = resp->add_fields();
    k->set_name(name);
    k->set_type(ToProto(type));
  }
  return grpc::Status::OK;
}

grpc::Status LuxService::Series(grpc::ServerContext*, const v1::SeriesRequest* req,
                                v1::SeriesResponse* resp) {
  Selector sel;
  if (auto s = ToSelector(req->selector(), "selector", &sel); !s.ok()) return ToGrpc(s);
  auto r = db_->ListSeries(sel, req->limit());
  if (!r.ok()) return ToGrpc(r.status());
  for (auto& k : *r) resp->add_series(std::move(k));
  return grpc::Status::OK;
}

grpc::Status LuxService::CreateDatabase(grpc::ServerContext*, const v1::CreateDatabaseRequest* req,
                                        v1::CreateDatabaseResponse*) {
  return ToGrpc(db_->CreateDatabase(req->name()));
}

grpc::Status LuxService::DropDatabase(grpc::ServerContext*, const v1::DropDatabaseRequest* req,
                                      v1::DropDatabaseResponse*) {
  return ToGrpc(db_->DropDatabase(req->name()));
}

grpc::Status LuxService::ListRetentionPolicies(grpc::ServerContext*,
                                               const v1::ListRetentionPoliciesRequest* req,
                                               v1::ListRetentionPoliciesResponse* resp) {
  auto r = db_->ListRetentionPolicies(req->database());
  if (!r.ok()) return ToGrpc(r.status());
  for (const RetentionPolicy& rp : *r) {
    v1::RetentionPolicy* p = resp->add_policies();
    p->set_name(rp.name);
    p->set_duration_ns(rp.duration_ns);
    p->set_partition_ns(rp.partition_ns);
    p->set_is_default(rp.is_default);
  }
  return grpc::Status::OK;
}

namespace {
RetentionPolicy FromProto(const v1::RetentionPolicy& p) {
  return RetentionPolicy{p.name(), p.duration_ns(), p.partition_ns(), p.is_default()};
}
}  // namespace

grpc::Status LuxService::CreateRetentionPolicy(grpc::ServerContext*,
                                               const v1::CreateRetentionPolicyRequest* req,
                                               v1::CreateRetentionPolicyResponse*) {
  return ToGrpc(db_->CreateRetentionPolicy(req->database(), FromProto(req->policy())));
}

grpc::Status LuxService::AlterRetentionPolicy(grpc::ServerContext*,
                                              const v1::AlterRetentionPolicyRequest* req,
                                              v1::AlterRetentionPolicyResponse*) {
  return ToGrpc(db_->AlterRetentionPolicy(req->database(), FromProto(req->policy())));
}

grpc::Status LuxService::DropRetentionPolicy(grpc::ServerContext*,
                                             const v1::DropRetentionPolicyRequest* req,
                                             v1::DropRetentionPolicyResponse*) {
  return ToGrpc(db_->DropRetentionPolicy(req->database(), req->name()));
}

grpc::Status LuxService::DeleteRange(grpc::ServerContext*, const v1::DeleteRangeRequest* req,
                                     v1::DeleteRangeResponse*) {
  Selector sel;
  if (auto s = ToSelector(req->selector(), "selector", &sel); !s.ok()) return ToGrpc(s);
  if (sel.measurement.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "selector.measurement is required");
  }
  const int64_t start =
      req->start_ns() == 0 ? std::numeric_limits<int64_t>::min() : req->start_ns();
  const int64_t end = req->end_ns() == 0 ? std::numeric_limits<int64_t>::max() : req->end_ns();
  return ToGrpc(db_->DeleteRange(sel, start, end));
}

grpc::Status LuxService::Stats(grpc::ServerContext*, const v1::StatsRequest*,
                               v1::StatsResponse* resp) {
  std::string stats;
  if (!db_->GetProperty("lux.stats", &stats)) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "database is closed");
  }
  for (const auto& [key, number] : FlatJsonNumbers(stats)) {
    double v = 0;
    if (absl::SimpleAtod(number, &v)) (*resp->mutable_values())[key] = v;
  }
  return grpc::Status::OK;
}

}  // namespace lux::luxd
