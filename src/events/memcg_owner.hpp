#pragma once
// memcg path -> Owner for OOM records, with pod names from the node's /var/log tree.
// Interim classifier local to events/ until attribution/ publishes the shared one; it follows the
// layouts of shared/design/kubelet-memory.md §6 (kubepods segment at any depth, both drivers).
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "attribution/owner.hpp"
#include "probe/host_paths.hpp"

namespace ms {

struct PodLogNames {
  // pod uid -> (namespace, pod name), from /var/log/pods/<ns>_<pod>_<uid>
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> pods;
  // container id -> container name, from /var/log/containers/<pod>_<ns>_<container>-<id>.log
  std::map<std::string, std::string, std::less<>> containers;
  static PodLogNames load(const HostPaths& paths);
};

// Pure: classifies a memcg path; names come from `names` when it knows the uid / container id.
Owner classify_memcg_path(std::string_view path, const PodLogNames* names = nullptr);

}  // namespace ms
