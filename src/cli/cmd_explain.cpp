#include <fmt/format.h>

#include <cstdio>

#include "cli/context.hpp"

namespace ms::cli {

// STUB: replaced by the issue that delivers `explain`.
void add_explain_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("explain", "Where a process came from, what holds it, and whether its cwd lies (not implemented yet)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    fmt::print(stderr, "memsleuth explain: not implemented yet\n");
    ctx.exit_code = 3;
  });
}

}  // namespace ms::cli
