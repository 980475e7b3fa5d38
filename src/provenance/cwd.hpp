#pragma once
// cwd truth. /proc/<pid>/cwd is where a process stands, not what it belongs to: a filesystem walker
// (updatedb, find, du, a backup) passes through every pod's directory under /var/lib/kubelet/pods.
// We sample it several times, say whether it moves, which mount and filesystem type it is on, and
// warn when it lies in a pod's directory while the process is not in that pod's cgroup.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/snapshot.hpp"
#include "probe/host_paths.hpp"
#include "util/result.hpp"

namespace ms {

struct CwdSample {
  int64_t offset_ms = 0;            // since the first sample
  std::optional<std::string> path;  // nullopt: unreadable (EACCES) at that moment
};

struct CwdTruth {
  std::vector<CwdSample> samples;
  size_t distinct = 0;   // distinct readable paths
  bool moving = false;   // more than one distinct path: a walker
  std::optional<std::string> mount, fs_type, mount_source;  // of the last readable sample
  bool network_fs = false;
  std::optional<std::string> under_pod_uid;  // a sample lay under .../kubelet/pods/<uid>/
  std::optional<std::string> pod_dir_sample; // that sample
  bool misleading = false;                   // under a pod dir, but not that pod's process
  std::optional<std::string> warning;        // the sentence a person must read
};

// Reads /proc/<pid>/cwd `count` times over `duration`. kNotFound when the process is gone (also
// when it exits between samples: the caller reports "exited while being explained").
Result<std::vector<CwdSample>> sample_cwd(const HostPaths& paths, int pid, std::chrono::milliseconds duration,
                                          int count);

// Pod UID of a path inside a kubelet pod directory (any --root-dir: ".../kubelet/pods/<uid>/..."),
// lower-case with dashes.
std::optional<std::string> pod_uid_in_path(std::string_view path);

// The mount holding `path`: longest mount point that is the path or one of its ancestors.
const Mount* mount_for_path(const std::vector<Mount>& mounts, std::string_view path);

struct CwdContext {
  std::optional<std::string> process_pod_uid;  // the pod of the process's memory cgroup
  std::string owner_label;                     // "cron.service", "ns/pod/ctr", "unconfined"
  std::optional<std::string> memory_cgroup;
  std::optional<std::string> pod_name_of_dir;  // "ns/name" of the pod whose dir cwd is in, when known
  std::string source_summary;                  // "cron: /etc/crontab:25 (daily at 06:25)"
};

CwdTruth analyze_cwd(std::vector<CwdSample> samples, const std::vector<Mount>& mounts, const CwdContext& ctx);

}  // namespace ms
