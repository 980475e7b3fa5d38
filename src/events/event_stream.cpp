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

namespace {

// In /dev/kmsg the kernel writes every byte below ' ' as \xNN: the line ends of a multi-line
// printk (v2 memcg stats before 6.5) and a newline inside a name it printed (a comm, a cgroup path)
// alike. These records are one line by construction, so their newlines are part of a name: the
// record stays whole (its comm keeps the newline, its anon-rss stays on the same line).
bool one_line_record(std::string_view t) {
  auto has = [&](std::string_view s) { return t.find(s) != std::string_view::npos; };
  // "Memory cgroup stats for <path>:" is a record of its own, unless a kernel put the v2 stats in it.
  if (starts_with(t, "Memory cgroup stats for ")) return !has(":\nanon ");
  if (starts_with(t, "oom-kill:") || starts_with(t, "oom_reaper: reaped process ") || starts_with(t, "Task in ") ||
      has(" invoked oom-killer: ") || has("Killed process ") || has("Kill process ") || has("kill process ") ||
      (starts_with(t, "CPU: ") && has(" Comm: ")))
    return true;
  // A task dump line: "[    332]     0   332 ... memhog" (the name is the last field).
  if (t.size() > 2 && t[0] == '[' && (t[1] == ' ' || (t[1] >= '0' && t[1] <= '9'))) {
    size_t close = t.find(']');
    size_t nl = t.find('\n');
    return close != std::string_view::npos && close < nl &&
           t.substr(1, close - 1).find_first_not_of(" 0123456789") == std::string_view::npos;
  }
  return false;
}

}  // namespace

void EventStream::collect() {
  for (auto& [host, oom] : oom_by_host_)
    for (auto& e : oom.take()) done_.push_back(std::move(e));
  for (auto& e : evictions_.take()) done_.push_back(std::move(e));
}

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
  if (line.text.find('\n') == std::string::npos || one_line_record(line.text)) {
    dispatch(line);
    return;
  }
  std::string all = std::move(line.text);
  for_each_line(all, [&](std::string_view part, int) {
    line.text.assign(part);
    dispatch(line);
  });
}

void EventStream::dispatch_kmsg_text(const KmsgRecord& rec, std::string_view text) {
  LogLine line;
  line.format = LineFormat::kKmsg;
  line.uptime_us = rec.usec;
  line.level = rec.level;
  line.ident.emplace("kernel");
  if (ctx_.boot_time_s) line.wall_us = *ctx_.boot_time_s * 1000000 + static_cast<int64_t>(rec.usec);
  if (one_line_record(text)) {
    line.text.assign(text);
    dispatch(line);
    return;
  }
  for_each_line(text, [&](std::string_view part, int) {
    line.text.assign(part);
    dispatch(line);
  });
}

void EventStream::flush_kmsg_fragment() {
  if (!fragment_) return;
  KmsgRecord rec = std::move(*fragment_);
  fragment_.reset();
  fragment_ticked_ = false;
  dispatch_kmsg_text(rec, rec.text);
}

void EventStream::feed_kmsg(const KmsgRecord& rec) {
  if (rec.flag == '+' && fragment_) {
    if (fragment_->text.size() < 64 * 1024) fragment_->text += rec.text;
    fragment_ticked_ = false;
    return;
  }
  flush_kmsg_fragment();
  if (rec.flag == 'c') {
    fragment_ = rec;
    return;
  }
  dispatch_kmsg_text(rec, rec.text);
}

void EventStream::finish() {
  flush_kmsg_fragment();
  for (auto& [host, oom] : oom_by_host_) oom.finish();
  evictions_.finish();
  collect();
}

void EventStream::tick(int64_t now_us) {
  // A fragment whose continuation did not come before two ticks will not get one.
  if (fragment_ && fragment_ticked_) flush_kmsg_fragment();
  else if (fragment_) fragment_ticked_ = true;
  for (auto& [host, oom] : oom_by_host_) oom.tick(now_us);
  collect();
}

size_t EventStream::waiting_kills() const {
  size_t n = 0;
  for (const auto& [host, oom] : oom_by_host_) n += oom.waiting();
  return n;
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
