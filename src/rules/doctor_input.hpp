#pragma once
// Everything the doctor rules may look at. Each analysis is optional: a rule whose input is missing
// returns no finding (it never guesses), so doctor works on a bare host, in a fixture tree, and
// offline.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attribution/attribution.hpp"
#include "events/event.hpp"
#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/thresholds.hpp"
#include "model/snapshot.hpp"
#include "provenance/cron_match.hpp"
#include "provenance/culprits.hpp"
#include "provenance/cwd.hpp"
#include "provenance/scheduled.hpp"
#include "rules/thresholds.hpp"

namespace ms {

// Kernel reclaim tunables that are not part of a Snapshot (probe/vm_watermarks reads them).
struct VmWatermarks {
  std::optional<uint64_t> min_free_bytes;  // /proc/sys/vm/min_free_kbytes × 1024
  // Sum over all zones of /proc/zoneinfo "min"/"low"/"high" (pages × page size).
  std::optional<uint64_t> zone_min_bytes, zone_low_bytes, zone_high_bytes;
};

// One recorded moment of the node (store/ turns its rows into these; rules stays below store).
struct HistoryPoint {
  int64_t time = 0;  // unix seconds
  std::optional<uint64_t> kubelet_available_bytes, mem_available_bytes;
  std::optional<uint64_t> slab_reclaimable_bytes, slab_unreclaimable_bytes, shmem_bytes;
  std::optional<uint64_t> pswpin, pswpout;  // vmstat counters (pages)
};
struct History {
  std::vector<HistoryPoint> points;  // oldest first
  int64_t since = 0, until = 0;      // the window they were read for (unix seconds)
};

// Provenance of one suspect (a big process outside kubepods), gathered by the CLI.
struct SuspectProvenance {
  int pid = 0;
  std::optional<CronMatch> cron;       // the crontab line that started it
  std::optional<std::string> timer;    // the .timer that activates its unit
  std::optional<CwdTruth> cwd;         // cwd sampled over the doctor's sampling window
  std::optional<Culprit> culprit;      // a known culprit rule matched its argv
};

struct DoctorInput {
  const Snapshot* snap = nullptr;  // always set
  VmWatermarks watermarks;
  const History* history = nullptr;  // optional (recorder database)
  // A /proc/vmstat reading taken `vmstat_interval_s` after the snapshot's, for current swap rates.
  std::optional<KeyValues> vmstat_later;
  double vmstat_interval_s = 0;

  // k8s/: null when no kubelet was found and none was described on the command line.
  const k8s::KubeletConfig* kubelet = nullptr;
  const k8s::KubeletView* kubelet_view = nullptr;
  std::vector<k8s::ResolvedThreshold> thresholds;
  std::optional<k8s::NodeAllocatable> allocatable;

  // attribution/
  const Attribution* attribution = nullptr;
  // memsleuth's own pid when it reads the live node: never a suspect (its ASan build is big).
  std::optional<int> self_pid;

  // provenance/
  std::vector<SuspectProvenance> suspects;
  std::vector<ScheduledCulprit> scheduled;

  // events/: OOM kills and evictions (null when the kernel log could not be read)
  const std::vector<Event>* events = nullptr;
  bool kernel_log = true;    // events include the kernel log (live /dev/kmsg, or the recorder's capture)
  bool kubelet_log = false;  // events include the kubelet's eviction lines (its log or journal)
  int64_t events_window_s = thresholds::kEventsWindowSeconds;
};

}  // namespace ms
