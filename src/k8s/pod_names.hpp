#pragma once
// Namespace, pod and container names from the node's own log tree, no API server:
//   <rootfs>/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log
//   <rootfs>/var/log/containers/<pod>_<namespace>_<container>-<container-id>.log -> the file above
// (pkg/kubelet/kuberuntime/helpers.go BuildPodLogsDirectory, kuberuntime_container.go logSymlink).
// Names that cannot be found stay unknown (nullopt); nothing is guessed from partial matches.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/host_paths.hpp"

namespace ms {

struct PodNames {
  std::string uid, namespace_, name;
  std::vector<std::string> containers;  // container directories under the pod's log directory
};

struct ContainerNames {
  std::string container_id, pod, namespace_, container;
  std::optional<std::string> pod_uid;  // from the symlink target, when readable
};

// "<namespace>_<pod>_<uid>" → names; nullopt for anything else (the very old "<uid>" layout included:
// it carries no names).
std::optional<PodNames> parse_pod_log_dir(std::string_view dir_name);
// "<pod>_<namespace>_<container>-<id>.log" (+ optional symlink target) → names; nullopt when the name
// was truncated (kubelet cuts it at 251 bytes) or is not of this shape.
std::optional<ContainerNames> parse_container_log_link(std::string_view link_name, std::string_view target = {});

class PodNameIndex {
 public:
  // Reads <rootfs>/var/log/pods and <rootfs>/var/log/containers; missing directories give an empty
  // index (every name unknown).
  static PodNameIndex load(const HostPaths& paths);
  void add_pod(PodNames p);
  void add_container(ContainerNames c);

  const PodNames* pod(std::string_view uid) const;
  const ContainerNames* container(std::string_view container_id) const;
  bool empty() const { return pods_.empty() && containers_.empty(); }
  size_t pod_count() const { return pods_.size(); }

 private:
  std::map<std::string, PodNames, std::less<>> pods_;
  std::map<std::string, ContainerNames, std::less<>> containers_;
};

}  // namespace ms
