#include <fmt/format.h>

#include <cstdio>

#include "cli/context.hpp"

namespace ms::cli {

// STUB: replaced by the issue that delivers `oom`.
void add_oom_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("oom", "Kernel OOM kills and kubelet evictions, tied to pods, units and jobs (not implemented yet)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    fmt::print(stderr, "memsleuth oom: not implemented yet\n");
    ctx.exit_code = 3;
  });
}

}  // namespace ms::cli
