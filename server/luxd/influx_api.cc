// File: influx_api.cc
// Warm path (per request); the per-line work is in lux::lineproto.
#include "server/luxd/influx_api.h"

#include <sys/resource.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/lineproto/line_protocol.h"
#include "server/luxd/influxql.h"
#include "server/luxd/lp_writer.h"

namespace lux::luxd {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

// InfluxDB's error answer: {"error":"..."}\n plus X-Influxdb-Error.
HttpResponse Error(int status, const std::string& message) {
  HttpResponse r = Json(status, absl::StrCat("{\"error\":", JsonString(message), "}\n"));
  if (status != 401) {
    // A header value carries no control bytes: newlines (and any other
    // control byte a quoted line may hold) become spaces.
    std::string header = message.substr(0, 1024);
    for (char& c : header) {
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) c = ' ';
    }
    r.Set("X-Influxdb-Error", header);
  }
  return r;
}

// 401 as InfluxDB sends it: a WWW-Authenticate challenge, no X-Influxdb-Error.
HttpResponse Unauthorized(const std::string& message) {
  HttpResponse r = Error(401, message);
  r.Set("WWW-Authenticate", "Basic realm=\"InfluxDB\"");
  return r;
}

// The text/plain answer of InfluxDB's write throttler.
HttpResponse Throttled(const char* why) {
  HttpResponse r;
  r.status = 503;
  r.Set("Content-Type", "text/plain; charset=utf-8");
  r.body = absl::StrCat("request throttled, ", why, "\n");
  return r;
}

HttpResponse NoContent() {
  HttpResponse r;
  r.status = 204;
  r.Set("Content-Type", "application/json");
  return r;
}

int HttpStatusOf(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace

InfluxApi::InfluxApi(DB* db, const Config& config)
    : db_(db),
      config_(config),
      auth_(config.auth_enabled, config.users),
      limiter_(config.max_concurrent_writes, config.max_enqueued_writes,
               absl::Milliseconds(config.enqueued_write_timeout_ms)),
      rejected_(config.rejected_capacity) {}

void InfluxApi::Count(std::string_view endpoint, int status, double seconds) {
  absl::MutexLock l(&metrics_mu_);
  ++requests_[{std::string(endpoint), status}];
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  ++latency_buckets_[b];
  latency_sum_ += seconds;
}

HttpResponse InfluxApi::Handle(const HttpRequest& req) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string path(req.Path());
  HttpResponse r;
  bool routed = true;
  if (path == "/write" || path == "/api/v2/write") {
    if (req.method == "POST") {
      r = Write(req, path == "/api/v2/write");
    } else if (req.method == "OPTIONS") {
      r.status = 200;
    } else {
      r.status = 405;
      r.Set("Content-Type", "text/plain; charset=utf-8");
      r.Set("Allow", "OPTIONS, POST");
      r.body = "Method Not Allowed\n";
      routed = false;
    }
  } else if (path == "/ping" || path == "/status") {
    const auto verbose = ParseQueryString(req.target)["verbose"];
    if (path == "/ping" && !verbose.empty() && verbose != "0" && verbose != "false") {
      r = Json(200, absl::StrCat("{\"version\":", JsonString(kVersion), "}\n"));
    } else {
      r = NoContent();
    }
  } else if (path == "/health") {
    r = Json(200, absl::StrCat("{\"checks\":[],\"message\":\"ready for queries and writes\","
                               "\"name\":\"influxdb\",\"status\":\"pass\",\"version\":",
                               JsonString(kVersion), "}\n"));
  } else if (path == "/query" && (req.method == "GET" || req.method == "POST")) {
    r = Query(req);
  } else if (path == "/export" && req.method == "GET") {
    r = Export(req);
  } else if (path == "/metrics" && req.method == "GET") {
    r = Metrics();
  } else if (path == "/debug/rejected" && req.method == "GET") {
    r = Rejected(req);
  } else {
    r.status = 404;
    r.Set("Content-Type", "text/plain; charset=utf-8");
    r.body = "404 page not found\n";
    routed = false;
  }
  if (routed) {
    const std::string id = NewRequestId();
    r.Set("Request-Id", id);
    r.Set("X-Request-Id", id);
  }
  r.Set("X-Influxdb-Build", "OSS");
  r.Set("X-Influxdb-Version", kVersion);
  Count(routed ? path : "other", r.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return r;
}

HttpResponse InfluxApi::Write(const HttpRequest& req, bool v2) {
  // The checks in InfluxDB's order (../shared/influxdb-http-write.md §2).
  // 1. Authentication.
  const Authenticator::Result who = auth_.Authenticate(req);
  if (who.status != 0) return Unauthorized(who.error);
  auto params = ParseQueryString(req.target);
  // 2. Precision.
  lineproto::Precision precision = lineproto::Precision::kNanoseconds;
  const std::string& p = params["precision"];
  if (v2) {
    if (!(p.empty() || p == "ns" || p == "us" || p == "ms" || p == "s") ||
        !lineproto::ParsePrecision(p, &precision)) {
      return Error(400, absl::StrCat("invalid precision \"", p, "\" (use ns, us, ms or s)"));
    }
  } else if (!lineproto::ParsePrecision(p, &precision)) {
    return Error(400, absl::StrCat("invalid precision \"", p, "\" (use n, u, ms, s, m or h)"));
  }
  // 3. Database (v2: bucket = db[/rp]).
  std::string db = params["db"], rp = params["rp"];
  if (v2) {
    const std::string bucket = params["bucket"];
    const size_t slash = bucket.find('/');
    if (bucket.empty()) {
      return Error(
          404, "bucket name \"\" is missing a slash; not in \"database/retention-policy\" format");
    }
    db = bucket.substr(0, slash);
    rp = slash == std::string::npos ? "" : bucket.substr(slash + 1);
    if (db.empty()) {
      return Error(404, absl::StrCat("bucket name \"", bucket,
                                     "\" is in db/rp form but has an empty database"));
    }
  } else if (db.empty()) {
    return Error(400, "database is required");
  }
  const auto dbs = db_->ListDatabases();
  if (std::find(dbs.begin(), dbs.end(), db) == dbs.end()) {
    if (!config_.create_database_on_write) {
      const std::string why = absl::StrCat("database not found: \"", db, "\"");
      KeepBody(req, db, rp, why);
      return Error(404, why);
    }
    if (!auth_.IsAdmin(who.user)) {
      return Error(404, absl::StrCat("database not found: \"", db, "\""));
    }
    if (auto s = db_->CreateDatabase(db); !s.ok()) return Error(500, std::string(s.message()));
  }
  // 4. Privilege.
  if (!auth_.Allowed(who.user, db, Privilege::kWrite)) {
    return Error(403,
                 who.user == nullptr
                     ? absl::StrCat("user is required to write to database \"", db, "\"")
                     : absl::StrCat("\"", who.user->name,
                                    "\" user is not authorized to write to database \"", db, "\""));
  }
  // 5. Throttling.
  switch (limiter_.Acquire()) {
    case WriteLimiter::Result::kOk:
      break;
    case WriteLimiter::Result::kQueueFull:
      ++writes_throttled_;
      return Throttled("queue full");
    case WriteLimiter::Result::kTimeout:
      ++writes_throttled_;
      return Throttled("exceeds timeout");
  }
  HttpResponse r = Ingest(req, db, rp, precision);
  limiter_.Release();
  return r;
}

HttpResponse InfluxApi::Ingest(const HttpRequest& req, const std::string& db, const std::string& rp,
                               lineproto::Precision precision) {
  auto params = ParseQueryString(req.target);
  // Body: gzip (the exact token, as InfluxDB), limited before and after.
  std::string inflated;
  std::string_view body = req.body;
  if (req.Header("content-encoding") == "gzip") {
    switch (Gunzip(req.body, config_.max_body_bytes, &inflated)) {
      case GunzipResult::kOk:
        body = inflated;
        break;
      case GunzipResult::kBadHeader:
        return Error(400, "gzip: invalid header");
      case GunzipResult::kTruncated:
        return Error(400, "unexpected EOF");
      case GunzipResult::kTooLarge:
        return Error(413, "Request Entity Too Large");
      case GunzipResult::kCorrupt:
        return Error(400, "gzip: invalid checksum");
    }
  }
  if (body.size() > config_.max_body_bytes) return Error(413, "Request Entity Too Large");
  // Parse; keep the good lines.
  lineproto::ParseOptions opts;
  opts.precision = precision;
  opts.default_time_ns = NowNs();
  // A batch per thread keeps its arrays across requests (bodies up to 8 MiB:
  // a larger one does not leave its memory behind).
  thread_local lineproto::PointBatch reused;
  lineproto::PointBatch large;
  lineproto::PointBatch& parsed = body.size() <= (size_t{8} << 20) ? reused : large;
  parsed.Clear();
  lineproto::ParseBatch(body, opts, &parsed);
  const int64_t now = NowNs();
  for (const auto& e : parsed.errors()) {
    rejected_.Add({now, req.remote, db, rp, e.line_number, e.line, e.reason});
  }
  lines_rejected_parse_ += parsed.errors().size();
  std::vector<std::string> parse_errors;
  for (const auto& e : parsed.errors()) parse_errors.push_back(lineproto::FormatError(e));
  if (parsed.empty() && !parsed.errors().empty()) {
    return Error(400, absl::StrJoin(parse_errors, "\n"));
  }
  if (auto c = params.find("consistency"); c != params.end() && !c->second.empty() &&
                                           c->second != "any" && c->second != "one" &&
                                           c->second != "quorum" && c->second != "all") {
    return Error(400, "invalid consistency level");
  }
  if (parsed.empty()) return NoContent();  // empty or comments only
  // A `time` field beside others is stripped by the engine; InfluxDB 1.12
  // says so with a 400 (dropped=0) once the point is stored.
  std::string stripped_time;
  for (size_t i = 0; i < parsed.size() && stripped_time.empty(); ++i) {
    if (parsed.field_count(i) < 2) continue;
    bool time = false, other = false;
    for (size_t f = 0; f < parsed.field_count(i); ++f) {
      (parsed.field_key(i, f) == "time" ? time : other) = true;
    }
    if (time && other) {
      const std::string_view m = parsed.measurement(i);
      stripped_time = absl::StrCat("invalid field name: input field \"time\" on measurement \"",
                                   absl::string_view(m.data(), m.size()), "\" is invalid");
    }
  }
  // Store, grouped by series; the columns too are kept per thread (their
  // strings and vectors reused), trimmed after a request of many series.
  thread_local ColumnBatch reused_columns;
  ColumnBatch large_columns;
  ColumnBatch& batch = &parsed == &reused ? reused_columns : large_columns;
  batch.database = db;
  batch.retention_policy = rp;
  struct Trim {
    ColumnBatch& batch;
    ~Trim() {
      if (batch.series.size() > 16384) batch.series.resize(16384);
    }
  } trim{batch};
  std::vector<uint32_t> point_of;  // result index -> point of `parsed`
  parsed.ToColumns(&batch, &point_of);
  // The line of point i, for the rejected store.
  auto line_of = [&parsed](size_t i) {
    std::string line;
    AppendPoint(parsed.ToPoint(i), &line);
    if (!line.empty()) line.pop_back();
    return line;
  };
  auto result = db_->Write(batch);
  if (!result.ok()) {
    for (size_t i = 0; i < parsed.size(); ++i) {
      rejected_.Add({now, req.remote, db, rp, parsed.line_number(i), line_of(i),
                     std::string(result.status().message())});
    }
    if (result.status().code() == absl::StatusCode::kNotFound && !rp.empty()) {
      return Error(500, absl::StrCat("retention policy not found: ", rp));
    }
    return Error(result.status().code() == absl::StatusCode::kNotFound
                     ? 404
                     : (HttpStatusOf(result.status()) == 400 ? 500 : HttpStatusOf(result.status())),
                 std::string(result.status().message()));
  }
  points_written_ += result->points_written;
  if (!result->rejected.empty()) {
    lines_rejected_storage_ += result->rejected.size();
    // Reported in body order, as InfluxDB names the first bad line.
    std::vector<std::pair<uint32_t, const absl::Status*>> bad;
    for (const auto& pe : result->rejected) bad.emplace_back(point_of[pe.index], &pe.status);
    std::sort(bad.begin(), bad.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [i, status] : bad) {
      rejected_.Add({now, req.remote, db, rp, parsed.line_number(i), line_of(i),
                     std::string(status->message())});
    }
    std::string msg = absl::StrCat("partial write: ", bad[0].second->message(),
                                   " dropped=", bad.size(), " for database: ", db);
    if (!rp.empty()) absl::StrAppend(&msg, " for retention policy: ", rp);
    return Error(400, msg);
  }
  if (!parse_errors.empty()) {
    return Error(400,
                 absl::StrCat("partial write: ", absl::StrJoin(parse_errors, "\n"), " dropped=0"));
  }
  if (!stripped_time.empty()) {
    std::string msg =
        absl::StrCat("partial write: ", stripped_time, " dropped=0 for database: ", db);
    if (!rp.empty()) absl::StrAppend(&msg, " for retention policy: ", rp);
    return Error(400, msg);
  }
  return NoContent();
}

void InfluxApi::KeepBody(const HttpRequest& req, const std::string& db, const std::string& rp,
                         const std::string& reason) {
  std::string inflated;
  std::string_view body = req.body;
  if (req.Header("content-encoding") == "gzip") {
    if (Gunzip(req.body, config_.max_body_bytes, &inflated) != GunzipResult::kOk) return;
    body = inflated;
  }
  const int64_t now = NowNs();
  size_t number = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    rejected_.Add({now, req.remote, db, rp, number, std::string(line), reason});
  }
}

HttpResponse InfluxApi::Query(const HttpRequest& req) {
  auto params = ParseQueryString(req.target);
  if (req.method == "POST" &&
      req.Header("content-type").starts_with("application/x-www-form-urlencoded")) {
    for (auto& [k, v] : ParseForm(req.body)) params[k] = v;
  }
  const Authenticator::Result who = auth_.Authenticate(req);
  if (who.status != 0) return Unauthorized(who.error);
  const std::string q = params["q"];
  if (q.empty()) return Error(400, "missing required parameter \"q\"");
  auto statements = ParseStatements(q);
  if (!statements.ok()) return Error(400, std::string(statements.status().message()));
  // Every statement is authorized before any runs, as InfluxDB does.
  for (const Statement& st : *statements) {
    if (auth_.enabled() && who.user == nullptr) {
      return Error(403,
                   "error authorizing query: create admin user first or disable "
                   "authentication");
    }
    const bool needs_admin = st.kind == Statement::Kind::kCreateDatabase ||
                             st.kind == Statement::Kind::kDropDatabase ||
                             st.kind == Statement::Kind::kCreateRetentionPolicy;
    const std::string db = st.database.empty() ? params["db"] : st.database;
    if (needs_admin ? !auth_.IsAdmin(who.user)
                    : (st.kind == Statement::Kind::kShowRetentionPolicies &&
                       !auth_.Allowed(who.user, db, Privilege::kRead))) {
      return Error(
          403,
          absl::StrCat("error authorizing query: ", who.user->name,
                       " not authorized to execute statement '", StatementText(st), "', requires ",
                       needs_admin ? "admin privilege" : absl::StrCat("READ on ", db)));
    }
  }
  std::vector<std::string> results;
  for (size_t i = 0; i < statements->size(); ++i) {
    const Statement& st = (*statements)[i];
    const std::string head = absl::StrCat("{\"statement_id\":", i);
    auto fail = [&](const absl::Status& s) {
      return absl::StrCat(head, ",\"error\":", JsonString(std::string(s.message())), "}");
    };
    switch (st.kind) {
      case Statement::Kind::kCreateDatabase: {
        auto s = db_->CreateDatabase(st.database);
        results.push_back(s.ok() ? head + "}" : fail(s));
        break;
      }
      case Statement::Kind::kDropDatabase: {
        auto s = db_->DropDatabase(st.database);
        results.push_back(s.ok() ? head + "}" : fail(s));
        break;
      }
      case Statement::Kind::kShowDatabases: {
        // A user who is not an admin sees the databases it may use.
        std::vector<std::string> rows;
        for (const auto& name : db_->ListDatabases()) {
          if (auth_.IsAdmin(who.user) || auth_.Allowed(who.user, name, Privilege::kRead) ||
              auth_.Allowed(who.user, name, Privilege::kWrite)) {
            rows.push_back("[" + JsonString(name) + "]");
          }
        }
        results.push_back(absl::StrCat(
            head, ",\"series\":[{\"name\":\"databases\",\"columns\":[\"name\"]",
            rows.empty() ? "" : ",\"values\":[" + absl::StrJoin(rows, ",") + "]", "}]}"));
        break;
      }
      case Statement::Kind::kCreateRetentionPolicy: {
        RetentionPolicy rp{st.policy, st.duration_ns, st.shard_ns, st.make_default};
        auto s = db_->CreateRetentionPolicy(st.database, rp);
        results.push_back(s.ok() ? head + "}" : fail(s));
        break;
      }
      case Statement::Kind::kShowRetentionPolicies: {
        const std::string db = st.database.empty() ? params["db"] : st.database;
        if (db.empty()) {
          results.push_back(fail(absl::InvalidArgumentError("database name required")));
          break;
        }
        auto rps = db_->ListRetentionPolicies(db);
        if (!rps.ok()) {
          results.push_back(fail(absl::NotFoundError(absl::StrCat("database not found: ", db))));
          break;
        }
        std::vector<std::string> rows;
        for (const auto& rp : *rps) {
          rows.push_back(absl::StrCat("[", JsonString(rp.name), ",",
                                      JsonString(FormatDuration(rp.duration_ns)), ",",
                                      JsonString(FormatDuration(rp.partition_ns)), ",1,",
                                      rp.is_default ? "true" : "false", "]"));
        }
        results.push_back(
            absl::StrCat(head,
                         ",\"series\":[{\"columns\":[\"name\",\"duration\",\"shardGroupDuration\","
                         "\"replicaN\",\"default\"],\"values\":[",
                         absl::StrJoin(rows, ","), "]}]}"));
        break;
      }
    }
  }
  return Json(200, absl::StrCat("{\"results\":[", absl::StrJoin(results, ","), "]}\n"));
}

HttpResponse InfluxApi::Export(const HttpRequest& req) {
  const Authenticator::Result who = auth_.Authenticate(req);
  if (who.status != 0) return Unauthorized(who.error);
  auto params = ParseQueryString(req.target);
  QuerySpec q;
  q.selector.database = params["db"];
  q.selector.retention_policy = params["rp"];
  q.selector.measurement = params["measurement"];
  if (q.selector.database.empty()) return Error(400, "database is required");
  if (q.selector.measurement.empty()) return Error(400, "measurement is required");
  if (!auth_.Allowed(who.user, q.selector.database, Privilege::kRead)) {
    return Error(403, absl::StrCat(who.user == nullptr ? "a user" : "\"" + who.user->name + "\"",
                                   " is not authorized to read from database \"",
                                   q.selector.database, "\""));
  }
  if (!params["start"].empty() && !absl::SimpleAtoi(params["start"], &q.start_ns)) {
    return Error(400, "start must be an integer timestamp in ns");
  }
  if (!params["end"].empty() && !absl::SimpleAtoi(params["end"], &q.end_ns)) {
    return Error(400, "end must be an integer timestamp in ns");
  }
  auto cursor = db_->Query(q);
  if (!cursor.ok())
    return Error(HttpStatusOf(cursor.status()), std::string(cursor.status().message()));
  HttpResponse r;
  r.status = 200;
  r.Set("Content-Type", "text/plain; charset=utf-8");
  Frame f;
  while ((*cursor)->Next(&f)) {
    for (size_t i = 0; i < f.times.size(); ++i) {
      AppendLine(f.measurement, f.tags, f.field, f.values[i], f.times[i], &r.body);
    }
  }
  if (!(*cursor)->status().ok()) {
    return Error(HttpStatusOf((*cursor)->status()), std::string((*cursor)->status().message()));
  }
  return r;
}

HttpResponse InfluxApi::Rejected(const HttpRequest& req) {
  // Rejected lines hold data of every database: admins only.
  const Authenticator::Result who = auth_.Authenticate(req);
  if (who.status != 0) return Unauthorized(who.error);
  if (!auth_.IsAdmin(who.user)) return Error(403, "/debug/rejected requires admin privilege");
  size_t limit = 0;
  absl::SimpleAtoi(ParseQueryString(req.target)["limit"], &limit);
  std::vector<std::string> rows;
  for (const auto& l : rejected_.List(limit)) {
    rows.push_back(
        absl::StrCat("{\"time\":", l.time_ns, ",\"source\":", JsonString(l.source),
                     ",\"db\":", JsonString(l.database), ",\"rp\":", JsonString(l.retention_policy),
                     ",\"line_number\":", l.line_number, ",\"line\":", JsonString(l.line),
                     ",\"reason\":", JsonString(l.reason), "}"));
  }
  return Json(200, absl::StrCat("{\"total\":", rejected_.total(), ",\"rejected\":[",
                                absl::StrJoin(rows, ","), "]}\n"));
}

HttpResponse InfluxApi::Metrics() {
  std::string out;
  {
    absl::MutexLock l(&metrics_mu_);
    out +=
        "# HELP lux_http_requests_total HTTP requests by endpoint and status.\n"
        "# TYPE lux_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      absl::StrAppend(&out, "lux_http_requests_total{endpoint=\"", key.first, "\",status=\"",
                      key.second, "\"} ", n, "\n");
    }
    out +=
        "# HELP lux_http_request_duration_seconds HTTP request latency.\n"
        "# TYPE lux_http_request_duration_seconds histogram\n";
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += latency_buckets_[b];
      absl::StrAppend(&out, "lux_http_request_duration_seconds_bucket{le=\"",
                      b < kBuckets.size() ? absl::StrCat(kBuckets[b]) : "+Inf", "\"} ", cumulative,
                      "\n");
    }
    absl::StrAppend(&out, "lux_http_request_duration_seconds_sum ", latency_sum_, "\n",
                    "lux_http_request_duration_seconds_count ", cumulative, "\n");
  }
  absl::StrAppend(&out, "# TYPE lux_points_written_total counter\nlux_points_written_total ",
                  points_written_.load(), "\n");
  absl::StrAppend(&out, "# TYPE lux_http_writes_throttled_total counter\n",
                  "lux_http_writes_throttled_total ", writes_throttled_.load(), "\n");
  absl::StrAppend(&out, "# TYPE lux_lines_rejected_total counter\n",
                  "lux_lines_rejected_total{reason=\"parse\"} ", lines_rejected_parse_.load(), "\n",
                  "lux_lines_rejected_total{reason=\"storage\"} ", lines_rejected_storage_.load(),
                  "\n");
  std::string stats;
  if (db_->GetProperty("lux.stats", &stats)) {
    // Numbers of the flat JSON object become gauges lux_<key>.
    for (const auto& [key, number] : FlatJsonNumbers(stats)) {
      absl::StrAppend(&out, "# TYPE lux_", key, " gauge\nlux_", key, " ", number, "\n");
    }
  }
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  absl::StrAppend(&out, "# TYPE process_max_resident_memory_bytes gauge\n",
                  "process_max_resident_memory_bytes ", int64_t(ru.ru_maxrss) * 1024, "\n");
  HttpResponse r;
  r.status = 200;
  r.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = std::move(out);
  return r;
}

}  // namespace lux::luxd
