#pragma once
// Pure parsers for the single lines of a kernel OOM report, every era (2.6.32 ... 6.x). Each takes
// the message text (transport prefixes already removed) and returns nullopt when the line is not
// of its kind. Formats: mm/oom_kill.c dump_header/oom_kill_process/__oom_kill_process,
// mm/memcontrol.c mem_cgroup_print_oom_{info,context,meminfo}.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"

namespace ms {

struct OomTrigger {
  std::string comm;
  std::optional<std::string> gfp_mask;
  std::optional<int64_t> order, oom_score_adj;
};
// "<comm> invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0"
std::optional<OomTrigger> parse_oom_trigger(std::string_view text);

// "oom-kill:constraint=...,nodemask=...,cpuset=...,mems_allowed=...,{oom_memcg=...|global_oom},task_memcg=...,task=...,pid=...,uid=..."
// Fills the fields it finds into `kill` (constraint, memcgs, victim pid/comm/uid).
bool parse_oom_summary(std::string_view text, OomKill& kill);

struct KillLine {
  std::optional<std::string> reason;  // "Out of memory", "Memory cgroup out of memory", ...
  bool selected = false;              // "Kill process ... score N or sacrifice child" (chosen, not yet killed)
  std::optional<int64_t> score;
  OomVictim victim;
  bool cut = false;                   // the line ended before the comm closed
};
// "...: Killed process N (comm) total-vm:..kB, anon-rss:..kB, file-rss:..kB, shmem-rss:..kB, UID:N pgtables:..kB oom_score_adj:N"
// "Killed process N, UID N, (comm) total-vm:..." (RHEL6), "Killed process N (comm), UID N, total-vm:..." (RHEL7)
// "...: Kill process N (comm) score S or sacrifice child" / "... or a child" (2.6.32)
std::optional<KillLine> parse_kill_line(std::string_view text);

struct ReaperLine {
  int64_t pid = 0;
  std::optional<std::string> comm;  // nullopt when the line is cut before the comm closes
};
// "oom_reaper: reaped process N (comm), now anon-rss:..." (comm may hold parentheses)
std::optional<ReaperLine> parse_reaper_line(std::string_view text);

// "Task in /a killed as a result of limit of /b" -> {task_in, limit_of}
std::optional<std::pair<std::string, std::string>> parse_task_in_line(std::string_view text);

// "memory: usage 1048576kB, limit 1048576kB, failcnt 189" (also memory+swap, kmem, swap)
std::optional<std::pair<std::string, MemcgCounter>> parse_memcg_counter(std::string_view text);

struct MemcgStatsLine {
  std::string path;
  bool path_cut = false;  // the line ended inside the path
  std::vector<std::pair<std::string, uint64_t>> stats;  // v1 inline "cache:24KB rss:..." in bytes
};
// "Memory cgroup stats for /path: cache:..KB ..." (v1) or "Memory cgroup stats for /path:" (v2)
std::optional<MemcgStatsLine> parse_memcg_stats_line(std::string_view text);
// v2 stats continuation: "anon 4280025088"
std::optional<std::pair<std::string, uint64_t>> parse_memcg_stat_kv(std::string_view text);

// "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name" -> columns after pid
std::optional<std::vector<std::string>> parse_task_header(std::string_view text);
// "[ 5096]     0  5096  1741660 ... fio"; without a header the column set is inferred from the
// count of numbers (7: 3.10/4.19+, 8: 4.x nr_ptes+nr_pmds, 10: 6.x rss_anon/file/shmem).
std::optional<OomTask> parse_task_row(std::string_view text, const std::vector<std::string>& columns);

// "CPU: 4 PID: 63635 Comm: uwsgi Not tainted ..." -> pid
std::optional<int64_t> parse_cpu_pid_line(std::string_view text);
// "fio cpuset=/ mems_allowed=0" (kernels before 4.19) -> {cpuset, mems_allowed}
std::optional<std::pair<std::string, std::string>> parse_cpuset_line(std::string_view text);

}  // namespace ms
