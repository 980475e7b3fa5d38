#include <fmt/format.h>

#include <cstdio>
#include <fstream>

#include "agent/report_builder.hpp"
#include "cli/arg_checks.hpp"
#include "cli/context.hpp"
#include "cli/history_at.hpp"
#include "probe/fs.hpp"
#include "util/text.hpp"
#include "util/time_input.hpp"
#include "util/units.hpp"

namespace ms::cli {

namespace {
std::string hostname(const HostPaths& paths) {
  auto h = read_file(paths.proc("sys/kernel/hostname"), FileKind::kKernel);
  return h ? std::string(trim(*h)) : std::string("unknown-node");
}
}  // namespace

void add_report_command(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string db;  // empty: the default under --rootfs
    std::string since, until, out = "memsleuth-report.html", format = "html";
    std::string kubelet_config, kubelet_flags;
    bool no_kubelet = false;
    bool no_redact = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("report", "Write a self-contained HTML incident report from recorded history");
  cmd->add_option(
      "--db", o->db,
      fmt::format("History database written by `memsleuth record` (default {} under --rootfs)", store::kDefaultDbPath));
  cmd->add_option("--since", o->since, "Start of the window (RFC 3339, 'YYYY-MM-DD HH:MM[:SS]' local, or -2h)")
      ->check(time_arg());
  cmd->add_option("--until", o->until, "End of the window (same forms); default: 24 h around the worst moment")
      ->check(time_arg());
  cmd->add_option("--out", o->out, "Where to write the HTML page")->capture_default_str();
  // -o is the output format in every command; a path there is the old spelling of --out.
  cmd->add_option("-o,--output", o->format, "Output format: html")
      ->check(CLI::Validator(
          [](std::string& s) {
            if (s == "html") return std::string();
            return "'" + s + "' is not a format (html); the file to write is --out " + s;
          },
          "FORMAT"))
      ->capture_default_str();
  cmd->add_option("--kubelet-config", o->kubelet_config, "KubeletConfiguration file for the thresholds");
  cmd->add_option("--kubelet-flags", o->kubelet_flags, "Kubelet command-line flags for the thresholds");
  cmd->add_flag("--no-kubelet", o->no_kubelet,
                "Draw no kubelet thresholds on the charts (default: the settings recorded with the samples)");
  cmd->add_flag("--no-redact", o->no_redact,
                "Print command lines as recorded (default: values of secret-looking arguments are replaced by "
                "<redacted>, docs/report.md)");
  cmd->callback([o, &ctx] {
    ReportOptions ro;
    ro.redact = !o->no_redact;
    ro.now = now_unix();
    ro.node = hostname(ctx.paths);
    for (auto [text, dst] : {std::pair{&o->since, &ro.since}, std::pair{&o->until, &ro.until}}) {
      if (text->empty()) continue;
      auto t = parse_time_input(*text, ro.now * 1000000);
      if (!t) return ctx.usage_error("report", t.error().describe());
      *dst = *t / 1000000;
    }
    if (ro.since && ro.until &&
        !check_window(ctx, "report", o->since, *ro.since * 1000000, o->until, *ro.until * 1000000))
      return;
    if (!o->no_kubelet && !o->kubelet_config.empty() &&
        !check_input_file(ctx, "report", "--kubelet-config", o->kubelet_config))
      return;
    // The findings are `doctor --db DB --at @T`'s: the same database, node files and kubelet settings.
    ro.paths = ctx.paths;
    std::string db = db_path(o->db, ctx);
    ro.diagnosis.db_path = db;
    ro.diagnosis.db_required = true;
    if (!o->kubelet_config.empty()) ro.diagnosis.kubelet_config = o->kubelet_config;
    if (!o->kubelet_flags.empty()) ro.diagnosis.kubelet_flags = o->kubelet_flags;
    ro.kubelet_thresholds = !o->no_kubelet;
    auto hist = store::History::open(db);
    if (!hist) {
      fmt::print(stderr, "memsleuth report: cannot open {}: {}\n", db, hist.error().describe());
      ctx.exit_code = 1;
      return;
    }
    auto data = build_report(**hist, ro);
    if (!data) {
      fmt::print(stderr, "memsleuth report: {}\n", data.error().describe());
      ctx.exit_code = 1;
      return;
    }
    std::string html = render_report_html(*data);
    std::ofstream f(o->out, std::ios::binary | std::ios::trunc);
    f << html;
    f.close();
    if (!f) {
      fmt::print(stderr, "memsleuth report: cannot write {}\n", o->out);
      ctx.exit_code = 1;
      return;
    }
    fmt::print("wrote {} ({} bytes): {} to {}, {} charts, {} findings, {} events\n", o->out, html.size(),
               rfc3339_utc(data->since), rfc3339_utc(data->until), data->charts.size(), data->findings.size(),
               data->events.rows.size());
  });
}

}  // namespace ms::cli
