#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>

#include "agent/recorder.hpp"
#include "cli/arg_checks.hpp"
#include "cli/arg_units.hpp"
#include "cli/context.hpp"

namespace ms::cli {

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

}  // namespace

void add_record_command(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string db = store::kDefaultDbPath;
    std::string interval = "10s", retain = "7d", max_db_size = "512MiB";
    std::string listen = "127.0.0.1:9465";
    std::string web_config;
    bool no_redact = false;
    std::string process_floor = "32Mi", cgroup_floor = "4Mi", full_interval = "5m", near_margin = "256Mi";
    size_t top = 20, pod_metrics = 50;
    double psi = 20.0;
    int64_t samples = 0;
    bool no_kmsg = false, quiet = false;
    bool no_exit_capture = false, no_oom_capture = false;
    std::string kmsg;
    std::vector<std::string> kubelet_logs;
    std::vector<std::string> kubelet_units;
    std::string v2_root_usage = "anon-file";
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("record", "Flight recorder daemon: SQLite history, trigger snapshots, Prometheus /metrics");
  cmd->add_option("--db", o->db, "History database (SQLite, WAL)")->capture_default_str();
  cmd->add_option("--interval", o->interval, "Time between samples (at least 100ms)")
      ->check(duration_arg())
      ->capture_default_str();
  cmd->add_option("--retain", o->retain, "Drop samples older than this")->check(duration_arg())->capture_default_str();
  cmd->add_option("--max-db-size", o->max_db_size, "Drop the oldest samples when the database grows past this")
      ->check(size_arg())
      ->capture_default_str();
  cmd->add_option("--listen", o->listen, "HOST:PORT for /metrics and /healthz (port 0: any free port; off: none)")
      ->capture_default_str();
  cmd->add_option("--web-config", o->web_config,
                  "TLS and basic auth for /metrics: a file in the format of Prometheus exporters' --web.config.file "
                  "(docs/metrics.md)");
  cmd->add_flag("--no-redact", o->no_redact,
                "Store command lines as they are (default: values of secret-looking arguments are replaced by "
                "<redacted>, docs/recorder.md)");
  cmd->add_option("--process-floor", o->process_floor, "Store every process at or above this RSS")
      ->check(size_arg())
      ->capture_default_str();
  cmd->add_option("--top", o->top, "Also store the N largest processes")->capture_default_str();
  cmd->add_option("--cgroup-floor", o->cgroup_floor, "Store every cgroup at or above this usage")
      ->check(size_arg())
      ->capture_default_str();
  cmd->add_option("--full-interval", o->full_interval, "Minimum time between pressure-triggered full snapshots")
      ->check(duration_arg())
      ->capture_default_str();
  cmd->add_option("--near-margin", o->near_margin,
                  "Available memory this close to a threshold triggers a full snapshot")
      ->check(size_arg())
      ->capture_default_str();
  cmd->add_option("--psi-trigger", o->psi, "Memory PSI some avg10 (percent) that triggers a full snapshot")
      ->capture_default_str();
  cmd->add_option("--pod-metrics", o->pod_metrics, "Per-pod series on /metrics: the K largest, the rest as pod=\"other\"")
      ->capture_default_str();
  cmd->add_option("--samples", o->samples, "Stop after N samples (0: run until SIGTERM/SIGINT)")->capture_default_str();
  cmd->add_flag("--no-kmsg", o->no_kmsg, "Do not read /dev/kmsg for OOM kills");
  cmd->add_option("--kmsg", o->kmsg, "Kernel log device to read (default <rootfs>/dev/kmsg)");
  cmd->add_option("--kubelet-log", o->kubelet_logs,
                  "Kubelet text log to follow for evictions, as the host names it (repeatable; 'off': none). Default: "
                  "/var/log/kubelet.log, /var/log/syslog, /var/log/messages under --rootfs");
  cmd->add_option("--kubelet-unit", o->kubelet_units,
                  "systemd unit whose journal entries are read for evictions (repeatable; 'off': none). Default: "
                  "kubelet.service, from <rootfs>/var/log/journal and /run/log/journal");
  cmd->add_option("--v2-root-usage", o->v2_root_usage,
                  "cgroup v2 root usage rule of the kubelet: anon-file (kubelet >= 1.29) or meminfo (older)")
      ->check(CLI::IsMember({"anon-file", "meminfo"}))
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "Only errors on stderr");
  // Hidden: the live tests prove what each BPF program adds by running without it.
  cmd->add_flag("--no-exit-capture", o->no_exit_capture, "Do not attach the BPF exit program")->group("");
  cmd->add_flag("--no-oom-capture", o->no_oom_capture, "Do not attach the BPF OOM program")->group("");
  cmd->callback([o, &ctx] {
    agent::RecorderOptions r;
    auto check = [&](auto res, const char* what) {
      if (!res) {
        ctx.usage_error("record", fmt::format("{}: {}", what, res.error().describe()));
      }
      return res;
    };
    auto interval = check(parse_duration_ms(o->interval), "--interval");
    auto retain = check(parse_duration_ms(o->retain), "--retain");
    auto full_iv = check(parse_duration_ms(o->full_interval), "--full-interval");
    auto max_db = check(parse_size_bytes(o->max_db_size), "--max-db-size");
    auto pfloor = check(parse_size_bytes(o->process_floor), "--process-floor");
    auto cfloor = check(parse_size_bytes(o->cgroup_floor), "--cgroup-floor");
    auto margin = check(parse_size_bytes(o->near_margin), "--near-margin");
    if (ctx.exit_code) return;
    if (*interval < 100) return ctx.usage_error("record", "--interval must be at least 100ms");
    r.db_path = o->db;
    r.interval_ms = *interval;
    r.store.retain_seconds = *retain / 1000;
    r.store.max_db_bytes = *max_db;
    r.listen = o->listen == "off" ? "" : o->listen;
    r.web_config = o->web_config;
    r.redact = !o->no_redact;
    r.selection.process_floor_bytes = *pfloor;
    r.selection.top_processes = o->top;
    r.selection.cgroup_floor_bytes = *cfloor;
    r.triggers.min_interval_s = *full_iv / 1000;
    r.triggers.near_margin_bytes = *margin;
    r.triggers.psi_some_avg10 = o->psi;
    r.pod_metrics_limit = o->pod_metrics;
    r.max_samples = o->samples;
    r.kmsg = !o->no_kmsg;
    r.kmsg_path = o->kmsg;
    r.kubelet_logs = o->kubelet_logs;
    r.kubelet_units = o->kubelet_units;
    r.v2_root_usage = o->v2_root_usage == "meminfo" ? k8s::V2RootUsage::kMeminfo : k8s::V2RootUsage::kAnonFile;
    r.quiet = o->quiet;
    r.kernel_events.exits = !o->no_exit_capture;
    r.kernel_events.ooms = !o->no_oom_capture;
    r.open_kernel_events = open_bpf_kernel_events;
    // The database's directory is made (0700) by the store when it opens (store/file_modes.hpp).
    r.tasks = ctx.tasks;
    r.tasks.cmdline = false;
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
    agent::Recorder rec(ctx.paths, r);
    // The recorder fails only when it cannot start (the listen address): an input it could not use.
    ctx.exit_code = rec.run(g_stop) == 0 ? kExitOk : kExitUnreadable;
  });
}

}  // namespace ms::cli
