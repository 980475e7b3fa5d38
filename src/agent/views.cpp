#include "agent/views.hpp"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "attribution/attribution.hpp"
#include "probe/fs.hpp"
#include "provenance/ancestry.hpp"
#include "provenance/cwd.hpp"
#include "store/frame.hpp"
#include "store/kubelet_config_json.hpp"
#include "store/node_view.hpp"
#include "util/escape.hpp"

namespace ms::agent {

namespace {

constexpr auto kSourcesRefresh = std::chrono::minutes(5);

}  // namespace

const ClassifySources& ViewContext::sources() {
  auto now = std::chrono::steady_clock::now();
  if (!sources_ || now - sources_at_ > kSourcesRefresh) {
    sources_ = ClassifySources::load(paths_);
    sources_at_ = now;
  }
  return *sources_;
}

const k8s::KubeletConfig& ViewContext::kubelet_config(const Snapshot& s) {
  auto now = std::chrono::steady_clock::now();
  if (!kubelet_config_ || now - kubelet_config_at_ > kSourcesRefresh) {
    kubelet_config_ = k8s::discover_kubelet_config(paths_, s);
    kubelet_config_json_ = store::kubelet_config_to_json(*kubelet_config_);
    kubelet_config_at_ = now;
  }
  return *kubelet_config_;
}

NodeViews ViewContext::compute(const Snapshot& s) {
  NodeViews v;
  v.capacity_bytes = s.meminfo.get("MemTotal");
  if (auto a = s.meminfo.get("MemAvailable")) v.kernel_available = static_cast<int64_t>(*a);
  // The kubelet's views and thresholds through the k8s/ functions, as `memsleuth history` recomputes
  // them from the stored readings (store::derive_node_view), so /metrics and history agree.
  const k8s::KubeletConfig& cfg = kubelet_config(s);
  auto pods = store::configured_pods_cgroup(s, cfg);
  store::NodeView nv = store::derive_node_view(s, cfg, rule_, pods);
  v.kubelet_available = nv.kubelet.memory_available_bytes;
  v.allocatable_available = nv.kubelet.allocatable_available_bytes;
  v.kubelet_threshold = nv.kubelet_threshold;
  v.allocatable_threshold = nv.allocatable_threshold;
  v.kubelet_config_json = kubelet_config_json_;
  v.pods_cgroup = nv.kubelet.kubepods_cgroup.value_or("");
  Attribution a = attribute(s, sources());
  for (const auto& k : a.kinds) v.rss_by_owner_kind.emplace_back(to_string(k.kind), k.rss_bytes);
  for (const auto& p : a.pods) {
    if (!p.memory.working_set) continue;
    PodMemory pm;
    pm.namespace_ = p.owner.namespace_.value_or("");
    pm.pod = p.owner.pod.value_or(p.owner.pod_uid ? "pod" + *p.owner.pod_uid : "");
    pm.working_set_bytes = *p.memory.working_set;
    v.pods.push_back(std::move(pm));
  }
  uint64_t unbounded = 0;
  bool any_known = false;
  owner_by_pid_.clear();
  for (const auto& pa : a.processes) {
    if (!pa.process) continue;
    owner_by_pid_.emplace(pa.process->pid, pa.owner);
    if (pa.limit.known) any_known = true;
    if (pa.unbounded_outside_kubepods()) {
      unbounded += pa.process->rss_bytes.value_or(0);
      ++v.unbounded_outside_kubepods_processes;
    }
  }
  if (any_known) v.unbounded_outside_kubepods_bytes = unbounded;
  return v;
}

Owner ViewContext::process_owner(const Snapshot& s, const Process& p) {
  if (auto it = owner_by_pid_.find(p.pid); it != owner_by_pid_.end()) return it->second;
  return classify_process(p, s, &sources());
}

Owner ViewContext::cgroup_owner(const Snapshot&, const Cgroup& c) { return classify_cgroup(c.path, &sources()); }

Owner ViewContext::owner_of_cgroup_path(std::string_view path) { return classify_cgroup(path, &sources()); }

std::string ViewContext::provenance(const Snapshot& s, const Process& p) {
  nlohmann::ordered_json j;
  auto exe = read_link(paths_.proc(fmt::format("{}/exe", p.pid)));
  auto cwd = read_link(paths_.proc(fmt::format("{}/cwd", p.pid)));
  if (exe) j["exe"] = utf8_sanitize(*exe);
  if (cwd) {
    j["cwd"] = utf8_sanitize(*cwd);
    if (auto uid = pod_uid_in_path(*cwd)) j["cwd_pod_uid"] = *uid;
  }
  AncestryOptions opts;
  opts.owner_of = [&](const Process& q) { return process_owner(s, q); };
  Ancestry anc = build_ancestry(s, p.pid, opts);
  auto chain = nlohmann::ordered_json::array();
  // The target itself is chain[0]; keep its parents (what is gone by morning), at most 16.
  for (size_t i = 1; i < anc.chain.size() && i <= 16; ++i) {
    const Ancestor& a = anc.chain[i];
    nlohmann::ordered_json e;
    e["pid"] = a.pid;
    e["comm"] = utf8_sanitize(a.comm);
    std::string cmd;
    for (size_t k = 0; k < a.cmdline.size() && k < 8; ++k) cmd += (k ? " " : "") + a.cmdline[k];
    if (cmd.size() > 256) cmd.resize(256);
    e["cmdline"] = utf8_sanitize(cmd);
    if (a.start_unix) e["start"] = *a.start_unix;
    if (a.memory_cgroup) e["memory_cgroup"] = utf8_sanitize(*a.memory_cgroup);
    e["owner"] = utf8_sanitize(a.owner.label());
    if (a.reparented) e["reparented"] = true;
    chain.push_back(std::move(e));
  }
  j["ancestry"] = std::move(chain);
  if (!anc.complete) j["ancestry_complete"] = false;
  return j.dump();
}

}  // namespace ms::agent
