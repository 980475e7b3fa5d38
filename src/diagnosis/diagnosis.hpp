#pragma once
// One diagnosis pipeline: everything the doctor's rules read (kubelet settings, attribution, the
// suspects' provenance and cwd, OOM kills and evictions, the recorder's history), gathered below the
// CLI, for the live node (`doctor`, `doctor --db`) and for a recorded moment (`doctor --at`, `report`,
// the recorder's trigger snapshots). The commands parse flags and render what comes back, so the same
// moment gives the same findings wherever it is shown.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attribution/classify.hpp"
#include "events/event.hpp"
#include "events/kubelet_logs.hpp"
#include "k8s/thresholds.hpp"
#include "probe/host_paths.hpp"
#include "probe/task_source.hpp"
#include "rules/engine.hpp"
#include "store/history.hpp"
#include "util/result.hpp"

namespace ms::diagnosis {

struct Options {
  // The kubelet described offline (a file read as given, a command line); else discovered in the
  // process table (live) or the settings the recorder stored with the sample (recorded).
  std::optional<std::string> kubelet_config, kubelet_flags;
  double sample_seconds = 1.0;  // live: how long suspects' cwd and the swap counters are watched
  size_t max_suspects = 5;
  bool kernel_log = true;         // live: read /dev/kmsg for OOM kills
  KubeletLogOptions kubelet_log;  // live: where the kubelet's eviction lines are
  // The recorder's database: growth rates (live: the hour before now; recorded: the hour around the
  // moment) and, for a recorded moment, its kills and evictions.
  std::string db_path = store::kDefaultDbPath;
  bool db_required = false;  // named by the user: a database that cannot be read is an error, not a note
  TaskSourceOptions tasks;    // live: where the processes are read (--source; procfs by default)
};

// What the doctor found, and what it had to go on.
struct Diagnosis {
  DoctorReport report;
  bool kubelet_known = false;  // a kubelet was found or described: the kubelet rules ran
  std::vector<k8s::ResolvedThreshold> thresholds;
  // Where the processes came from: "bpf", "procfs" (live) or "history" (recorded), and why procfs
  // when BPF was allowed (Snapshot::process_source_note).
  std::string process_source = "procfs";
  std::string process_source_note;
};

// The live node, read now. Fails when the node (meminfo) cannot be read, or a required database
// cannot be.
Result<Diagnosis> diagnose_live(const HostPaths& paths, const Options& o);

// A recorded moment: its stored snapshot, the recorder's history around it and the OOM kills and
// evictions it stored in the day before it. The node's own files (pod and user names, cron, timers,
// updatedb.conf, watermarks) are read as they are now under `paths`; no cwd is sampled.
Result<Diagnosis> diagnose_recorded(const HostPaths& paths, store::History& h, const store::RecordedMoment& m,
                                    const Options& o);

// "as recorded at 2026-11-27T02:10:00Z (full sample, trigger oom-kill; 25 of 231 processes stored)"
std::string describe_moment(const store::RecordedMoment& m);

// OOM kills and evictions the recorder stored, as the event rules read them (owner, scope, the memory
// cgroup's usage and limit at the kill).
std::vector<Event> events_from_store(const std::vector<store::RecordedEvent>& recorded, const ClassifySources& src);

}  // namespace ms::diagnosis
