#include "agent/event_capture.hpp"

#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "events/attribute.hpp"
#include "events/event_stream.hpp"
#include "events/kubelet_logs.hpp"
#include "k8s/quantity.hpp"
#include "probe/journal_tail.hpp"
#include "probe/kmsg.hpp"
#include "probe/log_tail.hpp"
#include "util/escape.hpp"
#include "util/json_text.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms::agent {

namespace {

// The kubelet logs both "Evicting pod" and "pod is evicted successfully" for one eviction, up to
// the pod-cleanup timeout apart; lines of the same pod within this window are one eviction.
constexpr int64_t kSameEvictionSeconds = 300;

std::pair<std::optional<std::string>, std::optional<std::string>> split_pod(const std::optional<std::string>& ref) {
  if (!ref) return {};
  auto slash = ref->find('/');
  if (slash == std::string::npos) return {std::nullopt, *ref};
  return {ref->substr(0, slash), ref->substr(slash + 1)};
}

}  // namespace

store::RecordedEvent oom_to_recorded(const Event& e, std::optional<int64_t> boot_time, int64_t now) {
  store::RecordedEvent r;
  r.time = e.time_us ? *e.time_us / 1'000'000 : now;
  r.kind = "oom_kill";
  r.source = "kmsg";
  r.dedupe_key = fmt::format("{}:{}:{}:{}", boot_time.value_or(0), e.uptime_us.value_or(0), r.kind,
                             e.oom.victim.pid.value_or(0));
  r.pid = e.oom.victim.pid;
  r.comm = e.oom.victim.comm;
  r.cgroup = e.oom.victim_memcg();
  if (e.owner) {
    r.owner_kind = to_string(e.owner->kind);
    r.namespace_ = e.owner->namespace_;
    r.pod = e.owner->pod;
    r.container = e.owner->container;
  }
  uint64_t kb = e.oom.victim.anon_rss_kb.value_or(0) + e.oom.victim.file_rss_kb.value_or(0) +
                e.oom.victim.shmem_rss_kb.value_or(0);
  if (e.oom.victim.anon_rss_kb) r.bytes = static_cast<int64_t>(kb * 1024);
  r.message = e.oom.kill_reason.value_or("OOM kill");
  nlohmann::ordered_json d;
  d["scope"] = to_string(e.oom.scope());
  if (auto l = e.oom.limit_memcg()) put_text(d, "limit_memcg", *l);
  if (e.oom.constraint) put_text(d, "constraint", *e.oom.constraint);
  if (e.oom.invoker_comm) put_text(d, "invoker_comm", *e.oom.invoker_comm);
  if (e.owner) put_text(d, "owner", e.owner->label());
  // The memory cgroup at the kill ("memory: usage ...kB, limit ...kB"): what the incident report shows.
  if (e.oom.memory.usage_kb) d["memcg_usage_bytes"] = *e.oom.memory.usage_kb * 1024;
  if (e.oom.memory.limit_kb) d["memcg_limit_bytes"] = *e.oom.memory.limit_kb * 1024;
  // The kernel rate-limits the report's header and summary (10 per 5 s), never the "Killed process"
  // line: a kill in a storm may come with that line alone, which names no cgroup.
  d["report"] = e.oom.invoker_comm || e.oom.constraint || e.oom.task_memcg ? "full" : "kill line only";
  r.detail = d.dump();
  return r;
}

std::optional<store::RecordedEvent> eviction_to_recorded(const Event& e, int64_t first_time, const std::string& source,
                                                         int64_t now) {
  const Eviction& ev = e.eviction;
  if (e.kind != EventKind::kEviction || !ev.pod) return std::nullopt;
  if (ev.stage != "evicting" && ev.stage != "evicted") return std::nullopt;
  store::RecordedEvent r;
  r.time = e.time_us ? *e.time_us / 1'000'000 : now;
  r.kind = "eviction";
  r.source = source;
  r.dedupe_key = fmt::format("eviction:{}:{}", *ev.pod, first_time);
  // The owner of an eviction is the evicted pod (the kubelet's own words: namespace/name).
  r.owner_kind = to_string(OwnerKind::kPod);
  auto [ns, name] = split_pod(ev.pod);
  r.namespace_ = ns;
  r.pod = name;
  if (!ev.containers.empty()) r.container = ev.containers.front().name;
  // Bytes: what the offending containers were using, as the kubelet printed it.
  int64_t sum = 0;
  bool any = false;
  for (const auto& c : ev.containers)
    if (c.usage)
      if (auto q = k8s::parse_quantity(*c.usage)) {
        sum += q->value;
        any = true;
      }
  if (any) r.bytes = sum;
  r.message = ev.message ? *ev.message
                         : fmt::format("pod {} {}{}", *ev.pod, ev.stage == "evicted" ? "evicted" : "being evicted",
                                       ev.resource ? " to reclaim " + *ev.resource : "");
  nlohmann::ordered_json d;
  d["stage"] = ev.stage;
  if (ev.pod_uid) put_text(d, "pod_uid", *ev.pod_uid);
  if (ev.resource) put_text(d, "resource", *ev.resource);
  if (ev.signal) put_text(d, "signal", *ev.signal);
  if (ev.threshold) put_text(d, "threshold", *ev.threshold);
  if (ev.observed) put_text(d, "observed", *ev.observed);
  auto cs = nlohmann::ordered_json::array();
  for (const auto& c : ev.containers) {
    nlohmann::ordered_json cj;
    put_text(cj, "name", c.name);
    if (c.usage) put_text(cj, "usage", *c.usage);
    if (c.request) put_text(cj, "request", *c.request);
    cs.push_back(std::move(cj));
  }
  if (!cs.empty()) d["containers"] = std::move(cs);
  r.detail = d.dump();
  return r;
}

struct EventCapture::Impl {
  HostPaths paths;
  EventCaptureOptions opts;
  OwnerOf owner_of;
  Log log;
  std::optional<KmsgReader> kmsg;
  std::optional<EventStream> kmsg_stream;
  std::optional<int64_t> boot_time;
  struct Source {
    std::string host_path;  // as the host names it, for `source`
    LogTail tail;
    EventStream stream;
  };
  std::vector<Source> logs;
  struct JournalSource {
    std::string name;  // "journal:kubelet.service"
    JournalTail tail;
    EventStream stream;
  };
  std::optional<JournalSource> journal;
  std::map<std::string, int64_t> eviction_first_seen;  // pod -> time its current eviction was first seen
};

EventCapture::EventCapture(HostPaths paths, EventCaptureOptions opts, OwnerOf owner_of, Log log)
    : impl_(std::make_unique<Impl>()) {
  impl_->paths = std::move(paths);
  impl_->opts = std::move(opts);
  impl_->owner_of = std::move(owner_of);
  impl_->log = std::move(log);
}

EventCapture::~EventCapture() = default;

void EventCapture::open() {
  Impl& m = *impl_;
  int64_t now_us = now_unix() * 1'000'000;
  if (m.opts.kmsg && !m.kmsg) {
    // The whole ring at start: kills from before the recorder started are stored too (deduplicated).
    auto r = m.opts.kmsg_path.empty() ? KmsgReader::open(m.paths, KmsgReader::Start::kOldest)
                                      : KmsgReader::open_path(m.opts.kmsg_path, KmsgReader::Start::kOldest);
    if (!r) {
      m.log("cannot read the kernel log, OOM kills will not be captured: " + r.error().describe());
      m.opts.kmsg = false;
    } else {
      m.kmsg.emplace(std::move(*r));
      m.boot_time = read_boot_time(m.paths);
      LineContext lc;
      lc.reference_us = now_us;
      lc.boot_time_s = m.boot_time;
      m.kmsg_stream.emplace(lc);
    }
  }
  std::vector<std::string> logs = m.opts.kubelet_logs.empty() ? default_kubelet_logs() : m.opts.kubelet_logs;
  if (logs.size() == 1 && logs[0] == "off") logs.clear();
  for (const auto& hp : logs) {
    LineContext lc;
    lc.reference_us = now_us;
    // Files that do not exist yet are watched: the tail opens them when they appear.
    m.logs.push_back(Impl::Source{hp, LogTail(m.paths.root(hp)), EventStream(lc)});
  }
  std::vector<std::string> units = m.opts.kubelet_units.empty() ? std::vector<std::string>{"kubelet.service"}
                                                                 : m.opts.kubelet_units;
  if (units.size() == 1 && units[0] == "off") units.clear();
  if (!units.empty() && !m.journal) {
    // The unit's own lines, and lines its binary sent under its name from elsewhere (a kubelet
    // started by a wrapper scope still logs as "kubelet").
    auto t = JournalTail::open(m.paths.root("/"), units, identifiers_of_units(units), JournalTail::Options{}, now_us);
    if (!t) {
      m.log("cannot read the systemd journal, evictions only from text logs: " + t.error().describe());
    } else {
      LineContext lc;
      lc.reference_us = now_us;
      std::string name = "journal:" + units.front();
      m.journal.emplace(Impl::JournalSource{name, std::move(*t), EventStream(lc)});
    }
  }
}

std::vector<store::RecordedEvent> EventCapture::poll(int64_t now, bool last) {
  Impl& m = *impl_;
  std::vector<store::RecordedEvent> out;
  if (m.kmsg) {
    if (auto recs = m.kmsg->read_available()) {
      for (const auto& rec : *recs) m.kmsg_stream->feed_kmsg(rec);
    }
    {
      // A kill is held for its oom_reaper line (events/oom_assembler.hpp); ticks on every poll release
      // it once the grace period passed without one (a victim that exited by itself).
      m.kmsg_stream->tick(std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count());
      if (last) m.kmsg_stream->finish();
      auto evs = m.kmsg_stream->take();
      if (!evs.empty()) {
        AttributionContext ac;
        ac.owner_of = m.owner_of;
        attribute_events(evs, ac);
        for (const auto& e : evs)
          if (e.kind == EventKind::kOomKill) out.push_back(oom_to_recorded(e, m.boot_time, now));
      }
    }
  }
  auto take_evictions = [&](EventStream& stream, const std::string& source) {
    stream.finish();  // a status message continues on the same line in kubelet logs
    for (const auto& e : stream.take()) {
      if (e.kind != EventKind::kEviction || !e.eviction.pod) continue;
      int64_t t = e.time_us ? *e.time_us / 1'000'000 : now;
      auto it = m.eviction_first_seen.find(*e.eviction.pod);
      if (it == m.eviction_first_seen.end() || t - it->second > kSameEvictionSeconds || t < it->second)
        it = m.eviction_first_seen.insert_or_assign(*e.eviction.pod, t).first;
      if (auto r = eviction_to_recorded(e, it->second, source, now)) out.push_back(std::move(*r));
    }
    // Bounded: forget evictions long past.
    if (m.eviction_first_seen.size() > 4096) m.eviction_first_seen.clear();
  };
  for (auto& src : m.logs) {
    // klog lines carry no year: the one that puts them closest before now (plus clock slack).
    src.stream.set_reference_us((now + 60) * 1'000'000);
    for (const auto& line : src.tail.poll())
      if (is_eviction_line(line)) src.stream.feed_line(line);
    take_evictions(src.stream, "kubelet-log:" + src.host_path);
  }
  if (m.journal) {
    m.journal->stream.set_reference_us((now + 60) * 1'000'000);
    for (const auto& entry : m.journal->tail.poll()) {
      if (!is_eviction_line(entry.message)) continue;
      m.journal->stream.feed_line(journal_entry_as_json_line(entry));
    }
    take_evictions(m.journal->stream, m.journal->name);
  }
  return out;
}

uint64_t EventCapture::kmsg_lost() const { return impl_->kmsg ? impl_->kmsg->lost() : 0; }
bool EventCapture::kmsg_open() const { return impl_->kmsg.has_value(); }
bool EventCapture::journal_open() const { return impl_->journal.has_value(); }

std::vector<std::string> EventCapture::log_paths_open() const {
  std::vector<std::string> v;
  for (const auto& s : impl_->logs)
    if (s.tail.is_open()) v.push_back(s.host_path);
  return v;
}

}  // namespace ms::agent
