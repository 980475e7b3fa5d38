#pragma once
// Who owns a process or a cgroup. Contract shared by top, explain, oom, doctor, record and report;
// implemented in attribution/ (classification) and k8s/ (pod identity from the node's own files).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "k8s/pod_identity.hpp"
#include "model/snapshot.hpp"
#include "probe/host_paths.hpp"

namespace ms {

// kCgroup: a cgroup of its own that no pod, unit or session owns (a hand-made /batch, a test's cgroup),
// named by its path, bounded or not. kUnconfined: the root cgroup, where nothing on the path limits it.
enum class OwnerKind {
  kPod,
  kSystemdUnit,
  kSession,
  kNodeAgent,
  kCron,
  kTimer,
  kRuntime,
  kKernel,
  kCgroup,
  kUnconfined
};
const char* to_string(OwnerKind k);  // "pod", "systemd-unit", "session", "node-agent", "cron", "timer",
                                     // "runtime", "kernel", "cgroup", "unconfined"
std::optional<OwnerKind> owner_kind_from_string(std::string_view s);

// QosClass and to_string(QosClass) live in k8s/pod_identity.hpp (the layer that parses them).

struct Owner {
  OwnerKind kind = OwnerKind::kUnconfined;
  // Pods: from the cgroup path; names from <rootfs>/var/log/pods (nullopt = unknown, never guessed).
  QosClass qos = QosClass::kNone;
  std::optional<std::string> pod_uid, container_id, runtime;  // runtime: containerd | cri-o | docker
  std::optional<std::string> namespace_, pod, container;
  bool sandbox = false;  // pause / sandbox container
  // Systemd units, sessions, cron/timer jobs.
  std::optional<std::string> unit, session, user;
  std::optional<std::string> timer;   // the .timer that activates `unit`
  std::optional<std::string> cgroup;  // kCgroup: the memory cgroup path that names the owner
  bool in_kubepods = false;           // the memory cgroup is under kubepods(.slice)

  // Short label for tables: "ns/pod/container", "cron.service", "session-3 (alice)", ...
  std::string label() const;
};

}  // namespace ms
