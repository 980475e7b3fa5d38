#include "render/available_table.hpp"

#include <fmt/format.h>

#include "render/table.hpp"
#include "util/escape.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

template <class T>
std::string bytes_cell(const std::optional<T>& v) {
  if (!v) return "-";
  return std::to_string(*v);
}
template <class T>
std::string human_cell(const std::optional<T>& v) {
  if (!v) return "-";
  return human_bytes(static_cast<int64_t>(*v));
}

std::string pct_of(int64_t part, std::optional<uint64_t> whole) {
  if (!whole || *whole == 0) return "-";
  return fmt::format("{:.2f}%", static_cast<double>(part) / static_cast<double>(*whole) * 100.0);
}

std::string seconds_text(double s) {
  if (s == 0) return "0s";
  if (s == static_cast<double>(static_cast<int64_t>(s))) {
    int64_t v = static_cast<int64_t>(s);
    if (v % 60 == 0 && v >= 60) return v % 3600 == 0 ? fmt::format("{}h", v / 3600) : fmt::format("{}m", v / 60);
    return fmt::format("{}s", v);
  }
  return fmt::format("{:g}s", s);
}

std::string map_text(const k8s::SourcedMap& m) {
  if (m.empty()) return "(none)";
  std::string out;
  for (const auto& [k, v] : m) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}={} ({})", k, v.value, k8s::to_string(v.source));
  }
  return out;
}

}  // namespace

std::string render_available(const k8s::KubeletView& v, const k8s::KubeletConfig& cfg,
                             const std::vector<k8s::ResolvedThreshold>& thresholds,
                             const k8s::NodeAllocatable* na) {
  std::string out;
  {
    Table t({"VIEW", "QUANTITY", "BYTES", "SIZE"});
    t.align_right(2);
    t.align_right(3);
    t.add({"kubelet", "capacity (MemTotal)", bytes_cell(v.capacity_bytes), human_cell(v.capacity_bytes)});
    t.add({"kubelet", "working set (root cgroup)", bytes_cell(v.working_set_bytes), human_cell(v.working_set_bytes)});
    t.add({"kubelet", "memory.available", bytes_cell(v.memory_available_bytes), human_cell(v.memory_available_bytes)});
    std::string alloc_name = "allocatableMemory.available";
    if (v.kubepods_cgroup) alloc_name += " (" + *v.kubepods_cgroup + ")";
    t.add({"kubelet", alloc_name, bytes_cell(v.allocatable_available_bytes), human_cell(v.allocatable_available_bytes)});
    t.add({"kernel", "MemAvailable", bytes_cell(v.mem_available_bytes), human_cell(v.mem_available_bytes)});
    t.add({"kernel", "used (MemTotal-MemFree-Buffers-Cached)", bytes_cell(v.kernel_used_bytes),
           human_cell(v.kernel_used_bytes)});
    out += fmt::format("Kubelet rule: {}\n", v.root_usage_rule.empty() ? "(unknown)" : v.root_usage_rule);
    out += t.render();
  }
  if (!v.difference.empty()) {
    out += fmt::format("\nDifference: kubelet working set - kernel used = {} ({})\n",
                       bytes_cell(v.difference_total_bytes), human_cell(v.difference_total_bytes));
    Table t({"ITEM", "BYTES", "SIZE", "WHY"});
    t.align_right(1);
    t.align_right(2);
    for (const auto& d : v.difference)
      t.add({d.name, std::to_string(d.bytes), human_bytes(d.bytes), d.explanation});
    out += t.render();
  }
  if (!v.ledger.empty()) {
    out += fmt::format("\nLedger: MemTotal {} split\n", bytes_cell(v.mem_total_bytes));
    Table t({"LINE", "BYTES", "SIZE", "OF MEMTOTAL"});
    for (size_t c : {1, 2, 3}) t.align_right(c);
    for (const auto& l : v.ledger)
      t.add({l.name, std::to_string(l.bytes), human_bytes(l.bytes), pct_of(l.bytes, v.mem_total_bytes)});
    out += t.render();
  }

  out += "\nKubelet: ";
  out += cfg.kubelet_found ? fmt::format("found (pid {})\n", cfg.pid.value_or(0)) : "no kubelet process found\n";
  for (const auto& s : cfg.config_sources) out += "  source: " + escape_terminal(s) + "\n";
  out += "  evictionHard: " + escape_terminal(map_text(cfg.eviction_hard)) + "\n";
  out += "  evictionSoft: " + escape_terminal(map_text(cfg.eviction_soft)) + "\n";
  out += "  evictionSoftGracePeriod: " + escape_terminal(map_text(cfg.eviction_soft_grace_period)) + "\n";
  out += "  evictionMinimumReclaim: " + escape_terminal(map_text(cfg.eviction_minimum_reclaim)) + "\n";
  out += fmt::format("  mergeDefaultEvictionSettings: {} ({})\n", cfg.merge_default_eviction_settings.value,
                     k8s::to_string(cfg.merge_default_eviction_settings.source));
  out += fmt::format("  evictionPressureTransitionPeriod: {} ({})\n",
                     seconds_text(cfg.eviction_pressure_transition_period_seconds.value),
                     k8s::to_string(cfg.eviction_pressure_transition_period_seconds.source));
  out += fmt::format("  evictionMaxPodGracePeriod: {} ({})\n", cfg.eviction_max_pod_grace_period.value,
                     k8s::to_string(cfg.eviction_max_pod_grace_period.source));
  out += fmt::format("  kernelMemcgNotification: {} ({})\n", cfg.kernel_memcg_notification.value,
                     k8s::to_string(cfg.kernel_memcg_notification.source));
  out += "  systemReserved: " + escape_terminal(map_text(cfg.system_reserved)) + "\n";
  out += "  kubeReserved: " + escape_terminal(map_text(cfg.kube_reserved)) + "\n";
  std::string ena;
  for (const auto& e : cfg.enforce_node_allocatable.value) ena += (ena.empty() ? "" : ",") + e;
  out += escape_terminal(fmt::format("  enforceNodeAllocatable: [{}] ({})", ena,
                                     k8s::to_string(cfg.enforce_node_allocatable.source))) +
         "\n";
  if (na && na->allocatable_bytes) {
    out += fmt::format("  node allocatable: {} = capacity {} - systemReserved {} - kubeReserved {} - evictionHard {} - "
                       "hugepages {}\n",
                       human_bytes(*na->allocatable_bytes), human_bytes(na->capacity_bytes.value_or(0)),
                       human_bytes(na->system_reserved_bytes), human_bytes(na->kube_reserved_bytes),
                       human_bytes(na->hard_eviction_bytes), human_bytes(na->hugepages_bytes));
    if (na->expected_kubepods_limit_bytes)
      out += fmt::format("  kubepods limit the kubelet would write: {} ({}){}\n", *na->expected_kubepods_limit_bytes,
                         human_bytes(*na->expected_kubepods_limit_bytes),
                         na->enforced ? "" : " (pods not enforced: capacity)");
  }
  for (const auto& e : cfg.errors) out += "  ERROR: " + escape_terminal(e.describe()) + "\n";

  out += "\nThresholds (met = threshold > available, strictly)\n";
  if (thresholds.empty()) {
    out += "  none: no memory eviction will ever happen\n";
  } else {
    Table t({"SIGNAL", "KIND", "VALUE", "BYTES", "GRACE", "SOURCE", "AVAILABLE", "MARGIN", "MARGIN%", "MET"});
    for (size_t c : {3, 6, 7, 8}) t.align_right(c);
    for (const auto& r : thresholds) {
      std::string signal = r.signal + (r.derived ? " (from hard memory.available)" : "");
      t.add({signal, r.kind, r.value + (r.min_reclaim ? " +" + *r.min_reclaim + " reclaim" : ""),
             r.bytes ? human_bytes(*r.bytes) : "-", r.kind == "soft" ? seconds_text(r.grace_period_seconds) : "-",
             r.source, human_cell(r.observed_available_bytes), human_cell(r.margin_bytes),
             r.margin_percent ? fmt::format("{:.2f}%", *r.margin_percent) : "-",
             r.met ? (*r.met ? "YES" : "no") : "not observed"});
    }
    out += t.render();
  }
  for (const auto& n : v.notes) out += "note: " + escape_terminal(n) + "\n";
  return out;
}

}  // namespace ms
