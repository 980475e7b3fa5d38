#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "cli/arg_checks.hpp"
#include "cli/context.hpp"
#include "cli/history_at.hpp"
#include "cli/kubelet_log_args.hpp"
#include "cli/one_shot.hpp"
#include "cli/process_source.hpp"
#include "cli/terminal.hpp"
#include "diagnosis/diagnosis.hpp"
#include "render/doctor_json.hpp"
#include "render/doctor_text.hpp"

namespace ms::cli {
namespace {

struct DoctorOptions {
  std::string output = "text";
  double sample_seconds = 1.0;
  std::optional<std::string> kubelet_config, kubelet_flags;
  bool no_kernel_log = false;
  KubeletLogArgs kubelet;
  AtOptions at;           // --at TIME (replay a recorded moment), --db PATH (history)
  bool db_given = false;  // --db on the command line: a database that cannot be read is an error
};

// The inputs are gathered by diagnosis/ (the same code `report` uses); this parses and prints.
void run_doctor_command(Context& ctx, const DoctorOptions& o) {
  diagnosis::Options d;
  d.kubelet_config = o.kubelet_config;
  d.kubelet_flags = o.kubelet_flags;
  d.sample_seconds = o.sample_seconds;
  d.kernel_log = !o.no_kernel_log;
  d.kubelet_log = o.kubelet.options();
  d.db_path = o.at.db;
  d.db_required = o.db_given;
  d.tasks = ctx.tasks;
  Result<diagnosis::Diagnosis> diag = fail(Error::invalid("not run"));
  if (!o.at.at.empty()) {
    // --at: the node as the recorder stored it; nothing of the live node but its files under --rootfs.
    d.db_required = true;
    auto recorded = load_recorded_at(o.at, ctx, "doctor");
    if (!recorded) return;
    diag = diagnosis::diagnose_recorded(ctx.paths, *recorded->history, recorded->moment, d);
  } else {
    prepare_one_shot_heap();
    diag = diagnosis::diagnose_live(ctx.paths, d);
  }
  if (!diag) {
    ctx.unreadable("doctor", diag.error().describe());
    return;
  }
  note_process_source(diag->process_source_note);
  const DoctorReport& report = diag->report;
  if (o.output == "json") {
    Json j = doctor_to_json(report);
    add_source_json(j, diag->process_source, diag->process_source_note);
    fmt::print("{}\n", dump_json(j));
  } else {
    fmt::print("{}", render_doctor_text(report, text_layout(ctx)));
  }
  ctx.exit_code = report.exit_code;
}

}  // namespace

void add_doctor_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<DoctorOptions>();
  auto* cmd = app.add_subcommand(
      "doctor",
      "Find what is taking the node down, ranked, with evidence and fix. Exit code: 0 healthy (info at most), "
      "1 warnings, 2 critical, 3 the node could not be read");
  add_output_option(*cmd, o->output, {"text", "json"});
  add_no_headers_flag(*cmd, ctx);
  cmd->add_option("--sample", o->sample_seconds,
                  "Seconds to watch suspects' cwd and swap counters (0: one reading, no rates)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 30.0));
  cmd->add_option("--kubelet-config", o->kubelet_config,
                  "Read this KubeletConfiguration file instead of the running kubelet's --config");
  cmd->add_option("--kubelet-flags", o->kubelet_flags,
                  "Use this kubelet command line (one string) instead of the running kubelet's");
  cmd->add_flag("--no-kernel-log", o->no_kernel_log, "Do not read /dev/kmsg (no OOM-kill findings)");
  add_kubelet_log_options(*cmd, o->kubelet);
  // --db: growth rates from the recorder's history (the hour before; default database when it exists).
  // --at: replay the doctor on a recorded moment (history: the hour before and after it).
  add_at_options(*cmd, o->at);
  cmd->get_option("--db")->description(
      "History database: growth rates of the last hour (used when it exists) and the moment for --at");
  cmd->callback([o, &ctx, cmd] {
    ctx.unreadable_exit = kDoctorExitUnreadable;
    o->db_given = cmd->get_option("--db")->count() > 0;
    o->at.db = db_path(o->at.db, ctx);
    if (o->kubelet_config && !check_input_file(ctx, "doctor", "--kubelet-config", *o->kubelet_config)) return;
    run_doctor_command(ctx, *o);
  });
}

}  // namespace ms::cli
