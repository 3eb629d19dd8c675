// File: node_packages.h
// Test helper for the Node.js clients in tests/node: installs their npm
// packages, pinned by tests/node/package-lock.json, into a folder of the build
// directory, and runs their scripts from there.
#ifndef LUX_TESTS_NODE_PACKAGES_H_
#define LUX_TESTS_NODE_PACKAGES_H_

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/process_util.h"

namespace lux::testing {

// Copies the files of `src_dir` (tests/node) into `work_dir` and runs
// `npm ci` there unless node_modules already matches package-lock.json.
// Serialised with a lock: ctest may run the tests that call it in parallel,
// and a file is only replaced (by a rename) when it changed, so a script
// another test is starting is never caught half written. exit_code is 0 on success; otherwise
// the output says what is missing (node, npm, the registry).
inline CommandResult InstallNodePackages(const std::string& src_dir, const std::string& work_dir) {
  namespace fs = std::filesystem;
  if (FindInPath("node").empty()) {
    return {1, "node is not in PATH: tools/bootstrap installs nodejs and npm"};
  }
  const std::string npm = FindInPath("npm");
  if (npm.empty()) return {1, "npm is not in PATH: tools/bootstrap installs nodejs and npm"};
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  const int lock = open((work_dir + "/.install.lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    if (lock >= 0) close(lock);
    return {1, "cannot lock " + work_dir + "/.install.lock"};
  }
  for (const auto& e : fs::directory_iterator(src_dir)) {
    if (!e.is_regular_file()) continue;
    const std::string to = (fs::path(work_dir) / e.path().filename()).string();
    const std::string content = ReadFile(e.path().string());
    if (ReadFile(to) == content) continue;
    WriteFile(to + ".tmp", content);
    fs::rename(to + ".tmp", to, ec);  // atomic: a reader sees the old or the new file
    if (ec) {
      close(lock);
      return {1, "cannot write " + to + ": " + ec.message()};
    }
  }
  const std::string lockfile = ReadFile(work_dir + "/package-lock.json");
  const std::string stamp = work_dir + "/node_modules/.lux-installed-lock";
  CommandResult r{0, "cached"};
  if (ReadFile(stamp) != lockfile) {
    r = RunCommand({npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"}, 300, work_dir);
    if (r.exit_code == 0) {
      WriteFile(stamp, lockfile);
    } else {
      r.output = "npm ci in " + work_dir + " failed (is the npm registry reachable?):\n" + r.output;
    }
  }
  close(lock);  // releases the flock
  return r;
}

// Runs `node work_dir/script args...` with a deadline.
inline CommandResult RunNodeScript(const std::string& work_dir, const std::string& script,
                                   std::vector<std::string> args, int timeout_s = 60) {
  args.insert(args.begin(), {FindInPath("node"), work_dir + "/" + script});
  return RunCommand(std::move(args), timeout_s);
}

}  // namespace lux::testing

#endif  // LUX_TESTS_NODE_PACKAGES_H_
