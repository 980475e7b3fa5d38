#include "diagnosis/diagnosis.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <iterator>
#include <thread>

#include "attribution/attribution.hpp"
#include "events/attribute.hpp"
#include "events/event_stream.hpp"
#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
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
#include "rules/rules.hpp"
#include "store/doctor_history.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms::diagnosis {
namespace {

std::string read_hostname(const HostPaths& paths) {
  if (auto t = read_file(paths.proc("sys/kernel/hostname"), FileKind::kKernel)) return std::string(trim(*t));
  return "unknown";
}

std::optional<KeyValues> read_vmstat(const HostPaths& paths) {
  if (auto t = read_file(paths.proc("vmstat"), FileKind::kKernel))
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

// Everything one diagnosis owns; DoctorInput points into it.
struct Work {
  const Snapshot* snap = nullptr;
  DoctorInput in;
  std::vector<std::string> missing;
  std::optional<History> history;
  std::optional<k8s::KubeletConfig> kubelet;
  std::optional<k8s::KubeletView> view;
  ClassifySources sources;
  std::optional<Attribution> attribution;
  std::vector<Event> events;
  std::vector<std::string> kubelet_trust;  // also when no kubelet was taken: what was refused, and why
  bool kubelet_known = false;
};

// What the snapshot could not read (unreadable cgroups, files refused or cut at their cap, malformed
// process files): named, the first 10, then how many more.
void add_snapshot_warnings(Work& w) {
  constexpr size_t kNamed = 10;
  const auto& warnings = w.snap->warnings;
  for (size_t i = 0; i < warnings.size() && i < kNamed; ++i) w.missing.push_back("snapshot: " + warnings[i]);
  if (warnings.size() > kNamed)
    w.missing.push_back(fmt::format("snapshot: {} more warnings (memsleuth snapshot -o json lists them all)",
                                    warnings.size() - kNamed));
}

void add_watermarks(Work& w, const HostPaths& paths) {
  auto reserves = read_vm_reserves(paths);
  w.in.watermarks.min_free_bytes = reserves.min_free_bytes;
  if (reserves.zones) {
    uint64_t page = static_cast<uint64_t>(w.snap->page_size);
    w.in.watermarks.zone_min_bytes = reserves.zones->min_pages * page;
    w.in.watermarks.zone_low_bytes = reserves.zones->low_pages * page;
    w.in.watermarks.zone_high_bytes = reserves.zones->high_pages * page;
  }
}

// The recorder's history in `window`, or a note on why there is none. Fails only for a required
// database that cannot be read.
Result<void> add_history(Work& w, store::History* h, store::Window window, const Options& o) {
  std::unique_ptr<store::History> opened;
  if (!h) {
    if (!o.db_required && ::access(o.db_path.c_str(), R_OK) != 0) {
      w.missing.push_back(
          fmt::format("history: no recorder database at {} (growth rates not judged; --db PATH)", o.db_path));
      return {};
    }
    auto hh = store::History::open(o.db_path);
    if (!hh) {
      if (o.db_required) return fail(hh.error());
      w.missing.push_back("history: " + hh.error().describe());
      return {};
    }
    opened = std::move(*hh);
    h = opened.get();
  }
  auto hist = store::load_doctor_history(*h, window);
  if (!hist) return fail(hist.error());
  if (hist->points.size() < 2) {
    w.missing.push_back(fmt::format("history: {} sample(s) between {} and {} (growth rates need a minute or more)",
                                    hist->points.size(), rfc3339_utc(window.since), rfc3339_utc(window.until)));
    return {};
  }
  w.history = std::move(*hist);
  w.in.history = &*w.history;
  return {};
}

// Kubelet: the recorded or discovered settings, or those described on the command line.
void add_kubelet(Work& w, k8s::KubeletConfig cfg, bool described) {
  const Snapshot& s = *w.snap;
  w.kubelet_trust = cfg.trust;
  w.kubelet_known = cfg.kubelet_found || described;
  std::optional<std::string> pods_cg;
  if (w.kubelet_known && s.find_cgroup(cfg.pods_cgroup())) pods_cg = cfg.pods_cgroup();
  w.view = k8s::compute_kubelet_view(s, k8s::V2RootUsage::kAnonFile, pods_cg);
  if (!w.kubelet_known) {
    w.missing.push_back("kubelet: no kubelet process and no --kubelet-config/--kubelet-flags (kubelet rules skipped)");
    return;
  }
  std::vector<Error> errors;
  w.in.thresholds = k8s::resolve_thresholds(cfg, *w.view, &errors);
  w.in.allocatable = k8s::compute_node_allocatable(cfg, *w.view, s, &errors);
  cfg.errors.insert(cfg.errors.end(), errors.begin(), errors.end());
  w.kubelet = std::move(cfg);
  w.in.kubelet = &*w.kubelet;
  w.in.kubelet_view = &*w.view;
}

// Provenance of the suspects (big unbounded processes outside kubepods): the cron line or timer that
// started each, a known culprit's rule, and (live) its cwd sampled over the sampling window.
void add_suspects(Work& w, const HostPaths& paths, const Options& o, bool live) {
  const Snapshot& s = *w.snap;
  const Attribution& attr = *w.attribution;
  CronSources cron = CronSources::load(paths);
  CulpritInputs culprit_in = load_culprit_inputs(paths, s.mounts);
  std::vector<const ProcessAttribution*> suspects;
  uint64_t floor = rules::unbounded_floor_bytes(w.in);
  for (const auto* pa : rules::unbounded_outside_kubepods(w.in)) {
    if (*pa->memory.rss < floor || suspects.size() >= o.max_suspects) break;
    suspects.push_back(pa);
  }
  // cwd is sampled for every suspect at once over the sampling window (a walker's cwd moves).
  auto window = std::chrono::milliseconds(static_cast<int64_t>(o.sample_seconds * 1000));
  std::vector<std::future<Result<std::vector<CwdSample>>>> samples;
  if (live)
    for (const auto* pa : suspects) {
      int pid = pa->process->pid;
      samples.push_back(
          std::async(std::launch::async, [&paths, pid, window] { return sample_cwd(paths, pid, window, 5); }));
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
    sp.cron = match_cron_source(anc, cron, paths.rootfs);
    if (pa->owner.timer) sp.timer = pa->owner.timer;
    sp.culprit = match_process_culprit(p.cmdline, p.comm, culprit_in);
    auto cw = live ? samples[i].get() : Result<std::vector<CwdSample>>(std::vector<CwdSample>{});
    if (cw && !cw->empty()) {
      CwdContext cc;
      cc.process_pod_uid = pa->owner.pod_uid;
      cc.owner_label = pa->owner.label();
      cc.memory_cgroup = p.memory_cgroup;
      if (sp.cron)
        cc.source_summary = fmt::format("cron: {}:{} ({})", sp.cron->file, sp.cron->line, sp.cron->schedule_text);
      sp.cwd = analyze_cwd(std::move(*cw), s.mounts, cc);
    }
    w.in.suspects.push_back(std::move(sp));
  }
  std::vector<std::string> not_read;
  w.in.scheduled = find_scheduled_culprits(paths, s.mounts, &not_read);
  for (const auto& p : not_read) w.missing.push_back("not read: " + p);
}

// The snapshot's attribution and everything that hangs off it.
void add_attribution(Work& w, const HostPaths& paths) {
  w.sources = ClassifySources::load(paths);
  w.attribution = attribute(*w.snap, w.sources);
  w.in.attribution = &*w.attribution;
}

Diagnosis finish(Work& w, const HostPaths& paths) {
  Diagnosis d;
  d.report = make_doctor_report(w.in, read_hostname(paths));
  d.report.node.missing.insert(d.report.node.missing.begin(), w.missing.begin(), w.missing.end());
  d.report.node.kubelet_trust = w.kubelet_trust;
  d.kubelet_known = w.kubelet_known;
  d.thresholds = w.in.thresholds;
  return d;
}

}  // namespace

Result<Diagnosis> diagnose_live(const HostPaths& paths, const Options& o) {
  // read_snapshot reads /proc/vmstat first thing: t_snap is that moment, near enough for a rate.
  auto t_snap = std::chrono::steady_clock::now();
  SnapshotOptions so;
  so.tasks = o.tasks;
  auto snap = read_snapshot(paths, so);
  if (!snap) return fail(snap.error());
  Work w;
  w.snap = &*snap;
  w.in.snap = w.snap;
  const Snapshot& s = *snap;
  add_snapshot_warnings(w);
  if (auto r = add_history(w, nullptr, {s.time - store::kDoctorHistoryBeforeSeconds, s.time}, o); !r)
    return fail(r.error());
  add_watermarks(w, paths);
  k8s::KubeletOverrides ov{o.kubelet_config, o.kubelet_flags};
  add_kubelet(w, k8s::discover_kubelet_config(paths, s, ov), o.kubelet_config || o.kubelet_flags);
  add_attribution(w, paths);
  // memsleuth itself is outside kubepods and unbounded when run by hand; never its own suspect. The comm
  // check keeps a fixture tree (--procfs) whose pid happens to match from losing a process.
  if (const Process* me = s.find_process(static_cast<int>(::getpid())); me && me->comm == "memsleuth")
    w.in.self_pid = me->pid;
  add_suspects(w, paths, o, true);

  // Recent OOM kills (the kernel ring) and evictions (the kubelet's own log lines, text logs and journal).
  if (o.kernel_log) {
    if (auto ev = read_kernel_events(paths)) {
      w.events = std::move(*ev);
      w.in.events = &w.events;
    } else {
      w.missing.push_back("kernel log: " + ev.error().describe() +
                          " (OOM kills not checked; needs root or CAP_SYSLOG)");
    }
  }
  w.in.kernel_log = w.in.events != nullptr;
  auto kub = read_kubelet_evictions(paths, o.kubelet_log, s.time * 1'000'000);
  for (const auto& p : kub.problems) w.missing.push_back("kubelet log: " + p);
  if (!kub.sources.empty()) {
    w.in.kubelet_log = true;
    w.events.insert(w.events.end(), std::make_move_iterator(kub.events.begin()),
                    std::make_move_iterator(kub.events.end()));
    w.in.events = &w.events;
  }
  if (w.in.events) {
    AttributionContext ac;
    const ClassifySources& src = w.sources;
    ac.owner_of = [&src](std::string_view memcg) { return classify_cgroup(memcg, &src); };
    ac.page_size = static_cast<uint64_t>(s.page_size);
    attribute_events(w.events, ac);
  }

  // Swap rates need a second vmstat reading; only worth the wait when the node has swap.
  if (o.sample_seconds > 0 && s.meminfo.get_or("SwapTotal", 0) > 0) {
    std::this_thread::sleep_until(t_snap + std::chrono::duration<double>(o.sample_seconds));
    w.in.vmstat_later = read_vmstat(paths);
    w.in.vmstat_interval_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_snap).count();
  }
  Diagnosis d = finish(w, paths);
  d.process_source = s.process_source;
  d.process_source_note = s.process_source_note;
  return d;
}

Result<Diagnosis> diagnose_recorded(const HostPaths& paths, store::History& h, const store::RecordedMoment& m,
                                    const Options& o) {
  Work w;
  w.snap = &m.snapshot;
  w.in.snap = w.snap;
  const Snapshot& s = m.snapshot;
  w.missing.push_back(
      "live node: replaying a recorded moment (no cwd sampling; watermarks, names and cron/timer "
      "files as they are now; processes as far as the recorder stored them)");
  store::Window around{s.time - store::kDoctorHistoryBeforeSeconds, s.time + store::kDoctorHistoryAfterSeconds};
  if (auto r = add_history(w, &h, around, o); !r) return fail(r.error());
  add_watermarks(w, paths);
  if (o.kubelet_config || o.kubelet_flags) {
    k8s::KubeletOverrides ov{o.kubelet_config, o.kubelet_flags};
    add_kubelet(w, k8s::discover_kubelet_config(paths, s, ov), true);
  } else {
    add_kubelet(w, h.kubelet_config(m.node.kubelet_config_id), false);  // as recorded with the sample
  }
  add_attribution(w, paths);
  add_suspects(w, paths, o, false);
  // The kills and evictions the recorder captured in the day before the moment.
  if (auto rec = h.events({s.time - w.in.events_window_s, s.time})) {
    w.events = events_from_store(*rec, w.sources);
    w.in.events = &w.events;
  } else {
    w.missing.push_back("recorded events: " + rec.error().describe());
  }
  w.in.kernel_log = w.in.events != nullptr;
  Diagnosis d = finish(w, paths);
  d.report.node.replayed = describe_moment(m);
  d.process_source = "history";
  return d;
}

std::string describe_moment(const store::RecordedMoment& m) {
  return fmt::format("as recorded at {} ({} sample{}; {} of {} processes stored)", rfc3339_utc(m.snapshot.time),
                     m.sample.full ? "full" : "regular",
                     m.sample.trigger.empty() ? "" : ", trigger " + m.sample.trigger, m.snapshot.processes.size(),
                     m.sample.nr_processes);
}

}  // namespace ms::diagnosis
