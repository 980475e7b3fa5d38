#include "k8s/thresholds.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>

#include "util/text.hpp"

namespace ms::k8s {

namespace {

// pkg/kubelet/eviction/api/types.go signals accepted by validSignal.
bool valid_signal(std::string_view s) {
  static const std::set<std::string_view> k = {
      "memory.available",    "allocatableMemory.available", "nodefs.available",       "nodefs.inodesFree",
      "imagefs.available",   "imagefs.inodesFree",          "containerfs.available",  "containerfs.inodesFree",
      "pid.available"};
  return k.count(s) > 0;
}

std::string where(const KubeletConfig& cfg, Source s, const char* flag, const char* field) {
  if (s == Source::kFlag) return fmt::format("--{}", flag);
  if (s == Source::kConfig) return fmt::format("{} in {}", field, cfg.config_file.value_or("the config file"));
  return fmt::format("default {}", field);
}

// parseThresholdStatement. nullopt value + no error = disabled ("0%" / "100%").
Result<std::optional<ThresholdValue>> parse_statement(const std::string& signal, const std::string& val,
                                                      const std::string& ctx) {
  if (!valid_signal(signal))
    return fail(Error::invalid(fmt::format("{}: unsupported eviction signal '{}'", ctx, signal)));
  ThresholdValue tv;
  tv.text = val;
  if (ends_with(val, "%")) {
    if (val == "0%" || val == "100%") return std::optional<ThresholdValue>{};
    auto p = parse_percentage(val, ctx + " " + signal);
    if (!p) return fail(p.error());
    if (*p < 0)
      return fail(Error::invalid(fmt::format("{}: eviction percentage threshold {} must be >= 0%: {}", ctx, signal, val)));
    if (*p > 1)
      return fail(Error::invalid(fmt::format("{}: eviction percentage threshold {} must be <= 100%: {}", ctx, signal, val)));
    tv.percentage = *p;
    return std::optional<ThresholdValue>{tv};
  }
  auto q = parse_quantity(val, ctx + " " + signal);
  if (!q) return fail(q.error());
  if (q->value < 0 || (q->value == 0 && q->exact))
    return fail(Error::invalid(fmt::format("{}: eviction threshold {} must be positive: {}", ctx, signal, val)));
  tv.quantity = *q;
  return std::optional<ThresholdValue>{tv};
}

// parseMinimumReclaims: percentages must be > 0 (no upper bound: the kubelet takes "150%"),
// quantities >= 0.
Result<ThresholdValue> parse_min_reclaim(const std::string& signal, const std::string& val, const std::string& ctx) {
  ThresholdValue tv;
  tv.text = val;
  if (ends_with(val, "%")) {
    auto p = parse_percentage(val, ctx + " " + signal);
    if (!p) return fail(p.error());
    if (*p <= 0)
      return fail(Error::invalid(
          fmt::format("{}: eviction percentage minimum reclaim {} must be positive: {}", ctx, signal, val)));
    tv.percentage = *p;
    return tv;
  }
  auto q = parse_quantity(val, ctx + " " + signal);
  if (!q) return fail(q.error());
  if (q->value < 0)
    return fail(
        Error::invalid(fmt::format("{}: negative eviction minimum reclaim specified for {}: {}", ctx, signal, val)));
  tv.quantity = *q;
  return tv;
}

// parseGracePeriods: every entry is checked, whether or not a soft threshold uses it (the kubelet
// refuses to start on any bad one): a known signal, a time.ParseDuration value, not negative.
std::map<std::string, double> parse_grace_periods(const KubeletConfig& cfg, std::vector<Error>& errors) {
  std::map<std::string, double> out;
  for (const auto& [signal, sv] : cfg.eviction_soft_grace_period) {
    auto ctx = where(cfg, sv.source, "eviction-soft-grace-period", "evictionSoftGracePeriod");
    if (!valid_signal(signal)) {
      errors.push_back(Error::invalid(fmt::format("{}: unsupported eviction signal '{}'", ctx, signal)));
      continue;
    }
    auto d = parse_go_duration(sv.value, ctx + " " + signal);
    if (!d) {
      errors.push_back(d.error());
      continue;
    }
    if (*d < 0) {
      errors.push_back(Error::invalid(fmt::format(
          "{}: invalid eviction grace period specified for {}: {}, must be a positive value", ctx, signal, sv.value)));
      continue;
    }
    out[signal] = *d;
  }
  return out;
}

std::optional<int64_t> value_bytes(const ThresholdValue& v, std::optional<int64_t> capacity) {
  if (v.quantity) return v.quantity->value;
  if (v.percentage && capacity) return percentage_of(*v.percentage, *capacity);
  return std::nullopt;
}

int signal_rank(const std::string& s) {
  if (s == kSignalMemoryAvailable) return 0;
  if (s == kSignalAllocatableMemoryAvailable) return 1;
  return 2;
}

}  // namespace

std::vector<Threshold> parse_thresholds(const KubeletConfig& cfg, std::vector<Error>* errors) {
  std::vector<Error> sink;
  if (!errors) errors = &sink;
  std::vector<Threshold> out;
  std::map<std::string, double> grace = parse_grace_periods(cfg, *errors);
  for (const auto& [signal, sv] : cfg.eviction_hard) {
    auto r = parse_statement(signal, sv.value, where(cfg, sv.source, "eviction-hard", "evictionHard"));
    if (!r) {
      errors->push_back(r.error());
      continue;
    }
    if (!*r) continue;  // disabled
    Threshold t;
    t.signal = signal;
    t.hard = true;
    t.value = **r;
    t.source = sv.source;
    out.push_back(std::move(t));
  }
  for (const auto& [signal, sv] : cfg.eviction_soft) {
    auto ctx = where(cfg, sv.source, "eviction-soft", "evictionSoft");
    auto r = parse_statement(signal, sv.value, ctx);
    if (!r) {
      errors->push_back(r.error());
      continue;
    }
    if (!*r) continue;
    Threshold t;
    t.signal = signal;
    t.hard = false;
    t.value = **r;
    t.source = sv.source;
    if (!cfg.eviction_soft_grace_period.count(signal)) {
      errors->push_back(Error::invalid(
          fmt::format("{}: grace period must be specified for the soft eviction threshold {}", ctx, signal)));
      continue;
    }
    auto g = grace.find(signal);
    if (g == grace.end()) continue;  // its grace period is invalid: reported above
    t.grace_period_seconds = g->second;
    out.push_back(std::move(t));
  }
  for (const auto& [signal, sv] : cfg.eviction_minimum_reclaim) {
    auto ctx = where(cfg, sv.source, "eviction-minimum-reclaim", "evictionMinimumReclaim");
    if (!valid_signal(signal)) {
      errors->push_back(Error::invalid(fmt::format("{}: unsupported eviction signal '{}'", ctx, signal)));
      continue;
    }
    auto r = parse_min_reclaim(signal, sv.value, ctx);
    if (!r) {
      errors->push_back(r.error());
      continue;
    }
    for (auto& t : out)
      if (t.signal == signal) t.min_reclaim = *r;
  }
  // addAllocatableThresholds: only hard memory.available, only when "pods" is enforced.
  const auto& ena = cfg.enforce_node_allocatable.value;
  bool pods = std::find(ena.begin(), ena.end(), "pods") != ena.end() &&
              !cfg.experimental_allocatable_ignore_eviction.value;
  if (pods) {
    std::vector<Threshold> extra;
    for (const auto& t : out) {
      if (t.signal != kSignalMemoryAvailable || !t.hard) continue;
      Threshold a = t;
      a.signal = kSignalAllocatableMemoryAvailable;
      a.derived = true;
      extra.push_back(std::move(a));
    }
    out.insert(out.end(), extra.begin(), extra.end());
  }
  std::stable_sort(out.begin(), out.end(), [](const Threshold& a, const Threshold& b) {
    if (signal_rank(a.signal) != signal_rank(b.signal)) return signal_rank(a.signal) < signal_rank(b.signal);
    if (a.hard != b.hard) return a.hard;
    return a.signal < b.signal;
  });
  return out;
}

std::vector<ResolvedThreshold> resolve_thresholds(const KubeletConfig& cfg, const KubeletView& view,
                                                  std::vector<Error>* errors) {
  std::vector<ResolvedThreshold> out;
  for (const auto& t : parse_thresholds(cfg, errors)) {
    const MemoryObservation* obs = nullptr;
    if (t.signal == kSignalMemoryAvailable && view.node) obs = &*view.node;
    if (t.signal == kSignalAllocatableMemoryAvailable && view.allocatable) obs = &*view.allocatable;
    ResolvedThreshold r;
    r.signal = t.signal;
    r.kind = t.hard ? "hard" : "soft";
    r.value = t.value.text;
    r.grace_period_seconds = t.grace_period_seconds;
    r.source = to_string(t.source);
    r.derived = t.derived;
    std::optional<int64_t> capacity;
    if (obs) {
      // capacity = int64(AvailableBytes + WorkingSetBytes): wraps back to the limit.
      capacity = static_cast<int64_t>(static_cast<uint64_t>(obs->available_bytes) + obs->working_set_bytes);
      r.observed_available_bytes = obs->available_bytes;
      r.observed_capacity_bytes = capacity;
    }
    r.bytes = value_bytes(t.value, capacity);
    if (t.min_reclaim) {
      r.min_reclaim = t.min_reclaim->text;
      r.min_reclaim_bytes = value_bytes(*t.min_reclaim, capacity);
    }
    if (obs && r.bytes) {
      // thresholdsMet: quantity.Cmp(available) > 0. With whole-byte availability, Value() (rounded
      // up) compares the same way as the exact quantity.
      r.met = *r.bytes > obs->available_bytes;
      r.margin_bytes = obs->available_bytes - *r.bytes;
      if (*capacity > 0) r.margin_percent = static_cast<double>(*r.margin_bytes) / static_cast<double>(*capacity) * 100.0;
    }
    out.push_back(std::move(r));
  }
  return out;
}

NodeAllocatable compute_node_allocatable(const KubeletConfig& cfg, const KubeletView& view, const Snapshot& snap,
                                         std::vector<Error>* errors) {
  NodeAllocatable na;
  if (!view.mem_total_bytes) return na;
  const int64_t cap = static_cast<int64_t>(*view.mem_total_bytes);
  na.capacity_bytes = cap;
  auto reserved = [&](const SourcedMap& m, const char* flag, const char* field) -> int64_t {
    auto it = m.find("memory");
    if (it == m.end()) return 0;
    auto q = parse_quantity(it->second.value, where(cfg, it->second.source, flag, field) + " memory");
    if (!q) {
      if (errors) errors->push_back(q.error());
      return 0;
    }
    return q->value;
  };
  na.system_reserved_bytes = reserved(cfg.system_reserved, "system-reserved", "systemReserved");
  na.kube_reserved_bytes = reserved(cfg.kube_reserved, "kube-reserved", "kubeReserved");
  for (const auto& t : parse_thresholds(cfg, nullptr)) {
    if (t.signal == kSignalMemoryAvailable && t.hard) na.hard_eviction_bytes = value_bytes(t.value, cap).value_or(0);
  }
  std::optional<uint64_t> huge = snap.meminfo.get("Hugetlb");
  if (!huge) {
    auto n = snap.meminfo.get("HugePages_Total");
    auto sz = snap.meminfo.get("Hugepagesize");
    if (n && sz) huge = *n * *sz;
  }
  na.hugepages_bytes = static_cast<int64_t>(huge.value_or(0));
  // nodestatus MachineInfo: Allocatable = max(0, Capacity - (SR + KR + evictionHard)) - hugepages.
  int64_t alloc = std::max<int64_t>(0, cap - (na.system_reserved_bytes + na.kube_reserved_bytes + na.hard_eviction_bytes));
  alloc = std::max<int64_t>(0, alloc - na.hugepages_bytes);
  na.allocatable_bytes = alloc;
  const auto& ena = cfg.enforce_node_allocatable.value;
  na.enforced = cfg.cgroups_per_qos.value && std::find(ena.begin(), ena.end(), "pods") != ena.end();
  // node_container_manager_linux.go: the kubepods limit is Capacity - SR - KR - hugepages (no
  // eviction threshold), stored by the kernel in whole pages.
  int64_t limit = cap;
  if (na.enforced) {
    limit = std::max<int64_t>(0, cap - na.system_reserved_bytes - na.kube_reserved_bytes);
    limit = std::max<int64_t>(0, limit - na.hugepages_bytes);
  }
  const int64_t page = snap.page_size > 0 ? snap.page_size : 4096;
  na.expected_kubepods_limit_bytes = limit / page * page;
  return na;
}

}  // namespace ms::k8s
