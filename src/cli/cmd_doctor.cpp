#include <fmt/format.h>

#include <cstdio>

#include "cli/context.hpp"
#include "probe/snapshot_reader.hpp"
#include "render/snapshot_table.hpp"

namespace ms::cli {

// Until the rules engine lands, doctor prints the node summary of `snapshot`.
void add_doctor_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("doctor", "Find what is taking the node down, ranked, with evidence and fix");
  cmd->callback([&ctx] {
    auto snap = read_snapshot(ctx.paths);
    if (!snap) {
      fmt::print(stderr, "memsleuth: cannot read the node: {}\n", snap.error().describe());
      ctx.exit_code = 1;
      return;
    }
    fmt::print("{}", render_snapshot_summary(*snap));
  });
}

}  // namespace ms::cli
