// File: convert.cc
// Warm path (per request); per point on the write conversions.
#include "server/proto/convert.h"

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace lux::proto {

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

absl::Status FromProto(const v1::Selector& in, const std::string& where, Selector* out) {
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

FieldType FromProto(v1::FieldType t) {
  return t >= v1::FIELD_TYPE_FLOAT && t <= v1::FIELD_TYPE_STRING
             ? static_cast<FieldType>(static_cast<int>(t))
             : FieldType::kFloat;
}

void ToColumnBatch(const v1::WriteRequest& req, ColumnBatch* batch,
                  std::vector<std::pair<uint32_t, uint32_t>>* origin,
                  std::vector<v1::PointError>* errors) {
  batch->database = req.database();
  batch->retention_policy = req.retention_policy();
  batch->batch_id = req.batch_id();
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
      } else if (std::any_of(sp.fields().begin(), sp.fields().begin() + f,
                             [&](const v1::FieldColumn& c) { return c.name() == col.name(); })) {
        problem =
            absl::StrCat("series[", si, "].fields[", f, "] repeats field \"", col.name(), "\"");
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
    SeriesPoints& out = batch->series.emplace_back();
    out.measurement = sp.measurement();
    out.tags.reserve(sp.tags_size());
    for (const auto& t : sp.tags()) out.tags.push_back(Tag{t.key(), t.value()});
    out.timestamps_ns.assign(sp.timestamps_ns().begin(), sp.timestamps_ns().end());
    out.fields.reserve(sp.fields_size());
    for (const auto& col : sp.fields()) {
      FieldColumn& c = out.fields.emplace_back();
      c.key = col.name();
      const v1::Values& v = col.values();
      switch (v.values_case()) {
        case v1::Values::kDoubles:
          c.values = std::vector<double>(v.doubles().values().begin(), v.doubles().values().end());
          break;
        case v1::Values::kInt64S:
          c.values = std::vector<int64_t>(v.int64s().values().begin(), v.int64s().values().end());
          break;
        case v1::Values::kUint64S:
          c.values =
              std::vector<uint64_t>(v.uint64s().values().begin(), v.uint64s().values().end());
          break;
        case v1::Values::kBools:
          c.values = std::vector<bool>(v.bools().values().begin(), v.bools().values().end());
          break;
        default:
          c.values =
              std::vector<std::string>(v.strings().values().begin(), v.strings().values().end());
          break;
      }
    }
    for (int p = 0; p < n; ++p) origin->emplace_back(si, p);
  }
}

absl::Status FromProto(const v1::QueryRequest& req, QuerySpec* spec) {
  if (auto s = FromProto(req.selector(), "selector", &spec->selector); !s.ok()) return s;
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

RetentionPolicy FromProto(const v1::RetentionPolicy& p) {
  return RetentionPolicy{p.name(), p.duration_ns(), p.partition_ns(), p.is_default()};
}

void ToProto(const RetentionPolicy& rp, v1::RetentionPolicy* out) {
  out->set_name(rp.name);
  out->set_duration_ns(rp.duration_ns);
  out->set_partition_ns(rp.partition_ns);
  out->set_is_default(rp.is_default);
}

namespace {

void ToProto(const std::vector<Tag>& tags, google::protobuf::RepeatedPtrField<v1::Tag>* out) {
  for (const Tag& t : tags) {
    v1::Tag* tag = out->Add();
    tag->set_key(t.key);
    tag->set_value(t.value);
  }
}

std::vector<Tag> FromProto(const google::protobuf::RepeatedPtrField<v1::Tag>& in) {
  std::vector<Tag> out;
  out.reserve(in.size());
  for (const auto& t : in) out.push_back(Tag{t.key(), t.value()});
  return out;
}

}  // namespace

void ToProto(const LastValue& lv, v1::LastPoint* out) {
  out->set_measurement(lv.measurement);
  out->set_field(lv.field);
  ToProto(lv.tags, out->mutable_tags());
  out->set_timestamp_ns(lv.timestamp_ns);
  out->set_type(ToProto(TypeOf(lv.value)));
  AppendValue(lv.value, out->mutable_value());
}

void ToProto(const Selector& in, v1::Selector* out) {
  out->set_database(in.database);
  out->set_retention_policy(in.retention_policy);
  out->set_measurement(in.measurement);
  for (const auto& f : in.fields) out->add_fields(f);
  for (const TagFilter& t : in.tags) {
    v1::TagPredicate* p = out->add_tags();
    p->set_key(t.key);
    switch (t.op) {
      case TagFilter::Op::kEqual:
        p->set_op(v1::TagPredicate::OP_EQUAL);
        break;
      case TagFilter::Op::kNotEqual:
        p->set_op(v1::TagPredicate::OP_NOT_EQUAL);
        break;
      case TagFilter::Op::kIn:
        p->set_op(v1::TagPredicate::OP_IN);
        break;
      case TagFilter::Op::kRegex:
        p->set_op(v1::TagPredicate::OP_REGEX);
        break;
      case TagFilter::Op::kNotRegex:
        p->set_op(v1::TagPredicate::OP_NOT_REGEX);
        break;
    }
    for (const auto& v : t.values) p->add_values(v);
  }
}

void ToProto(const QuerySpec& spec, v1::QueryRequest* out) {
  ToProto(spec.selector, out->mutable_selector());
  out->set_start_ns(spec.start_ns == std::numeric_limits<int64_t>::min() ? 0 : spec.start_ns);
  out->set_end_ns(spec.end_ns == std::numeric_limits<int64_t>::max() ? 0 : spec.end_ns);
  out->set_aggregate(static_cast<v1::Aggregate>(static_cast<int>(spec.aggregate)));
  out->set_percentile(spec.percentile);
  out->set_interval_ns(spec.interval_ns);
  out->set_offset_ns(spec.offset_ns);
  for (const auto& t : spec.group_by_tags) out->add_group_by_tags(t);
  out->set_fill(static_cast<v1::Fill>(static_cast<int>(spec.fill)));
  out->set_fill_value(spec.fill_value);
  out->set_limit(spec.limit);
  out->set_offset(spec.offset);
}

Frame FromProto(const v1::Frame& in) {
  Frame f;
  f.measurement = in.measurement();
  f.field = in.field();
  f.tags = FromProto(in.tags());
  f.type = FromProto(in.type());
  f.times.assign(in.timestamps_ns().begin(), in.timestamps_ns().end());
  const size_t n = std::min(f.times.size(), ColumnSize(in.values()));
  f.values.reserve(n);
  for (size_t i = 0; i < n; ++i) f.values.push_back(ValueAt(in.values(), int(i)));
  f.times.resize(n);
  if (in.valid_size() > 0) {
    f.valid.assign(n, 1);
    for (size_t i = 0; i < n && i < size_t(in.valid_size()); ++i) f.valid[i] = in.valid(int(i));
  }
  return f;
}

LastValue FromProto(const v1::LastPoint& in) {
  LastValue lv;
  lv.measurement = in.measurement();
  lv.field = in.field();
  lv.tags = FromProto(in.tags());
  lv.timestamp_ns = in.timestamp_ns();
  if (ColumnSize(in.value()) > 0) lv.value = ValueAt(in.value(), 0);
  return lv;
}

void ToWriteRequest(const std::vector<Point>& points, v1::WriteRequest* req,
                    std::vector<std::vector<size_t>>* origin) {
  // Key: measurement, tags and (field, type) list, length-prefixed.
  absl::flat_hash_map<std::string, int> index;
  std::string key;
  for (size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    key.clear();
    auto put = [&](std::string_view s) {
      absl::StrAppend(&key, s.size(), ":");
      key.append(s);
    };
    put(p.measurement);
    for (const Tag& t : p.tags) {
      put(t.key);
      put(t.value);
    }
    key.push_back('|');
    for (const Field& f : p.fields) {
      put(f.key);
      key.push_back(char('0' + f.value.index()));
    }
    auto [it, inserted] = index.try_emplace(key, req->series_size());
    v1::SeriesPoints* sp;
    if (inserted) {
      sp = req->add_series();
      sp->set_measurement(p.measurement);
      ToProto(p.tags, sp->mutable_tags());
      for (const Field& f : p.fields) {
        v1::FieldColumn* col = sp->add_fields();
        col->set_name(f.key);
        SetType(TypeOf(f.value), col->mutable_values());
      }
      origin->emplace_back();
    } else {
      sp = req->mutable_series(it->second);
    }
    sp->add_timestamps_ns(p.timestamp_ns);
    for (size_t f = 0; f < p.fields.size(); ++f) {
      AppendValue(p.fields[f].value, sp->mutable_fields(int(f))->mutable_values());
    }
    (*origin)[it->second].push_back(i);
  }
}

}  // namespace lux::proto
