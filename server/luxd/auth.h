// File: auth.h
// -----------------------------------------------------------------------------
// InfluxDB 1.x authentication and authorization for luxd's HTTP API
// (../shared/influxdb-http-write.md §5): users with a password, an admin
// flag and per-database READ/WRITE privileges, taken from the config.
// Credentials are looked for in InfluxDB's order: `u`+`p` query parameters
// (both non-empty), `Authorization: Bearer` (refused: no shared secret),
// `Authorization: Token user:password` (1.8+) and `Authorization: Basic`.
//
// The seam for API tokens with rotation: an Authenticator answers "who is
// this request" and "may this user do that"; a token store plugs in here.
#ifndef LUX_SERVER_LUXD_AUTH_H_
#define LUX_SERVER_LUXD_AUTH_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/luxd/http_util.h"

namespace lux::luxd {

struct User {
  std::string name;
  std::string password;
  bool admin = false;           // all privileges
  std::set<std::string> read;   // databases it may read
  std::set<std::string> write;  // databases it may write
};

enum class Privilege { kRead, kWrite };

class Authenticator {
 public:
  // With `enabled` false every request is let through as "no user".
  Authenticator(bool enabled, std::vector<User> users);

  bool enabled() const { return enabled_; }

  struct Result {
    // 0 when authenticated (or auth is off); else 401 with `error`.
    int status = 0;
    std::string error;
    // The user; nullptr when auth is off, or on while no admin user exists
    // (InfluxDB then lets requests proceed without a user).
    const User* user = nullptr;
  };
  Result Authenticate(const HttpRequest& req) const;

  // Whether `user` may use `db` so. True when auth is off.
  bool Allowed(const User* user, std::string_view db, Privilege p) const;
  // Whether `user` is an admin. True when auth is off.
  bool IsAdmin(const User* user) const;

 private:
  const User* Find(std::string_view name, std::string_view password) const;

  bool enabled_;
  std::vector<User> users_;
  bool has_admin_ = false;
};

}  // namespace lux::luxd

#endif  // LUX_SERVER_LUXD_AUTH_H_
