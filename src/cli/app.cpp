#include <fmt/format.h>

#include <cstdio>

#include "cli/arg_checks.hpp"
#include "cli/context.hpp"
#include "cli/terminal.hpp"
#include "probe/host_timezone.hpp"
#include "util/escape.hpp"
#include "util/version.hpp"

namespace ms::cli {

namespace {

// "memsleuth <command>: <message>" on stderr, wrapped to the terminal when stderr is one.
void print_error(std::string_view command, std::string_view message) {
  std::string head = command.empty() ? "memsleuth: " : fmt::format("memsleuth {}: ", command);
  std::string text = wrap_text(escape_terminal(message), stderr_width(), head, "  ");
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace

void Context::usage_error(std::string_view command, std::string_view message) {
  print_error(command, message);
  exit_code = kExitUsage;
}

void Context::unreadable(std::string_view command, std::string_view message) {
  print_error(command, message);
  exit_code = unreadable_exit;
}

CLI::Option* add_output_option(CLI::App& cmd, std::string& out, std::vector<std::string> formats) {
  std::string desc = "Output format: ";
  for (size_t i = 0; i < formats.size(); ++i)
    desc += (i ? ", " : "") + formats[i] + (formats[i] == "text" ? " (or table)" : "");
  // One name for the human format everywhere; `table` (the old name of some commands) still works.
  return cmd.add_option("-o,--output", out, desc)
      ->transform([](std::string s) { return s == "table" ? std::string("text") : s; }, "", "")
      ->check(CLI::IsMember(formats))
      ->capture_default_str();
}

namespace {

struct HostTreeError {};

// Host trees given on the command line must hold what every command reads from them; checked
// before any command runs, so a wrong mount is one clear error rather than `?` everywhere.
std::optional<std::string> host_tree_problem(const CLI::App& app, const HostPaths& p) {
  if (app.get_option("--procfs")->count() > 0)
    if (auto e = procfs_problem(p.procfs)) return e;
  if (app.get_option("--sysfs")->count() > 0)
    if (auto e = sysfs_problem(p.sysfs)) return e;
  if (app.get_option("--rootfs")->count() > 0)
    if (auto e = rootfs_problem(p.rootfs)) return e;
  return std::nullopt;
}

}  // namespace

void build_app(CLI::App& app, Context& ctx) {
  app.name("memsleuth");
  app.description("memsleuth: who is eating this node's memory, and why didn't the kubelet stop it");
  app.set_version_flag("--version", fmt::format("memsleuth {} (revision {})", version(), revision()));
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(
      fmt::format("Exit codes: {} success, {} the node or an input could not be read, {} usage error (bad "
                  "flag, value or time); doctor: 0 healthy, 1 warnings, 2 critical, 3 unreadable.",
                  kExitOk, kExitUnreadable, kExitUsage));
  app.add_option("--procfs", ctx.paths.procfs, "Where the host's /proc is mounted")->capture_default_str();
  app.add_option("--sysfs", ctx.paths.sysfs, "Where the host's /sys is mounted")->capture_default_str();
  app.add_option("--rootfs", ctx.paths.rootfs, "Where the host's / is mounted (for /etc, /var/log/pods, ...)")
      ->capture_default_str();
  app.add_option_function<std::string>(
         "--source", [&ctx](const std::string& v) { ctx.tasks.want = *parse_process_source(v); },
         "Where processes are read: auto (a BPF task walk when the recorder's pin is there or loading pays, "
         "else procfs), bpf, procfs (docs/bpf.md)")
      ->check(CLI::IsMember({"auto", "bpf", "procfs"}))
      ->default_str("auto");
  app.add_option("--bpf-pin-dir", ctx.tasks.pin_dir, "Where `memsleuth record` pins its BPF programs (on bpffs)")
      ->capture_default_str();

  add_snapshot_command(app, ctx);
  add_doctor_command(app, ctx);
  add_available_command(app, ctx);
  add_top_command(app, ctx);
  add_explain_command(app, ctx);
  add_oom_command(app, ctx);
  add_record_command(app, ctx);
  add_history_command(app, ctx);
  add_report_command(app, ctx);
}

int run(int argc, char** argv) {
  Context ctx;
  CLI::App app;
  build_app(app, ctx);

  // Runs after every option is parsed and validated, before the subcommand's callback.
  app.parse_complete_callback([&] {
    auto problem = host_tree_problem(app, ctx.paths);
    if (!problem) {
      use_host_timezone(ctx.paths);  // the host's logs are in its local time, not this container's
      return;
    }
    std::string name = app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name();
    if (name == "doctor") ctx.unreadable_exit = kDoctorExitUnreadable;
    ctx.unreadable(name, *problem);
    throw HostTreeError{};  // the subcommand's callback must not run; caught below
  });

  try {
    app.parse(argc, argv);
  } catch (const HostTreeError&) {
    return ctx.exit_code;
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes (105, 109, ...) mean nothing to a script: every parse error is a usage error.
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  std::fflush(stdout);
  return ctx.exit_code;
}

}  // namespace ms::cli
