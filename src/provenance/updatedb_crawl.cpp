#include "provenance/updatedb_crawl.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "util/text.hpp"

namespace ms {

const std::vector<std::string> kKubernetesStateDirs = {
    "/var/lib/kubelet", "/var/lib/containerd", "/var/lib/docker", "/var/lib/containers", "/var/log/pods",
};

const char* to_string(CrawlRisk r) {
  switch (r) {
    case CrawlRisk::kKubernetesState: return "kubernetes-state";
    case CrawlRisk::kContainerRootfs: return "container-rootfs";
    case CrawlRisk::kNetworkFs: break;
  }
  return "network-fs";
}

bool is_network_or_fuse_fs(std::string_view t) {
  static const std::set<std::string_view> kNet = {
      "ceph", "cephfs", "nfs", "nfs4", "glusterfs", "cifs", "smb3", "smbfs", "9p", "lustre", "lustre_lite",
      "gpfs", "beegfs", "ocfs2", "gfs2", "afs", "orangefs", "fuse", "fuseblk", "virtiofs", "juicefs"};
  return kNet.count(t) > 0 || starts_with(t, "fuse.");
}

bool path_under(std::string_view path, std::string_view dir) {
  if (dir == "/") return !path.empty() && path.front() == '/';
  if (path == dir) return true;
  return path.size() > dir.size() && starts_with(path, dir) && path[dir.size()] == '/';
}

std::vector<std::string> bind_mount_points(const std::vector<Mount>& mounts) {
  std::map<int, const Mount*> by_id;
  for (const auto& m : mounts) by_id[m.mount_id] = &m;
  std::vector<std::string> out;
  for (const auto& m : mounts) {
    auto it = by_id.find(m.parent_id);
    if (it == by_id.end() || it->second == &m) continue;
    const Mount& p = *it->second;
    if (m.major_minor != p.major_minor || m.fs_type != p.fs_type || m.source != p.source) continue;
    // A no-op bind ("mount --bind /a /a/b" style, where the path below the parent equals the root
    // below the parent's root) is not counted, as in mlocate.
    bool noop = starts_with(m.mount_point, p.mount_point) && starts_with(m.root, p.root) &&
                std::string_view(m.mount_point).substr(p.mount_point.size()) ==
                    std::string_view(m.root).substr(p.root.size());
    if (!noop) out.push_back(m.mount_point);
  }
  return out;
}

namespace {

std::string normalize(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p.empty() ? "/" : p;
}

// The mount holding `path`: the longest mount point that is `path` or an ancestor of it (the last
// one listed wins on an over-mount).
const Mount* mount_of(const std::vector<Mount>& mounts, std::string_view path) {
  const Mount* best = nullptr;
  for (const auto& m : mounts)
    if (path_under(path, m.mount_point) && (!best || m.mount_point.size() >= best->mount_point.size())) best = &m;
  return best;
}

// Rebuilds an assignment line in the style of the original (spaces around '=' or not).
std::string assignment(std::string_view name, const std::optional<UpdatedbSetting>& old,
                       const std::vector<std::string>& add) {
  std::string value = old ? old->value : "";
  for (const auto& a : add) value += (value.empty() ? "" : " ") + a;
  bool spaced = old && old->raw.find(" = ") != std::string::npos;
  return std::string(name) + (spaced ? " = \"" : "=\"") + value + "\"";
}

}  // namespace

CrawlPlan plan_updatedb_crawl(const UpdatedbConf& conf_in, const UpdatedbArgs& args, const std::vector<Mount>& mounts,
                              const std::vector<std::string>& k8s_dirs) {
  CrawlPlan plan;
  plan.database_root = normalize(args.database_root);
  plan.config_ignored = args.findutils;
  plan.prunefs_unknown = args.prunefs_from_shell;
  UpdatedbConf conf = args.findutils ? UpdatedbConf{} : conf_in;
  bool pbm = args.prune_bind_mounts.value_or(conf.prune_bind_mounts_on());
  std::vector<std::string> binds = pbm ? bind_mount_points(mounts) : std::vector<std::string>{};
  auto is_bind = [&](std::string_view mp) { return std::find(binds.begin(), binds.end(), mp) != binds.end(); };
  auto cmd_prunes_fs = [&](std::string_view t) {
    for (const auto& f : args.add_prunefs)
      if (f == t) return true;
    return false;
  };
  const std::string& root = plan.database_root;
  auto cmd_prunes_path = [&](std::string_view p) -> std::optional<std::string> {
    for (const auto& e : args.add_prunepaths)
      if (path_under(p, e) && path_under(e, root) && e != root) return e;
    return std::nullopt;
  };
  const Mount* root_mount = mount_of(mounts, root);

  // Why a directory (a mount point or a Kubernetes dir) is skipped, or nullopt if it is walked.
  auto why_pruned = [&](const std::string& path, const Mount* m) -> std::optional<PruneEvidence> {
    PruneEvidence e;
    e.path = path;
    e.fs_type = m ? m->fs_type : "";
    if (!path_under(path, root) && !path_under(root, path)) {
      e.by = "outside database root";
      e.raw = "-U " + root;
      return e;
    }
    if (auto p = conf.pruning_path(path, root)) {
      e.by = "PRUNEPATHS";
      e.line = conf.prunepaths->line;
      e.raw = conf.prunepaths->raw;
      return e;
    }
    if (auto p = cmd_prunes_path(path)) {
      e.by = "command line";
      e.raw = "-e " + *p;
      return e;
    }
    // Every mount on the way down from the database root must be walkable too.
    for (const auto& a : mounts) {
      if (!path_under(path, a.mount_point)) continue;
      if (!path_under(a.mount_point, root) && !(root_mount && a.mount_point == root_mount->mount_point)) continue;
      bool self = m && a.mount_point == m->mount_point;
      if (conf.prunes_fs(a.fs_type)) {
        e.by = self ? "PRUNEFS" : "parent pruned";
        e.line = conf.prunefs->line;
        e.raw = conf.prunefs->raw;
        if (!self) e.raw = a.mount_point + " (" + a.fs_type + "): " + e.raw;
        return e;
      }
      if (cmd_prunes_fs(a.fs_type)) {
        e.by = self ? "command line" : "parent pruned";
        e.raw = "-f " + a.fs_type;
        return e;
      }
      if (is_bind(a.mount_point) && a.mount_point != "/") {
        e.by = self ? "PRUNE_BIND_MOUNTS" : "parent pruned";
        if (conf.prune_bind_mounts) {
          e.line = conf.prune_bind_mounts->line;
          e.raw = conf.prune_bind_mounts->raw;
        } else {
          e.raw = "--prune-bind-mounts yes";
        }
        return e;
      }
    }
    return std::nullopt;
  };

  std::vector<std::string> add_fs, add_paths;
  auto want_path = [&](const std::string& p) {
    if (std::find(add_paths.begin(), add_paths.end(), p) == add_paths.end()) add_paths.push_back(p);
  };
  auto want_fs = [&](const std::string& t) {
    if (std::find(add_fs.begin(), add_fs.end(), t) == add_fs.end()) add_fs.push_back(t);
  };

  for (const auto& m : mounts) {
    if (!path_under(m.mount_point, root)) continue;
    std::optional<CrawlRisk> risk;
    if (is_network_or_fuse_fs(m.fs_type)) risk = CrawlRisk::kNetworkFs;
    else if (m.fs_type == "overlay" && m.mount_point != "/") risk = CrawlRisk::kContainerRootfs;
    if (!risk) continue;
    if (auto why = why_pruned(m.mount_point, &m)) {
      plan.pruned.push_back(std::move(*why));
      continue;
    }
    plan.crawled.push_back({*risk, m.mount_point, m.fs_type, m.source});
    if (*risk == CrawlRisk::kNetworkFs) want_fs(m.fs_type);
  }
  for (const auto& d0 : k8s_dirs) {
    std::string d = normalize(d0);
    // The crawl reaches d when d lies under the root, or starts inside d when the root lies under it.
    if (!path_under(d, root) && !path_under(root, d)) continue;
    std::string walked = path_under(d, root) ? d : root;
    const Mount* m = mount_of(mounts, walked);
    if (auto why = why_pruned(walked, m)) {
      plan.pruned.push_back(std::move(*why));
      continue;
    }
    plan.crawled.push_back({CrawlRisk::kKubernetesState, walked, m ? m->fs_type : "", m ? m->source : ""});
    want_path(d);
  }
  for (const auto& f : plan.crawled)
    if (f.risk == CrawlRisk::kContainerRootfs) {
      // Container root filesystems live under the runtime's state dirs; pruning those covers them.
      for (std::string_view base : {"/run/containerd", "/var/lib/containerd", "/var/lib/docker", "/run/containers",
                                    "/var/lib/containers"})
        if (path_under(f.path, base)) want_path(std::string(base));
    }
  if (!plan.config_ignored) {
    if (!add_fs.empty()) plan.prunefs_fix = assignment("PRUNEFS", conf.prunefs, add_fs);
    if (!add_paths.empty()) plan.prunepaths_fix = assignment("PRUNEPATHS", conf.prunepaths, add_paths);
  }
  return plan;
}

}  // namespace ms
