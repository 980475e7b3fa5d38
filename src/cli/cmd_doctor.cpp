#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "attribution/attribution.hpp"
#include "cli/context.hpp"
#include "probe/fs.hpp"
#include "probe/parsers.hpp"
#include "probe/snapshot_reader.hpp"
#include "probe/vm_watermarks.hpp"
#include "render/doctor_json.hpp"
#include "render/doctor_text.hpp"
#include "rules/engine.hpp"
#include "util/text.hpp"

namespace ms::cli {
namespace {

struct DoctorOptions {
  std::string output = "text";
  double sample_seconds = 1.0;
};

std::string read_hostname(const HostPaths& paths) {
  if (auto t = read_file(paths.proc("sys/kernel/hostname"))) return std::string(trim(*t));
  return "unknown";
}

std::optional<KeyValues> read_vmstat(const HostPaths& paths) {
  if (auto t = read_file(paths.proc("vmstat")))
    if (auto kv = parse_flat_keyed(*t, paths.proc("vmstat"))) return std::move(*kv);
  return std::nullopt;
}

void run_doctor_command(Context& ctx, const DoctorOptions& o) {
  // read_snapshot reads /proc/vmstat first thing: t_snap is that moment, near enough for a rate.
  auto t_snap = std::chrono::steady_clock::now();
  auto snap = read_snapshot(ctx.paths);
  if (!snap) {
    fmt::print(stderr, "memsleuth: cannot read the node: {}\n", snap.error().describe());
    ctx.exit_code = 3;
    return;
  }
  DoctorInput in;
  in.snap = &*snap;
  auto reserves = read_vm_reserves(ctx.paths);
  in.watermarks.min_free_bytes = reserves.min_free_bytes;
  if (reserves.zones) {
    uint64_t page = static_cast<uint64_t>(snap->page_size);
    in.watermarks.zone_min_bytes = reserves.zones->min_pages * page;
    in.watermarks.zone_low_bytes = reserves.zones->low_pages * page;
    in.watermarks.zone_high_bytes = reserves.zones->high_pages * page;
  }
  // Attribution of every process and cgroup (owners, effective limits, pods).
  Attribution attr = attribute(*snap, ctx.paths);
  in.attribution = &attr;

  // Swap rates need a second vmstat reading; only worth the wait when the node has swap.
  if (o.sample_seconds > 0 && snap->meminfo.get_or("SwapTotal", 0) > 0) {
    std::this_thread::sleep_until(t_snap + std::chrono::duration<double>(o.sample_seconds));
    in.vmstat_later = read_vmstat(ctx.paths);
    in.vmstat_interval_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_snap).count();
  }

  DoctorReport report = make_doctor_report(in, read_hostname(ctx.paths));
  if (o.output == "json") fmt::print("{}\n", dump_json(doctor_to_json(report)));
  else fmt::print("{}", render_doctor_text(report, ::isatty(STDOUT_FILENO) == 1));
  ctx.exit_code = report.exit_code;
}

}  // namespace

void add_doctor_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "doctor",
      "Find what is taking the node down, ranked, with evidence and fix. Exit code: 0 healthy (info at most), "
      "1 warnings, 2 critical, 3 the node could not be read");
  static DoctorOptions o;
  add_output_option(*cmd, o.output, {"text", "json"});
  cmd->add_option("--sample", o.sample_seconds, "Seconds between the two readings used for rates (0: no sampling)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 30.0));
  cmd->callback([&ctx] { run_doctor_command(ctx, o); });
}

}  // namespace ms::cli
