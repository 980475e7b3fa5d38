#include "attribution/attribution.hpp"
#include "attribution/classify_cache.hpp"

#include <algorithm>
#include <unordered_map>

#include "k8s/pod_identity.hpp"
#include "util/text.hpp"

namespace ms {

namespace {

void add_opt(std::optional<uint64_t>& sum, const std::optional<uint64_t>& v) {
  if (v) sum = sum.value_or(0) + *v;
}

uint64_t sub_floor(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

// Looser of two limits: unbounded beats any number, a larger number beats a smaller one.
void loosen(EffectiveLimit& acc, const EffectiveLimit& l, bool first) {
  if (first) {
    acc = l;
    return;
  }
  if (!acc.bounded()) return;
  if (!l.bounded() || *l.limit_bytes > *acc.limit_bytes) acc = l;
}

Owner pod_level(Owner o) {
  o.container.reset();
  o.container_id.reset();
  o.sandbox = false;
  return o;
}

// ".../pods/<uid>/volumes/kubernetes.io~empty-dir/<volume>" (any kubelet --root-dir).
bool parse_empty_dir(std::string_view mp, std::string& uid, std::string& volume) {
  static constexpr std::string_view kMarker = "/volumes/kubernetes.io~empty-dir/";
  size_t m = mp.find(kMarker);
  if (m == std::string_view::npos) return false;
  std::string_view before = mp.substr(0, m);
  size_t slash = before.rfind('/');
  if (slash == std::string_view::npos || slash < 5 || before.substr(slash - 5, 5) != "/pods") return false;
  uid = std::string(before.substr(slash + 1));
  std::string_view rest = mp.substr(m + kMarker.size());
  volume = std::string(rest.substr(0, rest.find('/')));
  return !uid.empty() && !volume.empty();
}

}  // namespace

MemoryMeasures cgroup_measures(const Cgroup& c, bool v2) {
  MemoryMeasures m;
  if (v2) {
    m.rss = c.stat.get("anon");
  } else {
    m.rss = c.stat.get("total_rss");
    if (!m.rss) m.rss = c.stat.get("rss");
  }
  auto inactive = c.stat.get(v2 ? "inactive_file" : "total_inactive_file");
  if (!inactive && !v2) inactive = c.stat.get("inactive_file");
  // kubelet/cAdvisor working set: usage - inactive_file, floored at 0.
  if (c.usage_bytes) m.working_set = sub_floor(*c.usage_bytes, inactive.value_or(0));
  return m;
}

ResidualMemory residual_memory(const Snapshot& s, const ClassifySources* sources) {
  ResidualMemory r;
  // tmpfs: one row per superblock (bind mounts repeat it); prefer the emptyDir mount point.
  std::map<std::string, size_t> by_dev;
  for (const Mount& m : s.mounts) {
    if (m.fs_type != "tmpfs" && m.fs_type != "ramfs" && m.fs_type != "shm") continue;
    TmpfsUsage t;
    t.mount_point = m.mount_point;
    t.fs_type = m.fs_type;
    t.source = m.source;
    t.used_bytes = m.used_bytes;
    t.size_bytes = m.size_bytes;
    t.dev_shm = m.mount_point == "/dev/shm";
    std::string uid, volume;
    if (parse_empty_dir(m.mount_point, uid, volume)) {
      Owner o;
      o.kind = OwnerKind::kPod;
      o.pod_uid = uid;
      if (sources)
        if (const PodNames* p = sources->names.pod(uid)) {
          o.namespace_ = p->namespace_;
          o.pod = p->name;
        }
      t.owner = std::move(o);
      t.volume = volume;
    }
    std::string key = m.major_minor + ":" + m.root;
    auto it = by_dev.find(key);
    if (it == by_dev.end()) {
      by_dev.emplace(key, r.tmpfs.size());
      r.tmpfs.push_back(std::move(t));
    } else if (t.owner && !r.tmpfs[it->second].owner) {
      r.tmpfs[it->second] = std::move(t);
    }
  }
  // The QoS of an emptyDir's pod, from its cgroup.
  for (auto& t : r.tmpfs) {
    if (!t.owner) continue;
    for (const Cgroup& c : s.cgroups) {
      KubeCgroup k = parse_kube_cgroup_path(c.path);
      if (k.level == KubeLevel::kPod && k.pod_uid == t.owner->pod_uid) {
        t.owner->qos = k.qos;
        t.owner->in_kubepods = true;
        break;
      }
    }
  }
  std::stable_sort(r.tmpfs.begin(), r.tmpfs.end(),
                   [](const TmpfsUsage& a, const TmpfsUsage& b) { return a.used_bytes.value_or(0) > b.used_bytes.value_or(0); });
  for (const auto& t : r.tmpfs) add_opt(r.tmpfs_used_bytes, t.used_bytes);

  r.shmem_bytes = s.meminfo.get("Shmem");
  r.slab_bytes = s.meminfo.get("Slab");
  r.slab_reclaimable_bytes = s.meminfo.get("SReclaimable");
  r.slab_unreclaimable_bytes = s.meminfo.get("SUnreclaim");
  for (size_t i = 0; i < s.slab.size() && i < 10; ++i) r.top_slab.push_back(s.slab[i]);

  r.page_cache_bytes = s.meminfo.get("Cached");
  for (const Cgroup& c : s.cgroups) {
    KubeCgroup k = parse_kube_cgroup_path(c.path);
    if (!k.in_kubepods || k.level != KubeLevel::kKubepods || k.kubepods_path != c.path) continue;
    // v1 total_cache and v2 file both count tmpfs pages charged to pods, as meminfo Cached does.
    auto cache = s.memory_on_v2 ? c.stat.get("file") : c.stat.get("total_cache");
    add_opt(r.page_cache_in_pods_bytes, cache);
  }
  if (r.page_cache_bytes)
    r.page_cache_outside_pods_bytes = sub_floor(*r.page_cache_bytes, r.page_cache_in_pods_bytes.value_or(0));
  return r;
}

const ProcessAttribution* Attribution::process(int pid) const {
  auto it = std::lower_bound(processes.begin(), processes.end(), pid,
                             [](const ProcessAttribution& p, int v) { return p.process->pid < v; });
  return it != processes.end() && it->process->pid == pid ? &*it : nullptr;
}

const CgroupAttribution* Attribution::cgroup(std::string_view path) const {
  auto it = std::lower_bound(cgroups.begin(), cgroups.end(), path,
                             [](const CgroupAttribution& c, std::string_view p) { return c.cgroup->path < p; });
  return it != cgroups.end() && it->cgroup->path == path ? &*it : nullptr;
}

Attribution attribute(const Snapshot& s, const HostPaths& paths) {
  ClassifySources sources = ClassifySources::load(paths);
  return attribute(s, sources);
}

Attribution attribute(const Snapshot& s, const ClassifySources& src) {
  Attribution a;
  // Processes (snapshot order is by pid, so Attribution::process can binary-search).
  // Most processes share their cgroup: owner, limit and subtree sums are worked out once per
  // distinct cgroup, not once per process (and per ancestor of each process).
  CgroupOwnerCache cgroup_owners;
  std::unordered_map<std::string, EffectiveLimit> limits;
  struct Direct {
    uint32_t procs = 0;
    std::optional<uint64_t> pss;
  };
  std::unordered_map<std::string, Direct> direct;
  std::unordered_map<std::string, bool> sandbox_cgroup;
  for (const Process& p : s.processes) {
    ProcessAttribution pa;
    pa.process = &p;
    pa.owner = classify_process(p, s, &src, &pa.why, &cgroup_owners);
    if (!p.kernel_thread && p.memory_cgroup && !p.memory_cgroup->empty()) {
      const std::string& cg = *p.memory_cgroup;
      auto it = limits.find(cg);
      if (it == limits.end()) it = limits.emplace(cg, effective_limit(s, cg)).first;
      pa.limit = it->second;
      Direct& d = direct[cg];
      ++d.procs;
      if (p.pss_bytes) d.pss = d.pss.value_or(0) + *p.pss_bytes;
      if (pa.owner.sandbox) sandbox_cgroup[cg] = true;
    }
    pa.memory.rss = p.rss_bytes;
    pa.memory.working_set = p.rss_bytes;
    pa.memory.pss = p.pss_bytes;
    a.processes.push_back(std::move(pa));
  }
  std::sort(a.processes.begin(), a.processes.end(),
            [](const ProcessAttribution& x, const ProcessAttribution& y) { return x.process->pid < y.process->pid; });

  std::unordered_map<std::string, uint64_t> pss_subtree;
  std::unordered_map<std::string, uint32_t> procs_subtree;
  for (const auto& [cg, d] : direct) {
    for (std::string q = cg; !q.empty(); q = parent_cgroup(q)) {
      procs_subtree[q] += d.procs;
      if (d.pss) pss_subtree[q] += *d.pss;
    }
  }

  // Cgroups.
  for (const Cgroup& c : s.cgroups) {
    CgroupAttribution ca;
    ca.cgroup = &c;
    const auto& [owner, why] = cgroup_owners.get(c.path, &src);
    ca.owner = owner;
    ca.why = why;
    if (sandbox_cgroup.count(c.path)) ca.owner.sandbox = true;
    auto lim = limits.find(c.path);
    ca.limit = lim != limits.end() ? lim->second : effective_limit(s, c.path);
    ca.memory = cgroup_measures(c, s.memory_on_v2);
    if (auto it = pss_subtree.find(c.path); it != pss_subtree.end()) ca.memory.pss = it->second;
    if (auto it = procs_subtree.find(c.path); it != procs_subtree.end()) ca.processes = it->second;
    a.cgroups.push_back(std::move(ca));
  }

  // Pods: from their pod-level cgroups, then from processes whose pod cgroup was not seen.
  std::map<std::string, PodRollup> pods;  // by uid
  for (const auto& ca : a.cgroups) {
    KubeCgroup k = parse_kube_cgroup_path(ca.cgroup->path);
    if (!k.pod_uid) continue;
    PodRollup& pr = pods[*k.pod_uid];
    if (k.level == KubeLevel::kPod && k.pod_path == ca.cgroup->path) {
      pr.owner = pod_level(ca.owner);
      pr.pod_cgroup = ca.cgroup->path;
      pr.usage_bytes = ca.cgroup->usage_bytes;
      pr.memory = ca.memory;
      pr.limit = ca.limit;
      pr.processes = ca.processes;
    } else if (k.level == KubeLevel::kContainer && k.container_path == ca.cgroup->path && !k.conmon) {
      ++pr.containers;
    }
  }
  for (const auto& pa : a.processes) {
    if (pa.owner.kind != OwnerKind::kPod || !pa.owner.pod_uid) continue;
    PodRollup& pr = pods[*pa.owner.pod_uid];
    if (!pr.pod_cgroup.empty()) continue;
    if (!pr.owner.pod_uid) {
      pr.owner = pod_level(pa.owner);
      pr.limit = pa.limit;
    }
    ++pr.processes;
    add_opt(pr.memory.rss, pa.memory.rss);
    add_opt(pr.memory.working_set, pa.memory.working_set);
    add_opt(pr.memory.pss, pa.memory.pss);
  }
  a.residual = residual_memory(s, &src);
  for (const auto& t : a.residual.tmpfs)
    if (t.owner && t.owner->pod_uid)
      if (auto it = pods.find(*t.owner->pod_uid); it != pods.end()) add_opt(it->second.memory_tmpfs_bytes, t.used_bytes);
  for (auto& [uid, pr] : pods) {
    if (!pr.owner.pod_uid) pr.owner.pod_uid = uid;  // a container cgroup without its pod level
    pr.owner.kind = OwnerKind::kPod;
    pr.owner.in_kubepods = true;
    a.pods.push_back(std::move(pr));
  }
  std::sort(a.pods.begin(), a.pods.end(), [](const PodRollup& x, const PodRollup& y) {
    return std::tie(x.owner.namespace_, x.owner.pod, x.owner.pod_uid) <
           std::tie(y.owner.namespace_, y.owner.pod, y.owner.pod_uid);
  });

  // Owners and kinds, over processes.
  std::map<std::pair<int, std::string>, OwnerRollup> owners;
  std::map<int, KindRollup> kinds;
  for (const auto& pa : a.processes) {
    auto key = std::make_pair(static_cast<int>(pa.owner.kind), pa.owner.label());
    auto [it, fresh] = owners.try_emplace(key);
    OwnerRollup& o = it->second;
    if (fresh) {
      o.owner = pa.owner;
      o.label = key.second;
    }
    ++o.processes;
    add_opt(o.memory.rss, pa.memory.rss);
    add_opt(o.memory.working_set, pa.memory.working_set);
    add_opt(o.memory.pss, pa.memory.pss);
    if (!pa.process->kernel_thread) loosen(o.limit, pa.limit, o.processes == 1 || !o.limit.known);
    KindRollup& k = kinds[key.first];
    k.kind = pa.owner.kind;
    ++k.processes;
    k.rss_bytes += pa.memory.rss.value_or(0);
    add_opt(k.pss_bytes, pa.memory.pss);
  }
  for (auto& [k, o] : owners) a.owners.push_back(std::move(o));
  for (auto& [k, r] : kinds) a.kinds.push_back(r);
  return a;
}

}  // namespace ms
