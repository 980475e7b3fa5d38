#include "agent/views.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "attribution/attribution.hpp"
#include "k8s/pod_identity.hpp"
#include "probe/fs.hpp"
#include "provenance/ancestry.hpp"
#include "provenance/cwd.hpp"
#include "store/frame.hpp"
#include "store/kubelet_config_json.hpp"
#include "store/node_view.hpp"
#include "util/escape.hpp"
#include "util/json_text.hpp"
#include "util/redact.hpp"

namespace ms::agent {

namespace {

constexpr auto kSourcesRefresh = std::chrono::minutes(5);

}  // namespace

const ClassifySources& ViewContext::sources() {
  auto now = std::chrono::steady_clock::now();
  if (!sources_ || now - sources_at_ > kSourcesRefresh) {
    sources_ = ClassifySources::load(paths_);
    sources_at_ = now;
    forget_analysis_caches();  // owners depend on the node's names
  }
  return *sources_;
}

void ViewContext::forget_analysis_caches() {
  owners_.clear();
  cgroup_owners_.by_path.clear();
}

const k8s::KubeletConfig& ViewContext::kubelet_config(const Snapshot& s) {
  auto now = std::chrono::steady_clock::now();
  if (!kubelet_config_ || now - kubelet_config_at_ > kSourcesRefresh) {
    kubelet_config_ = k8s::discover_kubelet_config(paths_, s);
    kubelet_config_json_ = store::kubelet_config_to_json(*kubelet_config_);
    if (log_ && kubelet_config_->trust != logged_trust_) {
      logged_trust_ = kubelet_config_->trust;
      if (logged_trust_.empty())
        log_("kubelet: no kubelet look-alike process; settings from defaults or the default config path");
      for (const auto& t : logged_trust_) log_("kubelet: " + escape_terminal(t));
    }
    kubelet_config_at_ = now;
  }
  return *kubelet_config_;
}

namespace {

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}
uint64_t mix(uint64_t h, std::string_view s) { return mix(mix(h, s.size()), std::hash<std::string_view>()(s)); }

// What classify_process reads of the process itself.
uint64_t own_facts(const Process& p) {
  uint64_t h = mix(0, static_cast<uint64_t>(p.pid));
  h = mix(h, p.kernel_thread ? 1u : 2u);
  h = mix(h, p.memory_cgroup ? mix(7, *p.memory_cgroup) : 3u);
  // The systemd line (v1 "name=systemd", else v2 "0::"), as classify picks it.
  const std::string* sp = nullptr;
  for (const auto& l : p.cgroups)
    if (l.controllers == "name=systemd") {
      sp = &l.path;
      break;
    }
  if (!sp)
    for (const auto& l : p.cgroups)
      if (l.hierarchy_id == 0 && l.controllers.empty()) {
        sp = &l.path;
        break;
      }
  h = mix(h, sp ? mix(11, *sp) : 5u);
  h = mix(h, p.comm);
  h = mix(h, p.uid ? static_cast<uint64_t>(*p.uid) + 1 : 0);
  h = mix(h, p.cmdline.size());
  for (const auto& a : p.cmdline) h = mix(h, a);
  return h;
}

// Signature of every process: its own facts (own[i]) combined with its parent's signature (so with
// the whole ancestry: comm and cmdline of each ancestor). Iterative, so a deep or looping ppid chain
// cannot overflow the stack.
std::vector<uint64_t> ancestry_signatures(const Snapshot& s, const std::vector<uint64_t>& own) {
  const size_t n = s.processes.size();
  std::vector<uint64_t> sig(n, 0);
  std::vector<uint8_t> state(n, 0);  // 0 new, 1 on the current chain, 2 done
  std::vector<size_t> chain;
  auto index_of = [&](const Process* q) { return static_cast<size_t>(q - s.processes.data()); };
  for (size_t i = 0; i < n; ++i) {
    if (state[i] == 2) continue;
    chain.clear();
    size_t cur = i;
    uint64_t above = 0;  // signature of what is above the chain's top
    for (;;) {
      state[cur] = 1;
      chain.push_back(cur);
      int ppid = s.processes[cur].ppid;
      if (ppid <= 0) break;
      const Process* parent = s.find_process(ppid);
      if (!parent) {
        above = mix(13, static_cast<uint64_t>(ppid));  // a parent that is not in the snapshot
        break;
      }
      size_t pi = index_of(parent);
      if (state[pi] == 2) {
        above = sig[pi];
        break;
      }
      if (state[pi] == 1) {
        above = mix(17, static_cast<uint64_t>(ppid));  // a loop (only in a damaged tree)
        break;
      }
      cur = pi;
    }
    for (size_t k = chain.size(); k-- > 0;) {
      above = mix(own[chain[k]], above);
      sig[chain[k]] = above;
      state[chain[k]] = 2;
    }
  }
  return sig;
}

}  // namespace

NodeViews ViewContext::compute(const Snapshot& s) {
  NodeViews v;
  v.capacity_bytes = s.meminfo.get("MemTotal");
  if (auto a = s.meminfo.get("MemAvailable")) v.kernel_available = static_cast<int64_t>(*a);
  // The kubelet's views and thresholds through the k8s/ functions, as `memsleuth history` recomputes
  // them from the stored readings (store::derive_node_view), so /metrics and history agree.
  const k8s::KubeletConfig& cfg = kubelet_config(s);
  auto pods_cg = store::configured_pods_cgroup(s, cfg);
  store::NodeView nv = store::derive_node_view(s, cfg, rule_, pods_cg);
  v.kubelet_available = nv.kubelet.memory_available_bytes;
  v.allocatable_available = nv.kubelet.allocatable_available_bytes;
  v.kubelet_threshold = nv.kubelet_threshold;
  v.allocatable_threshold = nv.allocatable_threshold;
  v.kubelet_config_json = kubelet_config_json_;
  v.pods_cgroup = nv.kubelet.kubepods_cgroup.value_or("");

  // What attribute() computes for these metrics (kinds, pods, unbounded memory), with owners kept
  // across samples: see owners_. Limits can change any sample, so they are worked out every time,
  // once per distinct cgroup. tests/unit/agent/views_test.cpp checks the result against attribute().
  // Taken once: a reload clears the caches, so it must not happen halfway through.
  const ClassifySources& src = sources();
  ++generation_;
  // The cache merged with the snapshot, by pid: slot i is process i's. A process's own facts are
  // hashed again only when a reader says it read them again (identity_seq) or cannot say (0).
  std::vector<OwnerSlot> next(s.processes.size());
  std::vector<uint64_t> own(s.processes.size());
  for (size_t i = 0, j = 0; i < s.processes.size(); ++i) {
    const Process& p = s.processes[i];
    while (j < owners_.size() && owners_[j].pid < p.pid) ++j;
    OwnerSlot& slot = next[i];
    if (j < owners_.size() && owners_[j].pid == p.pid && owners_[j].start_time == p.start_time) slot = std::move(owners_[j++]);
    if (!slot.owner || p.identity_seq == 0 || slot.identity_seq != p.identity_seq) {
      slot.own_facts = own_facts(p);
      slot.identity_seq = p.identity_seq;
    }
    own[i] = slot.own_facts;
  }
  owners_.clear();  // what the merge did not meet is gone
  std::vector<uint64_t> sig = ancestry_signatures(s, own);
  std::map<int, uint64_t> kinds;
  // Effective limits once per cgroup of the snapshot (by index), and for a path it lacks by path.
  std::vector<std::optional<EffectiveLimit>> limits(s.cgroups.size());
  std::unordered_map<std::string_view, EffectiveLimit> limits_by_path;
  struct PodAcc {
    Owner owner;
    bool has_pod_cgroup = false;
    std::optional<uint64_t> working_set;
  };
  std::unordered_map<std::string_view, PodAcc> pods;  // by uid (held by paths_seen_ and owners)
  auto path_facts = [&](const std::string& path) -> const CachedPath& {
    auto it = paths_seen_.find(path);
    if (it == paths_seen_.end()) {
      KubeCgroup k = parse_kube_cgroup_path(path);
      CachedPath cp;
      cp.pod_uid = k.pod_uid;
      cp.pod_level = k.level == KubeLevel::kPod && k.pod_path == path;
      it = paths_seen_.emplace(path, std::move(cp)).first;
    }
    it->second.generation = generation_;
    return it->second;
  };
  for (const Cgroup& c : s.cgroups) {
    const CachedPath& cp = path_facts(c.path);
    if (!cp.pod_uid) continue;
    PodAcc& pa = pods[*cp.pod_uid];
    if (!cp.pod_level) continue;
    Owner o = cgroup_owners_.get(c.path, &src).first;
    o.container.reset();
    o.container_id.reset();
    o.sandbox = false;
    pa.owner = std::move(o);
    pa.has_pod_cgroup = true;
    pa.working_set = cgroup_measures(c, s.memory_on_v2).working_set;
  }
  uint64_t unbounded = 0;
  bool any_known = false;
  for (size_t i = 0; i < s.processes.size(); ++i) {
    const Process& p = s.processes[i];
    // The cached owner is reused only while classify_process would return it again (sig).
    OwnerSlot& slot = next[i];
    if (!slot.owner || slot.sig != sig[i]) {
      slot.owner = std::make_unique<Owner>(classify_process(p, s, &src, nullptr, &cgroup_owners_));
      slot.pid = p.pid;
      slot.start_time = p.start_time;
      slot.sig = sig[i];
    }
    const Owner& o = *slot.owner;
    kinds[static_cast<int>(o.kind)] += p.rss_bytes.value_or(0);
    if (!p.kernel_thread && p.memory_cgroup && !p.memory_cgroup->empty()) {
      const std::string& cg = *p.memory_cgroup;
      size_t ci = slot.cgroup_index;
      if (ci >= s.cgroups.size() || s.cgroups[ci].path != cg) {
        const Cgroup* c = s.find_cgroup(cg);
        ci = c ? static_cast<size_t>(c - s.cgroups.data()) : SIZE_MAX;
        slot.cgroup_index = ci;
      }
      const EffectiveLimit* lim = nullptr;
      if (ci != SIZE_MAX) {
        if (!limits[ci]) limits[ci] = effective_limit(s, cg);
        lim = &*limits[ci];
      } else {
        auto it = limits_by_path.find(cg);
        if (it == limits_by_path.end()) it = limits_by_path.emplace(cg, effective_limit(s, cg)).first;
        lim = &it->second;
      }
      if (lim->known) any_known = true;
      if (!o.in_kubepods && lim->known && !lim->bounded()) {
        unbounded += p.rss_bytes.value_or(0);
        ++v.unbounded_outside_kubepods_processes;
      }
    }
    if (o.kind == OwnerKind::kPod && o.pod_uid) {
      PodAcc& pa = pods[*o.pod_uid];
      if (!pa.has_pod_cgroup) {
        if (!pa.owner.pod_uid) {
          pa.owner = o;
          pa.owner.container.reset();
          pa.owner.container_id.reset();
          pa.owner.sandbox = false;
        }
        if (p.rss_bytes) pa.working_set = pa.working_set.value_or(0) + *p.rss_bytes;
      }
    }
  }
  owners_ = std::move(next);
  for (const auto& [k, rss] : kinds) v.rss_by_owner_kind.emplace_back(to_string(static_cast<OwnerKind>(k)), rss);
  std::vector<const PodAcc*> order;
  for (auto& [uid, pa] : pods) {
    if (!pa.owner.pod_uid) pa.owner.pod_uid = std::string(uid);
    if (pa.working_set) order.push_back(&pa);
  }
  std::sort(order.begin(), order.end(), [](const PodAcc* x, const PodAcc* y) {
    return std::tie(x->owner.namespace_, x->owner.pod, x->owner.pod_uid) <
           std::tie(y->owner.namespace_, y->owner.pod, y->owner.pod_uid);
  });
  for (const PodAcc* pa : order) {
    PodMemory pm;
    pm.namespace_ = pa->owner.namespace_.value_or("");
    pm.pod = pa->owner.pod.value_or(pa->owner.pod_uid ? "pod" + *pa->owner.pod_uid : "");
    pm.working_set_bytes = *pa->working_set;
    v.pods.push_back(std::move(pm));
  }
  if (any_known) v.unbounded_outside_kubepods_bytes = unbounded;
  // Cgroups gone since the last sample leave the cache.
  std::erase_if(paths_seen_, [&](const auto& e) { return e.second.generation != generation_; });
  return v;
}

Owner ViewContext::process_owner(const Snapshot& s, const Process& p) {
  auto it = std::lower_bound(owners_.begin(), owners_.end(), p.pid, [](const OwnerSlot& o, int pid) { return o.pid < pid; });
  if (it != owners_.end() && it->pid == p.pid && it->start_time == p.start_time && it->owner) return *it->owner;
  return classify_process(p, s, &sources());
}

Owner ViewContext::cgroup_owner(const Snapshot&, const Cgroup& c) { return cgroup_owners_.get(c.path, &sources()).first; }

Owner ViewContext::owner_of_cgroup_path(std::string_view path) { return classify_cgroup(path, &sources()); }

std::string ViewContext::provenance(const Snapshot& s, const Process& p, bool redact) {
  nlohmann::ordered_json j;
  // A process already gone (an OOM victim recorded from its last reading) keeps what was read of it,
  // and its ancestry starts at its parent.
  const Process* live = s.find_process(p.pid);
  bool gone = !live || live->start_time != p.start_time;
  auto exe = gone ? p.exe : read_link(paths_.proc(fmt::format("{}/exe", p.pid))).value_or(std::string());
  auto cwd = gone ? p.cwd : read_link(paths_.proc(fmt::format("{}/cwd", p.pid))).value_or(std::string());
  if (exe && exe->empty()) exe.reset();
  if (cwd && cwd->empty()) cwd.reset();
  // Stored as put_text writes it: the bytes survive (render escapes them when it prints).
  if (exe) put_text(j, "exe", *exe);
  if (cwd) {
    put_text(j, "cwd", *cwd);
    if (auto uid = pod_uid_in_path(*cwd)) j["cwd_pod_uid"] = *uid;
  }
  AncestryOptions opts;
  opts.owner_of = [&](const Process& q) { return process_owner(s, q); };
  Ancestry anc = build_ancestry(s, gone ? p.ppid : p.pid, opts);
  auto chain = nlohmann::ordered_json::array();
  // The target itself is chain[0]; keep its parents (what is gone by morning), at most 16.
  for (size_t i = gone ? 0 : 1; i < anc.chain.size() && i <= 16; ++i) {
    const Ancestor& a = anc.chain[i];
    nlohmann::ordered_json e;
    e["pid"] = a.pid;
    put_text(e, "comm", a.comm);
    std::string cmd;
    const auto& argv = redact ? redact_argv(a.cmdline) : a.cmdline;
    for (size_t k = 0; k < argv.size() && k < 8; ++k) cmd += (k ? " " : "") + argv[k];
    put_text(e, "cmdline", utf8_prefix(cmd, 256));
    if (a.start_unix) e["start"] = *a.start_unix;
    if (a.memory_cgroup) put_text(e, "memory_cgroup", *a.memory_cgroup);
    put_text(e, "owner", a.owner.label());
    if (a.reparented) e["reparented"] = true;
    chain.push_back(std::move(e));
  }
  j["ancestry"] = std::move(chain);
  if (!anc.complete) j["ancestry_complete"] = false;
  return j.dump();
}

}  // namespace ms::agent
