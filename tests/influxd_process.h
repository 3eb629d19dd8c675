// File: influxd_process.h
// Test helpers for parity tests: run a real InfluxDB 1.x `influxd` (found in
// PATH) on free loopback ports with its own directories, and read back what it
// and luxd stored, both in luxd's /export form, so the two compare as text.
#ifndef LUX_TESTS_INFLUXD_PROCESS_H_
#define LUX_TESTS_INFLUXD_PROCESS_H_

#include <charconv>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/luxd_process.h"
#include "tests/process_util.h"

namespace lux::testing {

// An influxd child process; SIGTERM then SIGKILL on destruction.
class InfluxdProcess {
 public:
  // influxd keeps meta, data, wal, its config and its log in `dir` (created
  // if missing). A port clash at start is retried.
  explicit InfluxdProcess(const std::string& dir) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    binary_ = FindInPath("influxd");
    if (binary_.empty()) {
      error_ = "influxd not found in PATH (Debian package influxdb; tools/bootstrap installs it)";
      return;
    }
    for (int attempt = 0; attempt < 3 && port_ == 0; ++attempt) Start();
  }
  ~InfluxdProcess() { Stop(); }
  InfluxdProcess(const InfluxdProcess&) = delete;
  InfluxdProcess& operator=(const InfluxdProcess&) = delete;

  // 0 when influxd is not serving; error() says why.
  uint16_t port() const { return port_; }
  const std::string& error() const { return error_; }

 private:
  void Start() {
    const uint16_t http = FreeLoopbackPort(), rpc = FreeLoopbackPort();
    const std::string conf = dir_ + "/influxdb.conf", log = dir_ + "/influxd.log";
    // Everything but the HTTP API is off or on a free port: no reporting, no
    // _internal database, no other listeners (graphite, collectd, opentsdb
    // and udp are off by default).
    std::string c = "reporting-disabled = true\n";
    c += "bind-address = \"127.0.0.1:" + std::to_string(rpc) + "\"\n";
    c += "[meta]\n  dir = \"" + dir_ + "/meta\"\n";
    c += "[data]\n  dir = \"" + dir_ + "/data\"\n  wal-dir = \"" + dir_ + "/wal\"\n";
    c += "  query-log-enabled = false\n";
    c += "[monitor]\n  store-enabled = false\n";
    c += "[http]\n  bind-address = \"127.0.0.1:" + std::to_string(http) + "\"\n";
    c += "  log-enabled = false\n";
    c += "[continuous_queries]\n  enabled = false\n";
    c += "[subscriber]\n  enabled = false\n";
    WriteFile(conf, c);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      execl(binary_.c_str(), binary_.c_str(), "run", "-config", conf.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // up to 10 s
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        error_ = "influxd exited at start:\n" + ReadFile(log);
        return;
      }
      try {
        if (HttpCall(http, "GET", "/ping").status == 204) {
          port_ = http;
          return;
        }
      } catch (const std::exception&) {
        // not listening yet
      }
    }
    error_ = "influxd did not answer /ping within 10 s:\n" + ReadFile(log);
    Stop();
  }
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string dir_, binary_, error_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// A JSON value, enough for InfluxDB's /query answers. Numbers keep their text.
struct Json {
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject } type = kNull;
  std::string text;  // kBool: "true"/"false"; kNumber: as written; kString: decoded
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json& operator[](std::string_view key) const {
    static const Json kNullValue;
    for (const auto& [k, v] : members)
      if (k == key) return v;
    return kNullValue;
  }

  // Parses s[*pos...]; returns false on malformed input.
  static bool Parse(std::string_view s, size_t* pos, Json* out) {
    auto skip = [&] {
      while (*pos < s.size() && std::isspace(static_cast<unsigned char>(s[*pos]))) ++*pos;
    };
    skip();
    if (*pos >= s.size()) return false;
    const char c = s[*pos];
    if (c == '{' || c == '[') {
      out->type = c == '{' ? kObject : kArray;
      ++*pos;
      skip();
      if (*pos < s.size() && s[*pos] == (c == '{' ? '}' : ']')) return ++*pos, true;
      for (;;) {
        std::string key;
        if (c == '{') {
          Json k;
          if (!Parse(s, pos, &k) || k.type != kString) return false;
          skip();
          if (*pos >= s.size() || s[(*pos)++] != ':') return false;
          key = k.text;
        }
        Json v;
        if (!Parse(s, pos, &v)) return false;
        if (c == '{') {
          out->members.emplace_back(std::move(key), std::move(v));
        } else {
          out->items.push_back(std::move(v));
        }
        skip();
        if (*pos >= s.size()) return false;
        const char sep = s[(*pos)++];
        if (sep == (c == '{' ? '}' : ']')) return true;
        if (sep != ',') return false;
      }
    }
    if (c == '"') {
      out->type = kString;
      for (++*pos; *pos < s.size() && s[*pos] != '"'; ++*pos) {
        if (s[*pos] != '\\') {
          out->text.push_back(s[*pos]);
          continue;
        }
        if (++*pos >= s.size()) return false;
        const char e = s[*pos];
        if (e != 'u') {
          const std::string_view from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
          if (from.find(e) == std::string_view::npos) return false;
          out->text.push_back(to[from.find(e)]);
          continue;
        }
        if (*pos + 4 >= s.size()) return false;
        uint32_t cp = std::stoul(std::string(s.substr(*pos + 1, 4)), nullptr, 16);
        *pos += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && s.substr(*pos + 1, 2) == "\\u") {  // surrogate pair
          cp = 0x10000 + ((cp - 0xD800) << 10) +
               (std::stoul(std::string(s.substr(*pos + 3, 4)), nullptr, 16) - 0xDC00);
          *pos += 6;
        }
        std::string& t = out->text;
        if (cp < 0x80) {
          t += char(cp);
        } else if (cp < 0x800) {
          t += {char(0xC0 | cp >> 6), char(0x80 | (cp & 63))};
        } else if (cp < 0x10000) {
          t += {char(0xE0 | cp >> 12), char(0x80 | (cp >> 6 & 63)), char(0x80 | (cp & 63))};
        } else {
          t += {char(0xF0 | cp >> 18), char(0x80 | (cp >> 12 & 63)), char(0x80 | (cp >> 6 & 63)),
                char(0x80 | (cp & 63))};
        }
      }
      return *pos < s.size() && ++*pos;
    }
    const size_t end = s.find_first_of(",]} \t\r\n", *pos);
    out->text = std::string(s.substr(*pos, end - *pos));
    *pos = end == std::string_view::npos ? s.size() : end;
    if (out->text == "null") return out->text.clear(), true;
    out->type = out->text == "true" || out->text == "false" ? kBool : kNumber;
    return out->type == kBool ||
           (!out->text.empty() && std::isdigit(static_cast<unsigned char>(out->text.back())));
  }
};

// One line per field value, as luxd's /export writes it.
inline std::string ExportLine(const std::string& measurement,
                              const std::map<std::string, std::string>& tags,
                              const std::string& field, const std::string& type, const Json& value,
                              const std::string& time) {
  auto escape = [](const std::string& s, std::string_view specials) {
    std::string out;
    for (char c : s) {
      if (specials.find(c) != std::string_view::npos) out.push_back('\\');
      out.push_back(c);
    }
    return out;
  };
  std::string line = escape(measurement, ", ");
  for (const auto& [k, v] : tags) {
    if (!v.empty()) line += "," + escape(k, ",= ") + "=" + escape(v, ",= ");
  }
  line += " " + escape(field, ",= ") + "=";
  if (type == "float") {  // shortest round trip, as luxd prints doubles
    char buf[32];
    const double d = std::strtod(value.text.c_str(), nullptr);  // stod throws on subnormals
    line.append(buf, std::to_chars(buf, buf + sizeof(buf), d).ptr);
  } else if (type == "integer") {
    line += value.text + "i";
  } else if (type == "unsigned") {
    line += value.text + "u";
  } else if (type == "string") {
    line += "\"" + escape(value.text, "\"\\") + "\"";
  } else {
    line += value.text;
  }
  return line + " " + time;
}

// The series of the one statement `q`; false (and `error`) when it failed.
inline bool InfluxQuery(uint16_t port, const std::string& db, const std::string& q, Json* series,
                        std::string* error) {
  const HttpResult r =
      HttpCall(port, "GET", "/query?epoch=ns&db=" + UrlEncode(db) + "&q=" + UrlEncode(q));
  Json j;
  size_t pos = 0;
  if (r.status != 200 || !Json::Parse(r.body, &pos, &j) || j["results"].items.size() != 1 ||
      j["results"].items[0]["error"].type != Json::kNull) {
    *error = q + ": " + std::to_string(r.status) + " " + r.body;
    return false;
  }
  *series = j["results"].items[0]["series"];
  return true;
}

// Every point influxd holds in `db`, as sorted luxd /export lines. One query
// per measurement: 1.6 leaves some series out of `SELECT * FROM /.*/`.
inline std::string InfluxdStoredLines(uint16_t port, const std::string& db) {
  Json keys;
  std::string error;
  if (!InfluxQuery(port, db, "SHOW FIELD KEYS", &keys, &error)) return error;
  std::vector<std::string> lines;
  for (const Json& m : keys.items) {
    std::map<std::string, std::string> types;  // field -> type
    for (const Json& row : m["values"].items) types[row.items[0].text] = row.items[1].text;
    std::string quoted = "\"";  // an InfluxQL identifier: \ and " escaped
    for (char c : m["name"].text)
      quoted += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    Json points;
    if (!InfluxQuery(port, db, "SELECT * FROM " + quoted + "\" GROUP BY *", &points, &error)) {
      return error;
    }
    for (const Json& s : points.items) {
      std::map<std::string, std::string> tags;
      for (const auto& [k, v] : s["tags"].members) tags[k] = v.text;
      const auto& columns = s["columns"].items;
      for (const Json& row : s["values"].items) {
        for (size_t c = 1; c < columns.size(); ++c) {
          if (row.items[c].type == Json::kNull) continue;
          lines.push_back(ExportLine(s["name"].text, tags, columns[c].text, types[columns[c].text],
                                     row.items[c], row.items[0].text));
        }
      }
    }
  }
  return SortedLines(std::move(lines));
}

}  // namespace lux::testing

#endif  // LUX_TESTS_INFLUXD_PROCESS_H_
