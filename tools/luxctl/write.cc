// File: write.cc
// luxctl write: line protocol from a file or stdin, parsed here (errors name
// their line), sent in synchronous batches through lux::Client::Write.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/lineproto/line_protocol.h"
#include "tools/luxctl/commands.h"
#include "tools/luxctl/line_input.h"

namespace lux::luxctl {
namespace {

struct WriteFlags {
  std::string db, rp, precision = "n", input = "-";
  size_t batch_points = 5000;
};

absl::Status ReadAll(const std::string& path, std::string* out) {
  FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->append(buf, n);
  const bool failed = std::ferror(f);
  if (f != stdin) std::fclose(f);
  if (failed) return absl::DataLossError(absl::StrCat("reading ", path, " failed"));
  return absl::OkStatus();
}

int RunWrite(const WriteFlags& flags, const Context& ctx) {
  lineproto::ParseOptions options;
  if (!lineproto::ParsePrecision(flags.precision, &options.precision)) {
    return Fail(kExitUsage,
                absl::StrCat("invalid --precision \"", flags.precision, "\" (n, u, ms, s, m, h)"));
  }
  if (flags.batch_points == 0) return Fail(kExitUsage, "--batch-size must be positive");
  std::string input;
  if (auto s = ReadAll(flags.input, &input); !s.ok()) return Fail(kExitUsage, s.message());
  auto client = Connect(ctx);
  if (!client.ok()) return Fail(kExitUsage, client.status().message());
  // Lines without a timestamp take one clock reading for the whole input, as
  // one HTTP request would.
  options.default_time_ns = absl::GetCurrentTimeNanos();

  LineInput lines(input, flags.batch_points);
  lineproto::ParseResult parsed;
  size_t written = 0, rejected = 0;
  while (lines.Next(options, &parsed)) {
    // Report in input order: parse errors and server rejections interleaved.
    std::vector<std::pair<size_t, std::string>> reports;
    for (const auto& e : parsed.errors) {
      reports.emplace_back(e.line_number, lineproto::FormatError(e));
    }
    if (!parsed.points.empty()) {
      WriteBatch batch;
      batch.database = flags.db;
      batch.retention_policy = flags.rp;
      batch.points = std::move(parsed.points);
      auto result = (*client)->Write(batch);
      if (!result.ok()) {
        Print(absl::StrCat("wrote ", Count(written, "point"), " before the error\n"));
        return ServerFail(ctx, "write", result.status());
      }
      written += result->points_written;
      for (const auto& r : result->rejected) {
        const size_t line = parsed.point_lines[r.index];
        reports.emplace_back(line, absl::StrCat("rejected '", std::string(lines.Line(line)),
                                                "': ", r.status.message()));
      }
    }
    std::stable_sort(reports.begin(), reports.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out;
    for (const auto& [line, text] : reports) absl::StrAppend(&out, "line ", line, ": ", text, "\n");
    Print(out);
    rejected += reports.size();
  }
  Print(absl::StrCat("wrote ", Count(written, "point"),
                     rejected == 0 ? "" : absl::StrCat(", rejected ", Count(rejected, "line")),
                     "\n"));
  return rejected == 0 ? kExitOk : kExitRefused;
}

}  // namespace

void AddWriteCommand(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<WriteFlags>();
  CLI::App* cmd = app->add_subcommand(
      "write", "Write line protocol from a file or stdin (parsed here, sent in batches)");
  cmd->add_option("--db", flags->db, "database")->required();
  cmd->add_option("--rp", flags->rp, "retention policy (default: the database's default)");
  cmd->add_option("--precision,-p", flags->precision, "unit of the timestamps: n, u, ms, s, m, h")
      ->capture_default_str();
  cmd->add_option("--batch-size", flags->batch_points, "lines per Write call")
      ->capture_default_str();
  cmd->add_option("FILE", flags->input, "line-protocol file, - for stdin")->capture_default_str();
  AddGlobalOptions(cmd, ctx);
  cmd->footer(
      "Prints every rejected line (parse errors and points luxd refused) with its line\n"
      "number and reason, then the points written. Exit 0: all stored; 1: some lines\n"
      "rejected (the others are stored); 2: usage or connection error.\n\n"
      "Examples:\n"
      "  luxctl write --db farm readings.lp\n"
      "  luxctl export --db farm -m env | luxctl write --db farm_copy\n"
      "  echo 'env,zone=a temp=21.5 1767225600' | luxctl write --db farm --precision s");
  cmd->callback([flags, ctx] { ctx->exit_code = RunWrite(*flags, *ctx); });
}

}  // namespace lux::luxctl
