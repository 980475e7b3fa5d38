#include <fmt/format.h>

#include <cstdio>

#include "cli/context.hpp"
#include "render/history_text.hpp"
#include "store/history.hpp"
#include "store/timeline.hpp"
#include "util/time_input.hpp"
#include "util/units.hpp"

namespace ms::cli {

void add_history_command(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string db = store::kDefaultDbPath;
    std::string since = "-24h", until = "now", at;
    std::string output = "table";
    size_t width = 60, top = 5, processes = 25;
    std::string v2_root_usage = "anon-file";
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("history", "What the recorder saw: node timeline, peaks, OOM kills, evictions; --at replays a moment");
  cmd->add_option("--db", o->db, "History database written by `memsleuth record`")->capture_default_str();
  cmd->add_option("--since", o->since, "Start: RFC 3339, 'YYYY-MM-DD HH:MM[:SS]' (local) or relative (-2h)")
      ->capture_default_str();
  cmd->add_option("--until", o->until, "End (same forms)")->capture_default_str();
  cmd->add_option("--at", o->at, "Show the node as recorded at this time (the last sample at or before it)");
  cmd->add_option("--width", o->width, "Sparkline width in columns")->capture_default_str();
  cmd->add_option("--owners", o->top, "Owners listed in the timeline")->capture_default_str();
  cmd->add_option("--processes", o->processes, "Processes listed with --at")->capture_default_str();
  cmd->add_option("--v2-root-usage", o->v2_root_usage,
                  "cgroup v2 root usage rule for the kubelet's view: anon-file (kubelet >= 1.29) or meminfo (older)")
      ->check(CLI::IsMember({"anon-file", "meminfo"}))
      ->capture_default_str();
  add_output_option(*cmd, o->output, {"table", "json"});
  cmd->callback([o, &ctx] {
    int64_t now_us = now_unix() * 1'000'000;
    auto h = store::History::open(o->db);
    if (!h) {
      fmt::print(stderr, "memsleuth history: {}\n", h.error().describe());
      ctx.exit_code = 2;
      return;
    }
    if (!o->at.empty()) {
      auto t = parse_time_input(o->at, now_us);
      if (!t) {
        fmt::print(stderr, "memsleuth history: --at: {}\n", t.error().describe());
        ctx.exit_code = 2;
        return;
      }
      auto m = (*h)->at(*t / 1'000'000);
      if (!m) {
        fmt::print(stderr, "memsleuth history: {}\n", m.error().describe());
        ctx.exit_code = 2;
        return;
      }
      if (!*m) {
        fmt::print(stderr, "memsleuth history: nothing recorded within an hour before {}\n",
                   rfc3339_utc(*t / 1'000'000));
        ctx.exit_code = 1;
        return;
      }
      if (o->output == "json") fmt::print("{}\n", dump_json(moment_to_json(**m)));
      else fmt::print("{}", render_moment_text(**m, o->processes));
      return;
    }
    auto since = parse_time_input(o->since, now_us);
    auto until = parse_time_input(o->until, now_us);
    if (!since || !until) {
      fmt::print(stderr, "memsleuth history: {}\n", (!since ? since : until).error().describe());
      ctx.exit_code = 2;
      return;
    }
    store::Window w{*since / 1'000'000, *until / 1'000'000};
    auto rule = o->v2_root_usage == "meminfo" ? k8s::V2RootUsage::kMeminfo : k8s::V2RootUsage::kAnonFile;
    auto t = store::build_timeline(**h, w, o->top, rule);
    if (!t) {
      fmt::print(stderr, "memsleuth history: {}\n", t.error().describe());
      ctx.exit_code = 2;
      return;
    }
    if (o->output == "json") fmt::print("{}\n", dump_json(timeline_to_json(*t)));
    else fmt::print("{}", render_timeline_text(*t, o->width));
  });
}

}  // namespace ms::cli
