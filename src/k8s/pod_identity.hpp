#pragma once
// Pod identity from a cgroup path alone (no I/O): kubelet's QoS/pod levels (pkg/kubelet/cm) and the
// runtime-owned container leaf (containerd, CRI-O, docker), for both cgroup drivers and both cgroup
// versions. Layouts: docs/kubelet-memory.md §6.
#include <optional>
#include <string>
#include <string_view>

namespace ms {

enum class QosClass { kNone, kGuaranteed, kBurstable, kBestEffort };
const char* to_string(QosClass q);  // "", "guaranteed", "burstable", "besteffort"

enum class CgroupDriver { kUnknown, kCgroupfs, kSystemd };
const char* to_string(CgroupDriver d);  // "", "cgroupfs", "systemd"

// How deep below the kubepods segment a path reaches.
enum class KubeLevel { kNone, kKubepods, kQosTier, kPod, kContainer };

struct KubeCgroup {
  bool in_kubepods = false;
  KubeLevel level = KubeLevel::kNone;
  CgroupDriver driver = CgroupDriver::kUnknown;
  std::string kubepods_path;  // the path up to and including the kubepods(.slice) segment
  QosClass qos = QosClass::kNone;  // set from the pod level on (guaranteed = pod directly under kubepods)
  std::optional<std::string> pod_uid;       // with dashes, as the API server writes it
  std::string pod_path;                     // path up to and including the pod segment
  std::optional<std::string> container_id;  // the runtime's id (hex)
  std::string container_path;               // path up to and including the container segment
  // "containerd" | "cri-o" | "docker"; nullopt when the leaf does not say (plain hex under cgroupfs is
  // written by both containerd and docker: see runtime_evidence / resolve with node facts).
  std::optional<std::string> runtime;
  std::string runtime_evidence;  // why runtime is what it is, e.g. "cri-containerd-<id>.scope"
  bool sandbox = false;          // known sandbox: CRI-O sandbox scope without .scope under systemd
  bool conmon = false;           // crio-conmon-<id>: CRI-O's monitor process, not the workload
};

// Parses a cgroup path as found in /proc/<pid>/cgroup or under the memory hierarchy. The kubepods
// segment may sit at any depth (kubelet --cgroup-root). Also understands the unexpanded
// "<slice>:<prefix>:<id>" form some containerd setups leave in v1 paths. Never fails: a path that is
// not under kubepods yields in_kubepods = false.
KubeCgroup parse_kube_cgroup_path(std::string_view path);

// A container id as runtimes write it: 64 lowercase hex characters.
bool is_container_id(std::string_view s);

}  // namespace ms
