#pragma once
// Plain data read off a node at one moment. No behaviour beyond lookups; filled by probe/, read by
// the analyses, serialised in one place (render/json_snapshot).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ms {

// Ordered key → value list (meminfo, vmstat, memory.stat, memory.events), values as the kernel wrote
// them converted to bytes where the file says kB.
struct KeyValues {
  std::vector<std::pair<std::string, uint64_t>> items;
  std::optional<uint64_t> get(std::string_view key) const;
  uint64_t get_or(std::string_view key, uint64_t fallback) const { return get(key).value_or(fallback); }
  bool empty() const { return items.empty(); }
};

struct PsiLine {
  double avg10 = 0, avg60 = 0, avg300 = 0;
  uint64_t total_us = 0;
};
struct Psi {
  PsiLine some;
  std::optional<PsiLine> full;  // absent on kernels that only print "some"
};

struct SlabCache {
  std::string name;
  uint64_t active_objs = 0, num_objs = 0, objsize = 0;
  uint64_t bytes = 0;  // num_objs * objsize
};

struct Mount {
  int mount_id = 0, parent_id = 0;
  std::string major_minor;
  std::string root;         // root of the mount within its filesystem
  std::string mount_point;  // unescaped
  std::string fs_type;
  std::string source;
  std::string options;        // per-mount options
  std::string super_options;  // per-superblock options
  std::optional<uint64_t> size_bytes, used_bytes;  // statvfs, tmpfs-like mounts on live hosts only
};

enum class CgroupVersion { kNone, kV1, kV2, kHybrid };
const char* to_string(CgroupVersion v);

struct CgroupLine {
  int hierarchy_id = 0;
  std::string controllers;  // "memory", "cpu,cpuacct", "name=systemd", "" for v2
  std::string path;
};

struct Process {
  int pid = 0;
  int ppid = 0;
  char state = '?';
  uint64_t start_time = 0;  // clock ticks since boot (stat field 22)
  std::string comm;
  std::vector<std::string> cmdline;
  std::optional<uint32_t> uid;
  bool kernel_thread = false;
  int threads = 0;
  std::optional<uint64_t> rss_bytes, rss_anon_bytes, rss_file_bytes, rss_shmem_bytes, swap_bytes;
  std::optional<uint64_t> pss_bytes, uss_bytes;  // only with --pss
  std::optional<std::string> memory_cgroup;      // path within the memory hierarchy
  std::vector<CgroupLine> cgroups;
  std::optional<std::string> exe, cwd;
  std::optional<int> oom_score_adj;
  // Set by a reader kept across samples (the recorder's SampleReader) each time it reads comm,
  // cmdline, uid, ppid or cgroups again; 0 when not tracked (read_snapshot). Lets an analysis
  // reuse what it derived from them while the number stands.
  uint64_t identity_seq = 0;
};

struct Cgroup {
  std::string path;  // "/" for the root, "/kubepods/burstable/pod…" below it
  uint64_t inode = 0;
  std::optional<uint64_t> usage_bytes;
  std::optional<uint64_t> limit_bytes;  // nullopt = unlimited (or unreadable: see limit_known)
  bool limit_known = false;
  std::optional<uint64_t> swap_limit_bytes;
  std::optional<uint64_t> failcnt;
  KeyValues stat;
  KeyValues events;  // v2 memory.events
  uint32_t nr_procs = 0;
  bool nr_procs_known = false;      // cgroup.procs was readable (JSON null otherwise)
  bool usage_from_meminfo = false;  // v2 root has no memory.current: MemTotal - MemFree (as runc)
};

struct Snapshot {
  int64_t time = 0;  // unix seconds
  uint64_t boot_time = 0;
  long clock_ticks = 100;
  long page_size = 4096;
  CgroupVersion cgroup_version = CgroupVersion::kNone;
  bool memory_on_v2 = false;          // where the memory controller lives
  std::string memory_root;            // readable directory of the memory hierarchy's mount
  // Hierarchy path that memory_root shows (mountinfo "root" field): "/" on a host, the container's
  // own cgroup when a runtime bind-mounted only a subtree. Cgroup paths include it.
  std::string memory_root_path = "/";
  KeyValues meminfo;                  // bytes
  KeyValues vmstat;                   // raw counters / pages as the kernel wrote them
  std::optional<Psi> psi;
  std::vector<SlabCache> slab;        // top caches by bytes; empty when unreadable
  bool slab_readable = false;
  std::vector<Mount> mounts;
  std::vector<Process> processes;
  std::vector<Cgroup> cgroups;        // sorted by path; root first
  // Where the processes were read: "procfs", or "bpf" (a BPF task walk, probe/task_source.hpp).
  std::string process_source = "procfs";
  // Why procfs when BPF was asked for or allowed (--source auto|bpf); empty otherwise.
  std::string process_source_note;
  // Where the cgroups' usage, limits and failcnt were read: "files", or "bpf" (the recorder's pinned
  // BPF cgroup walk, probe/bpf/cgroup_iter.hpp; memory.stat and cgroup.procs are files either way).
  std::string cgroup_source = "files";
  uint64_t skipped = 0;               // processes or cgroups that vanished mid-scan
  std::vector<std::string> warnings;  // non-fatal read errors, already described

  const Cgroup* find_cgroup(std::string_view path) const;
  // Readable directory of a cgroup path ("/kubepods/...") under memory_root; empty when the path
  // is outside the mounted subtree.
  std::string cgroup_dir(std::string_view path) const;
  const Process* find_process(int pid) const;
};

}  // namespace ms
