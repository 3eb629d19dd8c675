// File: rejected_cmd.cc
// luxctl rejected list|replay: luxd's rejected-lines store (HTTP only) read
// and, for replay, sent again through gRPC Write.
#include <map>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "server/lineproto/line_protocol.h"
#include "tools/luxctl/commands.h"
#include "tools/luxctl/rejected.h"
#include "tools/luxctl/values.h"

namespace lux::luxctl {
namespace {

struct RejectedFlags {
  size_t limit = 0;
  std::string user, password;
};

absl::StatusOr<RejectedList> Fetch(const RejectedFlags& f, const Context& ctx) {
  auto timeout = ParseDuration(ctx.timeout);
  if (!timeout.ok()) return timeout.status();
  std::string auth;
  if (!f.user.empty()) auth = "Basic " + absl::Base64Escape(f.user + ":" + f.password);
  auto r = HttpGet(ctx.http_addr, absl::StrCat("/debug/rejected?limit=", f.limit), auth,
                   absl::Nanoseconds(*timeout));
  if (!r.ok()) return r.status();
  if (r->status != 200) {
    return absl::FailedPreconditionError(absl::StrCat(
        "GET http://", ctx.http_addr, "/debug/rejected: HTTP ", r->status, ": ", r->body));
  }
  return ParseRejectedJson(r->body);
}

int FetchFailed(const absl::Status& s) {
  return Fail(absl::IsUnavailable(s) || absl::IsInvalidArgument(s) ? kExitUsage : kExitRefused,
              absl::StrCat("rejected: ", s.message()));
}

// Continuation lines of a multi-line text (a string field with a newline)
// indented like its first line.
std::string Indented(absl::string_view text) {
  return absl::StrCat("    ", absl::StrReplaceAll(text, {{"\n", "\n    "}}), "\n");
}

int RunList(const RejectedFlags& f, const Context& ctx) {
  auto list = Fetch(f, ctx);
  if (!list.ok()) return FetchFailed(list.status());
  std::string out = absl::StrCat(Count(list->total, "line"), " rejected since luxd started, ",
                                 list->lines.size(), " listed here (oldest first)\n");
  for (const RejectedLine& l : list->lines) {
    absl::StrAppend(&out, FormatTime(l.time_ns), "  from ", l.source, "  db=", l.db, " rp=", l.rp,
                    " line ", l.line_number, ": ", l.reason, "\n", Indented(l.line));
  }
  Print(out);
  return kExitOk;
}

int RunReplay(const RejectedFlags& f, const Context& ctx) {
  auto list = Fetch(f, ctx);
  if (!list.ok()) return FetchFailed(list.status());
  auto client = Connect(ctx);
  if (!client.ok()) return Fail(kExitUsage, client.status().message());
  // The lines by (db, rp); per line its outcome, "" = stored.
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < list->lines.size(); ++i) {
    groups[{list->lines[i].db, list->lines[i].rp}].push_back(i);
  }
  std::vector<std::string> outcome(list->lines.size());
  lineproto::ParseOptions options;  // stored lines carry ns timestamps
  options.default_time_ns = absl::GetCurrentTimeNanos();
  for (const auto& [key, indexes] : groups) {
    WriteBatch batch;
    batch.database = key.first;
    batch.retention_policy = key.second;
    std::vector<size_t> origin;  // batch.points[k] came from list->lines[origin[k]]
    for (size_t i : indexes) {
      lineproto::ParseResult parsed;
      lineproto::Parse(list->lines[i].line, options, &parsed);
      if (!parsed.errors.empty()) {
        outcome[i] = lineproto::FormatError(parsed.errors[0]);
        continue;
      }
      for (auto& p : parsed.points) {
        batch.points.push_back(std::move(p));
        origin.push_back(i);
      }
    }
    if (batch.points.empty()) continue;
    auto result = (*client)->Write(batch);
    if (!result.ok()) {
      if (absl::IsUnavailable(result.status()) || absl::IsDeadlineExceeded(result.status())) {
        return ServerFail(ctx, "rejected replay", result.status());
      }
      for (size_t i : origin) outcome[i] = std::string(result.status().message());
      continue;
    }
    for (const auto& r : result->rejected)
      outcome[origin[r.index]] = std::string(r.status.message());
  }
  std::string out;
  size_t stored = 0;
  for (size_t i = 0; i < list->lines.size(); ++i) {
    const RejectedLine& l = list->lines[i];
    if (outcome[i].empty()) ++stored;
    absl::StrAppend(&out, outcome[i].empty() ? "stored" : "failed", "  db=", l.db, " rp=", l.rp,
                    outcome[i].empty() ? "" : ": ", outcome[i], "\n", Indented(l.line));
  }
  absl::StrAppend(&out, "replayed ", Count(list->lines.size(), "line"), ": ", stored, " stored, ",
                  list->lines.size() - stored, " still rejected\n");
  Print(out);
  return stored == list->lines.size() ? kExitOk : kExitRefused;
}

void AddAuthFlags(CLI::App* cmd, RejectedFlags* f) {
  cmd->add_option("--limit", f->limit, "the newest N lines only (0: all that luxd kept)")
      ->capture_default_str();
  cmd->add_option("--user,-u", f->user, "luxd admin user, when luxd has auth enabled")
      ->group("Connection");
  cmd->add_option("--password", f->password, "its password")->group("Connection");
}

}  // namespace

void AddRejectedCommand(CLI::App* app, Context* ctx) {
  auto f = std::make_shared<RejectedFlags>();
  CLI::App* cmd = app->add_subcommand(
      "rejected", "List or replay the lines luxd rejected (its /debug/rejected store)");
  AddAuthFlags(cmd, f.get());
  AddGlobalOptions(cmd, ctx, /*http=*/true);
  cmd->footer(
      "luxd keeps the last rejected lines of its HTTP writes (parse errors and points the\n"
      "engine refused) and serves them over HTTP only, hence --http-addr. Without a\n"
      "subcommand: list.\n\n"
      "Examples:\n"
      "  luxctl rejected list --limit 20 --http-addr 127.0.0.1:8086\n"
      "  luxctl rejected replay --limit 100");
  CLI::App* list = cmd->add_subcommand("list", "Print the rejected lines with their reasons");
  AddAuthFlags(list, f.get());
  AddGlobalOptions(list, ctx, /*http=*/true);
  list->footer("Example:\n  luxctl rejected list --limit 20");
  list->callback([f, ctx] { ctx->exit_code = RunList(*f, *ctx); });

  CLI::App* replay = cmd->add_subcommand(
      "replay", "Write the rejected lines again (gRPC) and say which are stored now");
  AddAuthFlags(replay, f.get());
  AddGlobalOptions(replay, ctx, /*http=*/true);
  replay->footer(
      "Lines are grouped by their database and retention policy and written with ns\n"
      "timestamps (luxd stores refused points re-encoded in ns; lines that did not parse\n"
      "fail again). luxd keeps the lines: replaying twice writes twice (same timestamps,\n"
      "so the same points). Exit 0 when every line is stored now, 1 otherwise.\n\n"
      "Example:\n"
      "  luxctl databases create farm && luxctl rejected replay");
  replay->callback([f, ctx] { ctx->exit_code = RunReplay(*f, *ctx); });
  cmd->callback([cmd, f, ctx] {
    if (cmd->get_subcommands().empty()) ctx->exit_code = RunList(*f, *ctx);
  });
}

}  // namespace lux::luxctl
