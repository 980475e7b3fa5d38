// Recent kernel OOM kills and kubelet evictions (events/), with their owners.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "rules/rules.hpp"
#include "rules/thresholds.hpp"
#include "util/units.hpp"

namespace ms::rules {
namespace {

std::string ago(int64_t now, int64_t then) {
  int64_t d = now - then;
  if (d < 0) d = 0;
  if (d < 120) return fmt::format("{}s ago", d);
  if (d < 7200) return fmt::format("{}m ago", d / 60);
  if (d < 2 * 86400) return fmt::format("{}h ago", d / 3600);
  return fmt::format("{}d ago", d / 86400);
}

}  // namespace

std::vector<Finding> recent_oom_kills(const DoctorInput& in) {
  std::vector<Finding> out;
  if (!in.events) return out;
  int64_t now = in.snap->time;
  // Newest first: the findings are capped, and on a node with many kills the latest matter most.
  std::vector<const Event*> kills;
  for (const auto& e : *in.events)
    if (e.kind == EventKind::kOomKill) kills.push_back(&e);
  std::stable_sort(kills.begin(), kills.end(), [](const Event* a, const Event* b) {
    return a->time_us.value_or(INT64_MIN) > b->time_us.value_or(INT64_MIN);
  });
  for (const Event* kill : kills) {
    const Event& e = *kill;
    if (e.time_us && now - *e.time_us / 1'000'000 > in.events_window_s) continue;
    const auto& o = e.oom;
    bool global = o.scope() == OomScope::kGlobal;
    Finding f;
    f.id = global ? "recent-global-oom" : "recent-memcg-oom";
    f.severity = global ? Severity::kCritical : Severity::kWarning;
    std::string who = e.owner ? e.owner->label() : o.victim_memcg().value_or("unknown cgroup");
    std::string when = e.time_us ? ago(now, *e.time_us / 1'000'000) : "at an unknown time";
    uint64_t rss = (o.victim.anon_rss_kb.value_or(0) + o.victim.file_rss_kb.value_or(0) + o.victim.shmem_rss_kb.value_or(0)) * 1024;
    f.title = fmt::format("{} OOM kill {}: {} (pid {}) of {} ({} RSS)", global ? "Node-wide" : "Memory-cgroup", when,
                          o.victim.comm.value_or("?"), o.victim.pid.value_or(0), who, human_bytes_u(rss));
    if (e.time_us) f.evidence.push_back(ev_text("time", rfc3339_utc(*e.time_us / 1'000'000), "kernel log timestamp"));
    f.evidence.push_back(ev_text("constraint", o.constraint.value_or("?"), "oom-kill: constraint="));
    if (auto m = o.limit_memcg()) f.evidence.push_back(ev_text("oom_memcg", *m, "oom-kill: oom_memcg="));
    if (auto m = o.victim_memcg()) f.evidence.push_back(ev_text("task_memcg", *m, "oom-kill: task_memcg="));
    f.evidence.push_back(ev_bytes("victim RSS (anon+file+shmem)", rss, "Killed process ... anon-rss/file-rss/shmem-rss"));
    if (o.memory.limit_kb)
      f.evidence.push_back(ev_bytes("memcg limit", *o.memory.limit_kb * 1024, "memory: usage ... limit ..."));
    for (size_t i = 0; i < e.top_consumers.size() && i < 3; ++i)
      f.evidence.push_back(ev_bytes("top consumer at the kill: " + e.top_consumers[i].group, e.top_consumers[i].rss_bytes,
                                    "OOM task table (" + e.top_consumers[i].owner_source + ")"));
    if (e.incomplete) f.evidence.push_back(ev_text("record", "incomplete (cut in the kernel log)", "kernel log"));
    f.why = global ? "A node-wide OOM kill means the kernel ran out before the kubelet evicted anything: the victim is "
                     "whoever scored highest, not necessarily who ate the memory (see the top consumers)."
                   : "A memory-cgroup OOM kill means a container or unit hit its own limit: the limit is too small "
                     "for it, or it leaks.";
    f.fix = {"memsleuth oom --since -24h   # every kill with its owner and top consumers"};
    if (!global) f.fix.push_back("# raise the limit of " + who + " if the need is real, else fix the leak");
    else f.fix.push_back("# bound what ate the memory (top consumers above) and raise evictionHard memory.available");
    if (e.owner) {
      f.subject.owner = e.owner->label();
      f.subject.owner_kind = to_string(e.owner->kind);
    }
    f.subject.cgroup = o.victim_memcg();
    if (o.victim.pid) f.subject.pid = static_cast<int>(*o.victim.pid);
    f.subject.comm = o.victim.comm;
    f.bytes_at_stake = rss;
    out.push_back(std::move(f));
    if (out.size() >= thresholds::kMaxEventFindings) break;
  }
  return out;
}

std::vector<Finding> recent_evictions(const DoctorInput& in) {
  if (!in.events) return {};
  int64_t now = in.snap->time;
  std::map<std::string, std::vector<const Event*>> by_pod;
  for (const auto& e : *in.events) {
    if (e.kind != EventKind::kEviction) continue;
    const auto& ev = e.eviction;
    if (ev.stage != "evicted" && ev.stage != "evicting" && ev.stage != "status") continue;
    if (ev.resource && *ev.resource != "memory") continue;
    if (e.time_us && now - *e.time_us / 1'000'000 > in.events_window_s) continue;
    by_pod[ev.pod.value_or(ev.pod_uid.value_or("?"))].push_back(&e);
  }
  if (by_pod.empty()) return {};
  Finding f;
  f.id = "recent-evictions";
  f.severity = Severity::kWarning;
  f.title = fmt::format("The kubelet evicted {} pod(s) for memory in the last {}h", by_pod.size(), in.events_window_s / 3600);
  for (const auto& [pod, evs] : by_pod) {
    const auto& last = *evs.back();
    std::string v = fmt::format("{}× {}{}{}", evs.size(), last.eviction.signal.value_or("memory"),
                                last.eviction.threshold ? " < " + *last.eviction.threshold : "",
                                last.eviction.observed ? ", observed " + *last.eviction.observed : "");
    f.evidence.push_back(ev_text("evicted " + pod, v, last.time_us ? rfc3339_utc(*last.time_us / 1'000'000) : "kubelet log"));
  }
  f.why = "Evictions mean the kubelet's memory.available fell under a threshold; the evicted pods are the lowest "
          "ranked, not necessarily the cause, which may sit outside kubepods.";
  f.fix = {"memsleuth oom --since -24h   # evictions with what held the memory", "kubectl get events -A --field-selector reason=Evicted"};
  return {f};
}

}  // namespace ms::rules
