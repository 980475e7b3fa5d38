// Memory outside kubepods with no limit: the kubelet cannot evict it, so it can only evict pods to
// compensate, and when it grows fast the kernel OOM killer acts first. This is the seed incident.
#include <fmt/format.h>

#include <algorithm>

#include "rules/rules.hpp"
#include "rules/thresholds.hpp"
#include "util/units.hpp"

namespace ms::rules {
namespace {

std::string join_argv(const Process& p) {
  if (p.cmdline.empty()) return "[" + p.comm + "]";
  std::string s;
  for (const auto& a : p.cmdline) s += (s.empty() ? "" : " ") + a;
  if (s.size() > 200) s = s.substr(0, 200) + "…";
  return s;
}

}  // namespace

std::optional<int64_t> hard_threshold_bytes(const DoctorInput&) {
  return std::nullopt;  // the kubelet's thresholds are wired in with k8s/
}

uint64_t unbounded_floor_bytes(const DoctorInput& in) {
  uint64_t floor = thresholds::kUnboundedMinBytes;
  if (auto t = mem_total(*in.snap))
    floor = std::max<uint64_t>(floor, static_cast<uint64_t>(static_cast<double>(*t) * thresholds::kUnboundedMinPct / 100));
  if (auto h = hard_threshold_bytes(in); h && *h > 0) floor = std::max<uint64_t>(floor, static_cast<uint64_t>(*h));
  return floor;
}

std::vector<const ProcessAttribution*> unbounded_outside_kubepods(const DoctorInput& in) {
  std::vector<const ProcessAttribution*> out;
  if (!in.attribution) return out;
  for (const auto& pa : in.attribution->processes) {
    if (!pa.process || pa.process->kernel_thread || !pa.unbounded_outside_kubepods()) continue;
    if (!pa.memory.rss) continue;
    out.push_back(&pa);
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return *a->memory.rss > *b->memory.rss; });
  return out;
}

std::vector<Finding> unbounded_outside(const DoctorInput& in) {
  std::vector<Finding> out;
  uint64_t floor = unbounded_floor_bytes(in);
  auto hard = hard_threshold_bytes(in);
  auto total = mem_total(*in.snap);
  for (const auto* pa : unbounded_outside_kubepods(in)) {
    uint64_t rss = *pa->memory.rss;
    if (rss < floor) break;  // sorted: the rest are smaller
    const Process& p = *pa->process;
    bool scheduled = pa->owner.kind == OwnerKind::kCron || pa->owner.kind == OwnerKind::kTimer;
    bool walking = false, culprit = false;
    bool node_agent = pa->owner.kind == OwnerKind::kNodeAgent;
    // A node agent (kubelet, containerd) is expected outside pods: only a big one is worth a line.
    if (node_agent && total && pct_of(rss, *total) < thresholds::kNodeAgentWarnPct) continue;
    Finding f;
    f.id = "unbounded-outside-kubepods";
    // Critical when nothing will stop it and it is still going: a scheduled job, a known culprit or a
    // filesystem walker (its cwd moves), or it alone is over 10% of RAM.
    bool big = total && pct_of(rss, *total) >= thresholds::kUnboundedCritPct;
    f.severity = (scheduled || walking || culprit || big) ? Severity::kCritical : Severity::kWarning;
    std::string src;
    if (pa->owner.timer)
      src = fmt::format(", started by timer {}", *pa->owner.timer);
    else if (pa->owner.unit)
      src = ", unit " + *pa->owner.unit;
    f.title = fmt::format("{} (pid {}) holds {} outside kubepods with no memory limit ({}{})", p.comm, p.pid,
                          human_bytes_u(rss), pa->owner.label(), src);
    f.evidence.push_back(ev_bytes("RSS", rss, fmt::format("/proc/{}/status VmRSS", p.pid)));
    if (total) f.evidence.push_back(ev_percent("RSS / MemTotal", pct_of(rss, *total), "/proc/meminfo MemTotal"));
    if (hard) f.evidence.push_back(ev_signed_bytes("hard eviction threshold", *hard, "kubelet evictionHard memory.available"));
    f.evidence.push_back(ev_text("memory cgroup", p.memory_cgroup.value_or("?"), fmt::format("/proc/{}/cgroup", p.pid)));
    f.evidence.push_back(ev_text("effective limit", "none (no memory.limit on the path to the root)",
                                 "memory.limit_in_bytes / memory.max of " + p.memory_cgroup.value_or("?") + " and ancestors"));
    f.evidence.push_back(ev_text("owner", std::string(to_string(pa->owner.kind)) + ": " + pa->owner.label(),
                                 "attribution: " + pa->why));
    f.evidence.push_back(ev_text("command", join_argv(p), fmt::format("/proc/{}/cmdline", p.pid)));
    f.why = fmt::format(
        "The kubelet can only evict pods: a process outside kubepods with no memory limit grows until the kernel "
        "OOM-kills something, and it is bigger than {} (the hard eviction threshold, or {:.0f}% of RAM), so its "
        "growth alone can take the node from healthy to OOM between two 10 s kubelet checks.",
        human_bytes_u(floor), thresholds::kUnboundedMinPct);
    if (pa->owner.unit && !pa->owner.in_kubepods)
      f.fix.push_back(fmt::format("systemctl set-property {} MemoryMax=512M   # bound it (cgroup limit)", *pa->owner.unit));
    f.fix.push_back(fmt::format("systemd-run --scope -p MemoryMax=512M -- {}   # run such jobs bounded",
                                p.cmdline.empty() ? p.comm : p.cmdline[0]));
    f.fix.push_back(fmt::format("memsleuth explain {}   # full ancestry, cgroups, cwd samples", p.pid));
    f.subject.pid = p.pid;
    f.subject.comm = p.comm;
    f.subject.cgroup = p.memory_cgroup;
    f.subject.owner = pa->owner.label();
    f.subject.owner_kind = to_string(pa->owner.kind);
    f.bytes_at_stake = rss;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace ms::rules
