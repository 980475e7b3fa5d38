#pragma once
// `memsleuth explain PID`: where a process came from, what holds it, and whether its cwd lies.
// explain_process() does the reads (snapshot, cron files, units, cwd samples, the process's own
// mountinfo, the memory cgroup's cgroup.procs); build_explanation() is the pure part over them.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "attribution/classify.hpp"
#include "attribution/effective_limit.hpp"
#include "attribution/owner.hpp"
#include "model/snapshot.hpp"
#include "probe/host_paths.hpp"
#include "probe/task_source.hpp"
#include "provenance/ancestry.hpp"
#include "provenance/cron_match.hpp"
#include "provenance/cron_sources.hpp"
#include "provenance/culprits.hpp"
#include "provenance/cwd.hpp"
#include "util/result.hpp"

namespace ms {

struct Sibling {
  int pid = 0;
  std::string comm;
  std::vector<std::string> cmdline;
  std::optional<uint64_t> rss_bytes;
};

// The thing a person must change to stop the process.
struct ExplainSource {
  std::string kind = "unknown";     // "cron" | "timer" | "systemd" | "pod" | "session" | "kernel" | "unknown"
  std::optional<std::string> file;  // crontab / anacrontab / unit file
  std::optional<int> line;
  std::optional<std::string> schedule, schedule_text, script, unit, unit_file, timer, timer_file, command;
  std::optional<std::string> user, session, namespace_, pod, container, pod_uid;
  bool node_agent = false;
  bool via_ancestry = true;  // false: inferred from command text (the cron ancestor is gone)
  std::string how;           // the evidence behind it, one line
  std::string summary() const;  // "cron: /etc/crontab:10 (daily at 06:25)"
};

struct CulpritHit {
  int pid = 0;  // the process of the chain the rule matched (the target or an ancestor)
  std::string comm;
  Culprit culprit;
};

struct Explanation {
  int64_t time = 0;
  Process process;
  std::optional<int64_t> start_unix;
  std::optional<std::string> user;
  Ancestry ancestry;
  std::vector<CgroupLine> cgroups;  // every line of /proc/<pid>/cgroup
  std::optional<std::string> memory_cgroup;
  std::optional<Cgroup> memory_cgroup_info;  // usage, own limit
  EffectiveLimit effective;
  std::vector<Sibling> siblings;  // other processes of the memory cgroup, by RSS
  std::string siblings_file;      // where they were read
  size_t siblings_total = 0;      // before truncation (kernel threads left out are not counted)
  size_t siblings_kernel_threads = 0;  // kernel threads in the cgroup, left out unless asked
  // A kernel thread (kthreadd or one of its children): it has no user memory, no source to change
  // and no limit that applies; the explanation stops at that.
  bool kernel_thread = false;
  Owner owner;
  std::string owner_why;
  ExplainSource source;
  CwdTruth cwd;
  std::chrono::milliseconds watch{0};
  std::vector<CulpritHit> culprits;
  std::vector<std::string> warnings;
  std::string process_source = "procfs";  // as Snapshot::process_source
  std::string process_source_note;
};

struct ExplainOptions {
  TaskSourceOptions tasks;  // where the node's processes are read (procfs by default)
  std::chrono::milliseconds watch{500};  // cwd sampling window (`--sample`); 0: one reading
  int samples = 0;           // 0: one every 200 ms over the watch (at least 2)
  size_t max_siblings = 50;
  bool kernel_threads = false;  // list kernel threads among the siblings (the root cgroup holds them all)
};

// Everything build_explanation needs, already read.
struct ExplainInputs {
  const Snapshot* snapshot = nullptr;
  const ClassifySources* sources = nullptr;
  const CronSources* cron = nullptr;
  std::string rootfs = "/";
  std::vector<CwdSample> cwd_samples;
  std::vector<Mount> process_mounts;  // /proc/<pid>/mountinfo (its mount namespace)
  std::optional<std::vector<int>> cgroup_pids;  // cgroup.procs of the memory cgroup
  std::string cgroup_pids_file;
  CulpritInputs culprit_base;  // conf, k8s dirs (mounts are replaced by process_mounts)
  std::optional<std::string> unit_file, timer_file;  // of the source unit, when found
  std::vector<std::string> timer_schedule;           // OnCalendar=/OnBootSec= of that timer
  std::optional<std::string> timer_name;
  std::vector<std::string> read_problems;  // cron files and configs that exist but could not be read
};

// A kernel thread: PF_KTHREAD, or a child of a kthreadd (pid 2) that is one.
bool is_kernel_thread(const Snapshot& s, const Process& p);

Explanation build_explanation(const ExplainInputs& in, int pid, const ExplainOptions& opts = {});

// kNotFound: no such process, or it exited while being explained (the message says which).
Result<Explanation> explain_process(const HostPaths& paths, int pid, const ExplainOptions& opts = {});

// Parses --sample (and its old name --watch): "2s", "500ms", "1m", "1.5s", "0".
std::optional<std::chrono::milliseconds> parse_watch_duration(std::string_view s);

}  // namespace ms
