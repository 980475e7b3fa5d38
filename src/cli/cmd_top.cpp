#include <fmt/format.h>

#include <cstdio>

#include "attribution/attribution.hpp"
#include "attribution/top_query.hpp"
#include "cli/context.hpp"
#include "cli/history_at.hpp"
#include "cli/one_shot.hpp"
#include "cli/process_source.hpp"
#include "cli/terminal.hpp"
#include "probe/snapshot_reader.hpp"
#include "render/exit_render.hpp"
#include "render/top_render.hpp"
#include "util/escape.hpp"

namespace ms::cli {

void add_top_command(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string by = "process";
    std::string sort = "rss";
    std::string owner;
    std::string output = "text";
    size_t n = 20;
    AtOptions at;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("top", "Memory by process, cgroup, pod or owner, with the limit that bounds it");
  cmd->add_option("--by", o->by, "Rows: one per process, cgroup, pod or owner")
      ->check(CLI::IsMember({"process", "cgroup", "pod", "owner"}))
      ->capture_default_str();
  cmd->add_option("-n", o->n, "Show the N largest rows (0 = all)")->capture_default_str();
  cmd->add_option("--sort", o->sort, "Measure to sort and show: rss, working-set or pss (reads smaps_rollup)")
      ->check(CLI::IsMember({"rss", "working-set", "pss"}))
      ->capture_default_str();
  cmd->add_option("--owner", o->owner,
                  "Only owners of this kind: pod, systemd-unit, session, node-agent, cron, timer, runtime, kernel, "
                  "cgroup, unconfined")
      ->check(CLI::IsMember({"pod", "systemd-unit", "session", "node-agent", "cron", "timer", "runtime", "kernel",
                             "cgroup", "unconfined"}));
  add_output_option(*cmd, o->output, {"text", "wide", "json"});
  add_no_headers_flag(*cmd, ctx);
  add_at_options(*cmd, o->at);
  cmd->callback([o, &ctx] {
    TopQuery q;
    q.by = *top_by_from_string(o->by);
    q.sort = *top_sort_from_string(o->sort);
    q.limit = o->n;
    if (!o->owner.empty()) q.owner = owner_kind_from_string(o->owner);
    SnapshotOptions so;
    so.pss = q.sort == TopSort::kPss;
    so.tasks = ctx.tasks;
    // --at: the stored processes and cgroups of that moment; owners are recomputed from them.
    std::optional<RecordedAt> recorded;
    if (!o->at.at.empty()) {
      recorded = load_recorded_at(o->at, ctx, "top");
      if (!recorded) return;
    }
    if (!recorded) prepare_one_shot_heap();
    auto snap = recorded ? Result<Snapshot>(recorded->moment.snapshot) : read_snapshot(ctx.paths, so);
    if (!snap) {
      fmt::print(stderr, "memsleuth: cannot read the node: {}\n", snap.error().describe());
      ctx.exit_code = 1;
      return;
    }
    if (!recorded) note_process_source(*snap);
    Attribution a = attribute(*snap, ctx.paths);
    TopResult r = select_top(a, q);
    std::string out;
    // The snapshot's warnings (unreadable cgroups, malformed or refused files), as `snapshot` shows them.
    if (o->output == "json") {
      Json j = top_to_json(r, q.by == TopBy::kOwner ? &a.residual : nullptr);
      Json w = Json::array();
      for (const auto& x : snap->warnings) w.push_back(jstr(x));
      j["warnings"] = std::move(w);
      // Replayed: what lived between this sample and the next without being stored by it.
      if (recorded) {
        auto ex = Json::array();
        for (const auto& e : recorded->moment.exited) ex.push_back(exit_to_json(e));
        j["exited_between_samples"] = std::move(ex);
      }
      add_source_json(j, *snap, recorded.has_value());
      out = dump_json(j) + "\n";
    } else {
      TextLayout layout = text_layout(ctx, o->output == "wide");
      out = recorded ? recorded_heading(recorded->moment, layout) : std::string();
      out += render_top_table(r, o->output == "wide", layout);
      if (q.by == TopBy::kOwner && !q.owner) out += render_residual(a.residual, layout);
      if (recorded && !recorded->moment.exited.empty())
        out += "\n" + render_exited_table(recorded->moment.exited, q.limit,
                                          "Lived between this sample and the next (kernel exit capture; not in the "
                                          "rows above):",
                                          layout);
      for (const auto& w : snap->warnings) out += wrap_text(term_field(w), layout.width, "warning: ", "  ");
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    keep_until_exit(std::move(r));
    keep_until_exit(std::move(a));
    keep_until_exit(std::move(*snap));
  });
}

}  // namespace ms::cli
