#pragma once
// The analyses the recorder runs on each live snapshot, for /metrics and the triggers: both views
// of available memory with their thresholds, memory by owner kind, per-pod memory, unbounded memory
// outside kubepods; and the owner and provenance of a process the store sees for the first time.
// Computed by the analysis modules (k8s/, attribution/, provenance/); nothing derived is stored.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "attribution/classify.hpp"
#include "attribution/classify_cache.hpp"
#include "attribution/owner.hpp"
#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
#include "model/snapshot.hpp"
#include "probe/host_paths.hpp"

namespace ms::agent {

struct PodMemory {
  std::string namespace_, pod;
  uint64_t working_set_bytes = 0;
};

struct NodeViews {
  std::optional<uint64_t> capacity_bytes;                  // MemTotal
  std::optional<int64_t> kernel_available;                 // MemAvailable
  std::optional<int64_t> kubelet_available;                // memory.available
  std::optional<int64_t> allocatable_available;            // allocatableMemory.available
  std::optional<int64_t> kubelet_threshold, allocatable_threshold;  // hard eviction thresholds, bytes
  std::vector<std::pair<std::string, uint64_t>> rss_by_owner_kind;
  std::vector<PodMemory> pods;
  std::optional<uint64_t> unbounded_outside_kubepods_bytes;
  uint64_t unbounded_outside_kubepods_processes = 0;
  // What the store keeps with the sample: the kubelet settings in force (JSON) and its pods cgroup.
  std::string kubelet_config_json;
  std::string pods_cgroup;
};

// Node sources the analyses read besides the snapshot (pod names, units, users, runtime ids) are
// loaded once and refreshed every few minutes, not every sample.
class ViewContext {
 public:
  explicit ViewContext(HostPaths paths, k8s::V2RootUsage rule = k8s::V2RootUsage::kAnonFile)
      : paths_(std::move(paths)), rule_(rule) {}
  NodeViews compute(const Snapshot& s);
  // Where the kubelet discovery says which process and files it chose or refused (the recorder's
  // log); called when that changes.
  void set_log(std::function<void(const std::string&)> log) { log_ = std::move(log); }
  // Owner of one process / cgroup, for the store (called at first sight only).
  Owner process_owner(const Snapshot& s, const Process& p);
  Owner cgroup_owner(const Snapshot& s, const Cgroup& c);
  // Owner of a memory cgroup path (an OOM victim's task_memcg), with the node's pod names.
  Owner owner_of_cgroup_path(std::string_view path);
  // JSON: ancestry (each ancestor's pid, comm, cmdline, start, cgroup, owner, reparenting), exe, cwd,
  // and the pod whose directory the cwd is in (a node-wide crawler walking pod volumes).
  // Ancestors' command lines pass through redact_argv unless `redact` is false (record --no-redact).
  std::string provenance(const Snapshot& s, const Process& p, bool redact = true);

 private:
  const ClassifySources& sources();
  // The kubelet's settings: discovered (process, --config, drop-ins, flags) every few minutes.
  const k8s::KubeletConfig& kubelet_config(const Snapshot& s);
  HostPaths paths_;
  k8s::V2RootUsage rule_;
  std::optional<ClassifySources> sources_;
  std::chrono::steady_clock::time_point sources_at_;
  std::optional<k8s::KubeletConfig> kubelet_config_;
  std::string kubelet_config_json_;
  std::chrono::steady_clock::time_point kubelet_config_at_;
  std::function<void(const std::string&)> log_;
  std::vector<std::string> logged_trust_;  // what was last logged

  // Across samples (a steady-state sample classifies no process and parses no cgroup path again).
  // Valid for one ClassifySources: cleared when the sources reload.
  // A process's owner is a function of its own facts (kernel thread, memory cgroup, systemd line,
  // comm, uid) and of its ancestors' comm and cmdline (cron ancestor, containerd shim): `sig` hashes
  // all of them, so a cached owner is reused only when classify_process would return it again.
  // By pid, as the snapshot's processes: each compute() merges it with the snapshot in one ordered
  // pass (no hashing, no scattered lookups), and what the merge does not meet is gone.
  struct OwnerSlot {
    int pid = 0;
    uint64_t start_time = 0;
    uint64_t sig = 0;        // of the process and its ancestry, when the owner was classified
    uint64_t own_facts = 0;  // hash of the process's own facts, read at identity_seq
    uint64_t identity_seq = 0;
    std::unique_ptr<Owner> owner;
    size_t cgroup_index = SIZE_MAX;  // its memory cgroup in the last snapshot's cgroups (checked by path)
  };
  struct CachedPath {
    std::optional<std::string> pod_uid;  // parse_kube_cgroup_path
    bool pod_level = false;              // the pod's own cgroup
    uint64_t generation = 0;
  };
  void forget_analysis_caches();
  std::vector<OwnerSlot> owners_;
  std::unordered_map<std::string, CachedPath> paths_seen_;
  CgroupOwnerCache cgroup_owners_;
  uint64_t generation_ = 0;
};

}  // namespace ms::agent
