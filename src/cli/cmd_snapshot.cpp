#include <fmt/format.h>

#include <cstdio>

#include "attribution/snapshot_owners.hpp"
#include "cli/context.hpp"
#include "cli/one_shot.hpp"
#include "cli/process_source.hpp"
#include "cli/terminal.hpp"
#include "probe/snapshot_reader.hpp"
#include "render/snapshot_json_stream.hpp"
#include "render/snapshot_table.hpp"

namespace ms::cli {

void add_snapshot_command(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string output = "text";
    bool pss = false;
    bool no_processes = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("snapshot", "Read the node once: meminfo, cgroups, processes");
  add_output_option(*cmd, o->output, {"text", "json"});
  add_no_headers_flag(*cmd, ctx);
  cmd->add_flag("--pss", o->pss, "Also read PSS/USS from smaps_rollup (skipped for processes above 4Gi RSS)");
  cmd->add_flag("--no-processes", o->no_processes, "Skip the per-process scan");
  cmd->callback([o, &ctx] {
    prepare_one_shot_heap();
    SnapshotOptions so;
    so.pss = o->pss;
    so.processes = !o->no_processes;
    // Neither output shows the other /proc/<pid>/cgroup lines or the swap limits: not read. The JSON
    // classifies owners, which on v1 needs the systemd line of processes outside kubepods.
    so.cgroup_lines = false;
    so.cgroup_lines_outside_kubepods = o->output == "json";
    so.swap_limits = false;
    so.tasks = ctx.tasks;
    auto snap = read_snapshot(ctx.paths, so);
    if (!snap) {
      fmt::print(stderr, "memsleuth: cannot read the node: {}\n", snap.error().describe());
      ctx.exit_code = 1;
      return;
    }
    note_process_source(*snap);
    std::string out;
    if (o->output == "json") {
      // probe -> attribution -> render: the same owners `top -o json` gives.
      SnapshotOwners owners = classify_snapshot(*snap, ClassifySources::load(ctx.paths));
      append_snapshot_json(*snap, out, &owners,
                           [](std::string& chunk) { std::fwrite(chunk.data(), 1, chunk.size(), stdout); });
      out += '\n';
      keep_until_exit(std::move(*snap));
      keep_until_exit(std::move(owners));
    } else {
      out = render_snapshot_summary(*snap, 10, text_layout(ctx));
      keep_until_exit(std::move(*snap));
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}

}  // namespace ms::cli
