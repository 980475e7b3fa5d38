#pragma once
// What an updatedb run will walk, from its config, its command line and the mount table. Pure.
//
// mlocate/plocate skip a directory when its path is in PRUNEPATHS (exact match, so the whole
// subtree goes), when the filesystem type of a mount is in PRUNEFS (exact, case-insensitive), and,
// with PRUNE_BIND_MOUNTS, when a mount has the same device, type and source as its parent mount
// but shows a different part of it (mlocate bind-mount.c). A CSI volume bind-mounted from a
// globalmount elsewhere is therefore NOT a "bind mount" to updatedb when its parent mount is /.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/snapshot.hpp"
#include "provenance/updatedb_conf.hpp"

namespace ms {

enum class CrawlRisk { kNetworkFs, kKubernetesState, kContainerRootfs };
const char* to_string(CrawlRisk r);  // "network-fs", "kubernetes-state", "container-rootfs"

// Network, distributed and FUSE filesystems: walking them costs the cluster, not just this node.
bool is_network_or_fuse_fs(std::string_view fs_type);

// Directories whose contents belong to pods and container runtimes.
extern const std::vector<std::string> kKubernetesStateDirs;  // /var/lib/kubelet, /var/lib/containerd, ...

struct CrawlFinding {
  CrawlRisk risk = CrawlRisk::kNetworkFs;
  std::string path;     // mount point, or the Kubernetes directory
  std::string fs_type;  // of the mount (the one holding `path` for directories)
  std::string source;   // mount source (device, server:/export, ...)
};

struct PruneEvidence {
  std::string path, fs_type;
  std::string by;   // "PRUNEFS", "PRUNEPATHS", "PRUNE_BIND_MOUNTS", "command line", "parent pruned"
  int line = 0;     // line in the config (0 = not from the config)
  std::string raw;  // the config line (or the option) that prunes it
};

struct CrawlPlan {
  std::string database_root = "/";
  std::vector<CrawlFinding> crawled;  // risky things it WILL walk
  std::vector<PruneEvidence> pruned;  // risky things it will skip, and why
  // Replacement config lines that would prune every finding (nullopt: nothing to add there).
  std::optional<std::string> prunefs_fix, prunepaths_fix;
  bool config_ignored = false;  // findutils' updatedb does not read updatedb.conf
  bool prunefs_unknown = false;  // -f "$nodevs": extra types set at run time (EL7 cron script)
};

// `k8s_dirs`: the Kubernetes state directories that exist on this host, as the crawler sees them.
CrawlPlan plan_updatedb_crawl(const UpdatedbConf& conf, const UpdatedbArgs& args, const std::vector<Mount>& mounts,
                              const std::vector<std::string>& k8s_dirs);

// mlocate's bind-mount rule over a mount table: mount points that PRUNE_BIND_MOUNTS would skip.
std::vector<std::string> bind_mount_points(const std::vector<Mount>& mounts);

// True when `path` is `dir` or lies below it.
bool path_under(std::string_view path, std::string_view dir);

}  // namespace ms
