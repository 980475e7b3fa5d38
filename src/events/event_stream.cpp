#include "events/event_stream.hpp"

// GCC 12 reports a false -Wmaybe-uninitialized on std::optional<std::string> members of a local
// LogLine under -O2 + ASan (GCC PR 105562 family); the members are value-initialised.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <climits>

#include "util/text.hpp"

namespace ms {

void EventStream::dispatch(const LogLine& line) {
  ++lines_;
  auto& oom = oom_by_host_[line.host.value_or("")];
  oom.feed(line);
  for (auto& e : oom.take()) done_.push_back(std::move(e));
  evictions_.feed(line);
  for (auto& e : evictions_.take()) done_.push_back(std::move(e));
}

void EventStream::feed_line(std::string_view raw) {
  LogLine line = parse_log_line(raw, ctx_);
  // One printk may carry several lines (v2 memcg stats); /dev/kmsg escapes the newlines, and
  // journald keeps them in MESSAGE.
  if (line.format == LineFormat::kKmsg) line.text = kmsg_unescape(line.text);
  if (line.text.find('\n') == std::string::npos) {
    dispatch(line);
    return;
  }
  std::string all = std::move(line.text);
  for_each_line(all, [&](std::string_view part, int) {
    line.text.assign(part);
    dispatch(line);
  });
}

void EventStream::feed_kmsg(const KmsgRecord& rec) {
  LogLine line;
  line.format = LineFormat::kKmsg;
  line.uptime_us = rec.usec;
  line.level = rec.level;
  line.ident.emplace("kernel");
  if (ctx_.boot_time_s) line.wall_us = *ctx_.boot_time_s * 1000000 + static_cast<int64_t>(rec.usec);
  for_each_line(rec.text, [&](std::string_view part, int) {
    line.text.assign(part);
    dispatch(line);
  });
}

void EventStream::finish() {
  for (auto& [host, oom] : oom_by_host_) {
    oom.finish();
    for (auto& e : oom.take()) done_.push_back(std::move(e));
  }
  evictions_.finish();
  for (auto& e : evictions_.take()) done_.push_back(std::move(e));
}

std::vector<Event> EventStream::take() {
  std::vector<Event> out = std::move(done_);
  done_.clear();
  return out;
}

std::vector<Event> parse_events(std::string_view text, const LineContext& ctx) {
  EventStream s(ctx);
  for_each_line(text, [&](std::string_view line, int) { s.feed_line(line); });
  s.finish();
  auto out = s.take();
  // Sort by time; an event without one keeps its place after the last timed event before it.
  std::vector<std::pair<int64_t, size_t>> keys;
  int64_t last = INT64_MIN;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].time_us) last = *out[i].time_us;
    keys.emplace_back(last, i);
  }
  std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Event> sorted;
  sorted.reserve(out.size());
  for (auto& k : keys) sorted.push_back(std::move(out[k.second]));
  return sorted;
}

}  // namespace ms
