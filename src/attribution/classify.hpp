#pragma once
// Owner classification (issue 4): every cgroup and every process gets one Owner. Pure: the node's
// files are read once into ClassifySources (names, timers, users, runtime ids) and passed in.
#include <set>
#include <string>
#include <string_view>

#include "attribution/owner.hpp"
#include "attribution/passwd.hpp"
#include "attribution/systemd_units.hpp"
#include "k8s/pod_names.hpp"
#include "model/snapshot.hpp"
#include "probe/host_paths.hpp"

namespace ms {

// Container ids the runtimes' own state directories list under --rootfs. They settle which runtime
// wrote a plain 64-hex cgroupfs leaf, which containerd and docker both produce.
struct RuntimeIds {
  std::set<std::string, std::less<>> docker;      // /var/lib/docker/containers/<id>
  std::set<std::string, std::less<>> containerd;  // /run/containerd/io.containerd.runtime.v2.task/k8s.io/<id>
  static RuntimeIds load(const HostPaths& paths);
};

// Everything classification reads from the node besides the snapshot. Load once per run.
struct ClassifySources {
  PodNameIndex names;
  SystemdUnits units;
  UserNames users;
  RuntimeIds runtime_ids;
  static ClassifySources load(const HostPaths& paths);
};

// Owner of a memory cgroup from its path (any depth of kubepods, both drivers, v1/v2) and the node's
// names. `why`, when given, receives a one-line reason ("cgroup leaf cri-containerd-<id>.scope").
Owner classify_cgroup(std::string_view memory_cgroup_path, const ClassifySources* sources = nullptr,
                      std::string* why = nullptr);

// Owner of a process: its memory cgroup (and its systemd cgroup line, which on v1 hosts names the
// unit when the memory hierarchy stops at /system.slice) plus process facts: kernel thread, node-agent
// names, a cron/crond/anacron ancestor (walked through `snapshot`), pause containers.
Owner classify_process(const Process& p, const Snapshot& snapshot, const ClassifySources* sources = nullptr,
                       std::string* why = nullptr);

// Node agents by process name (comm is cut at 15 bytes: "containerd-shim" covers every shim).
bool is_node_agent_name(std::string_view comm);
// The unit a cgroup path names: the deepest "*.service" / "*.scope" segment, or "".
std::string unit_of_cgroup(std::string_view path);

}  // namespace ms
