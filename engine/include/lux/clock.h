// File: clock.h
// -----------------------------------------------------------------------------
// The one source of "now" for the engine: retention windows, seal ages and
// missing timestamps all read it, so tests move time without sleeping.
#ifndef LUX_CLOCK_H_
#define LUX_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <memory>

namespace lux {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch.
  virtual int64_t NowNanos() const = 0;
};

// The system's real-time clock.
std::shared_ptr<Clock> SystemClock();

// A clock that only moves when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t now_ns) : now_(now_ns) {}
  int64_t NowNanos() const override { return now_.load(std::memory_order_relaxed); }
  void Set(int64_t now_ns) { now_.store(now_ns, std::memory_order_relaxed); }
  void Advance(int64_t delta_ns) { now_.fetch_add(delta_ns, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace lux

#endif  // LUX_CLOCK_H_
