// Memory outside kubepods with no limit: the kubelet cannot evict it, so it can only evict pods to
// compensate, and when it grows fast the kernel OOM killer acts first. This is the seed incident.
#include <fmt/format.h>

#include <algorithm>

#include "provenance/cwd.hpp"
#include "rules/rules.hpp"
#include "rules/thresholds.hpp"
#include "util/units.hpp"

namespace ms::rules {
namespace {

const SuspectProvenance* provenance_of(const DoctorInput& in, int pid) {
  for (const auto& s : in.suspects)
    if (s.pid == pid) return &s;
  return nullptr;
}

std::string join_argv(const Process& p) {
  if (p.cmdline.empty()) return "[" + p.comm + "]";
  std::string s;
  for (const auto& a : p.cmdline) s += (s.empty() ? "" : " ") + a;
  if (s.size() > 200) s = s.substr(0, 200) + "…";
  return s;
}

}  // namespace

std::optional<int64_t> hard_threshold_bytes(const DoctorInput& in) {
  for (const auto& t : in.thresholds)
    if (t.signal == k8s::kSignalMemoryAvailable && t.kind == "hard" && t.bytes) return t.bytes;
  return std::nullopt;
}

uint64_t eviction_margin_bytes(const DoctorInput& in) {
  if (auto h = hard_threshold_bytes(in); h && *h > 0) return static_cast<uint64_t>(*h);
  return thresholds::kKubeletDefaultHardBytes;
}

uint64_t unbounded_floor_bytes(const DoctorInput& in) {
  uint64_t margin = eviction_margin_bytes(in);
  auto total = mem_total(*in.snap);
  if (!total) return margin;
  auto pct = [&](double p) { return static_cast<uint64_t>(static_cast<double>(*total) * p / 100.0); };
  return std::max(pct(thresholds::kUnboundedMinPct), std::min(margin, pct(thresholds::kUnboundedMarginCapPct)));
}

std::vector<const ProcessAttribution*> unbounded_outside_kubepods(const DoctorInput& in) {
  std::vector<const ProcessAttribution*> out;
  if (!in.attribution) return out;
  for (const auto& pa : in.attribution->processes) {
    if (!pa.process || pa.process->kernel_thread || !pa.unbounded_outside_kubepods()) continue;
    if (in.self_pid && pa.process->pid == *in.self_pid) continue;  // memsleuth itself
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
    const auto* prov = provenance_of(in, p.pid);
    bool scheduled = pa->owner.kind == OwnerKind::kCron || pa->owner.kind == OwnerKind::kTimer ||
                     (prov && (prov->cron || prov->timer));
    bool walking = prov && prov->cwd && prov->cwd->moving;
    bool culprit = prov && prov->culprit;
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
    if (prov && prov->cron)
      src = fmt::format(", started by {}:{}", prov->cron->file, prov->cron->line);
    else if (prov && prov->timer)
      src = fmt::format(", started by timer {}", *prov->timer);
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
    if (prov && prov->cron) {
      const auto& c = *prov->cron;
      f.evidence.push_back(ev_text("started by cron line", fmt::format("{}:{}: {}", c.file, c.line, c.raw),
                                   c.file + " line " + std::to_string(c.line)));
      f.evidence.push_back(ev_text("schedule", c.schedule_text, c.file));
      if (c.script) f.evidence.push_back(ev_text("job script", *c.script, c.run_parts_dir.value_or("run-parts")));
    }
    if (prov && prov->timer) f.evidence.push_back(ev_text("started by timer", *prov->timer, "systemd unit files"));
    if (prov && prov->cwd) {
      const auto& cw = *prov->cwd;
      std::string last;
      for (const auto& s : cw.samples)
        if (s.path) last = *s.path;
      f.evidence.push_back(ev_text("cwd", fmt::format("{} ({} distinct in {} samples{})", last, cw.distinct,
                                                      cw.samples.size(), cw.moving ? ": walking the filesystem" : ""),
                                   fmt::format("/proc/{}/cwd sampled", p.pid)));
      if (cw.fs_type) f.evidence.push_back(ev_text("filesystem under cwd", *cw.fs_type + " " + cw.mount.value_or(""),
                                                   "/proc/self/mountinfo"));
      if (cw.misleading && cw.warning) f.evidence.push_back(ev_text("misleading cwd", *cw.warning, "provenance cwd truth"));
    }
    if (prov && prov->culprit) {
      f.evidence.push_back(ev_text("known culprit", prov->culprit->title, "provenance culprit rule " + prov->culprit->rule));
      for (const auto& e : prov->culprit->evidence) f.evidence.push_back(ev_text("culprit evidence", e, prov->culprit->rule));
    }
    f.why = fmt::format(
        "The kubelet can only evict pods: a process outside kubepods with no memory limit grows until the kernel "
        "OOM-kills something. At {} it is past {} (the kubelet's eviction margin of {}, capped at {:.0f}% of RAM, "
        "never under {:.0f}% of RAM), so its growth alone can use up that margin between two 10 s kubelet checks.",
        human_bytes_u(rss), human_bytes_u(floor), human_bytes_u(eviction_margin_bytes(in)),
        thresholds::kUnboundedMarginCapPct, thresholds::kUnboundedMinPct);
    if (prov && prov->culprit) f.fix = prov->culprit->fixes;
    if (prov && prov->cron) {
      if (prov->cron->script) f.fix.push_back(fmt::format("chmod -x {}   # stop the job (run-parts skips it)", *prov->cron->script));
      else f.fix.push_back(fmt::format("# comment out {} line {}: {}", prov->cron->file, prov->cron->line, prov->cron->raw));
    }
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

// "cwd is not ownership": the seed's engineer lost an hour on it.
std::vector<Finding> misleading_cwd(const DoctorInput& in) {
  std::vector<Finding> out;
  for (const auto& s : in.suspects) {
    if (!s.cwd || !s.cwd->misleading) continue;
    const Process* p = in.snap->find_process(s.pid);
    if (!p) continue;
    Finding f;
    f.id = "misleading-cwd";
    f.severity = Severity::kInfo;
    f.title = fmt::format("pid {} ({}) has its cwd in pod {}'s directory but is not in that pod: cwd is not ownership",
                          p->pid, p->comm, s.cwd->under_pod_uid.value_or("?"));
    f.evidence.push_back(ev_text("cwd sample", s.cwd->pod_dir_sample.value_or("?"), fmt::format("/proc/{}/cwd", p->pid)));
    f.evidence.push_back(ev_text("memory cgroup", p->memory_cgroup.value_or("?"), fmt::format("/proc/{}/cgroup", p->pid)));
    f.evidence.push_back(ev_text("moving", s.cwd->moving ? fmt::format("yes ({} distinct paths)", s.cwd->distinct) : "no",
                                 "cwd sampled"));
    if (s.cwd->warning) f.evidence.push_back(ev_text("warning", *s.cwd->warning, "provenance cwd truth"));
    f.why = "/proc/PID/cwd only says where a process stands; a filesystem walker passes through every pod's volume, "
            "so ownership comes from the memory cgroup, never from the cwd.";
    f.fix = {fmt::format("cat /proc/{}/cgroup   # the cgroup is the owner", p->pid),
             fmt::format("memsleuth explain {}", p->pid)};
    f.subject.pid = p->pid;
    f.subject.comm = p->comm;
    f.subject.cgroup = p->memory_cgroup;
    f.subject.path = s.cwd->pod_dir_sample;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace ms::rules
