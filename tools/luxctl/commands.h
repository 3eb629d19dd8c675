// File: commands.h
// -----------------------------------------------------------------------------
// luxctl's commands, each registered on a CLI11 app. A command's callback
// stores its exit code in Context::exit_code:
//   0  done (write: every line stored)
//   1  the server refused something (write: some lines rejected, the good
//      ones stored; any other server error)
//   2  usage error, or luxd could not be reached
// Messages for the user go to stdout; errors to stderr as "luxctl: <text>".
#ifndef LUX_TOOLS_LUXCTL_COMMANDS_H_
#define LUX_TOOLS_LUXCTL_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lux/client.h"
#include "lux/query.h"

namespace lux::luxctl {

constexpr int kExitOk = 0;
constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;

// Options every command takes, and the exit code of the command that ran.
struct Context {
  std::string addr = "127.0.0.1:8087";       // luxd's gRPC (lux.v1) address
  std::string http_addr = "127.0.0.1:8086";  // luxd's HTTP address (rejected)
  std::string timeout = "30s";               // per call; not export/subscribe
  int exit_code = kExitOk;
};

// Adds --addr and --timeout (and --http-addr when `http`) to `cmd`.
void AddGlobalOptions(CLI::App* cmd, Context* ctx, bool http = false);

// Prints "luxctl: <message>" on stderr and returns `code`.
int Fail(int code, absl::string_view message);
// A failed call to luxd: UNAVAILABLE and DEADLINE_EXCEEDED are exit 2 naming
// the address, anything else exit 1 as "<what>: <message>".
int ServerFail(const Context& ctx, absl::string_view what, const absl::Status& s);

// lux::Client for ctx.addr with ctx.timeout.
absl::StatusOr<std::unique_ptr<Client>> Connect(const Context& ctx);

// --db/--rp/--measurement/--field/--where collected into a Selector.
struct SelectorFlags {
  std::string db, rp, measurement;
  std::vector<std::string> fields, where;
  // Adds the flags (--field only when `fields`); db and measurement required.
  void Add(CLI::App* cmd, bool fields = true);
  absl::StatusOr<Selector> Build() const;
};

// "1 point", "2 points".
std::string Count(size_t n, absl::string_view noun);

// Writes `s` to stdout as it is.
void Print(absl::string_view s);

void AddWriteCommand(CLI::App* app, Context* ctx);
void AddQueryCommands(CLI::App* app, Context* ctx);  // query, last, export, subscribe
void AddAdminCommands(CLI::App* app, Context* ctx);  // databases, rp, delete, stats
void AddRejectedCommand(CLI::App* app, Context* ctx);

}  // namespace lux::luxctl

#endif  // LUX_TOOLS_LUXCTL_COMMANDS_H_
