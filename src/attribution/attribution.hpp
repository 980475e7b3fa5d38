#pragma once
// Every process, cgroup and byte of a Snapshot under a named Owner, with the limit that bounds it.
// One entry point, used by top, doctor, record and report. Rows point into the Snapshot they were
// computed from: keep it alive as long as the Attribution.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "attribution/classify.hpp"
#include "attribution/effective_limit.hpp"
#include "attribution/owner.hpp"
#include "model/snapshot.hpp"
#include "probe/host_paths.hpp"

namespace ms {

// The three memory measures top can sort by. For a process, the kernel keeps no active/inactive
// split, so its working set is its RSS; for a cgroup it is kubelet's usage - inactive_file.
struct MemoryMeasures {
  std::optional<uint64_t> rss, working_set, pss;
};

struct ProcessAttribution {
  const Process* process = nullptr;
  Owner owner;
  std::string why;  // one line: what in the cgroup path or the process made this owner
  EffectiveLimit limit;
  MemoryMeasures memory;
  bool unbounded_outside_kubepods() const { return !owner.in_kubepods && limit.known && !limit.bounded(); }
};

struct CgroupAttribution {
  const Cgroup* cgroup = nullptr;
  Owner owner;
  std::string why;
  EffectiveLimit limit;
  MemoryMeasures memory;  // rss: v1 total_rss / v2 anon; pss: sum over processes in the subtree
  uint32_t processes = 0;  // processes of the snapshot in this cgroup or below
};

struct PodRollup {
  Owner owner;             // pod-level: no container fields
  std::string pod_cgroup;  // "" when the pod cgroup was not in the snapshot
  uint32_t processes = 0, containers = 0;
  std::optional<uint64_t> usage_bytes;
  MemoryMeasures memory;
  EffectiveLimit limit;
  std::optional<uint64_t> memory_tmpfs_bytes;  // emptyDir medium: Memory volumes of this pod
};

struct OwnerRollup {
  Owner owner;        // representative (the first process's owner)
  std::string label;  // owner.label()
  uint32_t processes = 0;
  MemoryMeasures memory;  // sums over its processes
  EffectiveLimit limit;   // the loosest of its processes' limits (unbounded if any is)
};

struct KindRollup {
  OwnerKind kind = OwnerKind::kUnconfined;
  uint32_t processes = 0;
  uint64_t rss_bytes = 0;
  std::optional<uint64_t> pss_bytes;
};

// A tmpfs-like mount: its pages are shared memory no process owns.
struct TmpfsUsage {
  std::string mount_point, fs_type, source;
  std::optional<uint64_t> used_bytes, size_bytes;
  bool dev_shm = false;
  std::optional<Owner> owner;          // a pod for emptyDir medium: Memory
  std::optional<std::string> volume;   // emptyDir volume name
};

struct ResidualMemory {
  std::vector<TmpfsUsage> tmpfs;  // one per superblock, largest first
  std::optional<uint64_t> tmpfs_used_bytes;
  std::optional<uint64_t> shmem_bytes;  // meminfo Shmem (tmpfs + shm + shared anonymous)
  std::optional<uint64_t> slab_bytes, slab_reclaimable_bytes, slab_unreclaimable_bytes;
  std::vector<SlabCache> top_slab;  // up to 10, by bytes
  std::optional<uint64_t> page_cache_bytes;          // meminfo Cached
  std::optional<uint64_t> page_cache_in_pods_bytes;  // kubepods total_cache (v1) / file (v2)
  std::optional<uint64_t> page_cache_outside_pods_bytes;
};

struct Attribution {
  std::vector<ProcessAttribution> processes;  // snapshot order (by pid)
  std::vector<CgroupAttribution> cgroups;     // snapshot order (by path)
  std::vector<PodRollup> pods;                // by namespace/pod/uid
  std::vector<OwnerRollup> owners;            // by kind, then label
  std::vector<KindRollup> kinds;              // every kind that owns a process
  ResidualMemory residual;

  const ProcessAttribution* process(int pid) const;
  const CgroupAttribution* cgroup(std::string_view path) const;
};

// Reads the node's names, timers, users and runtime ids through HostPaths, then attributes.
Attribution attribute(const Snapshot& s, const HostPaths& paths);
// Pure: everything from the snapshot and the given sources.
Attribution attribute(const Snapshot& s, const ClassifySources& sources);

// Residual memory alone (also used by doctor/report without the per-process work).
ResidualMemory residual_memory(const Snapshot& s, const ClassifySources* sources = nullptr);

// Memory of a cgroup from its stat (see MemoryMeasures).
MemoryMeasures cgroup_measures(const Cgroup& c, bool v2);

}  // namespace ms
