#pragma once
// Shared state of one memsleuth invocation: global options and the exit code a command sets.
#include <CLI/CLI.hpp>
#include <string>

#include "probe/host_paths.hpp"

namespace ms::cli {

struct Context {
  HostPaths paths;
  int exit_code = 0;
};

// Each subcommand lives in its own cmd_<name>.cpp and registers itself here.
void add_snapshot_command(CLI::App& app, Context& ctx);
void add_doctor_command(CLI::App& app, Context& ctx);
void add_available_command(CLI::App& app, Context& ctx);
void add_top_command(CLI::App& app, Context& ctx);
void add_explain_command(CLI::App& app, Context& ctx);
void add_oom_command(CLI::App& app, Context& ctx);
void add_record_command(CLI::App& app, Context& ctx);
void add_history_command(CLI::App& app, Context& ctx);
void add_report_command(CLI::App& app, Context& ctx);

// Adds -o/--output with the allowed formats.
CLI::Option* add_output_option(CLI::App& cmd, std::string& out, std::vector<std::string> formats);

// The whole command line: global options and every subcommand. run() parses with it; the man page and
// shell completions are generated from the same tree (src/docgen), so they cannot drift.
void build_app(CLI::App& app, Context& ctx);

int run(int argc, char** argv);

}  // namespace ms::cli
