#pragma once
// Streaming assembly of one host's kernel OOM reports from their lines. A report starts at
// "invoked oom-killer" (or at any OOM line when the excerpt begins mid-report) and completes at the
// "Killed process" line; a field seen twice means a new report began, so the open one is closed as
// incomplete. Lines that are not part of an OOM report (call traces, other daemons) are skipped
// without closing anything, so interleaved output does not split a report.
//
// A completed kill is not handed out at once: the kernel's "oom_reaper: reaped process N (comm)"
// line comes after it (since 5.18 only OOM_REAPER_DELAY = 2 s later, mm/oom_kill.c
// queue_oom_reaper, possibly after the next report has begun). Closed records wait in order in a
// queue; a kill leaves it when its reaper line arrives (matched by pid and comm), when a later line
// of the same host is more than kReaperGraceUs newer by its own timestamp (or older: a reboot or
// another excerpt), when the caller's clock says it waited that long (tick(), streaming), or at
// finish(). Records behind a waiting kill wait too, so the output keeps the input order.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "events/event.hpp"
#include "events/log_line.hpp"

namespace ms {

class OomAssembler {
 public:
  // The reaper waits 2 s, then retries for up to 1 s (MAX_OOM_REAP_RETRIES x HZ/10); 5 s leaves
  // room for a loaded machine.
  static constexpr int64_t kReaperGraceUs = 5'000'000;
  // Bound on closed records waiting behind a kill (hostile or endless input).
  static constexpr size_t kMaxQueued = 64;

  void feed(const LogLine& line);
  // End of input: closes the open report (incomplete unless it has its victim) and releases
  // every waiting record.
  void finish();
  // Streaming: now_us on the caller's monotonic clock, called after each batch of lines. A kill
  // still waiting for its reaper line, or an open report that got no line, is released (closed)
  // once it has been waiting since a tick at least kReaperGraceUs earlier.
  void tick(int64_t now_us);
  // Released events since the last take(), in input order.
  std::vector<Event> take();
  bool open() const { return cur_.has_value(); }
  // Completed kills waiting for their reaper line.
  size_t waiting() const;

 private:
  struct Closed {
    Event event;
    bool awaiting_reaper = false;
    std::optional<int64_t> since_tick;  // first tick that saw it waiting
  };
  Event& ensure(const LogLine& line, bool field_already_set);
  void start(const LogLine& line);
  void close();
  void on_reaper(int64_t pid, const std::optional<std::string>& comm);
  void expire_by_line_clock(const LogLine& line);
  void release_settled();
  static void stamp(Event& e, const LogLine& line);

  std::optional<Event> cur_;
  std::optional<int64_t> cur_since_tick_;  // first tick after the open report's last line
  std::vector<std::string> columns_;       // task table header of the open report
  bool in_stats_ = false;                  // inside a v2 multi-line "Memory cgroup stats for" block
  std::deque<Closed> queue_;               // closed, not yet released
  std::vector<Event> done_;
};

// Sets incomplete/missing from what the record holds.
void finalize_oom_event(Event& e);

}  // namespace ms
