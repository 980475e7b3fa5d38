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
                             const std::vector<k8s::ResolvedThreshold>& thresholds, const k8s::NodeAllocatable* na,
                             const TextLayout& layout) {
  const size_t w = layout.width;
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
    out += wrap_text(fmt::format("Kubelet rule: {}", v.root_usage_rule.empty() ? "(unknown)" : v.root_usage_rule), w,
                     "", "  ");
    out += t.render(layout);
  }
  if (!v.difference.empty()) {
    out += "\n" + wrap_text(fmt::format("Difference: kubelet working set - kernel used = {} ({})",
                                        bytes_cell(v.difference_total_bytes), human_cell(v.difference_total_bytes)),
                            w, "", "  ");
    Table t({"ITEM", "BYTES", "SIZE", "WHY"});
    t.keep(0);
    t.align_right(1);
    t.align_right(2);
    for (const auto& d : v.difference)
      t.add({d.name, std::to_string(d.bytes), human_bytes(d.bytes), d.explanation});
    out += t.render(layout);
  }
  if (!v.ledger.empty()) {
    out += fmt::format("\nLedger: MemTotal {} split\n", bytes_cell(v.mem_total_bytes));
    Table t({"LINE", "BYTES", "SIZE", "OF MEMTOTAL"});
    t.keep(0);
    for (size_t c : {1, 2, 3}) t.align_right(c);
    for (const auto& l : v.ledger)
      t.add({l.name, std::to_string(l.bytes), human_bytes(l.bytes), pct_of(l.bytes, v.mem_total_bytes)});
    out += t.render(layout);
  }

  out += "\nKubelet: ";
  out += cfg.kubelet_found ? fmt::format("found (pid {})\n", cfg.pid.value_or(0)) : "no kubelet process found\n";
  // One setting per paragraph: "  name: value", continued under the value.
  auto setting = [&](std::string_view name, const std::string& value) {
    out += wrap_text(term_field(value), w, fmt::format("  {}: ", name), "      ");
  };
  for (const auto& s : cfg.config_sources) setting("source", s);
  for (const auto& t : cfg.trust) setting("trust", t);
  setting("evictionHard", map_text(cfg.eviction_hard));
  setting("evictionSoft", map_text(cfg.eviction_soft));
  setting("evictionSoftGracePeriod", map_text(cfg.eviction_soft_grace_period));
  setting("evictionMinimumReclaim", map_text(cfg.eviction_minimum_reclaim));
  setting("mergeDefaultEvictionSettings", fmt::format("{} ({})", cfg.merge_default_eviction_settings.value,
                                                      k8s::to_string(cfg.merge_default_eviction_settings.source)));
  setting("evictionPressureTransitionPeriod",
          fmt::format("{} ({})", seconds_text(cfg.eviction_pressure_transition_period_seconds.value),
                      k8s::to_string(cfg.eviction_pressure_transition_period_seconds.source)));
  setting("evictionMaxPodGracePeriod", fmt::format("{} ({})", cfg.eviction_max_pod_grace_period.value,
                                                   k8s::to_string(cfg.eviction_max_pod_grace_period.source)));
  setting("kernelMemcgNotification", fmt::format("{} ({})", cfg.kernel_memcg_notification.value,
                                                 k8s::to_string(cfg.kernel_memcg_notification.source)));
  setting("systemReserved", map_text(cfg.system_reserved));
  setting("kubeReserved", map_text(cfg.kube_reserved));
  std::string ena;
  for (const auto& e : cfg.enforce_node_allocatable.value) ena += (ena.empty() ? "" : ",") + e;
  setting("enforceNodeAllocatable", fmt::format("[{}] ({})", ena, k8s::to_string(cfg.enforce_node_allocatable.source)));
  if (na && na->allocatable_bytes) {
    setting("node allocatable",
            fmt::format("{} = capacity {} - systemReserved {} - kubeReserved {} - evictionHard {} - hugepages {}",
                        human_bytes(*na->allocatable_bytes), human_bytes(na->capacity_bytes.value_or(0)),
                        human_bytes(na->system_reserved_bytes), human_bytes(na->kube_reserved_bytes),
                        human_bytes(na->hard_eviction_bytes), human_bytes(na->hugepages_bytes)));
    if (na->expected_kubepods_limit_bytes)
      setting(
          "kubepods limit the kubelet would write",
          fmt::format("{} ({}){}", *na->expected_kubepods_limit_bytes, human_bytes(*na->expected_kubepods_limit_bytes),
                      na->enforced ? "" : " (pods not enforced: capacity)"));
  }
  for (const auto& e : cfg.errors) setting("ERROR", e.describe());

  out += "\nThresholds (met = threshold > available, strictly)\n";
  if (thresholds.empty()) {
    out += "  none: no memory eviction will ever happen\n";
  } else {
    Table t({"SIGNAL", "KIND", "VALUE", "BYTES", "GRACE", "SOURCE", "AVAILABLE", "MARGIN", "MARGIN%", "MET"});
    t.elide_middle(5);
    for (size_t c : {3, 6, 7, 8}) t.align_right(c);
    for (const auto& r : thresholds) {
      std::string signal = r.signal + (r.derived ? " (from hard memory.available)" : "");
      t.add({signal, r.kind, r.value + (r.min_reclaim ? " +" + *r.min_reclaim + " reclaim" : ""),
             r.bytes ? human_bytes(*r.bytes) : "-", r.kind == "soft" ? seconds_text(r.grace_period_seconds) : "-",
             r.source, human_cell(r.observed_available_bytes), human_cell(r.margin_bytes),
             r.margin_percent ? fmt::format("{:.2f}%", *r.margin_percent) : "-",
             r.met ? (*r.met ? "YES" : "no") : "not observed"});
    }
    out += t.render(layout);
  }
  for (const auto& n : v.notes) out += wrap_text(term_field(n), w, "note: ", "      ");
  return out;
}

}  // namespace ms
