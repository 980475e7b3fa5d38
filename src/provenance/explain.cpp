#include "provenance/explain.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "attribution/systemd_units.hpp"
#include "probe/fs.hpp"
#include "probe/parsers.hpp"
#include "probe/snapshot_reader.hpp"
#include "provenance/scheduled.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms {

std::string ExplainSource::summary() const {
  if (kind == "cron") {
    if (!file) return "cron (no crontab line matched)";
    std::string s = fmt::format("cron: {}:{}", *file, line.value_or(0));
    if (schedule_text) s += " (" + *schedule_text + ")";
    if (script) s += " → " + *script;
    return s;
  }
  if (kind == "timer") return fmt::format("timer {} → {}", timer.value_or("?"), unit.value_or("?"));
  if (kind == "systemd") return "systemd unit " + unit.value_or("?");
  if (kind == "pod") return fmt::format("pod {}/{}", namespace_.value_or("?"), pod.value_or(pod_uid.value_or("?")));
  if (kind == "kernel") return "the kernel (a kernel thread)";
  if (kind == "session") return fmt::format("session {} of {}", session.value_or("?"), user.value_or("?"));
  return "unknown";
}

std::optional<std::chrono::milliseconds> parse_watch_duration(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double mult = 1000;  // bare number: seconds
  if (ends_with(s, "ms")) {
    mult = 1;
    s.remove_suffix(2);
  } else if (ends_with(s, "s")) {
    s.remove_suffix(1);
  } else if (ends_with(s, "m")) {
    mult = 60000;
    s.remove_suffix(1);
  }
  auto v = parse_double(s);
  if (!v || *v < 0 || *v > 3600 * 1000 / mult * 1000) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(*v * mult)));
}

bool is_kernel_thread(const Snapshot& s, const Process& p) {
  if (p.kernel_thread) return true;
  // kthreadd's children (PF_KTHREAD unread, e.g. stat vanished mid-scan); pid 2 is kthreadd only where
  // it is a kernel thread itself (in a container's pid namespace it is an ordinary process).
  const Process* k = p.ppid == 2 ? s.find_process(2) : nullptr;
  return k && k->kernel_thread;
}

namespace {

// Stop climbing for culprits at these: they start everything.
bool chain_boundary(const Ancestor& a) {
  return a.pid == 1 || is_cron_daemon(a.comm) || a.container_shim || a.comm == "systemd" || a.comm == "kthreadd";
}

void fill_source(Explanation& e, const ExplainInputs& in) {
  ExplainSource& s = e.source;
  const Owner& o = e.owner;
  s.unit = o.unit;
  s.unit_file = in.unit_file;
  s.user = o.user;
  if (o.kind == OwnerKind::kPod || (o.in_kubepods && o.pod_uid)) {
    s.kind = "pod";
    s.namespace_ = o.namespace_;
    s.pod = o.pod;
    s.container = o.container;
    s.pod_uid = o.pod_uid;
    s.how = "memory cgroup is a pod's: " + e.memory_cgroup.value_or("?");
    return;
  }
  std::optional<CronMatch> cron;
  if (in.cron) cron = match_cron_source(e.ancestry, *in.cron, in.rootfs);
  if (cron && cron->via_ancestry) {
    s.kind = "cron";
  } else if (in.timer_name) {
    s.kind = "timer";
    s.timer = in.timer_name;
    s.timer_file = in.timer_file;
    if (!in.timer_schedule.empty()) {
      std::string sched;
      for (const auto& x : in.timer_schedule) sched += (sched.empty() ? "" : ", ") + x;
      s.schedule = sched;
      s.schedule_text = sched;
    }
    s.how = fmt::format("memory cgroup names {}, which {} activates", o.unit.value_or("?"), *in.timer_name);
    return;
  } else if (cron) {
    s.kind = "cron";  // weak: matched by command text, its cron ancestor is gone
  } else if (o.kind == OwnerKind::kSession) {
    s.kind = "session";
    s.session = o.session;
    s.how = "memory cgroup is a login session scope";
    return;
  } else if (o.unit) {
    s.kind = "systemd";
    s.node_agent = o.kind == OwnerKind::kNodeAgent;
    s.how = "memory cgroup names " + *o.unit;
    return;
  } else {
    s.node_agent = o.kind == OwnerKind::kNodeAgent;
    s.how = "no cron ancestor, no unit, no pod, no session in its cgroup";
    return;
  }
  if (!cron->file.empty()) {
    s.file = cron->file;
    s.line = cron->line;
    s.schedule = cron->schedule;
    s.schedule_text = cron->schedule_text;
    s.command = cron->command;
  }
  if (cron->user) s.user = cron->user;
  s.script = cron->script;
  s.via_ancestry = cron->via_ancestry;
  s.how = cron->how;
}

std::vector<std::string> disable_hints(const ExplainSource& s) {
  std::vector<std::string> out;
  if (s.kind == "cron") {
    if (s.script) out.push_back(fmt::format("chmod -x {} (run-parts skips files that are not executable)", *s.script));
    else if (s.file) out.push_back(fmt::format("comment out {} line {}", *s.file, s.line.value_or(0)));
  } else if (s.kind == "timer" && s.timer) {
    out.push_back("systemctl disable --now " + *s.timer);
  } else if (s.kind == "systemd" && s.unit && !s.node_agent) {
    out.push_back("systemctl disable --now " + *s.unit);
  }
  return out;
}

}  // namespace

Explanation build_explanation(const ExplainInputs& in, int pid, const ExplainOptions& opts) {
  Explanation e;
  const Snapshot& snap = *in.snapshot;
  e.time = snap.time;
  e.process_source = snap.process_source;
  e.process_source_note = snap.process_source_note;
  e.watch = opts.watch;
  const Process* p = snap.find_process(pid);
  if (!p) return e;  // explain_process checks before calling
  e.process = *p;
  if (snap.boot_time > 0 && snap.clock_ticks > 0)
    e.start_unix = static_cast<int64_t>(snap.boot_time) + static_cast<int64_t>(p->start_time / snap.clock_ticks);
  if (p->uid && in.sources) e.user = in.sources->users.name(*p->uid);
  e.cgroups = p->cgroups;
  e.memory_cgroup = p->memory_cgroup;
  e.owner = classify_process(*p, snap, in.sources, &e.owner_why);
  if (is_kernel_thread(snap, *p)) {
    e.kernel_thread = true;
    e.source.kind = "kernel";
    e.source.how = "a kernel thread: started by the kernel (kthreadd), not by a unit, job, session or pod";
    return e;
  }
  if (e.memory_cgroup) {
    if (const Cgroup* c = snap.find_cgroup(*e.memory_cgroup)) e.memory_cgroup_info = *c;
    e.effective = effective_limit(snap, *e.memory_cgroup);
  }

  AncestryOptions ao;
  ao.owner_of = [&](const Process& q) { return classify_process(q, snap, in.sources, nullptr); };
  if (in.sources) ao.user_name = [&](uint32_t uid) { return in.sources->users.name(uid); };
  e.ancestry = build_ancestry(snap, pid, ao);
  if (!e.ancestry.complete && e.ancestry.missing_pid)
    e.warnings.push_back(
        fmt::format("ancestor pid {} exited while reading: the chain stops there", *e.ancestry.missing_pid));
  for (const auto& w : in.read_problems) e.warnings.push_back("not read: " + w);

  // Siblings: the other processes of the memory cgroup, with their memory.
  if (in.cgroup_pids) {
    e.siblings_file = in.cgroup_pids_file;
    for (int sp : *in.cgroup_pids) {
      if (sp == pid) continue;
      const Process* q = snap.find_process(sp);
      if (q && is_kernel_thread(snap, *q) && !opts.kernel_threads) {
        ++e.siblings_kernel_threads;
        continue;
      }
      Sibling s;
      s.pid = sp;
      if (q) {
        s.comm = q->comm;
        s.cmdline = q->cmdline;
        s.rss_bytes = q->rss_bytes;
      }
      e.siblings.push_back(std::move(s));
    }
    e.siblings_total = e.siblings.size();
    std::stable_sort(e.siblings.begin(), e.siblings.end(),
                     [](const Sibling& a, const Sibling& b) { return a.rss_bytes.value_or(0) > b.rss_bytes.value_or(0); });
    if (e.siblings.size() > opts.max_siblings) e.siblings.resize(opts.max_siblings);
  }

  fill_source(e, in);

  // cwd truth.
  CwdContext cc;
  cc.process_pod_uid = e.owner.pod_uid;
  cc.owner_label = fmt::format("{} [{}]", e.owner.label(), to_string(e.owner.kind));
  cc.memory_cgroup = e.memory_cgroup;
  cc.source_summary = e.source.kind == "unknown" ? "" : e.source.summary();
  const std::vector<Mount>& mounts = in.process_mounts.empty() ? snap.mounts : in.process_mounts;
  for (const auto& s : in.cwd_samples)
    if (s.path)
      if (auto uid = pod_uid_in_path(*s.path); uid && in.sources)
        if (const auto* pn = in.sources->names.pod(*uid)) {
          cc.pod_name_of_dir = pn->namespace_ + "/" + pn->name;
          break;
        }
  e.cwd = analyze_cwd(in.cwd_samples, mounts, cc);

  // Known culprits: the target, then its ancestors up to the first process that starts everything.
  CulpritInputs ci = in.culprit_base;
  ci.mounts = mounts;
  ci.disable = disable_hints(e.source);
  for (const auto& a : e.ancestry.chain) {
    if (chain_boundary(a)) break;
    if (auto c = match_process_culprit(a.cmdline, a.comm, ci)) e.culprits.push_back({a.pid, a.comm, std::move(*c)});
  }
  return e;
}

namespace {

std::vector<int> parse_pid_list(std::string_view text) {
  std::vector<int> out;
  for_each_line(text, [&](std::string_view l, int) {
    if (auto v = parse_u64(trim(l)); v && *v < (1u << 30)) out.push_back(static_cast<int>(*v));
  });
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Error gone(int pid, bool during) {
  return Error{Error::Kind::kNotFound, "", 0,
               during ? fmt::format("process {} exited while being explained", pid)
                      : fmt::format("no process with pid {}", pid)};
}

}  // namespace

Result<Explanation> explain_process(const HostPaths& paths, int pid, const ExplainOptions& opts) {
  if (pid <= 0 || !is_dir(paths.proc(std::to_string(pid)))) return fail(gone(pid, false));
  SnapshotOptions so;
  so.slab = false;
  so.statvfs_tmpfs = false;
  so.tasks = opts.tasks;
  auto snap = read_snapshot(paths, so);
  if (!snap) return fail(snap.error());
  const Process* p = snap->find_process(pid);
  if (!p) return fail(gone(pid, true));
  const uint64_t start_ticks = p->start_time;

  ClassifySources sources = ClassifySources::load(paths);
  CronSources cron = CronSources::load(paths);
  ExplainInputs in;
  in.snapshot = &*snap;
  in.sources = &sources;
  in.cron = &cron;
  in.rootfs = paths.rootfs;
  if (auto t = read_file(paths.proc(std::to_string(pid) + "/mountinfo"), FileKind::kMounts))
    if (auto m = parse_mountinfo(*t, paths.proc(std::to_string(pid) + "/mountinfo"))) in.process_mounts = std::move(*m);
  in.culprit_base = load_culprit_inputs(paths, in.process_mounts.empty() ? snap->mounts : in.process_mounts);
  in.read_problems = cron.unreadable();
  in.read_problems.insert(in.read_problems.end(), in.culprit_base.problems.begin(), in.culprit_base.problems.end());

  // The unit of the process and the timer that activates it, read from their unit files.
  Owner owner = classify_process(*p, *snap, &sources, nullptr);
  if (owner.unit) {
    if (auto uf = load_unit_file(paths, *owner.unit)) in.unit_file = uf->path;
    if (const TimerInfo* ti = sources.units.timer_for(*owner.unit)) {
      in.timer_name = ti->timer;
      in.timer_file = ti->path;
      for (const auto& c : ti->on_calendar) in.timer_schedule.push_back("OnCalendar=" + c);
      if (auto tf = load_unit_file(paths, ti->timer)) {
        if (in.timer_schedule.empty())
          for (const auto& c : tf->get_all("Timer", "OnCalendar")) in.timer_schedule.push_back("OnCalendar=" + c);
        for (const auto& c : tf->get_all("Timer", "OnBootSec")) in.timer_schedule.push_back("OnBootSec=" + c);
        for (const auto& c : tf->get_all("Timer", "OnUnitActiveSec"))
          in.timer_schedule.push_back("OnUnitActiveSec=" + c);
      }
    }
  }

  // Siblings straight from the cgroup's own list, as a person would read it.
  // cgroup_dir strips the mount's own hierarchy root (inside a container the mount shows only a subtree),
  // and gives nothing for a cgroup outside it.
  if (p->memory_cgroup)
    if (std::string dir = snap->cgroup_dir(*p->memory_cgroup); !dir.empty()) {
      in.cgroup_pids_file = dir + "/cgroup.procs";
      if (auto t = read_file(in.cgroup_pids_file, FileKind::kPidList)) in.cgroup_pids = parse_pid_list(*t);
    }

  // A kernel thread has no cwd of its own to watch (build_explanation stops at "kernel thread").
  if (is_kernel_thread(*snap, *p)) return build_explanation(in, pid, opts);

  int count = opts.samples > 0 ? opts.samples : std::max<int>(2, static_cast<int>(opts.watch.count() / 200) + 1);
  if (opts.watch.count() == 0) count = 1;
  auto samples = sample_cwd(paths, pid, opts.watch, count);
  if (!samples) return fail(gone(pid, true));
  in.cwd_samples = std::move(*samples);

  // Same pid, same process? A pid reused during the watch is a different process.
  bool pid_gone = false;
  auto again = read_process(paths, pid, snap->memory_on_v2, SnapshotOptions{.links = false}, &pid_gone);
  if (!again || again->start_time != start_ticks) return fail(gone(pid, true));

  return build_explanation(in, pid, opts);
}

}  // namespace ms
