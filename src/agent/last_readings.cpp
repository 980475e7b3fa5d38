#include "agent/last_readings.hpp"

namespace ms::agent {

void LastReadings::remember(const Snapshot& s) {
  ++generation_;
  for (const auto& p : s.processes) {
    if (p.kernel_thread) continue;
    Seen& x = seen_[p.pid];
    // The reader bumps identity_seq whenever it reads comm, cmdline, ppid, uid or cgroups again: while
    // it stands, only what a sample re-reads (memory, state) is copied.
    bool same = x.generation != 0 && x.process.pid == p.pid && x.process.start_time == p.start_time &&
                p.identity_seq != 0 && x.process.identity_seq == p.identity_seq;
    if (same) {
      Process& q = x.process;
      q.state = p.state;
      q.threads = p.threads;
      q.rss_bytes = p.rss_bytes;
      q.rss_anon_bytes = p.rss_anon_bytes;
      q.rss_file_bytes = p.rss_file_bytes;
      q.rss_shmem_bytes = p.rss_shmem_bytes;
      q.swap_bytes = p.swap_bytes;
      q.oom_score_adj = p.oom_score_adj;
      if (p.exe) q.exe = p.exe;
      if (p.cwd) q.cwd = p.cwd;
    } else {
      x.process = p;
    }
    x.time = s.time;
    x.generation = generation_;
  }
  std::erase_if(seen_, [&](const auto& kv) {
    return kv.second.generation != generation_ && s.time - kv.second.time > keep_gone_s_;
  });
}

const Process* LastReadings::find(int pid, const std::optional<std::string>& comm, int64_t time,
                                  int64_t* read_at) const {
  auto it = seen_.find(pid);
  if (it == seen_.end()) return nullptr;
  const Seen& s = it->second;
  // Times are whole seconds: a reading in the kill's second may still be the victim's.
  if (s.time > time + 1 || (comm && *comm != s.process.comm)) return nullptr;
  if (read_at) *read_at = s.time;
  return &s.process;
}

}  // namespace ms::agent
