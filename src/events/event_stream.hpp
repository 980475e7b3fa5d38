#pragma once
// The streaming front of events/: feed lines (any supported format, detected per line) or
// /dev/kmsg records, take completed OOM kills and evictions as they complete. The CLI feeds a whole
// file and calls finish(); the recorder keeps one stream open and calls tick() and take() after
// each poll. A completed kill waits for its oom_reaper line (see oom_assembler.hpp): until the
// line, finish(), a later line more than OomAssembler::kReaperGraceUs newer, or tick()s that far
// apart.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/eviction_parser.hpp"
#include "events/log_line.hpp"
#include "events/oom_assembler.hpp"
#include "probe/kmsg.hpp"

namespace ms {

class EventStream {
 public:
  explicit EventStream(LineContext ctx) : ctx_(ctx) {}
  void set_boot_time(std::optional<int64_t> boot_time_s) { ctx_.boot_time_s = boot_time_s; }
  // A long-running reader moves the year-inference reference forward with the clock.
  void set_reference_us(int64_t reference_us) { ctx_.reference_us = reference_us; }

  void feed_line(std::string_view raw);
  void feed_kmsg(const KmsgRecord& rec);
  // Closes every open record and releases every waiting one (end of input).
  void finish();
  // Streaming: now_us on the caller's monotonic clock (steady_clock), after each batch. Releases
  // kills that waited kReaperGraceUs for their reaper line and closes reports that got no line for
  // as long; a record always survives the first tick after it was fed.
  void tick(int64_t now_us);
  // Events completed since the last take(), in completion order.
  std::vector<Event> take();
  uint64_t lines() const { return lines_; }
  // Completed kills held back for their oom_reaper line.
  size_t waiting_kills() const;

 private:
  void dispatch(const LogLine& line);
  void dispatch_kmsg_text(const KmsgRecord& rec, std::string_view text);
  void flush_kmsg_fragment();
  void collect();
  LineContext ctx_;
  // Kernels before 4.9 split a pr_cont() line into records flagged 'c' (first) and '+' (rest).
  std::optional<KmsgRecord> fragment_;
  bool fragment_ticked_ = false;
  std::map<std::string, OomAssembler> oom_by_host_;  // reports of different hosts may interleave
  EvictionParser evictions_;
  std::vector<Event> done_;
  uint64_t lines_ = 0;
};

// Whole text at once; events sorted by time (unknown times keep their input order).
std::vector<Event> parse_events(std::string_view text, const LineContext& ctx);

}  // namespace ms
