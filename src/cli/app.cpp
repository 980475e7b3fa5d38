#include <fmt/format.h>

#include <cstdio>

#include "cli/context.hpp"
#include "util/version.hpp"

namespace ms::cli {

CLI::Option* add_output_option(CLI::App& cmd, std::string& out, std::vector<std::string> formats) {
  std::string desc = "Output format";
  return cmd.add_option("-o,--output", out, desc)->check(CLI::IsMember(formats))->capture_default_str();
}

void build_app(CLI::App& app, Context& ctx) {
  app.name("memsleuth");
  app.description("memsleuth: who is eating this node's memory, and why didn't the kubelet stop it");
  app.set_version_flag("--version", fmt::format("memsleuth {} (revision {})", version(), revision()));
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--procfs", ctx.paths.procfs, "Where the host's /proc is mounted")->capture_default_str();
  app.add_option("--sysfs", ctx.paths.sysfs, "Where the host's /sys is mounted")->capture_default_str();
  app.add_option("--rootfs", ctx.paths.rootfs, "Where the host's / is mounted (for /etc, /var/log/pods, ...)")
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  std::fflush(stdout);
  return ctx.exit_code;
}

}  // namespace ms::cli
