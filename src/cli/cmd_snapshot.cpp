#include <fmt/format.h>
#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "attribution/snapshot_owners.hpp"
#include "cli/context.hpp"
#include "probe/snapshot_reader.hpp"
#include "render/snapshot_json_stream.hpp"
#include "render/snapshot_table.hpp"

namespace ms::cli {

namespace {
// A one-shot snapshot grows its heap by ~10-20 MB (processes, memory.stat keys, owners), and each
// first touch of a 4 KiB page is a page fault: ~2,500 of them at 2,000 processes, ~8% of the CPU on
// a VM where every trap is dear (perf: asm_exc_page_fault under malloc, the Process and Owner
// vectors). So, for this process only: one heap for both workers (a second thread's own arena grows
// by mprotect page run after page run: ~550 calls), grown by brk in one 32 MiB step, never trimmed,
// and marked for transparent huge pages (a fault per 2 MiB) where the kernel allows it (THP
// "madvise" or "always"; a no-op under "never"). Peak RSS grows by at most the unused part of the
// last huge page.
void prepare_heap() {
  constexpr size_t kPad = size_t{32} << 20, kHuge = size_t{2} << 20;
  ::mallopt(M_ARENA_MAX, 1);
  ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(kPad));  // also stops glibc's dynamic threshold
  ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * kPad));
  ::mallopt(M_TOP_PAD, static_cast<int>(kPad));
  // A block larger than what is left at the top makes malloc extend the brk heap by it plus kPad.
  void* probe = std::malloc(kHuge);
  if (!probe) return;
  auto at = reinterpret_cast<uintptr_t>(probe);
  auto from = (at + kHuge - 1) & ~(kHuge - 1);
  auto to = reinterpret_cast<uintptr_t>(::sbrk(0)) & ~(kHuge - 1);
  std::free(probe);  // back into the top chunk, which now starts where probe did
  if (to <= from) return;
  // A huge page fills only a 2 MiB range with no small page in it: the (never touched, never freed)
  // filler takes the heap up to the first such boundary, so the next allocations land in it.
  if (from - at > 64) {
    [[maybe_unused]] static void* filler = std::malloc(from - at - 32);
  }
  ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
}

// What a snapshot command read, kept to the end of the process: it exits right after printing,
// and freeing the ~100,000 allocations of a large snapshot one by one (~2% of its CPU at 2,000
// processes: the Snapshot destructor, malloc_consolidate) is work the kernel does at once for the
// whole heap. Reachable from a static, so leak checkers report nothing; a second call frees the
// first's.
struct Kept {
  Snapshot snapshot;
  SnapshotOwners owners;
};
void keep_until_exit(Snapshot&& s, SnapshotOwners&& o) {
  static Kept* kept = nullptr;
  delete kept;
  kept = new Kept{std::move(s), std::move(o)};
}
}  // namespace

void add_snapshot_command(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string output = "table";
    bool pss = false;
    bool no_processes = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("snapshot", "Read the node once: meminfo, cgroups, processes");
  add_output_option(*cmd, o->output, {"table", "json"});
  cmd->add_flag("--pss", o->pss, "Also read PSS/USS from smaps_rollup (skipped for processes above 4Gi RSS)");
  cmd->add_flag("--no-processes", o->no_processes, "Skip the per-process scan");
  cmd->callback([o, &ctx] {
    prepare_heap();
    SnapshotOptions so;
    so.pss = o->pss;
    so.processes = !o->no_processes;
    // Neither output shows the other /proc/<pid>/cgroup lines or the swap limits: not read. The JSON
    // classifies owners, which on v1 needs the systemd line of processes outside kubepods.
    so.cgroup_lines = false;
    so.cgroup_lines_outside_kubepods = o->output == "json";
    so.swap_limits = false;
    auto snap = read_snapshot(ctx.paths, so);
    if (!snap) {
      fmt::print(stderr, "memsleuth: cannot read the node: {}\n", snap.error().describe());
      ctx.exit_code = 1;
      return;
    }
    std::string out;
    if (o->output == "json") {
      // probe -> attribution -> render: the same owners `top -o json` gives.
      SnapshotOwners owners = classify_snapshot(*snap, ClassifySources::load(ctx.paths));
      append_snapshot_json(*snap, out, &owners,
                           [](std::string& chunk) { std::fwrite(chunk.data(), 1, chunk.size(), stdout); });
      out += '\n';
      keep_until_exit(std::move(*snap), std::move(owners));
    } else {
      out = render_snapshot_summary(*snap);
      keep_until_exit(std::move(*snap), {});
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}

}  // namespace ms::cli
