#include <fmt/format.h>

#include <cstdio>

#include "cli/context.hpp"

namespace ms::cli {

// STUB: replaced by the issue that delivers `history`.
void add_history_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("history", "Replay recorded history: node timeline, peaks, OOMs, evictions (not implemented yet)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    fmt::print(stderr, "memsleuth history: not implemented yet\n");
    ctx.exit_code = 3;
  });
}

}  // namespace ms::cli
