#include "agent/views.hpp"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "attribution/attribution.hpp"
#include "probe/fs.hpp"
#include "provenance/ancestry.hpp"
#include "provenance/cwd.hpp"
#include "store/frame.hpp"
#include "store/timeline.hpp"
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

NodeViews ViewContext::compute(const Snapshot& s) {
  NodeViews v;
  v.capacity_bytes = s.meminfo.get("MemTotal");
  if (auto a = s.meminfo.get("MemAvailable")) v.kernel_available = static_cast<int64_t>(*a);
  // The kubelet's views with the same formulas `memsleuth history` recomputes from stored readings,
  // so /metrics and history agree.
  store::NodePoint np;
  np.meminfo = s.meminfo;
  if (const Cgroup* root = s.find_cgroup("/")) np.root = *root;
  if (const Cgroup* kp = store::find_kubepods(s)) np.kubepods = *kp;
  auto dp = store::derive_point(np);
  v.kubelet_available = dp.kubelet_available;
  v.allocatable_available = dp.allocatable_available;
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
