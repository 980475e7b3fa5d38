#include <fmt/format.h>

#include <cstdio>

#include "cli/context.hpp"

namespace ms::cli {

// STUB: replaced by the issue that delivers `top`.
void add_top_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("top", "Memory by process, cgroup, pod or owner, with the limit that bounds it (not implemented yet)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    fmt::print(stderr, "memsleuth top: not implemented yet\n");
    ctx.exit_code = 3;
  });
}

}  // namespace ms::cli
