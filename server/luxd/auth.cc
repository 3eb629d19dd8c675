// File: auth.cc
// Warm path (per request).
#include "server/luxd/auth.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"

namespace lux::luxd {
namespace {

// Compares without an early exit, so the time taken does not tell how many
// leading bytes of a guessed password were right.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? a[i] : 0;
    const unsigned char y = i < b.size() ? b[i] : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

bool SplitUserPassword(std::string_view s, std::string* user, std::string* password) {
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  *user = std::string(s.substr(0, colon));
  *password = std::string(s.substr(colon + 1));
  return true;
}

}  // namespace

Authenticator::Authenticator(bool enabled, std::vector<User> users)
    : enabled_(enabled), users_(std::move(users)) {
  for (const User& u : users_) has_admin_ |= u.admin;
}

const User* Authenticator::Find(std::string_view name, std::string_view password) const {
  const User* found = nullptr;
  for (const User& u : users_) {
    // Every user's password is compared, found or not: same time either way.
    const bool match = ConstantTimeEquals(u.password, password);
    if (u.name == name && match) found = &u;
  }
  return found;
}

Authenticator::Result Authenticator::Authenticate(const HttpRequest& req) const {
  Result r;
  if (!enabled_ || !has_admin_) return r;
  auto fail = [&](std::string error) {
    r.status = 401;
    r.error = std::move(error);
    return r;
  };
  std::string user, password;
  bool have = false;
  const auto params = ParseQueryString(req.target);
  auto u = params.find("u"), p = params.find("p");
  if (u != params.end() && p != params.end() && !u->second.empty() && !p->second.empty()) {
    user = u->second;
    password = p->second;
    have = true;
  } else if (const std::string auth = req.Header("authorization"); !auth.empty()) {
    if (absl::StartsWith(auth, "Bearer ")) return fail("bearer auth disabled");
    if (absl::StartsWith(auth, "Token ")) {
      have = SplitUserPassword(std::string_view(auth).substr(6), &user, &password);
    } else if (absl::StartsWith(auth, "Basic ")) {
      std::string decoded;
      have = absl::Base64Unescape(auth.substr(6), &decoded) &&
             SplitUserPassword(decoded, &user, &password);
    }
  }
  if (!have) return fail("unable to parse authentication credentials");
  r.user = Find(user, password);
  if (r.user == nullptr) return fail("authorization failed");
  return r;
}

bool Authenticator::Allowed(const User* user, std::string_view db, Privilege p) const {
  if (!enabled_) return true;
  if (user == nullptr) return false;
  if (user->admin) return true;
  const auto& dbs = p == Privilege::kRead ? user->read : user->write;
  return dbs.contains(std::string(db));
}

bool Authenticator::IsAdmin(const User* user) const {
  return !enabled_ || (user != nullptr && user->admin);
}

}  // namespace lux::luxd
