// File: commands.cc
// What the commands share: global options, errors, the client, selectors.
#include "tools/luxctl/commands.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "tools/luxctl/values.h"

namespace lux::luxctl {

void AddGlobalOptions(CLI::App* cmd, Context* ctx, bool http) {
  cmd->add_option("--addr", ctx->addr, "luxd gRPC address HOST:PORT")
      ->capture_default_str()
      ->group("Connection");
  if (http) {
    cmd->add_option("--http-addr", ctx->http_addr, "luxd HTTP address HOST:PORT")
        ->capture_default_str()
        ->group("Connection");
  }
  cmd->add_option("--timeout", ctx->timeout, "deadline of each call (10s, 2m, ...)")
      ->capture_default_str()
      ->group("Connection");
}

int Fail(int code, absl::string_view message) {
  std::fflush(stdout);
  std::fprintf(stderr, "luxctl: %.*s\n", int(message.size()), message.data());
  return code;
}

int ServerFail(const Context& ctx, absl::string_view what, const absl::Status& s) {
  if (absl::IsUnavailable(s)) {
    return Fail(kExitUsage,
                absl::StrCat(what, ": cannot reach luxd at ", ctx.addr, ": ", s.message()));
  }
  if (absl::IsDeadlineExceeded(s)) {
    return Fail(kExitUsage, absl::StrCat(what, ": no answer from luxd at ", ctx.addr, " within ",
                                         ctx.timeout, " (--timeout): ", s.message()));
  }
  return Fail(kExitRefused, absl::StrCat(what, ": ", s.message()));
}

absl::StatusOr<std::unique_ptr<Client>> Connect(const Context& ctx) {
  auto timeout = ParseDuration(ctx.timeout);
  if (!timeout.ok()) return timeout.status();
  if (*timeout <= 0) return absl::InvalidArgumentError("--timeout must be positive");
  ClientOptions options;
  options.call_timeout = absl::Nanoseconds(*timeout);
  return Client::Connect(ctx.addr, options);
}

void SelectorFlags::Add(CLI::App* cmd, bool with_fields) {
  cmd->add_option("--db", db, "database")->required();
  cmd->add_option("--rp", rp, "retention policy (default: the database's default)");
  cmd->add_option("--measurement,-m", measurement, "measurement")->required();
  if (with_fields) {
    cmd->add_option("--field,-f", fields, "field (repeatable; default: every field)");
  }
  cmd->add_option("--where,-w", where,
                  "tag predicate key=value, key!=value, key=~regex or key!~regex (repeatable, "
                  "all must hold)");
}

absl::StatusOr<Selector> SelectorFlags::Build() const {
  Selector s;
  s.database = db;
  s.retention_policy = rp;
  s.measurement = measurement;
  s.fields = fields;
  for (const auto& w : where) {
    auto f = ParseTagFilter(w);
    if (!f.ok()) return f.status();
    s.tags.push_back(std::move(*f));
  }
  return s;
}

std::string Count(size_t n, absl::string_view noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

void Print(absl::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

}  // namespace lux::luxctl
