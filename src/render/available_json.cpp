#include "render/available_json.hpp"

namespace ms {

namespace {

Json observation_json(const std::optional<k8s::MemoryObservation>& o) {
  if (!o) return nullptr;
  Json j;
  put_text(j, "cgroup", o->cgroup);
  j["capacity_bytes"] = o->capacity_bytes;
  j["usage_bytes"] = o->usage_bytes;
  j["inactive_file_bytes"] = jopt(o->inactive_file_bytes);
  j["working_set_bytes"] = o->working_set_bytes;
  j["available_bytes"] = o->available_bytes;
  return j;
}

Json sourced_map_json(const k8s::SourcedMap& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) {
    Json e;
    put_text(e, "value", v.value);
    e["source"] = k8s::to_string(v.source);
    j[utf8_lossy(k)] = std::move(e);
  }
  return j;
}

}  // namespace

Json kubelet_view_to_json(const k8s::KubeletView& v) {
  Json j;
  Json kub;
  kub["capacity_bytes"] = jopt(v.capacity_bytes);
  kub["working_set_bytes"] = jopt(v.working_set_bytes);
  kub["memory_available_bytes"] = jopt(v.memory_available_bytes);
  kub["allocatable_available_bytes"] = jopt(v.allocatable_available_bytes);
  kub["root_usage_rule"] = v.root_usage_rule.empty() ? Json(nullptr) : Json(v.root_usage_rule);
  kub["root"] = observation_json(v.node);
  put_text_opt(kub, "kubepods_cgroup", v.kubepods_cgroup);
  kub["allocatable"] = observation_json(v.allocatable);
  j["kubelet"] = kub;
  Json ker;
  ker["mem_total_bytes"] = jopt(v.mem_total_bytes);
  ker["mem_free_bytes"] = jopt(v.mem_free_bytes);
  ker["mem_available_bytes"] = jopt(v.mem_available_bytes);
  ker["buffers_bytes"] = jopt(v.buffers_bytes);
  ker["cached_bytes"] = jopt(v.cached_bytes);
  ker["used_bytes"] = jopt(v.kernel_used_bytes);
  j["kernel"] = ker;
  j["difference_total_bytes"] = jopt(v.difference_total_bytes);
  j["difference_basis"] = "kubelet.working_set_bytes - kernel.used_bytes";
  Json diff = Json::array();
  for (const auto& d : v.difference) diff.push_back({{"name", d.name}, {"bytes", d.bytes}, {"explanation", d.explanation}});
  j["difference"] = diff;
  Json ledger = Json::array();
  for (const auto& l : v.ledger) ledger.push_back({{"name", l.name}, {"bytes", l.bytes}, {"explanation", l.explanation}});
  j["ledger"] = ledger;
  j["unexplained_bytes"] = jopt(v.unexplained_bytes);
  put_texts(j, "notes", v.notes);
  return j;
}

Json available_to_json(const k8s::KubeletView& v, const k8s::KubeletConfig& cfg,
                       const std::vector<k8s::ResolvedThreshold>& thresholds) {
  Json j;
  j["schema"] = "memsleuth.available/v1";
  j.update(kubelet_view_to_json(v));
  j["kubelet_found"] = cfg.kubelet_found;
  j["kubelet_pid"] = jopt(cfg.pid);
  put_texts(j, "config_sources", cfg.config_sources);
  put_texts(j, "kubelet_trust", cfg.trust);
  std::vector<std::string> errs;
  for (const auto& e : cfg.errors) errs.push_back(e.describe());
  put_texts(j, "config_errors", errs);
  Json set;
  set["eviction_hard"] = sourced_map_json(cfg.eviction_hard);
  set["eviction_soft"] = sourced_map_json(cfg.eviction_soft);
  set["eviction_soft_grace_period"] = sourced_map_json(cfg.eviction_soft_grace_period);
  set["eviction_minimum_reclaim"] = sourced_map_json(cfg.eviction_minimum_reclaim);
  set["merge_default_eviction_settings"] = {{"value", cfg.merge_default_eviction_settings.value},
                                            {"source", k8s::to_string(cfg.merge_default_eviction_settings.source)}};
  set["eviction_pressure_transition_period_seconds"] = {
      {"value", cfg.eviction_pressure_transition_period_seconds.value},
      {"source", k8s::to_string(cfg.eviction_pressure_transition_period_seconds.source)}};
  set["eviction_max_pod_grace_period"] = {{"value", cfg.eviction_max_pod_grace_period.value},
                                          {"source", k8s::to_string(cfg.eviction_max_pod_grace_period.source)}};
  set["kernel_memcg_notification"] = {{"value", cfg.kernel_memcg_notification.value},
                                      {"source", k8s::to_string(cfg.kernel_memcg_notification.source)}};
  set["system_reserved"] = sourced_map_json(cfg.system_reserved);
  set["kube_reserved"] = sourced_map_json(cfg.kube_reserved);
  Json ena;
  put_texts(ena, "value", cfg.enforce_node_allocatable.value);
  ena["source"] = k8s::to_string(cfg.enforce_node_allocatable.source);
  set["enforce_node_allocatable"] = std::move(ena);
  put_text(set, "pods_cgroup", cfg.pods_cgroup());
  j["settings"] = set;
  Json th = Json::array();
  for (const auto& t : thresholds) {
    Json r;
    r["signal"] = t.signal;
    r["kind"] = t.kind;
    put_text(r, "value", t.value);
    r["bytes"] = jopt(t.bytes);
    r["grace_period_seconds"] = t.grace_period_seconds;
    r["source"] = t.source;
    r["derived"] = t.derived;
    put_text_opt(r, "min_reclaim", t.min_reclaim);
    r["min_reclaim_bytes"] = jopt(t.min_reclaim_bytes);
    r["observed_available_bytes"] = jopt(t.observed_available_bytes);
    r["observed_capacity_bytes"] = jopt(t.observed_capacity_bytes);
    r["met"] = jopt(t.met);
    r["margin_bytes"] = jopt(t.margin_bytes);
    r["margin_percent"] = jopt(t.margin_percent);
    th.push_back(r);
  }
  j["thresholds"] = th;
  return j;
}

}  // namespace ms
