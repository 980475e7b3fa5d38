#include "render/snapshot_table.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "render/table.hpp"
#include "util/escape.hpp"
#include "util/units.hpp"

namespace ms {

std::string render_snapshot_summary(const Snapshot& s, size_t top_n, const TextLayout& layout) {
  const size_t w = layout.width;
  std::string out;
  auto mi = [&](const char* k) { return human_bytes_opt(s.meminfo.get(k)); };
  constexpr const char* kIndent = "              ";
  out += wrap_text(fmt::format("total {}   free {}   available {}   buffers+cached {}   shmem {}   slab {}",
                               mi("MemTotal"), mi("MemFree"), mi("MemAvailable"),
                               human_bytes_u(s.meminfo.get_or("Buffers", 0) + s.meminfo.get_or("Cached", 0)),
                               mi("Shmem"), mi("Slab")),
                   w, "Node memory   ", kIndent);
  out += wrap_text(fmt::format("{} (memory controller on {}), {} memory cgroups", to_string(s.cgroup_version),
                               s.memory_on_v2 ? "v2" : "v1", s.cgroups.size()),
                   w, "Cgroups       ", kIndent);
  size_t kthreads = std::count_if(s.processes.begin(), s.processes.end(), [](const Process& p) { return p.kernel_thread; });
  out += wrap_text(
      fmt::format("{} ({} kernel threads), {} vanished during the scan", s.processes.size(), kthreads, s.skipped), w,
      "Processes     ", kIndent);
  if (s.psi)
    out += wrap_text(fmt::format("some avg10 {:.2f}%  full avg10 {:.2f}%", s.psi->some.avg10,
                                 s.psi->full ? s.psi->full->avg10 : 0.0),
                     w, "Pressure      ", kIndent);
  out += "\n";
  std::vector<const Process*> procs;
  for (const auto& p : s.processes)
    if (p.rss_bytes) procs.push_back(&p);
  std::sort(procs.begin(), procs.end(), [](const Process* a, const Process* b) { return *a->rss_bytes > *b->rss_bytes; });
  Table t({"PID", "COMM", "RSS", "ANON", "FILE", "SHMEM", "MEMORY CGROUP"});
  for (size_t c : {0, 2, 3, 4, 5}) t.align_right(c);
  t.elide_middle(6);
  t.when_empty(s.processes.empty() ? "No processes read (--no-processes, or none visible)."
                                   : "No process has memory of its own (kernel threads only).");
  for (size_t i = 0; i < procs.size() && i < top_n; ++i) {
    const Process& p = *procs[i];
    t.add({std::to_string(p.pid), p.comm, human_bytes_opt(p.rss_bytes), human_bytes_opt(p.rss_anon_bytes),
           human_bytes_opt(p.rss_file_bytes), human_bytes_opt(p.rss_shmem_bytes), p.memory_cgroup.value_or("?")});
  }
  out += t.render(layout);
  for (const auto& warning : s.warnings) out += wrap_text(term_field(warning), w, "warning: ", "  ");
  return out;
}

}  // namespace ms
