#pragma once
// One stored event per OOM kill, whichever of the two sources saw it. The BPF program on
// oom:mark_victim sees every kill at once, with the victim's memory cgroup and RSS; /dev/kmsg
// carries the kernel's report, whose header (the OOM'ing cgroup, the constraint, the memory
// summary) the kernel rate-limits (10 reports per 5 s), leaving only "Killed process" lines in a
// storm, and whose records a flood can overwrite before they are read.
//
// A BPF kill is held until the kmsg record of the same pid arrives (the kmsg side releases a kill
// after its oom_reaper line, a few seconds later), then one event is stored: kmsg's text and key,
// completed with what BPF knew. A BPF kill with no kmsg record after hold_s is stored on its own,
// marked "kmsg report suppressed". Pure: the recorder passes the clock.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "attribution/owner.hpp"
#include "probe/bpf/kernel_events.hpp"
#include "store/records.hpp"

namespace ms::agent {

struct OomJoinOptions {
  int64_t hold_s = 12;   // the kmsg side holds a kill up to ~5 s for its reaper line, then a poll
  int64_t match_s = 30;  // kmsg and BPF clocks differ (printk's local clock vs CLOCK_BOOTTIME)
};

// What the recorder resolved for a BPF kill: the victim's cgroup and owner, the OOM'ing cgroup.
struct OomNames {
  std::optional<std::string> cgroup, oom_cgroup;
  std::optional<Owner> owner;
  uint64_t boot_time = 0;  // Snapshot::boot_time, part of the key
  long clock_ticks = 100;
};

// A BPF kill as an event of its own (what is stored when no kmsg record joins it).
store::RecordedEvent oom_record_to_event(const OomRecord& r, const OomNames& names, const BootClock& clock);

class OomJoiner {
 public:
  explicit OomJoiner(OomJoinOptions o = {}) : opts_(o) {}
  void add_bpf(store::RecordedEvent e, int64_t now);
  // A kmsg kill, joined with a held BPF kill of the same pid when there is one (or with one already
  // stored on its own: then it takes that event's key, so the store keeps the one row).
  store::RecordedEvent add_kmsg(store::RecordedEvent e);
  // BPF kills held for hold_s without a kmsg record (all of them when `all`: the recorder stops).
  std::vector<store::RecordedEvent> release(int64_t now, bool all = false);
  size_t held() const { return held_.size(); }
  // Held kills that still miss their victim's facts (a kernel whose tracepoint gives only the pid).
  std::vector<store::RecordedEvent*> incomplete();

 private:
  struct Held {
    store::RecordedEvent event;
    int64_t since = 0;
  };
  std::deque<Held> held_;
  std::deque<store::RecordedEvent> released_;  // stored on their own lately (bounded)
  OomJoinOptions opts_;
};

// What the kmsg record kept of the kernel's report: "full", "kill line only" (the header was
// rate-limited away), from the kmsg event's detail.
std::string kmsg_report_kind(const store::RecordedEvent& kmsg_event);

}  // namespace ms::agent
