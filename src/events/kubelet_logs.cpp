#include "events/kubelet_logs.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "events/event_stream.hpp"
#include "probe/journal_tail.hpp"
#include "probe/log_tail.hpp"

namespace ms {

bool is_eviction_line(std::string_view line) {
  for (std::string_view k : {"viction manager", "Evicting pod", "low on resource", "reason: 'Evicted'",
                             "EvictionThresholdMet"})
    if (line.find(k) != std::string_view::npos) return true;
  return false;
}

const std::vector<std::string>& default_kubelet_logs() {
  static const std::vector<std::string> v = {"/var/log/kubelet.log", "/var/log/syslog", "/var/log/messages"};
  return v;
}

std::vector<std::string> identifiers_of_units(const std::vector<std::string>& units) {
  std::vector<std::string> ids;
  for (const auto& u : units) ids.push_back(u.substr(0, u.rfind('.')));
  return ids;
}

std::string journal_entry_as_json_line(const JournalEntry& entry) {
  // As `journalctl -o json` prints it: the line parser then takes the journal's own timestamp
  // (klog's header has no year).
  nlohmann::json j;
  j["__REALTIME_TIMESTAMP"] = std::to_string(entry.realtime_us);
  j["MESSAGE"] = entry.message;
  if (!entry.identifier.empty()) j["SYSLOG_IDENTIFIER"] = entry.identifier;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

std::vector<std::string> or_default(const std::vector<std::string>& v, const std::vector<std::string>& dflt) {
  if (v.size() == 1 && v[0] == "off") return {};
  return v.empty() ? dflt : v;
}

}  // namespace

KubeletLogRead read_kubelet_evictions(const HostPaths& paths, const KubeletLogOptions& o, int64_t now_us) {
  KubeletLogRead out;
  LineContext lc;
  lc.reference_us = now_us + 60'000'000;  // klog lines carry no year: the one closest before now
  EventStream stream(lc);
  for (const auto& hp : or_default(o.text_logs, default_kubelet_logs())) {
    std::string path = paths.root(hp);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;  // a node has some of these, not all
    LogTail::Options to;
    to.backlog_bytes = o.tail_bytes;
    to.max_bytes_per_poll = o.tail_bytes;
    LogTail tail(path, to);
    auto lines = tail.poll();
    if (!tail.is_open()) {
      out.problems.push_back(hp + ": cannot be read");
      continue;
    }
    out.sources.push_back(hp);
    for (const auto& line : lines)
      if (is_eviction_line(line)) stream.feed_line(line);
  }
  auto units = or_default(o.units, {"kubelet.service"});
  if (!units.empty() && JournalTail::supported()) {
    JournalTail::Options jo;
    jo.backlog_us = o.window_us;
    auto t = JournalTail::open(paths.root("/"), units, identifiers_of_units(units), jo, now_us);
    if (!t) {
      out.problems.push_back("journal: " + t.error().describe());
    } else {
      out.sources.push_back("journal:" + units.front());
      for (;;) {
        auto entries = t->poll();
        if (entries.empty()) break;
        for (const auto& e : entries)
          if (e.realtime_us >= now_us - o.window_us && is_eviction_line(e.message))
            stream.feed_line(journal_entry_as_json_line(e));
      }
    }
  }
  stream.finish();
  std::set<std::tuple<std::string, std::string, int64_t>> seen;
  for (auto& e : stream.take()) {
    if (e.kind != EventKind::kEviction) continue;
    const auto& ev = e.eviction;
    // One line, two sources: the journal and rsyslog's copy carry the same klog header time.
    auto key = std::make_tuple(ev.pod.value_or(ev.pod_uid.value_or("")) + "\x1f" + ev.stage,
                               ev.message.value_or(""), e.time_us.value_or(0) / 1'000'000);
    if (!seen.insert(key).second) continue;
    out.events.push_back(std::move(e));
  }
  std::stable_sort(out.events.begin(), out.events.end(), [](const Event& a, const Event& b) {
    return a.time_us.value_or(INT64_MIN) < b.time_us.value_or(INT64_MIN);
  });
  return out;
}

}  // namespace ms
