#include <fmt/format.h>

#include <cstdio>

#include "cli/arg_checks.hpp"
#include "cli/context.hpp"
#include "cli/history_at.hpp"
#include "cli/terminal.hpp"
#include "render/history_text.hpp"
#include "store/history.hpp"
#include "store/timeline.hpp"
#include "util/time_input.hpp"
#include "util/units.hpp"

namespace ms::cli {

void add_history_command(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string db;  // empty: the default under --rootfs
    std::string since = "-24h", until = "now", at;
    std::string output = "text";
    size_t width = 60, top = 5, processes = 25;
    std::string v2_root_usage = "anon-file";
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "history", "What the recorder saw: node timeline, peaks, OOM kills, evictions; --at replays a moment");
  cmd->add_option(
      "--db", o->db,
      fmt::format("History database written by `memsleuth record` (default {} under --rootfs)", store::kDefaultDbPath));
  cmd->add_option("--since", o->since, "Start: RFC 3339, 'YYYY-MM-DD HH:MM[:SS]' (local) or relative (-2h)")
      ->check(time_arg())
      ->capture_default_str();
  cmd->add_option("--until", o->until, "End (same forms)")->check(time_arg())->capture_default_str();
  cmd->add_option("--at", o->at, "Show the node as recorded at this time (the last sample at or before it)")
      ->check(time_arg());
  cmd->add_option("--width", o->width, "Sparkline width in columns")->capture_default_str();
  cmd->add_option("--owners", o->top, "Owners listed in the timeline")->capture_default_str();
  cmd->add_option("--processes", o->processes, "Processes listed with --at")->capture_default_str();
  cmd->add_option("--v2-root-usage", o->v2_root_usage,
                  "cgroup v2 root usage rule for the kubelet's view: anon-file (kubelet >= 1.29) or meminfo (older)")
      ->check(CLI::IsMember({"anon-file", "meminfo"}))
      ->capture_default_str();
  add_output_option(*cmd, o->output, {"text", "json"});
  add_no_headers_flag(*cmd, ctx);
  cmd->callback([o, &ctx] {
    int64_t now_us = now_unix() * 1'000'000;
    // Times first: a usage error is reported as one whether or not the database can be read.
    auto since = parse_time_input(o->since, now_us);
    auto until = parse_time_input(o->until, now_us);
    if (!since || !until) return ctx.usage_error("history", (!since ? since : until).error().describe());
    if (o->at.empty() && !check_window(ctx, "history", o->since, *since, o->until, *until)) return;
    const std::string db = db_path(o->db, ctx);
    auto h = store::History::open(db);
    if (!h) return ctx.unreadable("history", h.error().describe());
    if (!o->at.empty()) {
      auto t = parse_time_input(o->at, now_us);
      if (!t) return ctx.usage_error("history", "--at: " + t.error().describe());
      auto m = (*h)->at(*t / 1'000'000);
      if (!m) return ctx.unreadable("history", m.error().describe());
      if (!*m)
        return ctx.unreadable("history", fmt::format("nothing recorded in {} within an hour before {}", db,
                                                     rfc3339_utc(*t / 1'000'000)));
      if (o->output == "json") fmt::print("{}\n", dump_json(moment_to_json(**m)));
      else
        fmt::print("{}", render_moment_text(**m, o->processes, text_layout(ctx)));
      return;
    }
    store::Window w{*since / 1'000'000, *until / 1'000'000};
    auto rule = o->v2_root_usage == "meminfo" ? k8s::V2RootUsage::kMeminfo : k8s::V2RootUsage::kAnonFile;
    auto t = store::build_timeline(**h, w, o->top, rule);
    if (!t) return ctx.unreadable("history", t.error().describe());
    if (o->output == "json") fmt::print("{}\n", dump_json(timeline_to_json(*t)));
    else
      fmt::print("{}", render_timeline_text(*t, o->width, text_layout(ctx)));
  });
}

}  // namespace ms::cli
