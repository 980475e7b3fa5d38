// Kubelet eviction configuration and the kubelet's view of memory. Every rule here is silent on a
// node with no kubelet (no process found, no --kubelet-config/--kubelet-flags).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "k8s/quantity.hpp"
#include "rules/rules.hpp"
#include "rules/thresholds.hpp"
#include "util/units.hpp"

namespace ms::rules {
namespace {

constexpr double kHousekeepingSeconds = 10.0;  // evictionMonitoringPeriod (pkg/kubelet/kubelet.go)

bool has_kubelet(const DoctorInput& in) {
  return in.kubelet && (in.kubelet->kubelet_found || in.kubelet->config_file || !in.kubelet->args.empty());
}

std::string config_where(const DoctorInput& in) {
  if (in.kubelet->config_file) return *in.kubelet->config_file;
  return "kubelet flags";
}

std::string source_name(const k8s::Source s, const DoctorInput& in, std::string_view field) {
  switch (s) {
    case k8s::Source::kFlag: return fmt::format("kubelet flag --{}", field);
    case k8s::Source::kConfig: return fmt::format("{} {}", config_where(in), field);
    case k8s::Source::kDefault: break;
  }
  return fmt::format("kubelet default {}", field);
}

const k8s::ResolvedThreshold* find_threshold(const DoctorInput& in, std::string_view kind) {
  for (const auto& t : in.thresholds)
    if (t.signal == k8s::kSignalMemoryAvailable && t.kind == kind) return &t;
  return nullptr;
}

std::string threshold_text(const k8s::ResolvedThreshold& t) { return fmt::format("{}<{}", t.signal, t.value); }

std::string fmt_seconds(double s) {
  if (s >= 60 && std::fmod(s, 60) == 0) return fmt::format("{:g}m", s / 60);
  if (s >= 60) return fmt::format("{}m{:g}s", static_cast<int>(s / 60), std::fmod(s, 60));
  return fmt::format("{:g}s", s);
}

std::string map_entries(const k8s::SourcedMap& m) {
  if (m.empty()) return "(empty)";
  std::string s;
  for (const auto& [k, v] : m) s += (s.empty() ? "" : ", ") + k + ": " + v.value;
  return s;
}

}  // namespace

std::optional<double> available_decline_rate(const DoctorInput& in) {
  if (!in.history) return std::nullopt;
  return fastest_decline(*in.history).rate;
}

std::vector<Finding> kubelet_blind_spot(const DoctorInput& in) {
  if (!has_kubelet(in) || !in.kubelet_view) return {};
  const auto& v = *in.kubelet_view;
  if (!v.memory_available_bytes || !v.mem_available_bytes || !v.mem_total_bytes) return {};
  int64_t kubelet = *v.memory_available_bytes;
  int64_t kernel = static_cast<int64_t>(*v.mem_available_bytes);
  int64_t diff = kubelet - kernel;  // > 0: the kubelet sees more room than the kernel has
  uint64_t adiff = static_cast<uint64_t>(diff < 0 ? -diff : diff);
  auto hard = find_threshold(in, "hard");
  // A plain value, not std::optional: GCC 12 at -O3 warns maybe-uninitialized on the optional's payload.
  const bool has_hard = hard && hard->bytes.has_value();
  const int64_t hard_value = has_hard ? *hard->bytes : 0;
  double pct = pct_of(adiff, *v.mem_total_bytes);
  // The difference matters when it is bigger than the hard threshold (then the threshold is measured
  // on a signal whose error exceeds it) or than 10% of RAM.
  bool over_threshold = has_hard && static_cast<int64_t>(adiff) > hard_value;
  if (!over_threshold && pct < thresholds::kBlindSpotWarnPct) return {};
  Finding f;
  f.id = "kubelet-blind-spot";
  // Critical: the kernel is already below the hard threshold while the kubelet thinks it is above.
  bool crit = has_hard && kernel < hard_value && kubelet >= hard_value;
  f.severity = crit ? Severity::kCritical : Severity::kWarning;
  f.title = diff > 0 ? fmt::format("The kubelet sees {} more available memory than the kernel ({} vs MemAvailable {})",
                                   human_bytes_u(adiff), human_bytes(kubelet), human_bytes(kernel))
                     : fmt::format("The kubelet sees {} less available memory than the kernel ({} vs MemAvailable {})",
                                   human_bytes_u(adiff), human_bytes(kubelet), human_bytes(kernel));
  f.evidence.push_back(ev_signed_bytes("kubelet memory.available", kubelet,
                                       "MemTotal - (root " + (v.root_usage_rule.empty() ? std::string("usage") : v.root_usage_rule) + ")"));
  f.evidence.push_back(ev_signed_bytes("MemAvailable", kernel, "/proc/meminfo MemAvailable"));
  f.evidence.push_back(ev_signed_bytes("difference (kubelet - kernel)", diff, "computed"));
  if (has_hard) f.evidence.push_back(ev_signed_bytes("hard threshold " + threshold_text(*hard), hard_value, hard->source));
  std::vector<const k8s::DifferenceItem*> items;
  for (const auto& d : v.difference) items.push_back(&d);
  std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return std::llabs(a->bytes) > std::llabs(b->bytes); });
  for (size_t i = 0; i < items.size() && i < 4; ++i) {
    if (items[i]->bytes == 0) break;
    auto e = ev_signed_bytes("difference item: " + items[i]->name, items[i]->bytes, "memsleuth available (kubelet view vs kernel used)");
    e.value += " — " + items[i]->explanation;
    f.evidence.push_back(std::move(e));
  }
  if (in.watermarks.zone_low_bytes)
    f.evidence.push_back(ev_bytes("kernel low watermarks (MemAvailable excludes them, the kubelet does not)",
                                  *in.watermarks.zone_low_bytes, "/proc/zoneinfo low (sum of zones)"));
  f.why = fmt::format(
      "The kubelet decides evictions on capacity minus the root cgroup's working set, not on MemAvailable; when the "
      "two differ by more than the hard threshold (or {:.0f}% of RAM) the kubelet either waits while the kernel runs "
      "out (kubelet higher) or evicts pods while the kernel still has room (kubelet lower).",
      thresholds::kBlindSpotWarnPct);
  f.fix = {"memsleuth available   # both views, the difference itemised",
           "# raise evictionHard memory.available by at least the difference, and bound what the kubelet cannot "
           "see (processes outside kubepods, tmpfs, kernel slab)"};
  f.subject.path = "memory.available";
  f.bytes_at_stake = adiff;
  return {f};
}

std::vector<Finding> eviction_hard_too_small(const DoctorInput& in) {
  if (!has_kubelet(in)) return {};
  const auto* t = find_threshold(in, "hard");
  if (!t || !t->bytes) return {};
  int64_t bytes = *t->bytes;
  auto total = mem_total(*in.snap);
  auto rate = available_decline_rate(in);
  Finding f;
  f.id = "eviction-hard-too-small";
  Severity sev = Severity::kInfo;
  std::vector<std::string> reasons;
  auto raise = [&](Severity s) { sev = std::max(sev, s); };
  f.evidence.push_back(ev_signed_bytes("hard threshold " + threshold_text(*t), bytes,
                                       "kubelet " + t->source + " evictionHard memory.available"));
  if (total) {
    double pct = pct_of(static_cast<uint64_t>(std::max<int64_t>(bytes, 0)), *total);
    f.evidence.push_back(ev_percent("threshold / capacity", pct, "/proc/meminfo MemTotal"));
    if (pct < thresholds::kHardMinPctOfCapacity) {
      raise(Severity::kWarning);
      reasons.push_back(fmt::format("{:.1f}% of capacity (< {:.0f}%)", pct, thresholds::kHardMinPctOfCapacity));
    }
  }
  if (in.watermarks.min_free_bytes) {
    f.evidence.push_back(ev_bytes("vm.min_free_kbytes", *in.watermarks.min_free_bytes, "/proc/sys/vm/min_free_kbytes"));
    if (bytes <= static_cast<int64_t>(*in.watermarks.min_free_bytes)) {
      raise(Severity::kCritical);
      reasons.push_back("not above vm.min_free_kbytes");
    }
  }
  if (in.watermarks.zone_high_bytes) {
    f.evidence.push_back(ev_bytes("zone high watermarks", *in.watermarks.zone_high_bytes, "/proc/zoneinfo high (sum)"));
    if (bytes <= static_cast<int64_t>(*in.watermarks.zone_high_bytes)) {
      raise(Severity::kWarning);
      reasons.push_back("not above the kernel's high watermarks (kswapd is already reclaiming there)");
    }
  }
  if (rate) {
    double need = *rate * kHousekeepingSeconds;
    f.evidence.push_back(ev_rate("fastest decline of available memory", *rate, "history"));
    f.evidence.push_back(ev_bytes("decline per 10 s housekeeping", static_cast<uint64_t>(need), "rate × 10 s"));
    if (static_cast<double>(bytes) < need + static_cast<double>(in.watermarks.min_free_bytes.value_or(0))) {
      raise(Severity::kCritical);
      reasons.push_back("smaller than what the node allocates in one 10 s housekeeping interval");
    }
  }
  if (auto unb = unbounded_outside_kubepods(in); !unb.empty() && static_cast<int64_t>(*unb[0]->memory.rss) > bytes) {
    f.evidence.push_back(ev_bytes(fmt::format("largest unbounded process outside kubepods: {} (pid {})",
                                              unb[0]->process->comm, unb[0]->process->pid),
                                  *unb[0]->memory.rss, fmt::format("/proc/{}/status VmRSS", unb[0]->process->pid)));
    raise(Severity::kWarning);
    reasons.push_back("smaller than one unbounded process outside kubepods that no eviction can stop");
  }
  if (sev == Severity::kInfo) return {};
  f.severity = sev;
  f.title = fmt::format("Hard eviction threshold {} ({}) is too small: {}", threshold_text(*t), human_bytes(bytes),
                        reasons.front());
  for (size_t i = 1; i < reasons.size(); ++i) f.evidence.push_back(ev_text("also", reasons[i], "doctor"));
  f.why = fmt::format(
      "The kubelet checks memory.available every {:g} s and evicts at most one pod per pass, while the kernel "
      "reserves vm.min_free_kbytes and reclaims below its watermarks; a hard threshold under {:.0f}% of RAM, under "
      "the watermarks, or under one housekeeping interval of growth lets the node hit kernel OOM before any "
      "eviction (k/k#31362: 100Mi fails ~40% of the time).",
      kHousekeepingSeconds, thresholds::kHardMinPctOfCapacity);
  uint64_t suggest = total ? static_cast<uint64_t>(static_cast<double>(*total) * thresholds::kHardSuggestPct / 100.0) : 0;
  if (rate) suggest = std::max<uint64_t>(suggest, static_cast<uint64_t>(*rate * kHousekeepingSeconds * 3));
  suggest = std::max<uint64_t>(suggest, in.watermarks.zone_high_bytes.value_or(0) * 2);
  uint64_t mi = (suggest + (uint64_t{1} << 20) - 1) >> 20;
  f.fix = {fmt::format("# {}:", t->source == "flag" ? std::string("kubelet flags") : config_where(in)),
           fmt::format("evictionHard: {{memory.available: \"{}Mi\"}}   # or --eviction-hard=memory.available<{}Mi",
                       mi, mi),
           "# keep the other defaults when you set it: nodefs.available: \"10%\", nodefs.inodesFree: \"5%\", "
           "imagefs.available: \"15%\""};
  f.subject.path = config_where(in);
  f.bytes_at_stake = suggest > static_cast<uint64_t>(std::max<int64_t>(bytes, 0)) ? suggest - bytes : 0;
  return {f};
}

std::vector<Finding> eviction_config(const DoctorInput& in) {
  if (!has_kubelet(in)) return {};
  const auto& c = *in.kubelet;
  std::vector<Finding> out;
  auto base = [&](std::string id, Severity s, std::string title) {
    Finding f;
    f.id = std::move(id);
    f.severity = s;
    f.title = std::move(title);
    f.subject.path = config_where(in);
    return f;
  };
  // Soft without hard.
  auto soft = c.eviction_soft.find(k8s::kSignalMemoryAvailable);
  auto hard = c.eviction_hard.find(k8s::kSignalMemoryAvailable);
  bool hard_off = hard == c.eviction_hard.end() || hard->second.value == "0%" || hard->second.value == "100%";
  if (soft != c.eviction_soft.end() && hard_off) {
    auto f = base("eviction-soft-without-hard", Severity::kWarning,
                  fmt::format("Soft eviction memory.available<{} has no hard threshold behind it", soft->second.value));
    f.evidence.push_back(ev_text("evictionSoft memory.available", soft->second.value,
                                 source_name(soft->second.source, in, "evictionSoft")));
    f.evidence.push_back(ev_text("evictionHard memory.available", "not set", config_where(in)));
    f.why = "A soft threshold waits its grace period and evicts politely; without a hard threshold nothing acts at "
            "once when memory falls fast, so the kernel OOM killer does it instead.";
    f.fix = {"evictionHard: {memory.available: \"5%\", nodefs.available: \"10%\", nodefs.inodesFree: \"5%\", "
             "imagefs.available: \"15%\"}"};
    out.push_back(std::move(f));
  }
  // Soft without grace period: the kubelet refuses to start.
  for (const auto& [sig, val] : c.eviction_soft) {
    if (c.eviction_soft_grace_period.count(sig)) continue;
    auto f = base("eviction-soft-without-grace", Severity::kCritical,
                  fmt::format("Soft eviction {}<{} has no grace period: the kubelet refuses to start", sig, val.value));
    f.evidence.push_back(ev_text("evictionSoft " + sig, val.value, source_name(val.source, in, "evictionSoft")));
    f.evidence.push_back(ev_text("evictionSoftGracePeriod " + sig, "missing", config_where(in)));
    f.why = "ParseThresholdConfig fails with \"grace period must be specified for the soft eviction threshold\", so "
            "a kubelet restarted with this configuration does not come up at all.";
    f.fix = {fmt::format("evictionSoftGracePeriod: {{{}: \"1m30s\"}}   # or --eviction-soft-grace-period={}=1m30s", sig,
                         sig)};
    out.push_back(std::move(f));
  }
  // Grace too long for the growth rate.
  if (auto rate = available_decline_rate(in)) {
    const auto* s = find_threshold(in, "soft");
    const auto* h = find_threshold(in, "hard");
    if (s && s->bytes && s->grace_period_seconds > 0) {
      double band = static_cast<double>(*s->bytes - (h && h->bytes ? *h->bytes : 0));
      double eaten = *rate * s->grace_period_seconds;
      if (eaten >= band) {
        auto f = base("eviction-grace-too-long", Severity::kWarning,
                      fmt::format("Soft eviction grace {} is too long: at {}/s memory falls from the soft to the hard "
                                  "threshold in {:.0f}s",
                                  fmt_seconds(s->grace_period_seconds), human_bytes_u(static_cast<uint64_t>(*rate)),
                                  band / *rate));
        f.evidence.push_back(ev_seconds("evictionSoftGracePeriod memory.available", s->grace_period_seconds, s->source));
        f.evidence.push_back(ev_signed_bytes("soft threshold " + threshold_text(*s), *s->bytes, s->source));
        if (h && h->bytes) f.evidence.push_back(ev_signed_bytes("hard threshold " + threshold_text(*h), *h->bytes, h->source));
        f.evidence.push_back(ev_rate("fastest decline of available memory", *rate, "history"));
        f.why = "The soft threshold only evicts after memory stays below it for the whole grace period; if memory "
                "crosses from the soft to the hard threshold faster than that, the soft threshold never acts.";
        f.fix = {fmt::format("evictionSoftGracePeriod: {{memory.available: \"{:.0f}s\"}}",
                             std::max(10.0, std::floor(band / *rate / 2)))};
        f.bytes_at_stake = static_cast<uint64_t>(eaten);
        out.push_back(std::move(f));
      }
    }
  }
  // One evictionHard entry drops the defaults.
  if (!c.merge_default_eviction_settings.value) {
    bool set_by_user = false;
    for (const auto& [k, v] : c.eviction_hard) set_by_user |= v.source != k8s::Source::kDefault;
    if (set_by_user) {
      std::vector<std::string> dropped;
      for (const auto& [k, v] : k8s::default_eviction_hard())
        if (!c.eviction_hard.count(k)) dropped.push_back(k + "<" + v);
      if (!dropped.empty()) {
        std::string list;
        for (const auto& d : dropped) list += (list.empty() ? "" : ", ") + d;
        auto f = base("eviction-defaults-dropped", Severity::kWarning,
                      fmt::format("Setting evictionHard dropped {} default threshold(s): {}", dropped.size(), list));
        for (const auto& [k, v] : c.eviction_hard)
          f.evidence.push_back(ev_text("evictionHard " + k, v.value, source_name(v.source, in, "evictionHard")));
        f.evidence.push_back(ev_text("no longer enforced", list, "kubelet defaults_linux.go DefaultEvictionHard"));
        f.why = "When evictionHard (or --eviction-hard) names any signal, every signal it does not name has no threshold "
                "at all (unless mergeDefaultEvictionSettings: true), so the node can fill its disk or inodes with no "
                "eviction.";
        std::string yaml;
        for (const auto& [k, v] : c.eviction_hard) yaml += fmt::format("{}: \"{}\", ", k, v.value);
        for (const auto& [k, v] : k8s::default_eviction_hard())
          if (!c.eviction_hard.count(k)) yaml += fmt::format("{}: \"{}\", ", k, v);
        yaml.resize(yaml.size() - 2);
        f.fix = {"evictionHard: {" + yaml + "}", "# or (newer kubelets): mergeDefaultEvictionSettings: true"};
        out.push_back(std::move(f));
      }
    }
  }
  // No system/kube reserved memory.
  if (!c.system_reserved.count("memory") && !c.kube_reserved.count("memory")) {
    auto f = base("no-reserved-memory", Severity::kWarning,
                  "No systemReserved or kubeReserved memory: pods may be scheduled onto the memory the OS and the "
                  "kubelet need");
    f.evidence.push_back(ev_text("systemReserved memory", "not set", config_where(in)));
    f.evidence.push_back(ev_text("kubeReserved memory", "not set", config_where(in)));
    if (in.allocatable && in.allocatable->allocatable_bytes)
      f.evidence.push_back(ev_signed_bytes("node allocatable memory", *in.allocatable->allocatable_bytes,
                                           "capacity - reserved - hard threshold"));
    f.why = "Allocatable is capacity minus reserved minus the hard threshold; with nothing reserved the scheduler "
            "hands all of RAM to pods, and when daemons outside pods grow the kubelet can only evict pods to "
            "compensate.";
    f.fix = {"systemReserved: {memory: \"1Gi\"}", "kubeReserved: {memory: \"1Gi\"}   # size them from `memsleuth top --by owner`"};
    out.push_back(std::move(f));
  }
  // enforceNodeAllocatable without pods.
  const auto& enf = c.enforce_node_allocatable.value;
  if (std::find(enf.begin(), enf.end(), "pods") == enf.end()) {
    std::string list;
    for (const auto& e : enf) list += (list.empty() ? "" : ",") + e;
    auto f = base("enforce-node-allocatable-without-pods", Severity::kWarning,
                  fmt::format("enforceNodeAllocatable is [{}]: the kubepods cgroup has no memory limit", list));
    f.evidence.push_back(ev_text("enforceNodeAllocatable", "[" + list + "]",
                                 source_name(c.enforce_node_allocatable.source, in, "enforceNodeAllocatable")));
    f.why = "Without \"pods\" the kubelet does not cap the kubepods cgroup at allocatable, so pods together can take "
            "the memory reserved for the system and allocatableMemory.available is never observed.";
    f.fix = {"enforceNodeAllocatable: [\"pods\"]   # the default"};
    out.push_back(std::move(f));
  }
  // Memcg notification off (cgroup v1 only: the notifier is disabled on v2).
  if (!c.kernel_memcg_notification.value && !in.snap->memory_on_v2 && in.snap->cgroup_version != CgroupVersion::kNone) {
    auto f = base("memcg-notification-off", Severity::kInfo,
                  "kernelMemcgNotification is off: the kubelet only notices a threshold crossing at its 10 s poll");
    f.evidence.push_back(ev_text("kernelMemcgNotification", "false",
                                 source_name(c.kernel_memcg_notification.source, in, "kernelMemcgNotification")));
    f.evidence.push_back(ev_text("cgroup", "v1 (memory.usage_in_bytes notifier available)", "/proc/self/mountinfo"));
    f.why = "On cgroup v1 the kubelet can arm a memcg threshold notifier that wakes the eviction manager the moment "
            "memory.available crosses a threshold; off, a fast allocation has up to 10 s before anyone looks.";
    f.fix = {"kernelMemcgNotification: true"};
    out.push_back(std::move(f));
  }
  // Eviction signals indented one level too shallow: top-level keys the kubelet ignores.
  if (!c.misplaced_eviction_keys.empty()) {
    const auto& m = c.misplaced_eviction_keys;
    std::string keys, map = m.front().meant_for;
    for (const auto& k : m) keys += (keys.empty() ? "" : ", ") + k.key;
    auto f = base("eviction-keys-misplaced", Severity::kWarning,
                  fmt::format("These eviction keys sit at the top level, not under {}: {} (the kubelet ignores them)",
                              map, keys));
    for (const auto& k : m)
      f.evidence.push_back(ev_text(k.key, k.value + " (top-level key)", fmt::format("{}:{}", k.file, k.line)));
    f.evidence.push_back(
        ev_text(map,
                map_entries(m.front().meant_for == "evictionHard"              ? c.eviction_hard
                            : m.front().meant_for == "evictionSoft"            ? c.eviction_soft
                            : m.front().meant_for == "evictionSoftGracePeriod" ? c.eviction_soft_grace_period
                                                                               : c.eviction_minimum_reclaim),
                "what the kubelet has in force"));
    f.why = fmt::format(
        "In YAML a key's indentation says which map it belongs to. These lines are at column 0, so they are fields "
        "of KubeletConfiguration itself, which has no such field: the kubelet ignores them, and {} holds only the "
        "entries indented under it (a partial {} also drops every default it does not name).",
        map, map);
    for (const auto& k : m)
      f.fix.push_back(fmt::format("{}:\n  {}: \"{}\"   # indent it under {}", map, k.key, k.value, map));
    out.push_back(std::move(f));
  }
  // Configuration the kubelet would reject.
  for (const auto& e : c.errors) {
    auto f = base("kubelet-config-invalid", Severity::kWarning, "Kubelet configuration problem: " + e.describe());
    f.evidence.push_back(ev_text("error", e.describe(), config_where(in)));
    f.why = "The kubelet rejects or ignores this value, so the eviction settings in force are not the ones written.";
    f.fix = {"# correct the value named above, then: kubelet --config <file> --v=2 (checks it on start)"};
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace ms::rules
