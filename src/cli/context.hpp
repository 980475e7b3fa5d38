#pragma once
// Shared state of one memsleuth invocation: global options and the exit code a command sets.
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "probe/host_paths.hpp"
#include "probe/task_source.hpp"

namespace ms::cli {

// Exit codes a script can trust, the same in every command (README "Exit codes"). `doctor` keeps its
// own scheme on top: 0 healthy, 1 warnings, 2 critical, 3 the node or an input could not be read.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUnreadable = 1;  // the node or an input (file, database) could not be read
inline constexpr int kExitUsage = 64;      // a bad flag, value or time (EX_USAGE of sysexits.h)
inline constexpr int kDoctorExitUnreadable = 3;

struct Context {
  HostPaths paths;
  // --source and --bpf-pin-dir: where one-shot reads take the process list from.
  TaskSourceOptions tasks{.want = ProcessSource::kAuto};
  int exit_code = 0;
  // What "could not be read" exits with in the running command (doctor: 3).
  int unreadable_exit = kExitUnreadable;
  bool no_headers = false;  // --no-headers: tables without their header line

  // Prints "memsleuth <command>: <message>" on stderr and sets the exit code. Return after calling.
  void usage_error(std::string_view command, std::string_view message);
  void unreadable(std::string_view command, std::string_view message);
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

// Adds -o/--output with the allowed formats. The human format is called `text` in every command;
// `table` is accepted for it.
CLI::Option* add_output_option(CLI::App& cmd, std::string& out, std::vector<std::string> formats);

// The whole command line: global options and every subcommand. run() parses with it; the man page and
// shell completions are generated from the same tree (src/docgen), so they cannot drift.
void build_app(CLI::App& app, Context& ctx);

int run(int argc, char** argv);

}  // namespace ms::cli
