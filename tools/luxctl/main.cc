// luxctl — command-line client of luxd over gRPC (lux.v1).
//   luxctl <command> [options]    (luxctl --help, luxctl <command> --help)
// Exit codes: 0 done, 1 the server refused something, 2 usage or connection.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "tools/luxctl/commands.h"

int main(int argc, char** argv) {
  lux::luxctl::Context ctx;
  CLI::App app{"luxctl: command-line client of luxd (gRPC lux.v1, default 127.0.0.1:8087)",
               "luxctl"};
  app.require_subcommand(1);
  lux::luxctl::AddGlobalOptions(&app, &ctx, /*http=*/true);
  lux::luxctl::AddWriteCommand(&app, &ctx);
  lux::luxctl::AddQueryCommands(&app, &ctx);
  lux::luxctl::AddAdminCommands(&app, &ctx);
  lux::luxctl::AddRejectedCommand(&app, &ctx);
  app.footer(
      "Every command takes --addr (and --timeout); `luxctl <command> --help` shows its\n"
      "options and an example. Exit codes: 0 done, 1 the server refused something\n"
      "(write: some lines rejected), 2 usage error or luxd unreachable.\n\n"
      "Examples:\n"
      "  luxctl databases create farm\n"
      "  luxctl write --db farm readings.lp\n"
      "  luxctl query --db farm -m env --agg mean --every 5m --start now-1h --end now");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "luxctl: %s\nRun 'luxctl --help' or 'luxctl <command> --help'.\n",
                 e.what());
    return lux::luxctl::kExitUsage;
  }
  std::fflush(stdout);
  return ctx.exit_code;
}
