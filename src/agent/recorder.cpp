#include "agent/recorder.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "agent/event_capture.hpp"
#include "agent/exit_ledger.hpp"
#include "agent/http_server.hpp"
#include "agent/last_readings.hpp"
#include "agent/metrics.hpp"
#include "agent/oom_join.hpp"
#include "agent/task_walk.hpp"
#include "agent/views.hpp"
#include "attribution/classify.hpp"
#include "diagnosis/diagnosis.hpp"
#include "k8s/pod_identity.hpp"
#include "probe/cgroup_ids.hpp"
#include "probe/fs.hpp"
#include "probe/sample_reader.hpp"
#include "probe/snapshot_reader.hpp"
#include "util/escape.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms::agent {

namespace {

constexpr double kEventPollSeconds = 0.2;
// How long a process that disappeared stays known by its last reading: an OOM kill is stored within
// seconds of the kill (the kill is held up to 5 s for its oom_reaper line).
constexpr int64_t kGoneKeepSeconds = 60;
// Exits summed below the floor are written at each sample, and at least this often.
constexpr int64_t kExitGroupFlushSeconds = 60;
// Bounds on what waits for the store while it is down.
constexpr size_t kMaxPendingExits = 4096;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Errors after which the database must be reopened (it went read-only, was replaced or removed).
bool needs_reopen(int rc) {
  return rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN || rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ||
         rc == SQLITE_IOERR;
}

uint64_t own_rss(const HostPaths& paths) {
  auto t = read_file(paths.proc("self/statm"), FileKind::kProcess);
  if (!t) return 0;
  auto f = split_ws(*t);
  if (f.size() < 2) return 0;
  return parse_u64(f[1]).value_or(0) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

struct Recorder::Impl {
  HostPaths paths;
  RecorderOptions opts;
  ViewContext views;
  std::unique_ptr<store::StoreWriter> writer;
  std::unique_ptr<SampleReader> sample_reader;
  std::unique_ptr<RecorderTaskWalk> task_walk;
  int64_t last_open_attempt = INT64_MIN / 2;
  int64_t last_full = INT64_MIN / 2;
  int pending_oom = 0;
  std::vector<store::RecordedEvent> pending_events;  // captured, not yet written (bounded)
  std::unordered_set<std::string> seen_keys;         // dedupe keys already counted
  LastReadings seen{kGoneKeepSeconds};               // where an OOM victim is found (agent/last_readings.hpp)

  mutable std::mutex mu;  // guards the fields below (read by the HTTP thread)
  std::shared_ptr<const std::string> metrics = std::make_shared<const std::string>();
  AgentStatus status;
  EventCounts events;
  std::map<std::string, uint64_t> triggers;

  std::unique_ptr<HttpServer> http;

  // OOM kills (/dev/kmsg) and evictions (kubelet logs), captured by the recorder itself and polled
  // between samples too (journald can drop them under pressure).
  std::unique_ptr<EventCapture> capture;
  std::optional<MetricsInput> last_metrics;  // re-rendered when events arrive between samples

  // The kernel's reports (BPF): processes that ended, OOM kills. Drained between samples.
  std::unique_ptr<KernelEventSource> kernel;
  ExitLedger ledger;
  OomJoiner oom_join;
  CgroupIdIndex cgroup_ids;
  uint64_t cgroup_ids_sample = UINT64_MAX;  // the sample the index was last updated from
  BootClock clock = BootClock::now();
  Snapshot* last_snap = nullptr;  // the reader's snapshot of the last sample
  std::vector<ExitRecord> exit_buf;
  std::vector<OomRecord> oom_buf;
  store::ExitBatch pending_exits;  // taken from the ledger, not yet written
  int64_t last_group_flush = 0;
  // CPU per phase, for the summary at exit (the benchmark reads it): the first sample stores every
  // identity and loads the node's sources, so it is kept apart from the steady state.
  struct Costs {
    uint64_t n = 0;
    double first = 0, read = 0, analyse = 0, store = 0, procs = 0;
    void add(double r, double a, double s, double p) {
      if (n++ == 0) first = r + a + s;
      else {
        read += r;
        analyse += a;
        store += s;
        procs += p;
      }
    }
    std::string summary() const {
      if (n < 2) return fmt::format("{} sample(s), first {:.1f} ms CPU", n, first * 1e3);
      double k = 1e3 / static_cast<double>(n - 1);
      return fmt::format(
          "{} samples; CPU per sample after the first: {:.2f} ms (read {:.2f} ms of which processes {:.2f} ms, "
          "analyses {:.2f} ms, store {:.2f} ms); first sample {:.1f} ms",
          n, (read + analyse + store) * k, read * k, procs * k, analyse * k, store * k, first * 1e3);
    }
  } costs;
  int64_t started = 0;
  double procs_cpu_before = 0;  // sample_reader->process_cpu_seconds() at the last sample

  Impl(HostPaths p, RecorderOptions o) : paths(p), opts(std::move(o)), views(p, opts.v2_root_usage) {
    views.set_log([this](const std::string& m) { log(m); });
    opts.store.redact_secrets = opts.redact;
    ledger.set_floor(opts.selection.process_floor_bytes);
  }

  void log(const std::string& msg) const {
    if (!opts.quiet) fmt::print(stderr, "memsleuth record: {}\n", msg);
  }

  void set_store_error(const std::string& e) {
    std::lock_guard lk(mu);
    if (status.store_ok || status.store_error != e) log("store: " + e + " (sampling continues; will retry)");
    status.store_ok = false;
    status.store_error = e;
  }

  void ensure_writer(int64_t now) {
    if (writer) return;
    // Reopen at most once per interval: a read-only or missing directory is retried, not fatal.
    if (now - last_open_attempt < std::max<int64_t>(1, opts.interval_ms / 1000)) return;
    last_open_attempt = now;
    auto w = store::StoreWriter::open(opts.db_path, opts.store);
    if (!w) {
      set_store_error(w.error().describe());
      return;
    }
    writer = std::move(*w);
    for (const auto& n : writer->notes()) log(n);
  }

  void open_capture() {
    if (capture) return;
    EventCaptureOptions eo;
    eo.kmsg = opts.kmsg;
    eo.kmsg_path = opts.kmsg_path;
    eo.kubelet_logs = opts.kubelet_logs;
    eo.kubelet_units = opts.kubelet_units;
    capture = std::make_unique<EventCapture>(
        paths, eo, [this](std::string_view memcg) { return views.owner_of_cgroup_path(memcg); },
        [this](const std::string& m) { log(m); });
    capture->open();
  }

  void remember_processes(const Snapshot& s) { seen.remember(s); }

  // The victim of an OOM kill as the recorder last read it (the same pid and comm, read before the kill).
  void attach_victim(store::RecordedEvent& r) {
    if (r.kind != "oom_kill" || !r.pid) return;
    int64_t read_at = 0;
    const Process* p = seen.find(static_cast<int>(*r.pid), r.comm, r.time, &read_at);
    if (!p) return;
    store::RecordedVictim v;
    v.seen_at = read_at;
    v.first_seen = read_at;
    v.process = *p;
    if (last_snap) {
      v.boot_time = last_snap->boot_time;
      v.owner = views.process_owner(*last_snap, v.process);
      v.provenance = views.provenance(*last_snap, v.process, opts.redact);
    } else {
      v.owner = views.owner_of_cgroup_path(v.process.memory_cgroup.value_or("/"));
      v.provenance = "{}";
    }
    r.victim = std::move(v);
  }

  // Stored once, counted once: the same eviction seen on two lines (or two files) has one key.
  // Returns whether it was new. Called with `mu` held.
  bool accept_event(store::RecordedEvent r, bool counts_as_new_kill) {
    if (!seen_keys.insert(r.dedupe_key).second) return false;
    if (seen_keys.size() > 16384) seen_keys.clear();
    // Counters count what happened while this agent ran; older records (kmsg ring, log backlog)
    // are stored only.
    if (r.time >= started - 1) {
      ++events.by_key[{r.kind, r.owner_kind.value_or("unknown"), r.namespace_.value_or("")}];
      if (r.kind == "oom_kill" && counts_as_new_kill) ++pending_oom;
      if (r.kind == "oom_kill" && r.source == "bpf") ++status.oom_kmsg_suppressed;
    }
    if (pending_events.size() < 1000) pending_events.push_back(std::move(r));  // bounded while the store is down
    return true;
  }

  // Returns how many events were new.
  size_t capture_events(bool last = false) {
    std::vector<store::RecordedEvent> evs;
    if (capture) evs = capture->poll(now_unix(), last);
    bool joining = kernel && kernel->ooms_attached();
    std::vector<store::RecordedEvent> bpf_only;
    if (joining) {
      // Kills whose kmsg report did not come: their victim's facts from its exit record where the
      // kernel's tracepoint gave only the pid.
      for (store::RecordedEvent* e : oom_join.incomplete()) complete_from_exit(*e);
      bpf_only = oom_join.release(now_unix(), last);
    }
    std::lock_guard lk(mu);
    if (capture) status.kmsg_lost = capture->kmsg_lost();
    size_t n = 0;
    for (auto& r : evs) {
      bool new_kill = true;
      if (joining && r.kind == "oom_kill") {
        r = oom_join.add_kmsg(std::move(r));
        new_kill = r.source == "kmsg";  // a BPF record already took the trigger at the kill
      }
      attach_victim(r);
      n += accept_event(std::move(r), new_kill);
    }
    for (auto& r : bpf_only) {
      attach_victim(r);
      n += accept_event(std::move(r), false);
    }
    return n;
  }

  // --- the kernel's reports (BPF) -------------------------------------------------------------

  void open_kernel() {
    if (kernel || !opts.open_kernel_events) return;
    if (!opts.kernel_events.exits && !opts.kernel_events.ooms) return;
    auto k = opts.open_kernel_events(opts.kernel_events);
    if (!k) {
      log("exit and OOM capture off (sampling and /dev/kmsg as before): " + k.error().describe());
      return;
    }
    kernel = std::move(*k);
    log("kernel capture: " + kernel->describe());
    std::lock_guard lk(mu);
    status.exit_capture = kernel->exits_attached();
    status.oom_capture = kernel->ooms_attached();
  }

  void refresh_cgroup_ids() {
    if (last_snap && cgroup_ids_sample != status.samples_total) {
      cgroup_ids.update(*last_snap);
      cgroup_ids_sample = status.samples_total;
    }
  }

  std::optional<std::string> cgroup_path(uint64_t id, uint64_t parent, std::string_view name) {
    refresh_cgroup_ids();
    return cgroup_ids.path_of(id, parent, name, static_cast<int64_t>(wall_seconds() * 1000));
  }

  ExitContext exit_context() {
    ExitContext c;
    c.snapshot = last_snap;
    c.clock = clock;
    c.cgroup_path = [this](uint64_t id, uint64_t parent, std::string_view name) {
      return cgroup_path(id, parent, name);
    };
    c.process_owner = [this](const Process& p) {
      return last_snap ? views.process_owner(*last_snap, p) : views.owner_of_cgroup_path(p.memory_cgroup.value_or(""));
    };
    c.cgroup_owner = [this](std::string_view path) { return views.owner_of_cgroup_path(path); };
    c.read_process = [this](int pid) -> std::optional<Process> {
      SnapshotOptions so;
      so.links = false;
      return read_process(paths, pid, last_snap && last_snap->memory_on_v2, so);
    };
    return c;
  }

  // A kill seen only by pid (mark_victim before 6.8 carries nothing else): its exit record has the rest.
  void complete_from_exit(store::RecordedEvent& e) {
    if (!e.pid) return;
    const ExitRecord* x = ledger.recent(static_cast<int>(*e.pid));
    if (!x) return;
    if (!e.comm && !x->comm.empty()) e.comm = x->comm;
    if (!e.cgroup && x->memcg_id) {
      e.cgroup = cgroup_path(x->memcg_id, x->memcg_parent_id, x->memcg_name);
      if (e.cgroup) {
        Owner o = views.owner_of_cgroup_path(*e.cgroup);
        e.owner_kind = to_string(o.kind);
        e.namespace_ = o.namespace_;
        e.pod = o.pod;
        e.container = o.container;
      }
    }
    if (!e.bytes && x->peak_rss_bytes) e.bytes = static_cast<int64_t>(x->peak_rss_bytes);
  }

  // Drains what the kernel queued. Exits go to the ledger; kills are held for their kmsg report
  // and take the next sample at once (the trigger), here rather than when kmsg releases them.
  // Returns how many kills came.
  size_t drain_kernel() {
    if (!kernel) return 0;
    exit_buf.clear();
    oom_buf.clear();
    kernel->drain(exit_buf, oom_buf);
    if (!exit_buf.empty()) ledger.add(exit_buf, exit_context());
    int64_t now = now_unix();
    for (const OomRecord& r : oom_buf) {
      OomNames names;
      if (last_snap) {
        names.boot_time = last_snap->boot_time;
        names.clock_ticks = last_snap->clock_ticks;
      }
      if (r.memcg_id) names.cgroup = cgroup_path(r.memcg_id, r.memcg_parent_id, r.memcg_name);
      if (r.oom_memcg_known && r.oom_memcg_id) names.oom_cgroup = cgroup_path(r.oom_memcg_id, 0, "");
      if (r.oom_memcg_known && !r.oom_memcg_id) names.oom_cgroup = "/";
      if (names.cgroup) names.owner = views.owner_of_cgroup_path(*names.cgroup);
      auto e = oom_record_to_event(r, names, clock);
      std::lock_guard lk(mu);
      if (e.time >= started - 1) ++pending_oom;
      oom_join.add_bpf(std::move(e), now);
    }
    std::lock_guard lk(mu);
    status.exits_dropped = kernel->exits_dropped();
    status.ooms_dropped = kernel->ooms_dropped();
    return oom_buf.size();
  }

  // Individual exits at once; the sums below the floor at each sample (`groups`) or once a minute.
  void flush_exits(bool groups) {
    if (!last_snap) return;  // the boot time (part of each identity) comes with the first sample
    auto ex = ledger.take_exits();
    int64_t now = now_unix();
    if (groups || now - last_group_flush >= kExitGroupFlushSeconds) {
      auto gs = ledger.take_groups();
      for (auto& g : gs) pending_exits.groups.push_back(std::move(g));
      last_group_flush = now;
    }
    {
      std::lock_guard lk(mu);
      status.exits_individual += ex.size();
      status.exits_summed = ledger.seen() - status.exits_individual;
    }
    for (auto& e : ex) pending_exits.exits.push_back(std::move(e));
    if (pending_exits.exits.size() > kMaxPendingExits)
      pending_exits.exits.erase(pending_exits.exits.begin(),
                                pending_exits.exits.end() - static_cast<std::ptrdiff_t>(kMaxPendingExits));
    if (pending_exits.groups.size() > kMaxPendingExits)
      pending_exits.groups.erase(pending_exits.groups.begin(),
                                 pending_exits.groups.end() - static_cast<std::ptrdiff_t>(kMaxPendingExits));
    if (pending_exits.empty() || !writer) return;
    pending_exits.boot_time = last_snap->boot_time;
    if (auto r = writer->write_exits(pending_exits)) {
      pending_exits.exits.clear();
      pending_exits.groups.clear();
    }
  }

  // Stores captured events now (not at the next sample): a crash right after an OOM kill keeps it.
  void flush_events() {
    if (pending_events.empty() || !writer) return;
    if (auto r = writer->write_events(pending_events)) pending_events.clear();
  }

  // The node is read by a reader kept across samples (kept fds, identities read once): see
  // probe/sample_reader.hpp. It reads in full the cgroups a regular sample stores and the analyses
  // read (root, kubepods, pods, and those at or above the cgroup floor).
  SampleReader& reader() {
    if (!sample_reader) {
      SampleReaderOptions ro;
      ro.detail_floor_bytes = opts.selection.cgroup_floor_bytes;
      // Descriptors kept for reading leave room for every HTTP connection the server allows.
      ro.fd_reserve = std::max(ro.fd_reserve, HttpLimits{}.max_connections + 128);
      ro.always_detail = [](const std::string& path) {
        if (path == "/") return true;
        KubeCgroup k = parse_kube_cgroup_path(path);
        if (k.in_kubepods && k.kubepods_path == path) return true;
        return k.level == KubeLevel::kPod && k.pod_path == path;
      };
      auto started = RecorderTaskWalk::start(paths, opts.tasks);
      if (!started.note.empty()) log((started.walk ? "" : "processes read from procfs: ") + started.note);
      if (!started.pinned.empty()) log("BPF task walk pinned at " + started.pinned);
      task_walk = std::move(started.walk);
      if (!started.cgroups_note.empty()) log(started.cgroups_note);
      if (task_walk && task_walk->has_cgroups())
        ro.cgroup_walk = [this](bpf::IterBuf& buf) { return task_walk->read_cgroups(buf); };
      // The walk is pinned for the one-shot commands either way. The samples go through it only
      // with --source bpf: a walk visits every task each sample (~0.8 us each in the kernel),
      // while the procfs reader reads only what changed; measured equal at 2,000 processes and
      // 0.6x the walk's CPU at 10,000 (docs/performance.md "The BPF cgroup walk, exit capture...").
      if (task_walk && opts.tasks.want == ProcessSource::kBpf) {
        ro.task_walk = [this](bpf::IterBuf& buf) { return task_walk->read(buf); };
        std::lock_guard lk(mu);
        status.process_source = "bpf";
      } else if (task_walk) {
        log("samples read only what changed through procfs, cheaper than a whole BPF walk each sample "
            "(--source bpf walks)");
      }
      sample_reader = std::make_unique<SampleReader>(paths, ro);
    }
    return *sample_reader;
  }

  // The reader's warnings (files refused or cut, unreadable cgroups) are logged once each, not
  // every sample.
  std::unordered_set<std::string> warned;
  void log_new_warnings(const Snapshot& snap) {
    for (const auto& w : snap.warnings) {
      if (warned.size() > 4096) warned.clear();
      if (warned.insert(w).second) log("warning: " + escape_terminal(w));
    }
  }

  void sample_once() {
    double c0 = cpu_seconds(), w0 = wall_seconds();
    auto read = reader().read();
    if (!read) {
      std::lock_guard lk(mu);
      ++status.sample_errors_total;
      log("cannot read the node: " + read.error().describe());
      return;
    }
    Snapshot* snap = *read;
    log_new_warnings(*snap);
    last_snap = snap;
    // The processes a regular sample stores are read in full (status, identity) before the analyses,
    // so owners and stored values come from the same reading.
    reader().complete_processes(select_for_sample(*snap, opts.selection, false).processes);
    remember_processes(*snap);
    double read_s = wall_seconds() - w0;
    double c_read = cpu_seconds();
    capture_events();
    NodeViews v = views.compute(*snap);
    TriggerInput ti;
    ti.now = snap->time;
    ti.last_full = last_full;
    ti.kubelet_available = v.kubelet_available;
    // resolve_thresholds with the discovered settings (the kubelet's defaults when none are found).
    ti.kubelet_threshold = v.kubelet_threshold;
    ti.allocatable_threshold = v.allocatable_threshold;
    ti.allocatable_available = v.allocatable_available;
    ti.kernel_available = v.kernel_available;
    if (snap->psi) ti.psi_some_avg10 = snap->psi->some.avg10;
    ti.new_oom_kills = pending_oom;
    auto trigger = evaluate_trigger(ti, opts.triggers);
    bool full = trigger.has_value();
    Selection sel = select_for_sample(*snap, opts.selection, full);
    double c_full_read = 0;
    if (full) {
      // A full snapshot stores every process and cgroup as read_snapshot reads them.
      double cf = cpu_seconds();
      reader().complete_processes(sel.processes);
      reader().complete_cgroups(sel.cgroups);
      reader().complete_node();
      c_full_read = cpu_seconds() - cf;
      v = views.compute(*snap);
    }

    store::SampleInput in;
    in.snapshot = snap;
    in.full = full;
    in.trigger = trigger.value_or("");
    in.processes = std::move(sel.processes);
    in.cgroups = std::move(sel.cgroups);
    in.duration_us = static_cast<int64_t>(read_s * 1e6);
    in.kubelet_config_json = v.kubelet_config_json;
    in.pods_cgroup = v.pods_cgroup;
    in.process_owner = [&](const Process& p) { return views.process_owner(*snap, p); };
    in.cgroup_owner = [&](const Cgroup& c) { return views.cgroup_owner(*snap, c); };
    // Ancestry at first sight: the cron -> sh -> updatedb chain is gone by morning, so keep it now.
    in.process_provenance = [&](const Process& p) { return views.provenance(*snap, p, opts.redact); };
    in.complete_process = [&](Process& p) {
      if (auto e = read_link(paths.proc(fmt::format("{}/exe", p.pid)))) p.exe = *e;
      if (auto c = read_link(paths.proc(fmt::format("{}/cwd", p.pid)))) p.cwd = *c;
    };

    double c_analyse = cpu_seconds();
    ensure_writer(snap->time);
    bool wrote = false;
    if (writer) {
      auto id = writer->write_sample(in);
      if (id) {
        wrote = true;
        if (full) {
          last_full = snap->time;
          pending_oom = 0;
        }
        flush_events();
        if (full) log_trigger_findings(*id, *trigger);
        if (auto r = writer->enforce_retention(snap->time); !r) log("retention: " + r.error().describe());
      } else {
        int rc = writer->last_sqlite_rc();
        set_store_error(id.error().describe());
        if (needs_reopen(rc)) writer.reset();
      }
    }
    double c_end = cpu_seconds();
    double cpu = c_end - c0;
    double procs = sample_reader->process_cpu_seconds();
    costs.add(c_read - c0 + c_full_read, c_analyse - c_read - c_full_read, c_end - c_analyse, procs - procs_cpu_before);
    procs_cpu_before = procs;
    MetricsInput mi;
    {
      std::lock_guard lk(mu);
      ++status.samples_total;
      if (wrote) {
        if (!status.store_ok && !status.store_error.empty()) log("store: writing again");
        status.store_ok = true;
        status.store_error.clear();
        if (full) {
          ++status.full_total;
          // Label values stay a small fixed set: the PSI value goes to the log, not the label.
          ++triggers[starts_with(*trigger, "psi") ? std::string("psi") : *trigger];
        }
      } else {
        ++status.write_errors_total;
      }
      status.last_sample_seconds = read_s;
      status.last_sample_cpu_seconds = cpu;
      status.last_sample_unix = snap->time;
      status.db_bytes = writer ? writer->db_bytes() : status.db_bytes;
      mi.status = status;
      mi.events = events;
      mi.triggers_by_reason = triggers;
    }
    mi.views = std::move(v);
    mi.psi = snap->psi;
    mi.rss_bytes = own_rss(paths);
    mi.pod_limit = opts.pod_metrics_limit;
    auto text = std::make_shared<const std::string>(render_prometheus(build_metrics(mi)));
    last_metrics = std::move(mi);
    std::lock_guard lk(mu);
    metrics = std::move(text);
  }

  // A trigger snapshot is an incident in the making: say what the doctor finds in it, with the same
  // code `doctor --at` and `report` use, read back from the store as they read it.
  // On a thread of its own (it reads the node's cron, timer and name files and may take a second on a
  // loaded node): sampling and event capture go on meanwhile. One at a time; the future's destructor
  // waits for it when the recorder stops.
  std::future<void> trigger_log;
  void log_trigger_findings(int64_t sample_id, const std::string& trigger) {
    if (opts.quiet) return;
    if (trigger_log.valid() && trigger_log.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    trigger_log = std::async(std::launch::async, [p = paths, db = opts.db_path, sample_id, trigger] {
      auto h = store::History::open(db);
      if (!h) return;
      auto m = (*h)->moment(sample_id);
      if (!m) return;
      diagnosis::Options o;
      o.db_path = db;
      auto d = diagnosis::diagnose_recorded(p, **h, *m, o);
      if (!d) return;
      const auto& f = d->report.findings;
      fmt::print(stderr, "memsleuth record: trigger {} at {}: {} finding(s){}{}; memsleuth doctor --db {} --at @{}\n",
                 escape_terminal(trigger), rfc3339_utc(m->sample.time), f.size(),
                 f.empty() ? "" : ", first: ", f.empty() ? "" : escape_terminal(f.front().title), escape_terminal(db),
                 m->sample.time);
    });
  }

  // Between samples: event counters on /metrics move when an event is captured.
  void refresh_event_metrics() {
    if (!last_metrics) return;
    {
      std::lock_guard lk(mu);
      last_metrics->events = events;
      last_metrics->status = status;
    }
    auto text = std::make_shared<const std::string>(render_prometheus(build_metrics(*last_metrics)));
    std::lock_guard lk(mu);
    metrics = std::move(text);
  }

  // An OOM kill between samples takes the next sample (a full snapshot) at once, within the
  // trigger's rate limit.
  bool oom_wants_sample() const {
    return pending_oom > 0 && now_unix() - last_full >= opts.triggers.oom_min_interval_s;
  }

  // Waits until the next tick or until stopped, polling kmsg and the kubelet logs every 200 ms:
  // events are stored as they come, and an OOM kill triggers a snapshot within a poll.
  void wait_until(double deadline, std::atomic<bool>& stop) {
    while (!stop.load()) {
      size_t kills = drain_kernel();
      size_t n = capture_events();
      ensure_writer(now_unix());
      flush_exits(false);
      if (n > 0) {
        flush_events();
        refresh_event_metrics();
      }
      if ((n > 0 || kills > 0) && oom_wants_sample()) return;
      double left = deadline - wall_seconds();
      if (left <= 0) return;
      double wait = std::min(left, kEventPollSeconds);
      // The kernel's ring wakes us when it fills up or a kill comes (the BPF side decides); the
      // timer drains it otherwise.
      int fd = kernel ? kernel->wait_fd() : -1;
      if (fd >= 0) {
        pollfd pfd{fd, POLLIN, 0};
        (void)::poll(&pfd, 1, static_cast<int>(wait * 1000) + 1);
      } else {
        std::this_thread::sleep_for(std::chrono::duration<double>(wait));
      }
    }
  }

  bool start_http(int& bound_port) {
    if (opts.listen.empty() || opts.listen == "off") return true;
    auto colon = opts.listen.rfind(':');
    if (colon == std::string::npos) {
      log("--listen wants HOST:PORT, got " + opts.listen);
      return false;
    }
    std::string host = opts.listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    auto port = parse_u64(opts.listen.substr(colon + 1));
    if (!port || *port > 65535) {
      log("bad port in --listen " + opts.listen);
      return false;
    }
    HttpServerOptions ho;
    ho.host = host;
    ho.port = static_cast<int>(*port);
    ho.web_config = opts.web_config;
    ho.log = [this](const std::string& m) { log(m); };
    auto server = HttpServer::start(std::move(ho), [this](const http::Request& r) { return route(r); });
    if (!server) {
      log(fmt::format("cannot serve on {}: {}", opts.listen, server.error().describe()));
      return false;
    }
    http = std::move(*server);
    bound_port = http->port();
    bool v6 = host.find(':') != std::string::npos;
    log(fmt::format("serving /metrics on {}://{}:{}/metrics", http->tls() ? "https" : "http",
                    v6 ? "[" + host + "]" : host, bound_port));
    return true;
  }

  // Runs on the HTTP thread: every answer is prepared by the sampling loop, so this only copies a pointer.
  HttpResponse route(const http::Request& r) {
    HttpResponse res;
    if (r.path == "/metrics") {
      std::lock_guard lk(mu);
      res.content_type = "text/plain; version=0.0.4; charset=utf-8";
      res.body = metrics;
    } else if (r.path == "/healthz") {
      std::lock_guard lk(mu);
      res.status = status.store_ok ? 200 : 503;
      res.body = std::make_shared<const std::string>(status.store_ok ? "ok\n" : "store: " + status.store_error + "\n");
    } else if (r.path == "/") {
      res.content_type = "text/html; charset=utf-8";
      res.body = std::make_shared<const std::string>(
          "<html><head><title>memsleuth record</title></head><body><h1>memsleuth record</h1>"
          "<p><a href=\"/metrics\">/metrics</a> <a href=\"/healthz\">/healthz</a></p></body></html>\n");
    } else {
      res.status = 404;
      res.body = std::make_shared<const std::string>("not found: this endpoint serves /metrics and /healthz\n");
    }
    return res;
  }

  void stop_http() {
    if (http) http->stop();
  }
};

Recorder::Recorder(HostPaths paths, RecorderOptions opts) : impl_(std::make_unique<Impl>(std::move(paths), std::move(opts))) {
  // The daemon bounds its own memory: SQLite's page cache and scratch space stay small.
  sqlite3_soft_heap_limit64(8 << 20);
}

Recorder::~Recorder() { impl_->stop_http(); }

void Recorder::sample_once() { impl_->sample_once(); }

std::string Recorder::metrics_text() const {
  std::lock_guard lk(impl_->mu);
  return *impl_->metrics;
}

AgentStatus Recorder::status() const {
  std::lock_guard lk(impl_->mu);
  return impl_->status;
}

int Recorder::run(std::atomic<bool>& stop) {
  if (!impl_->start_http(bound_port_)) return 2;
  impl_->started = now_unix();
  impl_->open_capture();
  impl_->open_kernel();
  impl_->log(fmt::format("recording to {} every {} ms", impl_->opts.db_path, impl_->opts.interval_ms));
  double next = wall_seconds();
  int64_t n = 0;
  while (!stop.load()) {
    impl_->sample_once();
    ++n;
    // Outside the sample's CPU: what the kernel reported since the last sample.
    impl_->drain_kernel();
    impl_->flush_exits(true);
    if (impl_->opts.max_samples > 0 && n >= impl_->opts.max_samples) break;
    next += static_cast<double>(impl_->opts.interval_ms) / 1000.0;
    if (next < wall_seconds()) next = wall_seconds();  // fell behind: skip, never burst
    impl_->wait_until(next, stop);
  }
  // A kill still held for its oom_reaper line would be lost with the process: store it now.
  impl_->drain_kernel();
  impl_->capture_events(true);
  impl_->flush_events();
  impl_->flush_exits(true);
  impl_->stop_http();
  impl_->log(impl_->costs.summary() + fmt::format("; RSS {:.1f} MiB", static_cast<double>(own_rss(impl_->paths)) / 1048576.0));
  return 0;
}

}  // namespace ms::agent
