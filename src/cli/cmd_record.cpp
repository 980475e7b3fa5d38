#include <fmt/format.h>

#include <cstdio>

#include "cli/context.hpp"

namespace ms::cli {

// STUB: replaced by the issue that delivers `record`.
void add_record_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("record", "Flight recorder daemon: SQLite history and Prometheus /metrics (not implemented yet)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    fmt::print(stderr, "memsleuth record: not implemented yet\n");
    ctx.exit_code = 3;
  });
}

}  // namespace ms::cli
