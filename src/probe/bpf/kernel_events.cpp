#include "probe/bpf/kernel_events.hpp"

#include <time.h>

namespace ms {

namespace {

int64_t clock_ns(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

BootClock BootClock::now() {
  // Read the boot clock between two wall readings and keep the pair closest together.
  BootClock best;
  int64_t best_gap = INT64_MAX;
  for (int i = 0; i < 3; ++i) {
    int64_t w0 = clock_ns(CLOCK_REALTIME), b = clock_ns(CLOCK_BOOTTIME), w1 = clock_ns(CLOCK_REALTIME);
    if (w1 - w0 < best_gap) {
      best_gap = w1 - w0;
      best.wall_minus_boot_ns = w0 + (w1 - w0) / 2 - b;
    }
  }
  return best;
}

int64_t BootClock::unix_us(uint64_t boot_ns) const {
  return (static_cast<int64_t>(boot_ns) + wall_minus_boot_ns) / 1000;
}

int64_t BootClock::unix_seconds(uint64_t boot_ns) const {
  return (static_cast<int64_t>(boot_ns) + wall_minus_boot_ns) / 1'000'000'000;
}

uint64_t BootClock::ticks(uint64_t boot_ns, long clock_ticks) {
  if (clock_ticks <= 0) return 0;
  // nsec_to_clock_t: a division by NSEC_PER_SEC / USER_HZ.
  return boot_ns / (1'000'000'000ull / static_cast<uint64_t>(clock_ticks));
}

}  // namespace ms
