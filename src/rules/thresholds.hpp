#pragma once
// Every number a doctor rule compares against, in one place, each with the reason it is that number.
// docs/doctor.md repeats them; a finding's `why` names the one it used.
#include <cstdint>

namespace ms::thresholds {

// Kernel slab. A healthy node keeps SUnreclaim at 1-3% of RAM: above 10% the kernel is holding
// memory it cannot give back under pressure (a leak, or objects pinned by a workload), above 20% that
// alone can push the node into OOM.
inline constexpr double kSlabUnreclaimWarnPct = 10.0;
inline constexpr double kSlabUnreclaimCritPct = 20.0;
// Reclaimable slab (dentry/inode caches) is freed under pressure, but above 25% of RAM it is the trace
// of a walker (updatedb, find, du, backup) and it is charged to that walker's memcg.
inline constexpr double kSlabReclaimWarnPct = 25.0;
// Growth that would eat 1% of RAM per minute is not a cache warming up: it is a walker or a leak.
inline constexpr double kSlabGrowthWarnPctPerMin = 1.0;
// Every rate from the recorder's history (slab growth, the decline of available memory, swap
// traffic) is measured over at least a minute: with 2 s samples, a 29 MiB blip between two readings
// would otherwise read as 0.85 GiB/min. Less than a minute of history gives no rate at all.
inline constexpr int64_t kMinRateSpanSeconds = 60;

// Memory-backed filesystems (tmpfs, /dev/shm, emptyDir medium: Memory): pages stay in RAM until the
// file is deleted; no process exit frees them. On a node /run and /dev/shm hold a few MiB, so one
// tmpfs holding 5% of RAM is already unusual, and 25% squeezes everything else.
inline constexpr double kTmpfsWarnPct = 5.0;
inline constexpr double kTmpfsCritPct = 25.0;
inline constexpr uint64_t kTmpfsMinBytes = uint64_t{64} << 20;  // below this, never worth a line

// Memory PSI (/proc/pressure/memory). Idle and healthy nodes sit at 0; systemd-oomd's default
// ManagedOOMMemoryPressureLimit is 60% of `full` over 30 s, the point where it starts killing.
inline constexpr double kPsiSomeWarnAvg60 = 10.0;
inline constexpr double kPsiFullWarnAvg60 = 5.0;
inline constexpr double kPsiFullCritAvg10 = 60.0;

// Swap traffic: 1 MiB/s in or out for a sustained interval means the working set no longer fits,
// and the kubelet does not count swap at all.
inline constexpr double kSwapRateWarnBytesPerSec = 1024.0 * 1024.0;
inline constexpr double kSwapUsedInfoPct = 25.0;

// Kubelet blind spot: the kubelet's memory.available and MemAvailable may differ by a little; a
// difference above 10% of RAM (or above the hard threshold itself) means one view is wrong exactly
// when it matters.
inline constexpr double kBlindSpotWarnPct = 10.0;

// Hard eviction threshold. The default 100Mi fails to prevent system OOM ~40% of the time
// (kubernetes#31362); below 1% of RAM the margin does not scale with the node. Suggested value:
// 5% of RAM, at least 3 housekeeping intervals of measured growth and twice the high watermarks.
inline constexpr double kHardMinPctOfCapacity = 1.0;
inline constexpr double kHardSuggestPct = 5.0;

// Unbounded memory outside kubepods: worth a finding once it is as big as the kubelet's eviction
// margin (the hard memory.available threshold, the kubelet's default 100Mi when none is known: its growth
// alone can use up that margin between two 10 s checks) or 10% of RAM where the margin is larger; never
// below 2% of RAM (on a big node many daemons exceed 100Mi and are noise). So the floor scales with the
// node: 46Mi on a 466Mi VM, 327Mi on 16Gi with the default margin, 500Mi with the incident's 500Mi on 8Gi.
// Critical when it is a scheduled job, a known culprit, a filesystem walker, or >= 10% of RAM.
inline constexpr double kUnboundedMinPct = 2.0;
inline constexpr double kUnboundedMarginCapPct = 10.0;
inline constexpr uint64_t kKubeletDefaultHardBytes = uint64_t{100} << 20;  // defaults_linux.go: 100Mi
inline constexpr double kUnboundedCritPct = 10.0;
// Node agents (kubelet, containerd, ...) belong outside pods; only a big one is worth a line.
inline constexpr double kNodeAgentWarnPct = 10.0;

// Pods. A BestEffort pod has no limit: 5% of RAM in one is worth knowing, 25% is critical.
inline constexpr double kBestEffortWarnPct = 5.0;
inline constexpr double kBestEffortCritPct = 25.0;
// A container whose working set (usage - inactive_file) is at 90% of its limit is about to be
// OOM-killed: little reclaimable memory is left.
inline constexpr double kNearLimitWarnPct = 90.0;
// OOM kills and evictions: the last 24 h, at most 5 findings of each kind.
inline constexpr int64_t kEventsWindowSeconds = 24 * 3600;
inline constexpr size_t kMaxEventFindings = 5;

}  // namespace ms::thresholds
