#pragma once
// Streaming assembly of one host's kernel OOM reports from their lines. A report starts at
// "invoked oom-killer" (or at any OOM line when the excerpt begins mid-report) and completes at the
// "Killed process" line; a field seen twice means a new report began, so the open one is closed as
// incomplete. Lines that are not part of an OOM report (call traces, other daemons) are skipped
// without closing anything, so interleaved output does not split a report.
#include <optional>
#include <string>
#include <vector>

#include "events/event.hpp"
#include "events/log_line.hpp"

namespace ms {

class OomAssembler {
 public:
  void feed(const LogLine& line);
  // Closes the open report, if any (marked incomplete unless it already has its victim).
  void finish();
  // Completed events since the last take(), in order.
  std::vector<Event> take();
  bool open() const { return cur_.has_value(); }

 private:
  Event& ensure(const LogLine& line, bool field_already_set);
  void start(const LogLine& line);
  void close();
  static void stamp(Event& e, const LogLine& line);

  std::optional<Event> cur_;
  std::vector<std::string> columns_;  // task table header of the open report
  bool in_stats_ = false;             // inside a v2 multi-line "Memory cgroup stats for" block
  std::vector<Event> done_;
};

// Sets incomplete/missing from what the record holds.
void finalize_oom_event(Event& e);

}  // namespace ms
