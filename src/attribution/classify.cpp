#include "attribution/classify.hpp"
#include "attribution/classify_cache.hpp"

#include <array>
#include <fmt/format.h>

#include "k8s/pod_identity.hpp"
#include "probe/fs.hpp"
#include "util/text.hpp"

namespace ms {

RuntimeIds RuntimeIds::load(const HostPaths& paths) {
  RuntimeIds r;
  if (auto e = list_dir(paths.root("/var/lib/docker/containers")))
    for (auto& id : *e)
      if (is_container_id(id)) r.docker.insert(id);
  if (auto e = list_dir(paths.root("/run/containerd/io.containerd.runtime.v2.task/k8s.io")))
    for (auto& id : *e)
      if (is_container_id(id)) r.containerd.insert(id);
  return r;
}

ClassifySources ClassifySources::load(const HostPaths& paths) {
  ClassifySources s;
  s.names = PodNameIndex::load(paths);
  s.units = SystemdUnits::load(paths);
  s.users = UserNames::load(paths);
  s.runtime_ids = RuntimeIds::load(paths);
  return s;
}

namespace {

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (auto s : split(path, '/'))
    if (!s.empty()) out.push_back(s);
  return out;
}

bool is_unit_segment(std::string_view s) { return ends_with(s, ".service") || ends_with(s, ".scope"); }

constexpr std::array<std::string_view, 6> kNodeAgentUnits = {"kubelet.service", "containerd.service",
                                                              "docker.service",  "crio.service",
                                                              "cri-docker.service", "snap.kubelet.daemon.service"};
constexpr std::array<std::string_view, 3> kCronUnits = {"cron.service", "crond.service", "anacron.service"};
constexpr std::array<std::string_view, 3> kCronNames = {"cron", "crond", "anacron"};

template <size_t N>
bool one_of(const std::array<std::string_view, N>& set, std::string_view s) {
  for (auto x : set)
    if (x == s) return true;
  return false;
}

std::optional<uint32_t> uid_from(std::string_view s, std::string_view prefix, std::string_view suffix) {
  if (!starts_with(s, prefix) || !ends_with(s, suffix) || s.size() <= prefix.size() + suffix.size())
    return std::nullopt;
  auto v = parse_u64(s.substr(prefix.size(), s.size() - prefix.size() - suffix.size()));
  if (!v || *v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

void fill_pod_names(Owner& o, const ClassifySources* src) {
  if (!src) return;
  if (o.pod_uid)
    if (const PodNames* p = src->names.pod(*o.pod_uid)) {
      o.namespace_ = p->namespace_;
      o.pod = p->name;
    }
  if (o.container_id)
    if (const ContainerNames* c = src->names.container(*o.container_id)) {
      // A container id is unique on the node; its symlink's names are only refused when its target
      // names another pod than the cgroup does.
      if (!c->pod_uid || !o.pod_uid || *c->pod_uid == *o.pod_uid) {
        o.container = c->container;
        if (!o.namespace_) o.namespace_ = c->namespace_;
        if (!o.pod) o.pod = c->pod;
      }
    }
}

Owner classify_kube(const KubeCgroup& k, const ClassifySources* src, std::string* why) {
  Owner o;
  o.in_kubepods = true;
  o.qos = k.qos;
  o.pod_uid = k.pod_uid;
  o.container_id = k.container_id;
  o.runtime = k.runtime;
  o.sandbox = k.sandbox;
  if (o.container_id && !o.runtime && src) {
    if (src->runtime_ids.docker.count(*o.container_id)) o.runtime = "docker";
    else if (src->runtime_ids.containerd.count(*o.container_id)) o.runtime = "containerd";
  }
  if (k.conmon) {
    // CRI-O's per-container monitor: runtime machinery, not the workload (cAdvisor skips it too).
    o.kind = OwnerKind::kNodeAgent;
    o.unit = "crio-conmon";
    if (why) *why = "cgroup leaf crio-conmon-<id> (CRI-O container monitor)";
    fill_pod_names(o, src);
    return o;
  }
  if (k.level < KubeLevel::kPod) {
    // kubepods itself or a QoS tier: memory of the pods below, owned by the kubelet's allocatable.
    o.kind = OwnerKind::kNodeAgent;
    o.unit = k.level == KubeLevel::kQosTier ? fmt::format("kubepods/{}", to_string(k.qos)) : "kubepods";
    if (why) *why = "kubelet pod-allocatable level";
    return o;
  }
  o.kind = OwnerKind::kPod;
  fill_pod_names(o, src);
  if (why) {
    *why = fmt::format("under {} ({} driver), pod{}", k.kubepods_path, to_string(k.driver), k.pod_uid.value_or("?"));
    if (k.container_id) *why += "; " + k.runtime_evidence;
  }
  return o;
}

}  // namespace

bool is_node_agent_name(std::string_view comm) {
  static constexpr std::array<std::string_view, 8> kNames = {"kubelet", "containerd", "dockerd", "crio",
                                                             "conmon",  "cri-dockerd", "docker-proxy",
                                                             "runc"};
  if (one_of(kNames, comm)) return true;
  // containerd-shim, containerd-shim-runc-v2 (cut to 15 bytes), docker-containerd(-shim) (old docker).
  return starts_with(comm, "containerd-shim") || starts_with(comm, "docker-containe");
}

std::string unit_of_cgroup(std::string_view path) {
  std::string unit;
  for (auto s : path_segments(path))
    if (is_unit_segment(s)) unit = std::string(s);
  return unit;
}

Owner classify_cgroup(std::string_view path, const ClassifySources* src, std::string* why) {
  KubeCgroup k = parse_kube_cgroup_path(path);
  if (k.in_kubepods) return classify_kube(k, src, why);

  Owner o;
  auto segs = path_segments(path);
  // Containers a runtime started outside Kubernetes: docker cgroupfs "/docker/<id>", systemd
  // "docker-<id>.scope" (tests/data/cgroup/proc-pid-cgroup/pc-01, pc-02).
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string_view s = segs[i];
    std::optional<std::string> id;
    if (s == "docker" && i + 1 < segs.size() && is_container_id(segs[i + 1])) id = std::string(segs[i + 1]);
    if (starts_with(s, "docker-") && ends_with(s, ".scope") && is_container_id(s.substr(7, s.size() - 13)))
      id = std::string(s.substr(7, s.size() - 13));
    if (id) {
      o.kind = OwnerKind::kRuntime;
      o.runtime = "docker";
      o.container_id = id;
      if (why) *why = "docker container outside kubepods";
      return o;
    }
  }
  // systemd's top slices may sit below a prefix, as kubepods may (a nested systemd, or a test's own
  // cgroup tree): the first system.slice or user.slice segment at any depth decides. Paths under
  // kubepods never get here, so a pod's own nested system.slice stays the pod's.
  size_t top_slice = segs.size();
  for (size_t i = 0; i < segs.size() && top_slice == segs.size(); ++i)
    if (segs[i] == "system.slice" || segs[i] == "user.slice") top_slice = i;
  // user.slice/user-<uid>.slice/{session-N.scope,user@<uid>.service}
  if (top_slice < segs.size() && segs[top_slice] == "user.slice") {
    std::optional<uint32_t> uid;
    for (size_t i = top_slice + 1; i < segs.size(); ++i) {
      std::string_view s = segs[i];
      if (auto u = uid_from(s, "user-", ".slice")) uid = u;
      if (starts_with(s, "session-") && ends_with(s, ".scope")) {
        o.session = std::string(s.substr(0, s.size() - 6));
      } else if (auto u = uid_from(s, "user@", ".service")) {
        uid = u;
        o.session = std::string(s);
      }
      if (o.session) break;
    }
    if (o.session || uid) {
      o.kind = OwnerKind::kSession;
      if (!o.session) o.session = "user.slice";
      if (uid && src) o.user = src->users.name(*uid);
      if (uid && !o.user) o.user = std::to_string(*uid);  // the uid is a fact; no name found for it
      if (why) *why = "cgroup under user.slice";
      return o;
    }
  }
  bool system_slice = top_slice < segs.size() && segs[top_slice] == "system.slice";
  std::string unit;  // the deepest unit below system.slice, or init.scope anywhere
  for (size_t i = system_slice ? top_slice + 1 : 0; i < segs.size(); ++i)
    if (is_unit_segment(segs[i])) unit = std::string(segs[i]);
  if (!unit.empty() && (system_slice || unit == "init.scope")) {
    o.unit = unit;
    if (one_of(kNodeAgentUnits, unit)) {
      o.kind = OwnerKind::kNodeAgent;
      if (why) *why = "node agent's systemd unit";
    } else if (one_of(kCronUnits, unit)) {
      o.kind = OwnerKind::kCron;
      if (why) *why = "cron daemon's systemd unit";
    } else if (const TimerInfo* t = src ? src->units.timer_for(unit) : nullptr) {
      o.kind = OwnerKind::kTimer;
      o.timer = t->timer;
      if (why) *why = fmt::format("{} activates {} ({})", t->timer, unit, t->path);
    } else {
      o.kind = OwnerKind::kSystemdUnit;
      if (why) *why = "systemd unit under system.slice";
    }
    return o;
  }
  if (path == "/" || path.empty()) {
    o.kind = OwnerKind::kUnconfined;
    if (why) *why = "root cgroup";
    return o;
  }
  // A cgroup of its own (made by hand, a batch system, a test): it is the owner, whether a limit sits
  // on its path or not; `unconfined` stays for the root cgroup, which nothing limits.
  o.kind = OwnerKind::kCgroup;
  o.cgroup = std::string(path);
  if (why) *why = "cgroup of its own: no kubepods, unit or session in the path";
  return o;
}

namespace {

// The systemd hierarchy line: v1 "name=systemd", else the v2 "0::" line.
std::optional<std::string> systemd_path_of(const Process& p) {
  for (const auto& l : p.cgroups)
    if (l.controllers == "name=systemd") return l.path;
  for (const auto& l : p.cgroups)
    if (l.hierarchy_id == 0 && l.controllers.empty()) return l.path;
  return std::nullopt;
}

const Process* cron_ancestor(const Process& p, const Snapshot& s) {
  const Process* cur = &p;
  for (int depth = 0; depth < 64 && cur->ppid > 0; ++depth) {
    const Process* parent = s.find_process(cur->ppid);
    if (!parent) return nullptr;
    if (one_of(kCronNames, parent->comm)) return parent;
    if (parent->pid <= 1) return nullptr;
    cur = parent;
  }
  return nullptr;
}

// containerd-shim ... -namespace <ns>: "moby" is docker's namespace, "k8s.io" the CRI plugin's.
std::optional<std::string> runtime_from_shim(const Process& p, const Snapshot& s) {
  const Process* cur = &p;
  for (int depth = 0; depth < 8 && cur->ppid > 1; ++depth) {
    const Process* parent = s.find_process(cur->ppid);
    if (!parent) return std::nullopt;
    if (starts_with(parent->comm, "containerd-shim") || starts_with(parent->comm, "docker-containe")) {
      const auto& argv = parent->cmdline;
      for (size_t i = 0; i + 1 < argv.size(); ++i)
        if (argv[i] == "-namespace" || argv[i] == "--namespace") {
          if (argv[i + 1] == "moby") return "docker";
          if (argv[i + 1] == "k8s.io") return "containerd";
        }
      return std::nullopt;
    }
    cur = parent;
  }
  return std::nullopt;
}

}  // namespace

const std::pair<Owner, std::string>& CgroupOwnerCache::get(std::string_view path, const ClassifySources* sources) {
  auto it = by_path.find(std::string(path));
  if (it == by_path.end()) {
    std::pair<Owner, std::string> v;
    v.first = classify_cgroup(path, sources, &v.second);
    it = by_path.emplace(std::string(path), std::move(v)).first;
  }
  return it->second;
}

Owner classify_process(const Process& p, const Snapshot& s, const ClassifySources* src, std::string* why) {
  return classify_process(p, s, src, why, nullptr);
}

Owner classify_process(const Process& p, const Snapshot& s, const ClassifySources* src, std::string* why,
                       CgroupOwnerCache* cache) {
  auto classify = [&](std::string_view path, std::string* w) {
    if (!cache) return classify_cgroup(path, src, w);
    const auto& [owner, reason] = cache->get(path, src);
    if (w) *w = reason;
    return owner;
  };
  if (p.kernel_thread) {
    Owner o;
    o.kind = OwnerKind::kKernel;
    if (why) *why = "kernel thread";
    return o;
  }
  std::string mem_why;
  Owner o = classify(p.memory_cgroup ? std::string_view(*p.memory_cgroup) : std::string_view("/"), &mem_why);
  if (o.kind == OwnerKind::kPod) {
    if (o.container_id && !o.runtime)
      if (auto r = runtime_from_shim(p, s)) o.runtime = r;
    if (p.comm == "pause") o.sandbox = true;  // the sandbox's only process
    if (why) *why = mem_why;
    return o;
  }
  if (o.kind == OwnerKind::kRuntime || o.in_kubepods) {
    if (why) *why = mem_why;
    return o;
  }
  // On v1 hosts the memory hierarchy often stops at /system.slice (per-unit accounting off,
  // tests/data/cgroup/proc-pid-cgroup/pc-14); the systemd line still names the unit.
  if (auto sp = systemd_path_of(p); sp && (o.kind == OwnerKind::kUnconfined || !o.unit)) {
    std::string sys_why;
    Owner so = classify(*sp, &sys_why);
    if (so.kind != OwnerKind::kUnconfined && so.kind != OwnerKind::kCgroup && so.kind != OwnerKind::kPod &&
        so.kind != OwnerKind::kRuntime) {
      o = so;
      mem_why = sys_why + " (systemd cgroup " + *sp + ")";
    }
  }
  if (is_node_agent_name(p.comm)) {
    o.kind = OwnerKind::kNodeAgent;
    o.timer.reset();
    o.cgroup.reset();
    if (why) *why = "node agent process " + p.comm;
    return o;
  }
  if (o.kind != OwnerKind::kCron)
    if (const Process* c = cron_ancestor(p, s)) {
      o.kind = OwnerKind::kCron;
      o.timer.reset();
      o.session.reset();
      o.cgroup.reset();
      if (why) *why = fmt::format("descendant of {} (pid {})", c->comm, c->pid);
      if (!o.user && p.uid && src) o.user = src->users.name(*p.uid);
      return o;
    }
  if (why) *why = mem_why;
  return o;
}

}  // namespace ms
