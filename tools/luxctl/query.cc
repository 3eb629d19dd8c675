// File: query.cc
// luxctl query, last, export (through lux::Client or, to stream, the lux.v1
// stub) and subscribe (the stub: lux::Client has no Subscribe yet).
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lux/v1/lux.grpc.pb.h"
#include "server/luxd/lp_writer.h"
#include "server/proto/convert.h"
#include "tools/luxctl/commands.h"
#include "tools/luxctl/output.h"
#include "tools/luxctl/values.h"

namespace lux::luxctl {
namespace {

// Parses an optional time flag into *out (left alone when empty).
absl::Status OptionalTime(const std::string& flag, const std::string& text, int64_t now,
                          int64_t* out) {
  if (text.empty()) return absl::OkStatus();
  auto t = ParseTime(text, now);
  if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", t.status().message()));
  *out = *t;
  return absl::OkStatus();
}

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(int(s.error_code())), s.error_message());
}

// The raw lux.v1 stub, for the streaming calls that run without a deadline.
std::unique_ptr<v1::Lux::Stub> NewStub(const Context& ctx) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  return v1::Lux::NewStub(
      grpc::CreateCustomChannel(ctx.addr, grpc::InsecureChannelCredentials(), args));
}

// ------------------------------------------------------------------ query --

struct QueryFlags {
  SelectorFlags selector;
  std::string start, end, agg = "none", every, offset, fill = "none", format = "table";
  double percentile = 50;
  std::vector<std::string> group_by;
  size_t limit = 0;
};

int RunQuery(const QueryFlags& flags, const Context& ctx) {
  QuerySpec q;
  auto selector = flags.selector.Build();
  if (!selector.ok()) return Fail(kExitUsage, selector.status().message());
  q.selector = std::move(*selector);
  const int64_t now = absl::GetCurrentTimeNanos();
  for (auto s : {OptionalTime("--start", flags.start, now, &q.start_ns),
                 OptionalTime("--end", flags.end, now, &q.end_ns)}) {
    if (!s.ok()) return Fail(kExitUsage, s.message());
  }
  auto agg = ParseAggregate(flags.agg);
  if (!agg.ok()) return Fail(kExitUsage, agg.status().message());
  q.aggregate = *agg;
  q.percentile = flags.percentile;
  if (!flags.every.empty()) {
    auto every = ParseDuration(flags.every);
    if (!every.ok()) return Fail(kExitUsage, absl::StrCat("--every: ", every.status().message()));
    if (*every <= 0) return Fail(kExitUsage, "--every must be positive");
    if (q.aggregate == Aggregate::kNone) return Fail(kExitUsage, "--every needs --agg");
    if (flags.start.empty() || flags.end.empty()) {
      return Fail(kExitUsage, "--every needs --start and --end");
    }
    q.interval_ns = *every;
  }
  if (!flags.offset.empty()) {
    if (flags.every.empty()) return Fail(kExitUsage, "--offset needs --every");
    auto offset = ParseDuration(flags.offset);
    if (!offset.ok())
      return Fail(kExitUsage, absl::StrCat("--offset: ", offset.status().message()));
    q.offset_ns = *offset;
  }
  q.group_by_tags = flags.group_by;
  if (auto s = ParseFill(flags.fill, &q.fill, &q.fill_value); !s.ok()) {
    return Fail(kExitUsage, s.message());
  }
  q.limit = flags.limit;
  auto format = ParseFormat(flags.format);
  if (!format.ok()) return Fail(kExitUsage, format.status().message());
  auto client = Connect(ctx);
  if (!client.ok()) return Fail(kExitUsage, client.status().message());
  auto frames = (*client)->Query(q);
  if (!frames.ok()) return ServerFail(ctx, "query", frames.status());
  Print(Render(*frames, *format));
  return kExitOk;
}

void AddQuery(CLI::App* app, Context* ctx) {
  auto f = std::make_shared<QueryFlags>();
  CLI::App* cmd = app->add_subcommand("query", "Query raw points or aggregates");
  f->selector.Add(cmd);
  cmd->add_option("--start", f->start, "start of the range, inclusive (ns, RFC3339, now-1h)");
  cmd->add_option("--end", f->end, "end of the range, exclusive (ns, RFC3339, now)");
  cmd->add_option("--agg,-a", f->agg,
                  "aggregate: none, count, sum, mean, min, max, first, last, stddev, spread, "
                  "percentile, twa")
      ->capture_default_str();
  cmd->add_option("--percentile", f->percentile, "0..100 for --agg percentile")
      ->capture_default_str();
  cmd->add_option("--every", f->every, "window length of GROUP BY time (10s, 5m, 1h)");
  cmd->add_option("--offset", f->offset,
                  "offset of the windows of --every (GROUP BY time(every, offset))");
  cmd->add_option("--group-by,-g", f->group_by, "group by this tag (repeatable)");
  cmd->add_option("--fill", f->fill, "empty windows: none, null, previous, linear or a number")
      ->capture_default_str();
  cmd->add_option("--limit", f->limit, "at most this many values per series (0: all)");
  cmd->add_option("--format", f->format, "table, csv or json")->capture_default_str();
  AddGlobalOptions(cmd, ctx);
  cmd->footer(
      "Examples:\n"
      "  luxctl query --db farm -m env --field temp --where zone=a --start now-1h\n"
      "  luxctl query --db farm -m env --agg mean --every 5m --start 2026-01-01T00:00:00Z \\\n"
      "      --end 2026-01-02T00:00:00Z --group-by zone --fill previous --format csv\n"
      "  luxctl query --db farm -m env --agg percentile --percentile 95 --where 'zone=~^a|b$'");
  cmd->callback([f, ctx] { ctx->exit_code = RunQuery(*f, *ctx); });
}

// ------------------------------------------------------------------- last --

struct LastFlags {
  SelectorFlags selector;
  std::string format = "table";
};

void AddLast(CLI::App* app, Context* ctx) {
  auto f = std::make_shared<LastFlags>();
  CLI::App* cmd = app->add_subcommand("last", "The latest value of each matching series");
  f->selector.Add(cmd);
  cmd->add_option("--format", f->format, "table, csv or json")->capture_default_str();
  AddGlobalOptions(cmd, ctx);
  cmd->footer(
      "Example:\n"
      "  luxctl last --db farm -m env --field temp --where zone!=test --format json");
  cmd->callback([f, ctx] {
    ctx->exit_code = [&] {
      auto selector = f->selector.Build();
      if (!selector.ok()) return Fail(kExitUsage, selector.status().message());
      auto format = ParseFormat(f->format);
      if (!format.ok()) return Fail(kExitUsage, format.status().message());
      auto client = Connect(*ctx);
      if (!client.ok()) return Fail(kExitUsage, client.status().message());
      auto last = (*client)->Last(*selector);
      if (!last.ok()) return ServerFail(*ctx, "last", last.status());
      Print(Render(FramesOf(*last), *format));
      return kExitOk;
    }();
  });
}

// ----------------------------------------------------------------- export --

struct ExportFlags {
  SelectorFlags selector;
  std::string start, end;
};

int RunExport(const ExportFlags& f, const Context& ctx) {
  QuerySpec q;
  auto selector = f.selector.Build();
  if (!selector.ok()) return Fail(kExitUsage, selector.status().message());
  q.selector = std::move(*selector);
  const int64_t now = absl::GetCurrentTimeNanos();
  for (auto s : {OptionalTime("--start", f.start, now, &q.start_ns),
                 OptionalTime("--end", f.end, now, &q.end_ns)}) {
    if (!s.ok()) return Fail(kExitUsage, s.message());
  }
  v1::QueryRequest req;
  proto::ToProto(q, &req);
  // Streamed and written as it comes (lux::Client::Query would hold all of
  // it), without a deadline: a large export takes what it takes.
  auto stub = NewStub(ctx);
  grpc::ClientContext call;
  auto reader = stub->Query(&call, req);
  v1::QueryResponse resp;
  std::string out;
  while (reader->Read(&resp)) {
    for (const auto& frame : resp.frames()) AppendLineProtocol(proto::FromProto(frame), &out);
    Print(out);
    out.clear();
  }
  std::fflush(stdout);
  if (auto s = FromGrpc(reader->Finish()); !s.ok()) return ServerFail(ctx, "export", s);
  return kExitOk;
}

void AddExport(CLI::App* app, Context* ctx) {
  auto f = std::make_shared<ExportFlags>();
  CLI::App* cmd = app->add_subcommand(
      "export", "Print stored points as line protocol (one field per line, ns timestamps)");
  f->selector.Add(cmd);
  cmd->add_option("--start", f->start, "start of the range, inclusive (ns, RFC3339, now-1h)");
  cmd->add_option("--end", f->end, "end of the range, exclusive (ns, RFC3339, now)");
  AddGlobalOptions(cmd, ctx);
  cmd->footer(
      "Escaped as luxd's /export escapes, so the output reads back exactly (--timeout\n"
      "does not apply: the export streams until done).\n\n"
      "Examples:\n"
      "  luxctl export --db farm -m env --start 2026-01-01T00:00:00Z > env.lp\n"
      "  luxctl export --db farm -m env | luxctl write --db farm_copy");
  cmd->callback([f, ctx] { ctx->exit_code = RunExport(*f, *ctx); });
}

// -------------------------------------------------------------- subscribe --

struct SubscribeFlags {
  SelectorFlags selector;
  std::string from;
};

// One line per point (all its fields), as the points arrive.
void AppendSeriesPoints(const v1::SeriesPoints& sp, std::string* out) {
  Point p;
  p.measurement = sp.measurement();
  for (const auto& t : sp.tags()) p.tags.push_back({t.key(), t.value()});
  for (int i = 0; i < sp.timestamps_ns_size(); ++i) {
    p.fields.clear();
    for (const auto& column : sp.fields()) {
      if (size_t(i) < proto::ColumnSize(column.values())) {
        p.fields.push_back({column.name(), proto::ValueAt(column.values(), i)});
      }
    }
    if (p.fields.empty()) continue;
    p.timestamp_ns = sp.timestamps_ns(i);
    luxd::AppendPoint(p, out);
  }
}

int RunSubscribe(const SubscribeFlags& f, const Context& ctx) {
  auto selector = f.selector.Build();
  if (!selector.ok()) return Fail(kExitUsage, selector.status().message());
  v1::SubscribeRequest req;
  proto::ToProto(*selector, req.mutable_selector());
  if (!f.from.empty()) {
    auto from = ParseTime(f.from, absl::GetCurrentTimeNanos());
    if (!from.ok()) return Fail(kExitUsage, absl::StrCat("--from: ", from.status().message()));
    req.set_resume_from_ns(*from);
  }
  auto stub = NewStub(ctx);
  grpc::ClientContext call;
  auto reader = stub->Subscribe(&call, req);
  v1::SubscribeResponse resp;
  std::string out;
  while (reader->Read(&resp)) {
    for (const auto& sp : resp.points()) AppendSeriesPoints(sp, &out);
    Print(out);
    std::fflush(stdout);
    out.clear();
  }
  const grpc::Status s = reader->Finish();
  if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    return Fail(kExitRefused,
                absl::StrCat("subscribe: luxd at ", ctx.addr,
                             " does not implement Subscribe yet (UNIMPLEMENTED",
                             s.error_message().empty() ? "" : ": ", s.error_message(), ")"));
  }
  if (!s.ok()) return ServerFail(ctx, "subscribe", FromGrpc(s));
  return kExitOk;
}

void AddSubscribe(CLI::App* app, Context* ctx) {
  auto f = std::make_shared<SubscribeFlags>();
  CLI::App* cmd = app->add_subcommand(
      "subscribe", "Print points as line protocol as they are written (until Ctrl-C)");
  f->selector.Add(cmd);
  cmd->add_option("--from", f->from,
                  "first stored points from this time (ns, RFC3339, now-1h), then live ones; "
                  "default: live only");
  AddGlobalOptions(cmd, ctx);
  cmd->footer(
      "Example:\n"
      "  luxctl subscribe --db farm -m env --where zone=a --from now-10m");
  cmd->callback([f, ctx] { ctx->exit_code = RunSubscribe(*f, *ctx); });
}

}  // namespace

void AddQueryCommands(CLI::App* app, Context* ctx) {
  AddQuery(app, ctx);
  AddLast(app, ctx);
  AddExport(app, ctx);
  AddSubscribe(app, ctx);
}

}  // namespace lux::luxctl
