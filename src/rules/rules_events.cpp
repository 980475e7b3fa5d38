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

namespace {

uint64_t victim_rss(const Event& e) {
  const auto& v = e.oom.victim;
  return (v.anon_rss_kb.value_or(0) + v.file_rss_kb.value_or(0) + v.shmem_rss_kb.value_or(0)) * 1024;
}

// The kills of one memory cgroup (or one owner, when the cgroup is not known) and scope, newest last.
struct KillGroup {
  bool global = false;
  std::string who;  // the owner's label, else the victim's memory cgroup
  std::vector<const Event*> kills;
  const Event* largest = nullptr;
  const Event* latest = nullptr;
};

std::string when_of(const Event* e) {
  return e->time_us ? rfc3339_utc(*e->time_us / 1'000'000) : "an unknown time";
}

}  // namespace

// Kills of one memory cgroup in the window are one finding (how many, first, last, the largest
// victim): five near-identical findings in a row say less than one that counts them.
std::vector<Finding> recent_oom_kills(const DoctorInput& in) {
  std::vector<Finding> out;
  if (!in.events) return out;
  int64_t now = in.snap->time;
  std::vector<KillGroup> groups;
  std::map<std::string, size_t> index;
  for (const auto& e : *in.events) {
    if (e.kind != EventKind::kOomKill) continue;
    if (e.time_us && now - *e.time_us / 1'000'000 > in.events_window_s) continue;
    bool global = e.oom.scope() == OomScope::kGlobal;
    std::string memcg = e.oom.victim_memcg().value_or("");
    std::string who = e.owner ? e.owner->label() : (memcg.empty() ? "unknown cgroup" : memcg);
    std::string key = fmt::format("{}|{}|{}", global, memcg.empty() ? "owner:" + who : memcg, who);
    auto [it, fresh] = index.try_emplace(key, groups.size());
    if (fresh) groups.push_back(KillGroup{global, who, {}, nullptr, nullptr});
    KillGroup& g = groups[it->second];
    g.kills.push_back(&e);
    if (!g.largest || victim_rss(e) > victim_rss(*g.largest)) g.largest = &e;
    if (!g.latest || e.time_us.value_or(INT64_MIN) >= g.latest->time_us.value_or(INT64_MIN)) g.latest = &e;
  }
  // Newest first: the findings are capped, and on a node with many kills the latest matter most.
  std::stable_sort(groups.begin(), groups.end(), [](const KillGroup& a, const KillGroup& b) {
    return a.latest->time_us.value_or(INT64_MIN) > b.latest->time_us.value_or(INT64_MIN);
  });
  for (const KillGroup& g : groups) {
    const Event& big = *g.largest;
    const Event& last = *g.latest;
    const auto& o = big.oom;
    size_t n = g.kills.size();
    uint64_t rss = victim_rss(big);
    std::optional<uint64_t> limit;
    for (const Event* e : g.kills)
      if (e->oom.memory.limit_kb) limit = *e->oom.memory.limit_kb * 1024;
    std::string limit_text = limit ? ", limit " + human_bytes_u(*limit) : "";
    Finding f;
    f.id = g.global ? "recent-global-oom" : "recent-memcg-oom";
    f.severity = g.global ? Severity::kCritical : Severity::kWarning;
    std::string victim =
        fmt::format("{} (pid {}, {} RSS)", o.victim.comm.value_or("?"), o.victim.pid.value_or(0), human_bytes_u(rss));
    std::string when = last.time_us ? ago(now, *last.time_us / 1'000'000) : "at an unknown time";
    if (n == 1)
      f.title = fmt::format("{} OOM kill {}: {} of {}{}", g.global ? "Node-wide" : "Memory-cgroup", when, victim, g.who,
                            limit_text);
    else
      f.title = fmt::format("{} {} OOM kills of {}{} in the last {}h, the last {}: largest {}", n,
                            g.global ? "node-wide" : "memory-cgroup", g.who, limit_text, in.events_window_s / 3600,
                            when, victim);
    if (n > 1) {
      f.evidence.push_back(
          ev_count("kills", n, "kernel log, last " + std::to_string(in.events_window_s / 3600) + " h"));
      f.evidence.push_back(ev_text("first", when_of(g.kills.front()), "kernel log timestamp"));
      f.evidence.push_back(ev_text("last", when_of(g.latest), "kernel log timestamp"));
      std::string pids;
      for (size_t i = 0; i < g.kills.size() && i < 8; ++i)
        pids += fmt::format("{}{} ({})", i ? ", " : "", g.kills[i]->oom.victim.pid.value_or(0),
                            g.kills[i]->oom.victim.comm.value_or("?"));
      if (g.kills.size() > 8) pids += ", …";
      f.evidence.push_back(ev_text("victims", pids, "oom-kill: pid="));
      f.evidence.push_back(ev_text("largest victim", victim, "Killed process ... anon-rss/file-rss/shmem-rss"));
    } else if (big.time_us) {
      f.evidence.push_back(ev_text("time", when_of(&big), "kernel log timestamp"));
    }
    f.evidence.push_back(ev_text("constraint", o.constraint.value_or("?"), "oom-kill: constraint="));
    if (auto m = o.limit_memcg()) f.evidence.push_back(ev_text("oom_memcg", *m, "oom-kill: oom_memcg="));
    if (auto m = o.victim_memcg()) f.evidence.push_back(ev_text("task_memcg", *m, "oom-kill: task_memcg="));
    f.evidence.push_back(
        ev_bytes("victim RSS (anon+file+shmem)", rss, "Killed process ... anon-rss/file-rss/shmem-rss"));
    if (o.memory.usage_kb)
      f.evidence.push_back(
          ev_bytes("memcg usage at the kill", *o.memory.usage_kb * 1024, "memory: usage ... limit ..."));
    if (limit) f.evidence.push_back(ev_bytes("memcg limit", *limit, "memory: usage ... limit ..."));
    for (size_t i = 0; i < big.top_consumers.size() && i < 3; ++i)
      f.evidence.push_back(ev_bytes("top consumer at the kill: " + big.top_consumers[i].group,
                                    big.top_consumers[i].rss_bytes,
                                    "OOM task table (" + big.top_consumers[i].owner_source + ")"));
    if (big.incomplete) f.evidence.push_back(ev_text("record", "incomplete (cut in the kernel log)", "kernel log"));
    f.why = g.global ? "A node-wide OOM kill means the kernel ran out before the kubelet evicted anything: the victim "
                       "is whoever scored highest, not necessarily who ate the memory (see the top consumers)."
                     : "A memory-cgroup OOM kill means a container, unit or cgroup hit its own limit: the limit is too "
                       "small for it, or it leaks.";
    f.fix = {"memsleuth oom --since -24h   # every kill with its owner and top consumers"};
    if (!g.global)
      f.fix.push_back(fmt::format("# raise the limit of {}{} if the need is real, else fix the leak", g.who,
                                  limit ? " (now " + human_bytes_u(*limit) + ")" : ""));
    else
      f.fix.push_back("# bound what ate the memory (top consumers above) and raise evictionHard memory.available");
    if (big.owner) {
      f.subject.owner = big.owner->label();
      f.subject.owner_kind = to_string(big.owner->kind);
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
