// File: admin.cc
// luxctl databases, rp, delete, stats: lux::Client's admin calls.
#include <algorithm>
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/luxctl/commands.h"
#include "tools/luxctl/values.h"

namespace lux::luxctl {
namespace {

// Connects, runs `body` with the client; usage and connection errors as exit 2.
int WithClient(const Context& ctx, const std::function<int(Client&)>& body) {
  auto client = Connect(ctx);
  if (!client.ok()) return Fail(kExitUsage, client.status().message());
  return body(**client);
}

// Rows padded to their widest cell, two spaces apart.
std::string Columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      out += row[c];
      if (c + 1 < row.size()) out += std::string(width[c] - row[c].size() + 2, ' ');
    }
    out += "\n";
  }
  return out;
}

// -------------------------------------------------------------- databases --

void AddDatabases(CLI::App* app, Context* ctx) {
  CLI::App* cmd = app->add_subcommand("databases", "List, create or drop databases");
  AddGlobalOptions(cmd, ctx);
  cmd->footer(
      "Without a subcommand: list.\n\n"
      "Examples:\n"
      "  luxctl databases\n"
      "  luxctl databases create farm\n"
      "  luxctl databases drop farm");
  auto list = [ctx] {
    ctx->exit_code = WithClient(*ctx, [&](Client& c) {
      auto dbs = c.ListDatabases();
      if (!dbs.ok()) return ServerFail(*ctx, "databases", dbs.status());
      std::string out;
      for (const auto& d : *dbs) absl::StrAppend(&out, d, "\n");
      Print(out);
      return kExitOk;
    });
  };
  CLI::App* list_cmd = cmd->add_subcommand("list", "List databases");
  AddGlobalOptions(list_cmd, ctx);
  list_cmd->footer("Example:\n  luxctl databases list");
  list_cmd->callback(list);

  auto name = std::make_shared<std::string>();
  CLI::App* create = cmd->add_subcommand("create", "Create a database (and its policy autogen)");
  create->add_option("NAME", *name, "database name")->required();
  AddGlobalOptions(create, ctx);
  create->footer("Example:\n  luxctl databases create farm");
  create->callback([ctx, name] {
    ctx->exit_code = WithClient(*ctx, [&](Client& c) {
      if (auto s = c.CreateDatabase(*name); !s.ok()) return ServerFail(*ctx, "databases create", s);
      Print(absl::StrCat("created database ", *name, "\n"));
      return kExitOk;
    });
  });

  CLI::App* drop = cmd->add_subcommand("drop", "Drop a database and every point in it");
  drop->add_option("NAME", *name, "database name")->required();
  AddGlobalOptions(drop, ctx);
  drop->footer("Example:\n  luxctl databases drop scratch");
  drop->callback([ctx, name] {
    ctx->exit_code = WithClient(*ctx, [&](Client& c) {
      if (auto s = c.DropDatabase(*name); !s.ok()) return ServerFail(*ctx, "databases drop", s);
      Print(absl::StrCat("dropped database ", *name, "\n"));
      return kExitOk;
    });
  });
  // The parent's callback runs after a subcommand's: list only when none ran.
  cmd->callback([cmd, list] {
    if (cmd->get_subcommands().empty()) list();
  });
}

// --------------------------------------------------------------------- rp --

struct RpFlags {
  std::string db, name, duration, partition;
  bool is_default = false;
};

absl::Status ApplyDurations(const RpFlags& f, RetentionPolicy* rp) {
  if (!f.duration.empty()) {
    if (f.duration == "inf" || f.duration == "INF") {
      rp->duration_ns = 0;
    } else {
      auto d = ParseDuration(f.duration);
      if (!d.ok())
        return absl::InvalidArgumentError(absl::StrCat("--duration: ", d.status().message()));
      rp->duration_ns = *d;
    }
  }
  if (!f.partition.empty()) {
    auto d = ParseDuration(f.partition);
    if (!d.ok())
      return absl::InvalidArgumentError(absl::StrCat("--partition: ", d.status().message()));
    rp->partition_ns = *d;
  }
  if (f.is_default) rp->is_default = true;
  return absl::OkStatus();
}

void AddRp(CLI::App* app, Context* ctx) {
  CLI::App* cmd = app->add_subcommand("rp", "List, create, alter or drop retention policies");
  auto f = std::make_shared<RpFlags>();
  AddGlobalOptions(cmd, ctx);
  cmd->add_option("--db", f->db, "database");
  cmd->footer(
      "Without a subcommand: list (needs --db).\n\n"
      "Examples:\n"
      "  luxctl rp list --db farm\n"
      "  luxctl rp create week --db farm --duration 7d --partition 1d --default\n"
      "  luxctl rp alter week --db farm --duration 14d\n"
      "  luxctl rp drop week --db farm");
  auto list = [ctx, f] {
    if (f->db.empty()) {
      ctx->exit_code = Fail(kExitUsage, "rp list: --db is required");
      return;
    }
    ctx->exit_code = WithClient(*ctx, [&](Client& c) {
      auto rps = c.ListRetentionPolicies(f->db);
      if (!rps.ok()) return ServerFail(*ctx, "rp list", rps.status());
      std::vector<std::vector<std::string>> rows = {{"name", "duration", "partition", "default"}};
      for (const auto& rp : *rps) {
        rows.push_back({rp.name, rp.duration_ns == 0 ? "inf" : FormatDuration(rp.duration_ns),
                        rp.partition_ns == 0 ? "default" : FormatDuration(rp.partition_ns),
                        rp.is_default ? "true" : "false"});
      }
      Print(Columns(rows));
      return kExitOk;
    });
  };
  CLI::App* list_cmd = cmd->add_subcommand("list", "List the retention policies of a database");
  list_cmd->add_option("--db", f->db, "database")->required();
  AddGlobalOptions(list_cmd, ctx);
  list_cmd->footer("Example:\n  luxctl rp list --db farm");
  list_cmd->callback(list);

  auto add_policy_flags = [f](CLI::App* sub, bool create) {
    sub->add_option("NAME", f->name, "policy name")->required();
    sub->add_option("--db", f->db, "database")->required();
    auto* d = sub->add_option("--duration", f->duration,
                              "how long points are kept (1h, 7d, 52w; inf = forever)");
    if (create) d->required();
    sub->add_option("--partition", f->partition,
                    "time partition (shard) length (default: the server's)");
    sub->add_flag("--default", f->is_default, "make it the database's default policy");
  };
  CLI::App* create = cmd->add_subcommand("create", "Create a retention policy");
  add_policy_flags(create, true);
  AddGlobalOptions(create, ctx);
  create->footer(
      "Example:\n  luxctl rp create week --db farm --duration 7d --partition 1d --default");
  create->callback([ctx, f] {
    RetentionPolicy rp;
    rp.name = f->name;
    if (auto s = ApplyDurations(*f, &rp); !s.ok()) {
      ctx->exit_code = Fail(kExitUsage, s.message());
      return;
    }
    ctx->exit_code = WithClient(*ctx, [&](Client& c) {
      if (auto s = c.CreateRetentionPolicy(f->db, rp); !s.ok())
        return ServerFail(*ctx, "rp create", s);
      Print(absl::StrCat("created retention policy ", rp.name, " on ", f->db, "\n"));
      return kExitOk;
    });
  });

  CLI::App* alter = cmd->add_subcommand(
      "alter", "Change a retention policy's duration, partition or default (others stay)");
  add_policy_flags(alter, false);
  AddGlobalOptions(alter, ctx);
  alter->footer("Example:\n  luxctl rp alter week --db farm --duration 14d --default");
  alter->callback([ctx, f] {
    ctx->exit_code = WithClient(*ctx, [&](Client& c) {
      auto rps = c.ListRetentionPolicies(f->db);
      if (!rps.ok()) return ServerFail(*ctx, "rp alter", rps.status());
      auto it = std::find_if(rps->begin(), rps->end(),
                             [&](const RetentionPolicy& p) { return p.name == f->name; });
      if (it == rps->end()) {
        return Fail(kExitRefused,
                    absl::StrCat("rp alter: retention policy not found: ", f->name, " on ", f->db));
      }
      RetentionPolicy rp = *it;
      if (auto s = ApplyDurations(*f, &rp); !s.ok()) return Fail(kExitUsage, s.message());
      if (auto s = c.AlterRetentionPolicy(f->db, rp); !s.ok())
        return ServerFail(*ctx, "rp alter", s);
      Print(absl::StrCat("altered retention policy ", rp.name, " on ", f->db, "\n"));
      return kExitOk;
    });
  });

  CLI::App* drop = cmd->add_subcommand("drop", "Drop a retention policy and its points");
  drop->add_option("NAME", f->name, "policy name")->required();
  drop->add_option("--db", f->db, "database")->required();
  AddGlobalOptions(drop, ctx);
  drop->footer("Example:\n  luxctl rp drop week --db farm");
  drop->callback([ctx, f] {
    ctx->exit_code = WithClient(*ctx, [&](Client& c) {
      if (auto s = c.DropRetentionPolicy(f->db, f->name); !s.ok())
        return ServerFail(*ctx, "rp drop", s);
      Print(absl::StrCat("dropped retention policy ", f->name, " on ", f->db, "\n"));
      return kExitOk;
    });
  });
  cmd->callback([cmd, list] {
    if (cmd->get_subcommands().empty()) list();
  });
}

// ----------------------------------------------------------------- delete --

struct DeleteFlags {
  SelectorFlags selector;
  std::string start, end;
};

void AddDelete(CLI::App* app, Context* ctx) {
  auto f = std::make_shared<DeleteFlags>();
  CLI::App* cmd =
      app->add_subcommand("delete", "Delete the points of matching series in a time range");
  f->selector.Add(cmd, /*fields=*/false);
  cmd->add_option("--start", f->start, "start of the range, inclusive (ns, RFC3339, now-1h)")
      ->required();
  cmd->add_option("--end", f->end, "end of the range, exclusive (ns, RFC3339, now)")->required();
  AddGlobalOptions(cmd, ctx);
  cmd->footer(
      "Example:\n"
      "  luxctl delete --db farm -m env --where zone=test --start 2026-01-01T00:00:00Z --end now");
  cmd->callback([ctx, f] {
    ctx->exit_code = [&] {
      auto selector = f->selector.Build();
      if (!selector.ok()) return Fail(kExitUsage, selector.status().message());
      const int64_t now = absl::GetCurrentTimeNanos();
      auto start = ParseTime(f->start, now);
      if (!start.ok()) return Fail(kExitUsage, absl::StrCat("--start: ", start.status().message()));
      auto end = ParseTime(f->end, now);
      if (!end.ok()) return Fail(kExitUsage, absl::StrCat("--end: ", end.status().message()));
      // lux.v1 reads a 0 bound as "unbounded": a delete must not widen that way.
      if (*start == 0 || *end == 0) {
        return Fail(
            kExitUsage,
            "delete: a --start or --end of 0 would mean \"unbounded\" to luxd; use 1 or -1");
      }
      if (*start >= *end) return Fail(kExitUsage, "delete: --start must be before --end");
      return WithClient(*ctx, [&](Client& c) {
        if (auto s = c.DeleteRange(*selector, *start, *end); !s.ok()) {
          return ServerFail(*ctx, "delete", s);
        }
        Print(absl::StrCat("deleted ", selector->measurement, " points in [", FormatTime(*start),
                           ", ", FormatTime(*end), ")\n"));
        return kExitOk;
      });
    }();
  });
}

// ------------------------------------------------------------------ stats --

void AddStats(CLI::App* app, Context* ctx) {
  CLI::App* cmd = app->add_subcommand("stats", "The engine's counters (series, head points, ...)");
  AddGlobalOptions(cmd, ctx);
  cmd->footer("Example:\n  luxctl stats --addr 10.0.0.5:8087");
  cmd->callback([ctx] {
    ctx->exit_code = WithClient(*ctx, [&](Client& c) {
      auto stats = c.Stats();
      if (!stats.ok()) return ServerFail(*ctx, "stats", stats.status());
      std::vector<std::vector<std::string>> rows;
      for (const auto& [name, value] : *stats) rows.push_back({name, FormatValue(value)});
      Print(Columns(rows));
      return kExitOk;
    });
  });
}

}  // namespace

void AddAdminCommands(CLI::App* app, Context* ctx) {
  AddDatabases(app, ctx);
  AddRp(app, ctx);
  AddDelete(app, ctx);
  AddStats(app, ctx);
}

}  // namespace lux::luxctl
