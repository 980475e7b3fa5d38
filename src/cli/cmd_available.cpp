#include <fmt/format.h>

#include <cstdio>

#include "cli/context.hpp"

namespace ms::cli {

// STUB: replaced by the issue that delivers `available`.
void add_available_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("available", "Kubelet memory.available beside the kernel view, the difference itemised, thresholds (not implemented yet)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    fmt::print(stderr, "memsleuth available: not implemented yet\n");
    ctx.exit_code = 3;
  });
}

}  // namespace ms::cli
