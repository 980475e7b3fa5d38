#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <iterator>
#include <thread>

#include "attribution/attribution.hpp"
#include "attribution/classify.hpp"
#include "cli/context.hpp"
#include "cli/kubelet_log_args.hpp"
#include "cli/history_at.hpp"
#include "cli/one_shot.hpp"
#include "events/attribute.hpp"
#include "events/event_stream.hpp"
#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/thresholds.hpp"
#include "probe/fs.hpp"
#include "probe/kmsg.hpp"
#include "probe/parsers.hpp"
#include "probe/snapshot_reader.hpp"
#include "probe/vm_watermarks.hpp"
#include "provenance/ancestry.hpp"
#include "provenance/cron_match.hpp"
#include "provenance/cron_sources.hpp"
#include "provenance/culprits.hpp"
#include "provenance/cwd.hpp"
#include "provenance/scheduled.hpp"
#include "render/doctor_json.hpp"
#include "render/doctor_text.hpp"
#include "rules/engine.hpp"
#include "rules/rules.hpp"
#include "store/doctor_history.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms::cli {
namespace {

struct DoctorOptions {
  std::string output = "text";
  double sample_seconds = 1.0;
  std::optional<std::string> kubelet_config, kubelet_flags;
  bool no_kernel_log = false;
  KubeletLogArgs kubelet;
  size_t max_suspects = 5;
  AtOptions at;          // --at TIME (replay a recorded moment), --db PATH (history)
  bool db_given = false;  // --db on the command line: a database that cannot be read is an error
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

// The whole kernel ring once (the same reading `memsleuth oom` does without --file).
Result<std::vector<Event>> read_kernel_events(const HostPaths& paths) {
  LineContext lc;
  lc.reference_us = now_unix() * 1'000'000;
  auto reader = KmsgReader::open(paths);
  if (!reader) return fail(reader.error());
  lc.boot_time_s = read_boot_time(paths);
  EventStream stream(lc);
  auto recs = reader->read_available();
  if (!recs) return fail(recs.error());
  for (const auto& r : *recs) stream.feed_kmsg(r);
  stream.finish();
  return stream.take();
}

// OOM kills and evictions the recorder stored, as the events rules read them (for --at).
std::vector<Event> events_from_store(const std::vector<store::RecordedEvent>& recorded, const ClassifySources& src) {
  std::vector<Event> out;
  for (const auto& r : recorded) {
    Event e;
    e.time_us = r.time * 1'000'000;
    if (r.kind == "oom_kill") {
      e.kind = EventKind::kOomKill;
      e.oom.victim.pid = r.pid;
      e.oom.victim.comm = r.comm;
      e.oom.task_memcg = r.cgroup;
      e.oom.kill_reason = r.message;  // "Memory cgroup out of memory" / "Out of memory": the scope
      if (r.bytes) e.oom.victim.anon_rss_kb = static_cast<uint64_t>(*r.bytes) / 1024;
      if (r.cgroup) e.owner = classify_cgroup(*r.cgroup, &src);
    } else if (r.kind == "eviction") {
      e.kind = EventKind::kEviction;
      e.eviction.stage = "evicted";
      e.eviction.resource = "memory";
      if (r.namespace_ && r.pod) e.eviction.pod = *r.namespace_ + "/" + *r.pod;
      e.eviction.message = r.message;
    } else {
      continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

// The recorder's history around the doctor's moment, or why there is none. Returns false (after
// printing why) only when --db was given and cannot be read.
bool load_history(const DoctorOptions& o, int64_t moment, bool replay, std::optional<History>& out,
                  std::vector<std::string>& missing, std::unique_ptr<store::History>* keep_open) {
  if (!o.db_given && !replay && ::access(o.at.db.c_str(), R_OK) != 0) {
    missing.push_back(fmt::format("history: no recorder database at {} (growth rates not judged; --db PATH)", o.at.db));
    return true;
  }
  auto h = store::History::open(o.at.db);
  if (!h) {
    if (o.db_given || replay) {
      fmt::print(stderr, "memsleuth doctor: {}\n", h.error().describe());
      return false;
    }
    missing.push_back("history: " + h.error().describe());
    return true;
  }
  store::Window w{moment - store::kDoctorHistoryBeforeSeconds, replay ? moment + store::kDoctorHistoryAfterSeconds : moment};
  auto hist = store::load_doctor_history(**h, w);
  if (!hist) {
    fmt::print(stderr, "memsleuth doctor: {}\n", hist.error().describe());
    return false;
  }
  if (hist->points.size() < 2) {
    missing.push_back(fmt::format("history: {} sample(s) in {} between {} and {} (growth rates need two)",
                                  hist->points.size(), o.at.db, rfc3339_utc(w.since), rfc3339_utc(w.until)));
    return true;
  }
  out = std::move(*hist);
  *keep_open = std::move(*h);
  return true;
}

void run_doctor_command(Context& ctx, const DoctorOptions& o) {
  bool replay = !o.at.at.empty();
  // --at: the node as the recorder stored it; nothing of the live node but its files under --rootfs.
  std::optional<RecordedAt> recorded;
  std::string replayed;
  if (replay) {
    recorded = load_recorded_at(o.at, ctx, "doctor", 3);
    if (!recorded) return;
    replayed = describe_recorded(recorded->moment);
  }
  // read_snapshot reads /proc/vmstat first thing: t_snap is that moment, near enough for a rate.
  if (!recorded) prepare_one_shot_heap();
  auto t_snap = std::chrono::steady_clock::now();
  auto snap = recorded ? Result<Snapshot>(std::move(recorded->moment.snapshot)) : read_snapshot(ctx.paths);
  if (!snap) {
    fmt::print(stderr, "memsleuth: cannot read the node: {}\n", snap.error().describe());
    ctx.exit_code = 3;
    return;
  }
  const Snapshot& s = *snap;
  DoctorInput in;
  in.snap = &s;
  std::vector<std::string> missing;
  if (replay)
    missing.push_back("live node: replaying a recorded moment (no cwd sampling; watermarks and kubelet config "
                      "files as they are now; processes as far as the recorder stored them)");

  std::optional<History> history;
  std::unique_ptr<store::History> db;
  if (!load_history(o, s.time, replay, history, missing, &db)) {
    ctx.exit_code = 3;
    return;
  }
  if (history) in.history = &*history;

  auto reserves = read_vm_reserves(ctx.paths);
  in.watermarks.min_free_bytes = reserves.min_free_bytes;
  if (reserves.zones) {
    uint64_t page = static_cast<uint64_t>(s.page_size);
    in.watermarks.zone_min_bytes = reserves.zones->min_pages * page;
    in.watermarks.zone_low_bytes = reserves.zones->low_pages * page;
    in.watermarks.zone_high_bytes = reserves.zones->high_pages * page;
  }

  // Kubelet: discovered from the process table, or described on the command line.
  k8s::KubeletOverrides ov{o.kubelet_config, o.kubelet_flags};
  k8s::KubeletConfig cfg = k8s::discover_kubelet_config(ctx.paths, s, ov);
  bool kubelet_known = cfg.kubelet_found || o.kubelet_config || o.kubelet_flags;
  std::optional<std::string> pods_cg;
  if (kubelet_known && s.find_cgroup(cfg.pods_cgroup())) pods_cg = cfg.pods_cgroup();
  k8s::KubeletView view = k8s::compute_kubelet_view(s, k8s::V2RootUsage::kAnonFile, pods_cg);
  if (kubelet_known) {
    std::vector<Error> errors;
    in.thresholds = k8s::resolve_thresholds(cfg, view, &errors);
    in.allocatable = k8s::compute_node_allocatable(cfg, view, s, &errors);
    cfg.errors.insert(cfg.errors.end(), errors.begin(), errors.end());
    in.kubelet = &cfg;
    in.kubelet_view = &view;
  } else {
    missing.push_back("kubelet: no kubelet process and no --kubelet-config/--kubelet-flags (kubelet rules skipped)");
  }

  // Attribution of every process and cgroup.
  ClassifySources sources = ClassifySources::load(ctx.paths);
  Attribution attr = attribute(s, sources);
  in.attribution = &attr;
  // memsleuth itself is outside kubepods and unbounded when run by hand; never its own suspect. The comm
  // check keeps a fixture tree (--procfs) whose pid happens to match from losing a process.
  if (const Process* me = s.find_process(static_cast<int>(::getpid())); me && me->comm == "memsleuth" && !replay)
    in.self_pid = me->pid;

  // Provenance of the suspects: big unbounded processes outside kubepods.
  CronSources cron = CronSources::load(ctx.paths);
  CulpritInputs culprit_in = load_culprit_inputs(ctx.paths, s.mounts);
  std::vector<const ProcessAttribution*> suspects;
  uint64_t floor = rules::unbounded_floor_bytes(in);
  for (const auto* pa : rules::unbounded_outside_kubepods(in)) {
    if (*pa->memory.rss < floor || suspects.size() >= o.max_suspects) break;
    suspects.push_back(pa);
  }
  // cwd is sampled for every suspect at once over the sampling window (a walker's cwd moves).
  auto window = std::chrono::milliseconds(static_cast<int64_t>(o.sample_seconds * 1000));
  std::vector<std::future<Result<std::vector<CwdSample>>>> samples;
  for (const auto* pa : suspects) {
    if (replay) break;  // the recorded processes may be long gone
    int pid = pa->process->pid;
    samples.push_back(std::async(std::launch::async, [&ctx, pid, window] {
      return sample_cwd(ctx.paths, pid, window, 5);
    }));
  }
  AncestryOptions ao;
  ao.owner_of = [&attr](const Process& p) {
    const auto* pa = attr.process(p.pid);
    return pa ? pa->owner : Owner{};
  };
  for (size_t i = 0; i < suspects.size(); ++i) {
    const auto* pa = suspects[i];
    const Process& p = *pa->process;
    SuspectProvenance sp;
    sp.pid = p.pid;
    Ancestry anc = build_ancestry(s, p.pid, ao);
    sp.cron = match_cron_source(anc, cron, ctx.paths.rootfs);
    if (pa->owner.timer) sp.timer = pa->owner.timer;
    sp.culprit = match_process_culprit(p.cmdline, p.comm, culprit_in);
    auto cw = replay ? Result<std::vector<CwdSample>>(std::vector<CwdSample>{}) : samples[i].get();
    if (cw && !cw->empty()) {
      CwdContext cc;
      cc.process_pod_uid = pa->owner.pod_uid;
      cc.owner_label = pa->owner.label();
      cc.memory_cgroup = p.memory_cgroup;
      if (sp.cron) cc.source_summary = fmt::format("cron: {}:{} ({})", sp.cron->file, sp.cron->line, sp.cron->schedule_text);
      sp.cwd = analyze_cwd(std::move(*cw), s.mounts, cc);
    }
    in.suspects.push_back(std::move(sp));
  }
  in.scheduled = find_scheduled_culprits(ctx.paths, s.mounts);

  // Recent OOM kills and evictions from the kernel ring.
  std::vector<Event> events;
  if (replay && db) {
    // The kills and evictions the recorder captured in the day before the moment.
    if (auto rec = db->events({s.time - in.events_window_s, s.time})) {
      events = events_from_store(*rec, sources);
      in.events = &events;
    } else {
      missing.push_back("recorded events: " + rec.error().describe());
    }
  } else if (replay) {
    missing.push_back("recorded events: the history database could not be read");
  } else {
    if (!o.no_kernel_log) {
      if (auto ev = read_kernel_events(ctx.paths)) {
        events = std::move(*ev);
        in.events = &events;
      } else {
        missing.push_back("kernel log: " + ev.error().describe() + " (OOM kills not checked; needs root or CAP_SYSLOG)");
      }
    }
    in.kernel_log = in.events != nullptr;
    // Evictions: the kubelet's own log lines (text logs, journal), not the kernel's.
    auto kub = read_kubelet_evictions(ctx.paths, o.kubelet.options(), s.time * 1'000'000);
    for (const auto& p : kub.problems) missing.push_back("kubelet log: " + p);
    if (!kub.sources.empty()) {
      in.kubelet_log = true;
      events.insert(events.end(), std::make_move_iterator(kub.events.begin()),
                    std::make_move_iterator(kub.events.end()));
      in.events = &events;
    }
    if (in.events) {
      AttributionContext ac;
      ac.owner_of = [&sources](std::string_view memcg) { return classify_cgroup(memcg, &sources); };
      ac.page_size = static_cast<uint64_t>(s.page_size);
      attribute_events(events, ac);
    }
  }

  // Swap rates need a second vmstat reading; only worth the wait when the node has swap.
  if (!replay && o.sample_seconds > 0 && s.meminfo.get_or("SwapTotal", 0) > 0) {
    std::this_thread::sleep_until(t_snap + std::chrono::duration<double>(o.sample_seconds));
    in.vmstat_later = read_vmstat(ctx.paths);
    in.vmstat_interval_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_snap).count();
  }

  DoctorReport report = make_doctor_report(in, read_hostname(ctx.paths));
  report.node.missing.insert(report.node.missing.begin(), missing.begin(), missing.end());
  if (replay) report.node.replayed = replayed;
  if (o.output == "json") fmt::print("{}\n", dump_json(doctor_to_json(report)));
  else fmt::print("{}", render_doctor_text(report, ::isatty(STDOUT_FILENO) == 1));
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
    o->db_given = cmd->get_option("--db")->count() > 0;
    run_doctor_command(ctx, *o);
  });
}

}  // namespace ms::cli
