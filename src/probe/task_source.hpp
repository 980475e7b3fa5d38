#pragma once
// Where a read of the node takes its process list from: procfs (always there, the reference), or a
// BPF task walk (probe/bpf/task_iter.hpp): the recorder's pinned iterator, or the programs loaded
// for this one read. Every way BPF can be unavailable (not built, no BTF, no privileges, no bpffs, a
// fixture tree, a pin of another record version) ends in procfs with a note that says why.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/snapshot.hpp"
#include "probe/bpf/bpf.hpp"
#include "probe/bpf/task_iter.hpp"
#include "probe/host_paths.hpp"
#include "util/result.hpp"

namespace ms {

enum class ProcessSource { kAuto, kBpf, kProcfs };
const char* to_string(ProcessSource s);
std::optional<ProcessSource> parse_process_source(std::string_view s);

struct TaskSourceOptions {
  // kProcfs by default for library callers (tests, fixture reads); the CLI's --source sets it.
  ProcessSource want = ProcessSource::kProcfs;
  std::string pin_dir = std::string(bpf::kDefaultPinDir);
  bool cmdline = true;  // the walk with cmdlines (one-shot reads); the recorder's walk goes without
  // auto, no usable pin: load the programs for this one read only on a node with at least this
  // many tasks (/proc/loadavg). Loading costs ~60-130 ms of CPU (libbpf parsing the kernel's BTF,
  // the verifier): more than procfs costs on a small node (docs/performance.md "BPF task iterator").
  uint64_t load_min_tasks = 1500;
};

// A walk taken for one read, and how (for the note and the JSON "source").
struct TaskWalkTaken {
  bpf::IterBuf buf;
  bpf::TaskWalk walk;
  std::string how;  // "pinned iterator /sys/fs/bpf/memsleuth/tasks_cmdline" or "loaded for this read"
};

// Is paths.procfs the procfs of this kernel as the BPF walk sees it (our pid namespace, which is
// the initial one: the walk's pids are the initial namespace's)? Otherwise why not.
Result<void> procfs_is_the_running_kernels(const HostPaths& paths);

// Takes a walk as opts say. memory_on_v2: the node's layout (what the record's cgroup id means).
// The error's message is the note: why procfs is read instead.
Result<void> take_task_walk(const HostPaths& paths, const TaskSourceOptions& opts, bool memory_on_v2,
                            TaskWalkTaken& out);

// The fields a task record carries, as ProcessReader::read sets them from stat and status (not the
// cmdline unless the record has it, not the memory cgroup: see the caller).
void process_from_task(const bpf::TaskRecord& r, long clock_ticks, long page_size, Process& p);

}  // namespace ms
