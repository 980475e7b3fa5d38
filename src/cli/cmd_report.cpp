#include <fmt/format.h>

#include <cstdio>

#include "cli/context.hpp"

namespace ms::cli {

// STUB: replaced by the issue that delivers `report`.
void add_report_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("report", "Write a self-contained HTML incident report from recorded history (not implemented yet)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    fmt::print(stderr, "memsleuth report: not implemented yet\n");
    ctx.exit_code = 3;
  });
}

}  // namespace ms::cli
