#pragma once
// What `memsleuth oom` reports: kernel OOM kills and kubelet evictions, as parsed (raw kernel units
// kept: kB for the victim line, pages for the task table) plus attribution added afterwards.
// Every field a record did not show stays nullopt: nothing is invented.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "attribution/owner.hpp"

namespace ms {

// "usage NkB, limit NkB, failcnt N" of one memcg counter (memory, memory+swap, kmem, swap).
struct MemcgCounter {
  std::optional<uint64_t> usage_kb, limit_kb, failcnt;
};

// A row of the task table ("[ pid ]   uid  tgid total_vm      rss ... name"); memory in pages.
struct OomTask {
  int64_t pid = 0;
  std::optional<int64_t> uid, tgid;
  std::optional<uint64_t> total_vm_pages, rss_pages, rss_anon_pages, rss_file_pages, rss_shmem_pages;
  std::optional<uint64_t> pgtables_bytes, nr_ptes, swapents;
  std::optional<int64_t> oom_score_adj;
  std::string name;
};

struct OomVictim {
  std::optional<int64_t> pid;
  std::optional<std::string> comm;
  std::optional<int64_t> uid;
  std::optional<uint64_t> total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb, pgtables_kb;
  std::optional<int64_t> oom_score_adj;
};

enum class OomScope { kUnknown, kMemcg, kGlobal };
const char* to_string(OomScope s);  // "unknown", "memcg", "global"

struct OomKill {
  // Trigger: "<comm> invoked oom-killer: gfp_mask=..., order=N, oom_score_adj=N" and "CPU: N PID: N Comm:".
  std::optional<std::string> invoker_comm, gfp_mask;
  std::optional<int64_t> invoker_pid, order, invoker_oom_score_adj;
  // "oom-kill:constraint=...,nodemask=...,cpuset=...,mems_allowed=...,oom_memcg=|global_oom,task_memcg=...,task=,pid=,uid="
  std::optional<std::string> constraint, nodemask, cpuset, mems_allowed;
  std::optional<std::string> oom_memcg, task_memcg;
  bool global_oom_marker = false;  // ",global_oom" seen
  // Before 4.19: "Task in <task_memcg> killed as a result of limit of <oom_memcg>".
  std::optional<std::string> legacy_task_in, legacy_limit_of;
  // "Memory cgroup stats for <path>:" (first one: the OOMing memcg itself).
  std::optional<std::string> stats_path;
  std::vector<std::pair<std::string, uint64_t>> memcg_stats;  // bytes; bounded
  MemcgCounter memory, memsw, kmem, swap;
  std::vector<OomTask> tasks;
  bool task_table_seen = false;
  // "Kill process N (comm) score S or sacrifice child": the chosen task (may differ from the victim).
  std::optional<int64_t> selected_pid, selected_score;
  std::optional<std::string> selected_comm;
  // "<reason>: Killed process N (comm) total-vm:..." — reason is "Out of memory", "Memory cgroup out of memory", ...
  std::optional<std::string> kill_reason;
  OomVictim victim;
  bool reaped = false;  // "oom_reaper: reaped process N"

  OomScope scope() const;
  // The victim's memcg (task_memcg, else the legacy "Task in" path).
  std::optional<std::string> victim_memcg() const;
  // The memcg whose limit was hit (oom_memcg, else "limit of", else the first stats path).
  std::optional<std::string> limit_memcg() const;
};

struct EvictedContainer {
  std::string name;
  std::optional<std::string> usage, request;
};

struct Eviction {
  // threshold_met | must_evict | ranked | evicting | evicted | evict_failed | critical_pod | no_pods |
  // unable | threshold_observed | memory_pressure | status
  std::string stage;
  std::optional<std::string> resource;   // memory, ephemeral-storage, nodefsInodes, ...
  std::optional<std::string> signal;     // memory.available, allocatableMemory.available, ...
  std::optional<std::string> threshold;  // "100Mi", "10%"
  std::optional<std::string> observed;   // available at the time, as the kubelet printed it
  std::optional<std::string> pod;        // "namespace/name" (old form "name_namespace(uid)" is normalised)
  std::optional<std::string> pod_uid;
  std::vector<std::string> ranked;       // pods ranked for eviction, in order
  std::vector<EvictedContainer> containers;
  std::optional<std::string> message;    // the pod status / event message, as written
};

enum class EventKind { kOomKill, kEviction };

// Grouped memory of the task table at the moment of the kill.
struct TopConsumer {
  std::string group;              // owner label, or "uid N comm X" when the owner is not known
  std::optional<Owner> owner;     // when a memcg was known for the rows
  std::string owner_source;       // "task_memcg" | "live-cgroup" | "task-table"
  uint64_t rss_bytes = 0;
  uint64_t processes = 0;
  std::vector<int64_t> pids;      // up to a few, largest first
  std::vector<std::string> comms;
};

struct Event {
  EventKind kind = EventKind::kOomKill;
  std::optional<int64_t> time_us;    // wall clock
  std::optional<uint64_t> uptime_us; // kernel timestamp since boot
  std::optional<std::string> host;
  bool incomplete = false;           // the record was cut: start or end not seen
  std::vector<std::string> missing;  // what was not seen ("trigger", "victim", ...)
  OomKill oom;                       // kind == kOomKill
  Eviction eviction;                 // kind == kEviction
  // Attribution (filled by attribute_events).
  std::optional<Owner> owner;
  std::optional<std::string> owner_memcg;  // the path the owner was derived from
  std::vector<TopConsumer> top_consumers;
};

}  // namespace ms
