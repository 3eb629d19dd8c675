// File: status_macros.h
// -----------------------------------------------------------------------------
// RETURN_IF_ERROR / ASSIGN_OR_RETURN for absl::Status, which Abseil 20220623
// does not ship, and LUX_DCHECK for broken invariants (never for bad input).
#ifndef LUX_COMMON_STATUS_MACROS_H_
#define LUX_COMMON_STATUS_MACROS_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LUX_CONCAT_IMPL_(a, b) a##b
#define LUX_CONCAT_(a, b) LUX_CONCAT_IMPL_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the caller if not OK.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status lux_status_ = (expr);       \
    if (!lux_status_.ok()) return lux_status_; \
  } while (0)

// ASSIGN_OR_RETURN(lhs, expr): evaluates `expr` (an absl::StatusOr<T>); on
// error returns its status, else moves the value into `lhs` (which may be a
// declaration such as `auto x`).
#define ASSIGN_OR_RETURN(lhs, expr) \
  LUX_ASSIGN_OR_RETURN_IMPL_(LUX_CONCAT_(lux_statusor_, __LINE__), lhs, expr)
#define LUX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()

// Invariant check. Active in every build: a broken invariant in a storage
// engine is a bug to stop at, not to carry on from. Message starts with "BUG:".
#define LUX_CHECK(cond, msg)                                                         \
  do {                                                                               \
    if (!(cond)) [[unlikely]] {                                                      \
      std::fprintf(stderr, "BUG: %s:%d: %s (%s)\n", __FILE__, __LINE__, msg, #cond); \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

#ifndef NDEBUG
#define LUX_DCHECK(cond, msg) LUX_CHECK(cond, msg)
#else
#define LUX_DCHECK(cond, msg) \
  do {                        \
  } while (false && (cond))
#endif

#endif  // LUX_COMMON_STATUS_MACROS_H_
