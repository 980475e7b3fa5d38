#pragma once
// The streaming front of events/: feed lines (any supported format, detected per line) or
// /dev/kmsg records, take completed OOM kills and evictions as they complete. The CLI feeds a whole
// file and calls finish(); the recorder keeps one stream open and calls take() after each poll.
#include <map>
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

  void feed_line(std::string_view raw);
  void feed_kmsg(const KmsgRecord& rec);
  // Closes every open record (end of input, or the recorder decides a report will not continue).
  void finish();
  // Events completed since the last take(), in completion order.
  std::vector<Event> take();
  uint64_t lines() const { return lines_; }

 private:
  void dispatch(const LogLine& line);
  LineContext ctx_;
  std::map<std::string, OomAssembler> oom_by_host_;  // reports of different hosts may interleave
  EvictionParser evictions_;
  std::vector<Event> done_;
  uint64_t lines_ = 0;
};

// Whole text at once; events sorted by time (unknown times keep their input order).
std::vector<Event> parse_events(std::string_view text, const LineContext& ctx);

}  // namespace ms
