#include <fmt/format.h>

#include <cstdio>

#include "cli/arg_checks.hpp"
#include "cli/context.hpp"
#include "cli/history_at.hpp"
#include "cli/one_shot.hpp"
#include "cli/process_source.hpp"
#include "cli/terminal.hpp"
#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/thresholds.hpp"
#include "probe/snapshot_reader.hpp"
#include "render/available_json.hpp"
#include "render/available_table.hpp"
#include "util/units.hpp"

namespace ms::cli {

// memsleuth available: the kubelet's memory.available beside the kernel's view, the difference
// itemised, a node ledger, and the kubelet's thresholds with their margins.
// Exit code: 0, or 1 when the node cannot be read (config errors are reported, not fatal).
void add_available_command(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string output = "text";
    std::string v2_root_usage = "anon-file";
    std::optional<std::string> kubelet_config, kubelet_flags;
    std::optional<int> kubelet_pid;
    AtOptions at;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "available", "Kubelet memory.available beside the kernel view, the difference itemised, thresholds");
  add_output_option(*cmd, o->output, {"text", "json"});
  add_no_headers_flag(*cmd, ctx);
  cmd->add_option("--v2-root-usage", o->v2_root_usage,
                  "cgroup v2 root usage rule: anon-file (kubelet >= 1.29, runc >= 1.1.9) or meminfo (older)")
      ->check(CLI::IsMember({"anon-file", "meminfo"}))
      ->capture_default_str();
  cmd->add_option("--kubelet-config", o->kubelet_config,
                  "Read this KubeletConfiguration file instead of the running kubelet's --config");
  cmd->add_option("--kubelet-flags", o->kubelet_flags,
                  "Use this kubelet command line (one string) instead of the running kubelet's");
  cmd->add_option("--kubelet-pid", o->kubelet_pid,
                  "The kubelet is this process (when several processes are named kubelet)");
  add_at_options(*cmd, o->at);
  cmd->callback([o, &ctx] {
    if (o->kubelet_config && !check_input_file(ctx, "available", "--kubelet-config", *o->kubelet_config)) return;
    // --at: the stored node readings of that moment and the kubelet settings recorded with them; the
    // views, differences and thresholds are recomputed from them by the same functions.
    std::optional<RecordedAt> recorded;
    if (!o->at.at.empty()) {
      recorded = load_recorded_at(o->at, ctx, "available");
      if (!recorded) return;
    }
    SnapshotOptions so;
    so.pss = false;
    so.slab = false;
    so.statvfs_tmpfs = false;
    // Processes only to find the kubelet (comm, exe, cmdline, cwd); the views read the cgroups' usage
    // and memory.stat: no per-process cgroup file, no swap limits.
    so.cgroup_lines = false;
    so.swap_limits = false;
    so.tasks = ctx.tasks;
    if (!recorded) prepare_one_shot_heap();
    auto snap = recorded ? Result<Snapshot>(recorded->moment.snapshot) : read_snapshot(ctx.paths, so);
    if (!snap) {
      fmt::print(stderr, "memsleuth: cannot read the node: {}\n", snap.error().describe());
      ctx.exit_code = 1;
      return;
    }
    if (!recorded) note_process_source(*snap);
    k8s::KubeletOverrides ov{o->kubelet_config, o->kubelet_flags, o->kubelet_pid};
    bool overridden = o->kubelet_config || o->kubelet_flags || o->kubelet_pid;
    k8s::KubeletConfig cfg = recorded && !overridden ? recorded->kubelet_config
                                                     : k8s::discover_kubelet_config(ctx.paths, *snap, ov);
    auto rule = o->v2_root_usage == "meminfo" ? k8s::V2RootUsage::kMeminfo : k8s::V2RootUsage::kAnonFile;
    // The kubelet's own idea of its pods cgroup when we know its settings and the cgroup exists;
    // otherwise the kubepods(.slice) search.
    std::optional<std::string> pods;
    bool settings_known = cfg.kubelet_found || o->kubelet_config || o->kubelet_flags;
    if (settings_known && snap->find_cgroup(cfg.pods_cgroup())) pods = cfg.pods_cgroup();
    // As recorded: the pods cgroup the recorder stored with the node reading.
    if (recorded && !overridden && recorded->moment.node.kubepods) pods = recorded->moment.node.kubepods->path;
    k8s::KubeletView view = k8s::compute_kubelet_view(*snap, rule, pods);
    std::vector<Error> errors;
    auto thresholds = k8s::resolve_thresholds(cfg, view, &errors);
    auto na = k8s::compute_node_allocatable(cfg, view, *snap, &errors);
    cfg.errors.insert(cfg.errors.end(), errors.begin(), errors.end());
    if (o->output == "json") {
      Json j = available_to_json(view, cfg, thresholds);
      if (recorded) j["recorded_at"] = rfc3339_utc(recorded->moment.sample.time);
      add_source_json(j, *snap, recorded.has_value());
      fmt::print("{}\n", dump_json(j));
    } else {
      TextLayout layout = text_layout(ctx);
      std::string out = recorded ? recorded_heading(recorded->moment, layout) : std::string();
      fmt::print("{}{}", out, render_available(view, cfg, thresholds, &na, layout));
    }
  });
}

}  // namespace ms::cli
