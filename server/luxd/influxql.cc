// File: influxql.cc
#include "server/luxd/influxql.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lux::luxd {
namespace {

// Splits a statement into words; "quoted identifiers" keep their content.
bool Tokenize(std::string_view s, std::vector<std::string>* words, std::vector<bool>* quoted) {
  size_t i = 0;
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    if (s[i] == '"') {
      std::string w;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          w.push_back(s[i + 1]);
          i += 2;
        } else if (s[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          w.push_back(s[i++]);
        }
      }
      if (!closed) return false;
      words->push_back(w);
      quoted->push_back(true);
      continue;
    }
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '"') ++j;
    words->emplace_back(s.substr(i, j - i));
    quoted->push_back(false);
    i = j;
  }
  return true;
}

absl::Status ParseError(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("error parsing query: ", std::string(what)));
}

}  // namespace

bool ParseDuration(std::string_view s, int64_t* ns) {
  if (absl::EqualsIgnoreCase(std::string(s), "inf")) {
    *ns = 0;
    return true;
  }
  if (s.empty()) return false;
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i) return false;
    int64_t n;
    if (!absl::SimpleAtoi(std::string(s.substr(i, j - i)), &n)) return false;
    size_t k = j;
    while (k < s.size() && !std::isdigit(static_cast<unsigned char>(s[k]))) ++k;
    const std::string_view unit = s.substr(j, k - j);
    int64_t mult;
    if (unit == "ns") {
      mult = 1;
    } else if (unit == "u" || unit == "us" || unit == "\xC2\xB5") {
      mult = 1'000;
    } else if (unit == "ms") {
      mult = 1'000'000;
    } else if (unit == "s") {
      mult = 1'000'000'000;
    } else if (unit == "m") {
      mult = 60'000'000'000;
    } else if (unit == "h") {
      mult = 3'600'000'000'000;
    } else if (unit == "d") {
      mult = 86'400'000'000'000;
    } else if (unit == "w") {
      mult = 604'800'000'000'000;
    } else {
      return false;
    }
    if (n > std::numeric_limits<int64_t>::max() / mult) return false;
    total += n * mult;
    i = k;
  }
  *ns = total;
  return true;
}

std::string FormatDuration(int64_t ns) {
  if (ns == 0) return "0s";
  const int64_t h = ns / 3'600'000'000'000, m = ns / 60'000'000'000 % 60;
  const int64_t s = ns / 1'000'000'000 % 60, frac = ns % 1'000'000'000;
  std::string out;
  if (h > 0) absl::StrAppend(&out, h, "h");
  if (h > 0 || m > 0) absl::StrAppend(&out, m, "m");
  absl::StrAppend(&out, s);
  if (frac != 0) {
    std::string f = absl::StrCat(frac + 1'000'000'000).substr(1);
    while (!f.empty() && f.back() == '0') f.pop_back();
    absl::StrAppend(&out, ".", f);
  }
  absl::StrAppend(&out, "s");
  return out;
}

absl::StatusOr<std::vector<Statement>> ParseStatements(std::string_view q) {
  std::vector<Statement> out;
  size_t start = 0;
  bool in_quote = false;
  for (size_t i = 0; i <= q.size(); ++i) {
    if (i < q.size() && q[i] == '"' && (i == 0 || q[i - 1] != '\\')) in_quote = !in_quote;
    if (i < q.size() && (q[i] != ';' || in_quote)) continue;
    std::string_view text = q.substr(start, i - start);
    start = i + 1;
    std::vector<std::string> w;
    std::vector<bool> quoted;
    if (!Tokenize(text, &w, &quoted)) return ParseError("unterminated quoted identifier");
    if (w.empty()) continue;
    auto kw = [&](size_t k, std::string_view word) {
      return k < w.size() && !quoted[k] && absl::EqualsIgnoreCase(w[k], std::string(word));
    };
    Statement st;
    if (kw(0, "CREATE") && kw(1, "DATABASE") && w.size() == 3) {
      st.kind = Statement::Kind::kCreateDatabase;
      st.database = w[2];
    } else if (kw(0, "DROP") && kw(1, "DATABASE") && w.size() == 3) {
      st.kind = Statement::Kind::kDropDatabase;
      st.database = w[2];
    } else if (kw(0, "SHOW") && kw(1, "DATABASES") && w.size() == 2) {
      st.kind = Statement::Kind::kShowDatabases;
    } else if (kw(0, "SHOW") && kw(1, "RETENTION") && kw(2, "POLICIES")) {
      st.kind = Statement::Kind::kShowRetentionPolicies;
      if (w.size() == 5 && kw(3, "ON")) {
        st.database = w[4];
      } else if (w.size() != 3) {
        return ParseError(absl::StrCat("found ", w.back(), ", expected ON"));
      }
    } else if (kw(0, "CREATE") && kw(1, "RETENTION") && kw(2, "POLICY") && w.size() >= 6 &&
               kw(4, "ON")) {
      st.kind = Statement::Kind::kCreateRetentionPolicy;
      st.policy = w[3];
      st.database = w[5];
      bool have_duration = false, have_replication = false;
      for (size_t k = 6; k < w.size();) {
        if (kw(k, "DURATION") && k + 1 < w.size()) {
          if (!ParseDuration(w[k + 1], &st.duration_ns)) {
            return ParseError(absl::StrCat("invalid duration ", w[k + 1]));
          }
          have_duration = true;
          k += 2;
        } else if (kw(k, "REPLICATION") && k + 1 < w.size()) {
          int n;
          if (!absl::SimpleAtoi(w[k + 1], &n) || n < 1) {
            return ParseError(
                absl::StrCat("invalid value ", w[k + 1], ": must be 1 <= n <= 2147483647"));
          }
          have_replication = true;
          k += 2;
        } else if (kw(k, "SHARD") && kw(k + 1, "DURATION") && k + 2 < w.size()) {
          if (!ParseDuration(w[k + 2], &st.shard_ns)) {
            return ParseError(absl::StrCat("invalid duration ", w[k + 2]));
          }
          k += 3;
        } else if (kw(k, "DEFAULT")) {
          st.make_default = true;
          ++k;
        } else {
          return ParseError(
              absl::StrCat("found ", w[k], ", expected DURATION, REPLICATION, SHARD, DEFAULT"));
        }
      }
      if (!have_duration) return ParseError("found EOF, expected DURATION");
      if (!have_replication) return ParseError("found EOF, expected REPLICATION");
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("statement not supported yet: ", std::string(text)));
    }
    out.push_back(std::move(st));
  }
  if (out.empty()) return ParseError("found EOF, expected SELECT, DELETE, SHOW, CREATE, DROP");
  return out;
}

std::string StatementText(const Statement& st) {
  switch (st.kind) {
    case Statement::Kind::kCreateDatabase:
      return absl::StrCat("CREATE DATABASE ", st.database);
    case Statement::Kind::kDropDatabase:
      return absl::StrCat("DROP DATABASE ", st.database);
    case Statement::Kind::kShowDatabases:
      return "SHOW DATABASES";
    case Statement::Kind::kCreateRetentionPolicy:
      return absl::StrCat("CREATE RETENTION POLICY ", st.policy, " ON ", st.database, " DURATION ",
                          FormatDuration(st.duration_ns), " REPLICATION 1",
                          st.shard_ns > 0 ? " SHARD DURATION " + FormatDuration(st.shard_ns) : "",
                          st.make_default ? " DEFAULT" : "");
    case Statement::Kind::kShowRetentionPolicies:
      return st.database.empty() ? "SHOW RETENTION POLICIES"
                                 : absl::StrCat("SHOW RETENTION POLICIES ON ", st.database);
  }
  return "";
}

}  // namespace lux::luxd
