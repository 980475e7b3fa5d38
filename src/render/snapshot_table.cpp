#include "render/snapshot_table.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "render/table.hpp"
#include "util/escape.hpp"
#include "util/units.hpp"

namespace ms {

std::string render_snapshot_summary(const Snapshot& s, size_t top_n) {
  std::string out;
  auto mi = [&](const char* k) { return human_bytes_opt(s.meminfo.get(k)); };
  out += fmt::format("Node memory   total {}   free {}   available {}   buffers+cached {}   shmem {}   slab {}\n",
                     mi("MemTotal"), mi("MemFree"), mi("MemAvailable"),
                     human_bytes_u(s.meminfo.get_or("Buffers", 0) + s.meminfo.get_or("Cached", 0)), mi("Shmem"),
                     mi("Slab"));
  out += fmt::format("Cgroups       {} (memory controller on {}), {} memory cgroups\n", to_string(s.cgroup_version),
                     s.memory_on_v2 ? "v2" : "v1", s.cgroups.size());
  size_t kthreads = std::count_if(s.processes.begin(), s.processes.end(), [](const Process& p) { return p.kernel_thread; });
  out += fmt::format("Processes     {} ({} kernel threads), {} vanished during the scan\n", s.processes.size(), kthreads,
                     s.skipped);
  if (s.psi)
    out += fmt::format("Pressure      some avg10 {:.2f}%  full avg10 {:.2f}%\n", s.psi->some.avg10,
                       s.psi->full ? s.psi->full->avg10 : 0.0);
  out += "\n";
  std::vector<const Process*> procs;
  for (const auto& p : s.processes)
    if (p.rss_bytes) procs.push_back(&p);
  std::sort(procs.begin(), procs.end(), [](const Process* a, const Process* b) { return *a->rss_bytes > *b->rss_bytes; });
  Table t({"PID", "COMM", "RSS", "ANON", "FILE", "SHMEM", "MEMORY CGROUP"});
  for (size_t c : {0, 2, 3, 4, 5}) t.align_right(c);
  for (size_t i = 0; i < procs.size() && i < top_n; ++i) {
    const Process& p = *procs[i];
    t.add({std::to_string(p.pid), p.comm, human_bytes_opt(p.rss_bytes), human_bytes_opt(p.rss_anon_bytes),
           human_bytes_opt(p.rss_file_bytes), human_bytes_opt(p.rss_shmem_bytes), p.memory_cgroup.value_or("?")});
  }
  out += t.render();
  for (const auto& w : s.warnings) out += "warning: " + escape_terminal(w) + "\n";
  return out;
}

}  // namespace ms
