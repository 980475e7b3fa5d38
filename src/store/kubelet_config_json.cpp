#include "store/kubelet_config_json.hpp"

#include <nlohmann/json.hpp>

#include "util/escape.hpp"

namespace ms::store {

namespace {

using J = nlohmann::ordered_json;

k8s::Source source_from(std::string_view s) {
  if (s == "flag") return k8s::Source::kFlag;
  if (s == "config") return k8s::Source::kConfig;
  return k8s::Source::kDefault;
}

J map_json(const k8s::SourcedMap& m) {
  J j = J::object();
  for (const auto& [k, v] : m) j[utf8_sanitize(k)] = {{"value", utf8_sanitize(v.value)}, {"source", to_string(v.source)}};
  return j;
}

void map_from(const J& j, const char* key, k8s::SourcedMap& out) {
  out.clear();
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return;
  for (auto& [k, v] : it->items()) {
    if (!v.is_object()) continue;
    out[k] = {v.value("value", ""), source_from(v.value("source", ""))};
  }
}

template <class T>
J sourced(const k8s::Sourced<T>& s) {
  return {{"value", s.value}, {"source", to_string(s.source)}};
}

template <class T>
void sourced_from(const J& j, const char* key, k8s::Sourced<T>& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return;
  auto v = it->find("value");
  if (v == it->end()) return;
  try {
    out.value = v->get<T>();
    out.source = source_from(it->value("source", ""));
  } catch (const nlohmann::json::exception&) {
  }
}

}  // namespace

std::string kubelet_config_to_json(const k8s::KubeletConfig& c) {
  J j;
  j["kubelet_found"] = c.kubelet_found;
  if (c.pid) j["pid"] = *c.pid;
  if (c.config_file) j["config_file"] = utf8_sanitize(*c.config_file);
  J src = J::array();
  for (const auto& s : c.config_sources) src.push_back(utf8_sanitize(s));
  j["config_sources"] = std::move(src);
  J errs = J::array();
  for (const auto& e : c.errors) errs.push_back(utf8_sanitize(e.describe()));
  j["errors"] = std::move(errs);
  j["eviction_hard"] = map_json(c.eviction_hard);
  j["eviction_soft"] = map_json(c.eviction_soft);
  j["eviction_soft_grace_period"] = map_json(c.eviction_soft_grace_period);
  j["eviction_minimum_reclaim"] = map_json(c.eviction_minimum_reclaim);
  j["merge_default_eviction_settings"] = sourced(c.merge_default_eviction_settings);
  j["eviction_pressure_transition_period_seconds"] = sourced(c.eviction_pressure_transition_period_seconds);
  j["eviction_max_pod_grace_period"] = sourced(c.eviction_max_pod_grace_period);
  j["kernel_memcg_notification"] = sourced(c.kernel_memcg_notification);
  j["experimental_allocatable_ignore_eviction"] = sourced(c.experimental_allocatable_ignore_eviction);
  j["system_reserved"] = map_json(c.system_reserved);
  j["kube_reserved"] = map_json(c.kube_reserved);
  J ena = J::array();
  for (const auto& s : c.enforce_node_allocatable.value) ena.push_back(utf8_sanitize(s));
  j["enforce_node_allocatable"] = {{"value", std::move(ena)}, {"source", to_string(c.enforce_node_allocatable.source)}};
  j["cgroups_per_qos"] = sourced(c.cgroups_per_qos);
  j["cgroup_root"] = {{"value", utf8_sanitize(c.cgroup_root.value)}, {"source", to_string(c.cgroup_root.source)}};
  j["cgroup_driver"] = {{"value", utf8_sanitize(c.cgroup_driver.value)}, {"source", to_string(c.cgroup_driver.source)}};
  return j.dump();
}

k8s::KubeletConfig kubelet_config_from_json(const std::string& text) {
  k8s::KubeletConfig c = k8s::default_kubelet_config();
  J j = J::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    c.errors.push_back(Error::invalid("stored kubelet settings are unreadable; using the kubelet's defaults"));
    return c;
  }
  c.kubelet_found = j.value("kubelet_found", false);
  if (auto it = j.find("pid"); it != j.end() && it->is_number_integer()) c.pid = it->get<int>();
  if (auto it = j.find("config_file"); it != j.end() && it->is_string()) c.config_file = it->get<std::string>();
  if (auto it = j.find("config_sources"); it != j.end() && it->is_array())
    for (const auto& s : *it)
      if (s.is_string()) c.config_sources.push_back(s.get<std::string>());
  if (auto it = j.find("errors"); it != j.end() && it->is_array())
    for (const auto& s : *it)
      if (s.is_string()) c.errors.push_back(Error::invalid(s.get<std::string>()));
  map_from(j, "eviction_hard", c.eviction_hard);
  map_from(j, "eviction_soft", c.eviction_soft);
  map_from(j, "eviction_soft_grace_period", c.eviction_soft_grace_period);
  map_from(j, "eviction_minimum_reclaim", c.eviction_minimum_reclaim);
  sourced_from(j, "merge_default_eviction_settings", c.merge_default_eviction_settings);
  sourced_from(j, "eviction_pressure_transition_period_seconds", c.eviction_pressure_transition_period_seconds);
  sourced_from(j, "eviction_max_pod_grace_period", c.eviction_max_pod_grace_period);
  sourced_from(j, "kernel_memcg_notification", c.kernel_memcg_notification);
  sourced_from(j, "experimental_allocatable_ignore_eviction", c.experimental_allocatable_ignore_eviction);
  map_from(j, "system_reserved", c.system_reserved);
  map_from(j, "kube_reserved", c.kube_reserved);
  sourced_from(j, "enforce_node_allocatable", c.enforce_node_allocatable);
  sourced_from(j, "cgroups_per_qos", c.cgroups_per_qos);
  sourced_from(j, "cgroup_root", c.cgroup_root);
  sourced_from(j, "cgroup_driver", c.cgroup_driver);
  return c;
}

}  // namespace ms::store
