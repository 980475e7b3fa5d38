// Pods: BestEffort pods holding much memory, pods and containers near their own limit.
#include <fmt/format.h>

#include <algorithm>

#include "rules/rules.hpp"
#include "rules/thresholds.hpp"
#include "util/units.hpp"

namespace ms::rules {

std::vector<Finding> besteffort_hog(const DoctorInput& in) {
  std::vector<Finding> out;
  auto total = mem_total(*in.snap);
  if (!in.attribution || !total) return out;
  for (const auto& pod : in.attribution->pods) {
    if (pod.owner.qos != QosClass::kBestEffort) continue;
    auto bytes = pod.memory.working_set ? pod.memory.working_set : pod.usage_bytes;
    if (!bytes) continue;
    double pct = pct_of(*bytes, *total);
    auto sev = severity_for_pct(pct, thresholds::kBestEffortWarnPct, thresholds::kBestEffortCritPct);
    if (!sev) continue;
    Finding f = make_finding("besteffort-pod-hog", *sev,
                             fmt::format("BestEffort pod {} holds {} ({:.0f}% of RAM) with no request and no limit",
                                         pod.owner.label(), human_bytes_u(*bytes), pct),
                             *bytes);
    f.evidence.push_back(ev_bytes("working set", *bytes, pod.pod_cgroup + " memory.usage - inactive_file"));
    f.evidence.push_back(ev_share("working set / MemTotal", *bytes, *total, "/proc/meminfo MemTotal"));
    f.evidence.push_back(ev_text("QoS", "besteffort (no requests, no limits)", "cgroup path " + pod.pod_cgroup));
    f.evidence.push_back(ev_count("processes", pod.processes, "cgroup tasks"));
    if (pod.memory_tmpfs_bytes && *pod.memory_tmpfs_bytes)
      f.evidence.push_back(ev_bytes("emptyDir medium: Memory", *pod.memory_tmpfs_bytes, "tmpfs under the pod's volumes"));
    f.why = fmt::format(
        "A BestEffort pod has no limit, so only node pressure stops it, and it is the first the kubelet evicts and the "
        "kernel kills (oom_score_adj 1000); holding {:.0f}% of RAM or more (critical {:.0f}%) it squeezes every other "
        "pod first.",
        thresholds::kBestEffortWarnPct, thresholds::kBestEffortCritPct);
    f.fix = {"# give its containers requests and limits, e.g.:",
             "resources: {requests: {memory: \"512Mi\"}, limits: {memory: \"1Gi\"}}",
             "kubectl -n <namespace> describe limitrange   # or add a LimitRange default for the namespace"};
    set_owner_subject(f, pod.owner, pod.pod_cgroup);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Finding> container_near_limit(const DoctorInput& in) {
  std::vector<Finding> out;
  if (!in.attribution) return out;
  for (const auto& ca : in.attribution->cgroups) {
    const Cgroup* c = ca.cgroup;
    if (!c || !ca.owner.in_kubepods || !ca.owner.pod_uid || ca.owner.sandbox) continue;
    if (!c->limit_bytes || *c->limit_bytes == 0) continue;  // its own limit: pod or container level
    if (!ca.memory.working_set) continue;
    uint64_t ws = *ca.memory.working_set, lim = *c->limit_bytes;
    double pct = pct_of(ws, lim);
    if (pct < thresholds::kNearLimitWarnPct) continue;
    Finding f = make_finding("container-near-limit", Severity::kWarning,
                             fmt::format("{} uses {:.0f}% of its {} memory limit ({} working set)", ca.owner.label(),
                                         pct, human_bytes_u(lim), human_bytes_u(ws)),
                             ws);
    f.evidence.push_back(ev_bytes("working set", ws, c->path + " memory.usage - inactive_file"));
    f.evidence.push_back(ev_bytes("limit", lim, c->path + (in.snap->memory_on_v2 ? " memory.max" : " memory.limit_in_bytes")));
    f.evidence.push_back(ev_share("working set / limit", ws, lim, "computed"));
    if (c->failcnt && *c->failcnt) f.evidence.push_back(ev_count("failcnt", *c->failcnt, c->path + " memory.failcnt"));
    if (auto ok = c->events.get("oom_kill"); ok && *ok)
      f.evidence.push_back(ev_count("oom_kill", *ok, c->path + " memory.events oom_kill"));
    f.why = fmt::format(
        "At the limit the kernel reclaims inside the cgroup and then OOM-kills in it; the working set already "
        "excludes inactive page cache, so at {:.0f}% little is left to reclaim.",
        thresholds::kNearLimitWarnPct);
    f.fix = {"kubectl -n <namespace> set resources deployment/<name> --limits=memory=<higher>   # if the need is real",
             "# else find the leak: memsleuth top --by process (pods' processes), application heap profiles"};
    set_owner_subject(f, ca.owner, c->path);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace ms::rules
