#pragma once
// Everything the doctor rules may look at. Each analysis is optional: a rule whose input is missing
// returns no finding (it never guesses), so doctor works on a bare host, in a fixture tree, and
// offline.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attribution/attribution.hpp"
#include "model/snapshot.hpp"

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
};

struct DoctorInput {
  const Snapshot* snap = nullptr;  // always set
  VmWatermarks watermarks;
  const History* history = nullptr;  // optional (recorder database)
  // A /proc/vmstat reading taken `vmstat_interval_s` after the snapshot's, for current swap rates.
  std::optional<KeyValues> vmstat_later;
  double vmstat_interval_s = 0;

  // attribution/: owner, effective limit and memory of every process, cgroup and pod.
  const Attribution* attribution = nullptr;
};

}  // namespace ms
