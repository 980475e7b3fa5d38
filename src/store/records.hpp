#pragma once
// What the recorder stores and what the History reader gives back. Values are raw readings; anything
// derived (working set, the kubelet's memory.available, rates) is computed on read.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attribution/owner.hpp"
#include "model/snapshot.hpp"

namespace ms::store {

struct SampleInfo {
  int64_t id = 0;
  int64_t time = 0;  // unix seconds
  bool full = false;  // a trigger snapshot: every process, cgroup, memory.stat key and slab cache
  std::string trigger;  // why it was taken ("" for a regular sample)
  int64_t duration_us = 0;  // time the recorder spent reading the node
  uint64_t nr_processes = 0, nr_cgroups = 0;  // how many the node had (stored: fewer)
};

// One node-level reading: meminfo in full, selected vmstat counters (all in a full sample), PSI, and
// the root and kubepods cgroups (enough to recompute both views of available memory).
struct NodePoint {
  SampleInfo sample;
  CgroupVersion cgroup_version = CgroupVersion::kNone;
  bool memory_on_v2 = false;
  std::optional<int64_t> kubelet_config_id;  // the kubelet settings in force (History::kubelet_config)
  KeyValues meminfo;
  KeyValues vmstat;
  std::optional<Psi> psi;
  std::optional<Cgroup> root;      // path "/"
  std::optional<Cgroup> kubepods;  // the kubelet's pods cgroup (else the shallowest kubepods(.slice)), if any
};

struct RecordedProcess {
  Process process;  // identity fields as first seen; memory fields as of the sample
  Owner owner;
  std::string provenance;  // JSON: ancestry, exe, cwd at first sight
  int64_t first_seen = 0;
  std::optional<int64_t> last_seen;  // unset while it was alive at the last sample
};

struct RecordedCgroup {
  Cgroup cgroup;
  Owner owner;
};

// The node as recorded at one sample: what the live commands read, rebuilt from the store.
struct RecordedMoment {
  SampleInfo sample;
  Snapshot snapshot;  // meminfo, vmstat, psi, slab, stored cgroups and processes
  NodePoint node;     // the node reading of the same sample (root and pods cgroups, kubelet settings id)
  std::vector<Owner> process_owners;       // aligned with snapshot.processes
  std::vector<std::string> process_provenance;  // aligned with snapshot.processes
  std::vector<int64_t> process_first_seen;       // aligned with snapshot.processes
  std::vector<Owner> cgroup_owners;        // aligned with snapshot.cgroups
};

// An OOM kill, an eviction or another kernel/kubelet event, as parsed when it was captured.
struct RecordedEvent {
  int64_t time = 0;
  std::string kind;    // "oom_kill", "eviction", ...
  std::string source;  // "kmsg", "kubelet-log", ...
  std::string dedupe_key;  // e.g. "<boot_id>:<kmsg seq>": the same record captured twice is stored once
  std::optional<int64_t> pid;
  std::optional<std::string> comm, cgroup, owner_kind, namespace_, pod, container;
  std::optional<int64_t> bytes;  // e.g. anon-rss + file-rss + shmem-rss of the killed task
  std::string message;  // the raw line
  std::string detail;   // JSON with everything else the parser found
};

struct SeriesPoint {
  int64_t time = 0;
  uint64_t value = 0;
};

}  // namespace ms::store
