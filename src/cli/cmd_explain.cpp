#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/arg_checks.hpp"
#include "cli/context.hpp"
#include "cli/history_at.hpp"
#include "cli/process_source.hpp"
#include "cli/terminal.hpp"
#include "probe/snapshot_reader.hpp"
#include "provenance/explain.hpp"
#include "provenance/scheduled.hpp"
#include "render/exit_render.hpp"
#include "render/explain_json.hpp"
#include "render/explain_text.hpp"
#include "render/recorded_explain.hpp"
#include "store/exited.hpp"
#include "util/escape.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms::cli {

namespace {

void print_scheduled(const Context& ctx, const std::string& output, int& exit_code) {
  std::vector<Mount> mounts;
  if (auto m = read_mounts(ctx.paths)) mounts = std::move(*m);
  std::vector<std::string> problems;
  auto found = find_scheduled_culprits(ctx.paths, mounts, &problems);
  if (output == "json") {
    Json j;
    j["schema"] = "memsleuth.scheduled-culprits/v1";
    Json a = Json::array();
    for (const auto& s : found) a.push_back(scheduled_culprit_to_json(s));
    j["culprits"] = std::move(a);
    Json w = Json::array();
    for (const auto& p : problems) w.push_back(jstr("not read: " + p));
    j["warnings"] = std::move(w);
    fmt::print("{}\n", dump_json(j));
    return;
  }
  fmt::print("{}", render_scheduled_text(found, ctx.paths.rootfs, text_layout(ctx)));
  for (const auto& p : problems)
    fmt::print("{}", wrap_text(term_field(p), text_layout(ctx).width, "warning: not read: ", "  "));
  exit_code = 0;
}

// The exit the kernel reported for `pid` near the moment: one of the moment's processes that lived
// between it and the next sample, else (with `start_time`: that very process) any exit of that pid
// within an hour of the sample (a pid alone: within 5 minutes), the one whose life is closest to it.
std::optional<store::ProcessExit> find_recorded_exit(store::History& h, const store::RecordedMoment& m, int pid,
                                                     std::optional<uint64_t> start_time) {
  for (const auto& e : m.exited)
    if (e.process.pid == pid && (!start_time || e.process.start_time == *start_time)) return e;
  int64_t t = m.sample.time;
  auto ex = h.exits({t - 3600, t + 3600}, pid);
  if (!ex) return std::nullopt;
  std::optional<store::ProcessExit> best;
  int64_t best_gap = INT64_MAX;
  for (auto& e : *ex) {
    if (start_time && e.process.start_time != *start_time) continue;
    int64_t gap = t < e.start ? e.start - t : t > e.time ? t - e.time : 0;
    if (!start_time && gap > 300) continue;
    if (gap < best_gap) {
      best_gap = gap;
      best = std::move(e);
    }
  }
  return best;
}

// `explain PID --at T`: the process as stored at the sample; one gone by then (an OOM victim, or one
// last stored earlier) as last recorded, with how it ended.
void explain_recorded(const RecordedAt& recorded, int pid, const std::string& output, Context& ctx) {
  const auto& m = recorded.moment;
  auto idx = find_recorded_process(m, pid);
  // A kill after the sample shown (and by the time asked for) is said first.
  std::optional<store::RecordedEvent> last_kill;
  if (auto k = recorded.history->last_kill_of(pid, recorded.requested); k && *k) last_kill = std::move(**k);
  std::optional<store::RecordedExit> killed_since;
  if (last_kill && last_kill->time >= m.sample.time && (!idx || last_kill->comm == m.snapshot.processes[*idx].comm))
    killed_since = store::exit_of_kill(*last_kill);
  // The kernel's exit capture: the process as it ended, found when the samples never stored it,
  // and its end for one they did.
  auto exit_of = find_recorded_exit(
      *recorded.history, m, pid, idx ? std::optional<uint64_t>(m.snapshot.processes[*idx].start_time) : std::nullopt);
  if (idx) {
    if (output == "json") {
      Json j = recorded_explain_to_json(m, *idx);
      j["exit"] = killed_since ? exit_to_json(*killed_since) : exit_of ? exit_to_json(*exit_of) : Json(nullptr);
      add_source_json(j, "history", {});
      fmt::print("{}\n", dump_json(j));
      return;
    }
    fmt::print("{}", recorded_heading(m, text_layout(ctx)));
    if (killed_since) fmt::print("EXITED   {} (after this sample)\n", escape_terminal(describe_exit(*killed_since)));
    fmt::print("{}", render_recorded_explain_text(m, *idx, text_layout(ctx)));
    if (!killed_since && exit_of) fmt::print("{}", exit_line(*exit_of));
    return;
  }
  // Not in this sample: an OOM victim as last recorded, with its kill; else the kernel's exit record.
  // An exit within a minute of the pid's recorded kill is that kill: told with its cause below.
  bool exit_was_the_kill = exit_of && last_kill && std::llabs(exit_of->time - last_kill->time) <= 60;
  if (exit_of && !killed_since && !exit_was_the_kill) {
    if (output == "json") {
      Json j = exited_explain_to_json(m, *exit_of);
      add_source_json(j, "history", {});
      fmt::print("{}\n", dump_json(j));
    } else {
      fmt::print("{}{}", recorded_heading(m, text_layout(ctx)), render_exited_explain_text(m, *exit_of));
    }
    return;
  }
  auto gone = store::find_exited(*recorded.history, pid, recorded.requested);
  if (!gone) return ctx.unreadable("explain", gone.error().describe());
  if (!*gone)
    return ctx.unreadable("explain", fmt::format("pid {} was not stored in the sample at {}, nor in any before it (a "
                                                 "regular sample keeps the processes above the size floor and the top "
                                                 "N; see `memsleuth history --at`)",
                                                 pid, rfc3339_utc(m.sample.time)));
  if (output == "json") {
    Json j = exited_to_json(**gone);
    add_source_json(j, "history", {});
    fmt::print("{}\n", dump_json(j));
  } else {
    fmt::print("{}", render_exited_text(**gone, text_layout(ctx)));
  }
}

// A pid that is not running: where the recorder's database saw it last, if it has one.
void point_to_recorded_exit(const std::string& db, int pid) {
  if (::access(db.c_str(), R_OK) != 0) return;
  auto h = store::History::open(db);
  if (!h) return;
  int64_t now = now_unix();
  if (auto k = (*h)->last_kill_of(pid, now); k && *k) {
    fmt::print(stderr,
               "  the recorder saw it die: {}\n  its last recorded state: memsleuth explain {} --at @{} --db {}\n",
               escape_terminal(describe_exit(store::exit_of_kill(**k))), pid, (*k)->time, escape_terminal(db));
    return;
  }
  if (auto t = (*h)->last_stored_time(pid, now); t && *t)
    fmt::print(stderr, "  the recorder last stored it at {}: memsleuth explain {} --at @{} --db {}\n", rfc3339_utc(**t),
               pid, **t, escape_terminal(db));
}

}  // namespace

void add_explain_command(CLI::App& app, Context& ctx) {
  struct Opts {
    std::string output = "text";
    std::string sample = "0.5s", watch;
    int pid = 0;
    bool scheduled = false, kernel_threads = false;
    AtOptions at;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "explain",
      "Where a process came from (ancestry, cron line, unit, timer, pod), what bounds it, whether its cwd lies");
  cmd->add_option("pid", o->pid, "Process id to explain");
  add_output_option(*cmd, o->output, {"text", "json"});
  add_no_headers_flag(*cmd, ctx);
  CLI::Validator sample_duration(
      [](std::string& s) {
        return parse_watch_duration(s) ? std::string()
                                       : "not a duration: '" + s + "' (try 0.5s, 500ms, 2s, 1m; 0 = one reading)";
      },
      "DURATION");
  cmd->add_option("--sample", o->sample, "How long to watch the process's cwd (e.g. 2s, 500ms; 0 = one reading)")
      ->check(sample_duration)
      ->capture_default_str();
  // The old name, kept for scripts; not shown in --help (checked below: CLI11 names no hidden option).
  cmd->add_option("--watch", o->watch)->group("");
  cmd->add_flag("--kernel-threads", o->kernel_threads,
                "List kernel threads among the other processes of the cgroup (left out by default)");
  cmd->add_flag("--scheduled", o->scheduled,
                "Instead of a pid: list scheduled culprits (cron, cron.daily scripts, anacron, timers) and what they "
                "would crawl");
  add_at_options(*cmd, o->at);
  cmd->callback([o, &ctx] {
    if (o->scheduled) return print_scheduled(ctx, o->output, ctx.exit_code);
    if (o->pid <= 0) return ctx.usage_error("explain", "give a PID (or --scheduled)");
    // --at: as recorded. The process may be long gone; its owner and provenance are the ones the
    // recorder stored when it first saw it.
    if (!o->at.at.empty()) {
      auto recorded = load_recorded_at(o->at, ctx, "explain");
      if (!recorded) return;
      explain_recorded(*recorded, o->pid, o->output, ctx);
      return;
    }
    const bool old_name = !o->watch.empty();
    auto watch = parse_watch_duration(old_name ? o->watch : o->sample);
    if (!watch)
      return ctx.usage_error("explain",
                             fmt::format("{} '{}' is not a duration (try 0.5s, 500ms, 2s, 1m; 0 = one reading)",
                                         old_name ? "--watch" : "--sample", old_name ? o->watch : o->sample));
    ExplainOptions eo;
    eo.watch = *watch;
    eo.kernel_threads = o->kernel_threads;
    eo.tasks = ctx.tasks;
    auto e = explain_process(ctx.paths, o->pid, eo);
    if (!e) {
      ctx.unreadable("explain", e.error().describe());
      if (e.error().kind == Error::Kind::kNotFound) point_to_recorded_exit(db_path(o->at.db, ctx), o->pid);
      return;
    }
    note_process_source(e->process_source_note);
    if (o->output == "json") {
      Json j = explain_to_json(*e);
      add_source_json(j, e->process_source, e->process_source_note);
      fmt::print("{}\n", dump_json(j));
    } else {
      fmt::print("{}", render_explain_text(*e, text_layout(ctx)));
    }
  });
}

}  // namespace ms::cli
