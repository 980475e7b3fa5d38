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

// A process whose end the kernel reported (the BPF exit capture): one that lived between two samples
// and was never sampled, or one that was. Stored under its (boot, pid, start_time) identity.
struct ProcessExit {
  Process process;         // pid, ppid, start_time (ticks), comm, uid, memory_cgroup; rss_bytes = peak
  Owner owner;             // classified at exit from its cgroup and its ancestry
  std::string provenance;  // JSON, as a sampled process's: ancestry rebuilt at exit
  int64_t time = 0;        // exit, unix seconds
  int64_t start = 0;       // start, unix seconds
  uint64_t peak_rss_bytes = 0;
  // false: the kernel's getrusage maximum (signal->maxrss), which also counts the image a process
  // replaced with exec (for a child of a large process that vfork'ed, the parent's RSS).
  bool peak_exact = true;
  int64_t run_us = 0;  // wall time from start to exit
  int64_t cpu_us = 0;  // CPU time of all its threads
  int exit_code = 0;   // wait status: exit status << 8, or the signal that ended it
  std::optional<uint64_t> memcg_id;
  int parent_pid = 0;
  uint64_t parent_start_time = 0;  // ticks
  std::string parent_comm;
  std::string source = "bpf";
};

// Short-lived processes below the floor, summed per memory cgroup over one sample's interval.
struct ExitGroup {
  int64_t since = 0, time = 0;  // first and last exit summed here (unix seconds)
  std::string cgroup;           // memory cgroup path ("" when it could not be named)
  Owner owner;
  uint64_t count = 0;
  uint64_t failed = 0;  // non-zero exit status or ended by a signal
  uint64_t max_peak_bytes = 0;
  int max_pid = 0;
  std::string max_comm;
  int64_t sum_run_us = 0, sum_cpu_us = 0;
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
  // Processes (not among the stored ones) alive at some time between this sample and the next, as
  // the exit capture reported them: filled by History::at.
  std::vector<ProcessExit> exited;
};

// An OOM kill's victim as the recorder last read it before the kill (the kernel's record names only
// pid, comm, memcg and RSS). Stored with the event: its identity in `processes` (owner and provenance
// at first sight, inserted when no sample had stored it), its memory as of `seen_at` in the event row.
struct RecordedVictim {
  int64_t seen_at = 0;     // the reading's time (unix seconds)
  uint64_t boot_time = 0;  // with pid and start_time, the process's identity
  Process process;         // identity, cmdline, memory cgroup and memory of that reading
  Owner owner;
  std::string provenance;  // JSON: ancestry, exe, cwd (as processes.provenance)
  int64_t first_seen = 0;  // when the recorder first stored it (read back; = seen_at when new)
};

// An OOM kill, an eviction or another kernel/kubelet event, as parsed when it was captured.
struct RecordedEvent {
  int64_t time = 0;
  std::string kind;    // "oom_kill", "eviction", ...
  std::string source;  // "kmsg", "kubelet-log", ...
  std::string dedupe_key;  // e.g. "<boot_id>:<kmsg seq>": the same record captured twice is stored once
  std::optional<int64_t> pid;
  std::optional<std::string> comm, cgroup, owner_kind, namespace_, pod, container;
  std::optional<int64_t> bytes;          // e.g. anon-rss + file-rss + shmem-rss of the killed task
  std::string message;                   // the raw line
  std::string detail;                    // JSON with everything else the parser found
  std::optional<RecordedVictim> victim;  // oom_kill: the victim's last reading, when the recorder had one
};

// How a process ended, as the recorder saw it: an OOM kill (the only exit it records today; BPF
// exit records would join here).
struct RecordedExit {
  int64_t time = 0;                                  // the kill's kernel timestamp (unix seconds)
  std::string reason;                                // the kernel's: "Memory cgroup out of memory", "Out of memory"
  std::string scope;                                 // "memcg" | "global" | "" (unknown)
  std::optional<std::string> memcg;                  // the cgroup whose limit was hit
  std::optional<uint64_t> limit_bytes, usage_bytes;  // that cgroup's, at the kill
  std::optional<int64_t> rss_bytes;                  // the victim's at the kill (anon+file+shmem)
};

// A process that is gone, as last recorded: the moment of its last reading with the process in it
// (index), and how it ended when the recorder saw that.
struct ExitedProcess {
  RecordedMoment moment;
  size_t index = 0;
  int64_t last_read = 0;  // when the process shown was read
  std::optional<RecordedExit> exit;
};

struct SeriesPoint {
  int64_t time = 0;
  uint64_t value = 0;
};

}  // namespace ms::store
