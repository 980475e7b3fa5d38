#include "agent/report_builder.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "attribution/attribution.hpp"
#include "attribution/effective_limit.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/thresholds.hpp"
#include "store/node_view.hpp"
#include "rules/engine.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

constexpr int64_t kDefaultSpan = 24 * 3600;

struct NodeViews {
  std::optional<int64_t> kubelet, allocatable;
  std::optional<uint64_t> kernel, free;
};

NodeViews views_of(const store::NodePoint& np) {
  Snapshot s = store::node_snapshot(np);
  k8s::KubeletView v = k8s::compute_kubelet_view(s);
  return NodeViews{v.memory_available_bytes, v.allocatable_available_bytes, np.meminfo.get("MemAvailable"),
                   np.meminfo.get("MemFree")};
}

// The lower of the two views: the moment closest to running out by either account.
std::optional<int64_t> lowest_view(const NodeViews& v) {
  std::optional<int64_t> out = v.kubelet;
  if (v.kernel && (!out || static_cast<int64_t>(*v.kernel) < *out)) out = static_cast<int64_t>(*v.kernel);
  return out;
}

bool is_incident_event(const store::RecordedEvent& e) { return e.kind == "oom_kill" || e.kind == "eviction"; }

std::string hhmm(int64_t t) { return rfc3339_utc(t).substr(11, 5); }

// "team-a/api-0/app (pod)"; the kind only once when the label is the kind ("unconfined", "kernel").
std::string owner_cell(const Owner& o) {
  std::string label = o.label(), kind = std::string(to_string(o.kind));
  return label == kind ? label : fmt::format("{} ({})", label, kind);
}

std::string owner_phrase(const Owner& o, const std::string& cgroup) {
  switch (o.kind) {
    case OwnerKind::kPod:
      return fmt::format("in pod {}/{}{}{}", o.namespace_.value_or("(unknown namespace)"),
                         o.pod.value_or(o.pod_uid ? "uid " + *o.pod_uid : "(unknown)"),
                         o.container ? " (container " + *o.container + ")" : "",
                         o.qos != QosClass::kNone ? fmt::format(", QoS {}", to_string(o.qos)) : "");
    case OwnerKind::kCron: return fmt::format("a cron job{}", o.unit ? " (" + *o.unit + ")" : "");
    case OwnerKind::kTimer:
      return fmt::format("the unit {} started by the timer {}", o.unit.value_or("?"), o.timer.value_or("?"));
    case OwnerKind::kSystemdUnit: return fmt::format("the systemd unit {}", o.unit.value_or("?"));
    case OwnerKind::kSession:
      return fmt::format("a login session ({}{})", o.session.value_or("?"), o.user ? ", user " + *o.user : "");
    case OwnerKind::kNodeAgent: return fmt::format("the node agent {}", o.unit.value_or("?"));
    case OwnerKind::kRuntime: return "the container runtime";
    case OwnerKind::kKernel: return "the kernel";
    case OwnerKind::kCgroup: return fmt::format("the cgroup {} (no pod, unit or session)", o.label());
    case OwnerKind::kUnconfined: break;
  }
  return fmt::format("in no pod, unit or session (memory cgroup {})", cgroup.empty() ? "?" : cgroup);
}

// The provenance JSON the recorder stored at first sight, reduced to one line a person can act on.
std::string provenance_line(const std::string& prov, const Process& p) {
  auto j = nlohmann::json::parse(prov, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    auto src = j.find("source");
    if (src != j.end() && src->is_object()) {
      std::string out;
      if (auto f = src->find("file"); f != src->end() && f->is_string()) out = f->get<std::string>();
      if (auto l = src->find("line"); l != src->end() && l->is_number()) out += fmt::format(":{}", l->get<int>());
      if (auto sc = src->find("script"); sc != src->end() && sc->is_string())
        out += (out.empty() ? "" : " -> ") + sc->get<std::string>();
      if (auto u = src->find("unit"); out.empty() && u != src->end() && u->is_string()) out = u->get<std::string>();
      if (!out.empty()) return out;
    }
    // The recorder keeps the ancestry seen at first sight: the cron -> sh -> run-parts chain is gone by
    // morning. Show it, with the command line that names a cron directory or script when there is one.
    if (auto a = j.find("ancestry"); a != j.end() && a->is_array()) {
      std::string chain, job;
      for (const auto& x : *a) {
        if (!x.is_object()) continue;
        if (x.contains("comm") && x["comm"].is_string()) chain += (chain.empty() ? "" : " <- ") + x["comm"].get<std::string>();
        if (job.empty() && x.contains("cmdline") && x["cmdline"].is_string()) {
          auto c = x["cmdline"].get<std::string>();
          if (c.find("run-parts") != std::string::npos || c.find("/cron") != std::string::npos) job = c;
        }
      }
      if (!chain.empty()) return job.empty() ? chain : chain + " [" + job + "]";
    }
  }
  std::string cmd;
  for (const auto& a : p.cmdline) cmd += (cmd.empty() ? "" : " ") + a;
  return cmd.empty() ? "[" + p.comm + "]" : cmd;
}

std::optional<double> as_double(std::optional<int64_t> v) {
  return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}
std::optional<double> as_double(std::optional<uint64_t> v) {
  return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}

}  // namespace

Result<ReportWindow> choose_window(store::History& h, const ReportOptions& o) {
  auto ext = h.extent();
  if (!ext) return fail(ext.error());
  if (!*ext) return fail(Error::invalid("the history store holds no samples yet (is `memsleuth record` running?)"));
  auto [first, last] = **ext;
  ReportWindow w;
  store::Window search{o.since.value_or(first), o.until.value_or(last)};
  auto events = h.events(search);
  if (!events) return fail(events.error());
  for (const auto& e : *events)
    if (is_incident_event(e) && (!w.worst || e.time >= *w.worst)) {
      w.worst = e.time;
      w.worst_reason = e.kind == "oom_kill" ? "the latest OOM kill" : "the latest eviction";
    }
  if (!w.worst) {
    auto nodes = h.node_series(search);
    if (!nodes) return fail(nodes.error());
    std::optional<int64_t> lowest;
    for (const auto& np : *nodes) {
      auto v = lowest_view(views_of(np));
      if (v && (!lowest || *v < *lowest)) {
        lowest = v;
        w.worst = np.sample.time;
      }
    }
    w.worst_reason = "the lowest available memory";
  }
  if (o.since || o.until) {
    w.since = search.since;
    w.until = search.until;
  } else {
    int64_t centre = w.worst.value_or(last);
    w.since = std::max(first, centre - kDefaultSpan / 2);
    w.until = std::min(last, centre + kDefaultSpan / 2);
  }
  return w;
}

Result<ReportData> build_report(store::History& h, const ReportOptions& o) {
  auto win = choose_window(h, o);
  if (!win) return fail(win.error());
  store::Window w{win->since, win->until};
  ReportData d;
  d.node = o.node;
  d.since = w.since;
  d.until = w.until;
  d.generated_at = o.now;
  d.worst_time = win->worst;

  auto nodes = h.node_series(w);
  if (!nodes) return fail(nodes.error());
  auto moment = h.at(win->worst.value_or(w.until), INT64_MAX);
  if (!moment) return fail(moment.error());
  Snapshot shape = *moment ? (*moment)->snapshot : Snapshot{};

  // --- timeline: both views of available memory, with the thresholds as dashed lines ---
  std::vector<int64_t> times;
  std::unordered_map<int64_t, size_t> index;
  ReportSeries kubelet{"kubelet memory.available", {}, false}, kernel{"kernel MemAvailable", {}, false},
      memfree{"MemFree", {}, false}, alloc{"kubelet allocatableMemory.available", {}, false};
  ReportSeries sreclaim{"slab reclaimable", {}, false}, sunreclaim{"slab unreclaimable", {}, false},
      shmem{"Shmem (tmpfs, shm)", {}, false};
  ReportSeries psi_some{"memory PSI some avg10", {}, false}, psi_full{"memory PSI full avg10", {}, false};
  std::optional<int64_t> min_kubelet, max_kubelet;
  std::optional<uint64_t> min_kernel, max_kernel;
  bool any_alloc = false, any_psi = false;
  for (const auto& np : *nodes) {
    index[np.sample.time] = times.size();
    times.push_back(np.sample.time);
    NodeViews v = views_of(np);
    kubelet.values.push_back(as_double(v.kubelet));
    kernel.values.push_back(as_double(v.kernel));
    memfree.values.push_back(as_double(v.free));
    alloc.values.push_back(as_double(v.allocatable));
    any_alloc = any_alloc || v.allocatable.has_value();
    if (v.kubelet) {
      min_kubelet = min_kubelet ? std::min(*min_kubelet, *v.kubelet) : *v.kubelet;
      max_kubelet = max_kubelet ? std::max(*max_kubelet, *v.kubelet) : *v.kubelet;
    }
    if (v.kernel) {
      min_kernel = min_kernel ? std::min(*min_kernel, *v.kernel) : *v.kernel;
      max_kernel = max_kernel ? std::max(*max_kernel, *v.kernel) : *v.kernel;
    }
    sreclaim.values.push_back(as_double(np.meminfo.get("SReclaimable")));
    sunreclaim.values.push_back(as_double(np.meminfo.get("SUnreclaim")));
    shmem.values.push_back(as_double(np.meminfo.get("Shmem")));
    psi_some.values.push_back(np.psi ? std::optional<double>(np.psi->some.avg10) : std::nullopt);
    psi_full.values.push_back(np.psi && np.psi->full ? std::optional<double>(np.psi->full->avg10) : std::nullopt);
    any_psi = any_psi || np.psi.has_value();
  }
  ReportChart avail{"available", "Available memory: the kubelet's view vs the kernel's", "bytes", false, times, {}};
  avail.series = {kubelet, kernel, memfree};
  if (any_alloc) avail.series.push_back(alloc);

  // Thresholds resolved at the worst moment (percentages depend on capacity, which is constant), from
  // the kubelet settings given on the command line, else those recorded with that sample.
  std::vector<k8s::ResolvedThreshold> thresholds;
  std::optional<k8s::KubeletView> worst_view;
  std::optional<k8s::KubeletConfig> kcfg = o.kubelet;
  if (*moment) {
    worst_view = k8s::compute_kubelet_view((*moment)->snapshot);
    if (!kcfg && o.recorded_kubelet) {
      const store::NodePoint* at = nullptr;
      for (const auto& np : *nodes)
        if (np.sample.time <= (*moment)->snapshot.time) at = &np;
      if (at && at->kubelet_config_id) kcfg = h.kubelet_config(at->kubelet_config_id);
    }
    if (kcfg) thresholds = k8s::resolve_thresholds(*kcfg, *worst_view);
  }
  for (const auto& t : thresholds) {
    if (t.signal != k8s::kSignalMemoryAvailable || !t.bytes) continue;
    ReportSeries s{fmt::format("{} threshold memory.available<{}", t.kind, t.value),
                   std::vector<std::optional<double>>(times.size(), static_cast<double>(*t.bytes)), true};
    avail.series.push_back(std::move(s));
  }
  d.charts.push_back(std::move(avail));

  // --- memory by owner kind (stacked) and the top owners ---
  auto owners = h.owner_series(w, 200);
  if (!owners) return fail(owners.error());
  std::map<std::string, std::vector<std::optional<double>>> by_kind;
  for (const auto& os : *owners) {
    auto& col = by_kind[to_string(os.owner.kind)];
    if (col.empty()) col.assign(times.size(), std::nullopt);
    for (const auto& pt : os.working_set) {
      auto it = index.find(pt.time);
      if (it == index.end()) continue;
      col[it->second] = col[it->second].value_or(0) + static_cast<double>(pt.value);
    }
  }
  if (!by_kind.empty()) {
    ReportChart kinds{"owner-kinds", "Working set by owner kind (stacked)", "bytes", true, times, {}};
    for (auto& [k, col] : by_kind) kinds.series.push_back({k, std::move(col), false});
    d.charts.push_back(std::move(kinds));
    ReportChart top{"top-owners", "Top owners by working set", "bytes", false, times, {}};
    for (size_t i = 0; i < owners->size() && i < 8; ++i) {
      const auto& os = (*owners)[i];
      std::vector<std::optional<double>> col(times.size());
      for (const auto& pt : os.working_set)
        if (auto it = index.find(pt.time); it != index.end()) col[it->second] = static_cast<double>(pt.value);
      top.series.push_back({os.label, std::move(col), false});
    }
    d.charts.push_back(std::move(top));
  }
  d.charts.push_back({"slab", "Kernel memory: slab and shared memory", "bytes", false, times, {sreclaim, sunreclaim, shmem}});
  if (any_psi) d.charts.push_back({"psi", "Memory pressure (PSI)", "percent", false, times, {psi_some, psi_full}});

  // --- markers and the event table ---
  auto events = h.events(w);
  if (!events) return fail(events.error());
  d.events = ReportTable{"OOM kills and evictions", {"TIME", "KIND", "PROCESS", "OWNER", "MEMORY", "DETAIL"}, {},
                         "No OOM kill or eviction was recorded in this window."};
  size_t ooms = 0, memcg_ooms = 0, evictions = 0;
  const store::RecordedEvent* latest = nullptr;
  for (const auto& e : *events) {
    if (!is_incident_event(e)) continue;
    d.markers.push_back({e.time, e.kind, e.comm.value_or(e.pod.value_or(e.kind))});
    std::string owner = e.pod ? e.namespace_.value_or("?") + "/" + *e.pod + (e.container ? "/" + *e.container : "")
                              : e.owner_kind.value_or(e.cgroup.value_or("?"));
    d.events.rows.push_back({rfc3339_utc(e.time), e.kind,
                             e.comm ? fmt::format("{} ({})", *e.comm, e.pid.value_or(0)) : std::string("-"), owner,
                             e.bytes ? human_bytes(*e.bytes) : "-", e.message});
    if (e.kind == "oom_kill") {
      ++ooms;
      if (e.cgroup && *e.cgroup != "/") ++memcg_ooms;
    } else {
      ++evictions;
    }
    latest = &e;
  }
  if (auto trig = h.triggers(w)) {
    for (const auto& t : *trig) d.markers.push_back({t.time, "trigger", t.trigger});
  }

  // --- the worst moment: top consumers with owner, limit and provenance ---
  d.top_consumers = ReportTable{"Top consumers",
                                {"PID", "COMMAND", "RSS", "OWNER", "IN A POD", "EFFECTIVE LIMIT", "STARTED BY"},
                                {},
                                "No processes were recorded at that moment."};
  struct Top {
    size_t i;
    uint64_t rss;
  };
  std::vector<Top> tops;
  if (*moment) {
    const auto& m = **moment;
    for (size_t i = 0; i < m.snapshot.processes.size(); ++i)
      if (auto r = m.snapshot.processes[i].rss_bytes) tops.push_back({i, *r});
    std::sort(tops.begin(), tops.end(), [](const Top& a, const Top& b) { return a.rss > b.rss; });
    if (tops.size() > o.top_n) tops.resize(o.top_n);
    for (const auto& t : tops) {
      const Process& p = m.snapshot.processes[t.i];
      const Owner& ow = m.process_owners[t.i];
      auto lim = effective_limit(m.snapshot, p.memory_cgroup.value_or("/"));
      d.top_consumers.rows.push_back(
          {std::to_string(p.pid), p.comm, human_bytes_u(t.rss), owner_cell(ow),
           ow.in_kubepods ? "yes" : "no", lim.bounded() ? human_bytes_opt(lim.limit_bytes) : "none",
           provenance_line(m.process_provenance[t.i], p)});
    }
    // Doctor's findings for that moment: the recorded snapshot, attributed again (owners depend only
    // on cgroup paths and the node's names), judged against the same thresholds.
    DoctorInput in;
    in.snap = &m.snapshot;
    static const ClassifySources kNoNames;
    Attribution attr = attribute(m.snapshot, o.sources ? *o.sources : kNoNames);
    in.attribution = &attr;
    std::optional<k8s::KubeletView> view = worst_view;
    if (kcfg && view) {
      in.kubelet = &*kcfg;
      in.kubelet_view = &*view;
      in.thresholds = thresholds;
    }
    for (const auto& f : run_doctor(in)) {
      ReportFinding rf{to_string(f.severity), f.title, {}, f.why, {}};
      for (const auto& e : f.evidence) rf.evidence.push_back(fmt::format("{}: {} ({})", e.what, e.value, e.source));
      for (const auto& x : f.fix) rf.fix += x + "\n";
      d.findings.push_back(std::move(rf));
    }
  }

  // --- the story, from the numbers above ---
  if (win->worst && worst_view && worst_view->memory_available_bytes) {
    std::string s = fmt::format("At {} UTC on {} ({}), the kubelet saw {} available while the kernel had {} "
                                "(MemAvailable).",
                                hhmm(*win->worst), rfc3339_utc(*win->worst).substr(0, 10), win->worst_reason,
                                human_bytes(*worst_view->memory_available_bytes),
                                human_bytes_opt(worst_view->mem_available_bytes));
    for (const auto& t : thresholds) {
      if (t.signal != k8s::kSignalMemoryAvailable || t.kind != "hard" || !t.bytes || !t.met) continue;
      s += *t.met ? fmt::format(" The kubelet's view was below its hard eviction threshold of {}, so it should "
                                "have been evicting pods.",
                                human_bytes(*t.bytes))
                  : fmt::format(" The kubelet's hard eviction threshold is {}, {} above it, so the kubelet saw no "
                                "reason to evict anything.",
                                human_bytes(*t.bytes), human_bytes(t.margin_bytes.value_or(0)));
      break;
    }
    d.summary.push_back(std::move(s));
  }
  if (*moment && !tops.empty()) {
    const auto& m = **moment;
    const Process& p = m.snapshot.processes[tops[0].i];
    const Owner& ow = m.process_owners[tops[0].i];
    auto lim = effective_limit(m.snapshot, p.memory_cgroup.value_or("/"));
    std::string prov = provenance_line(m.process_provenance[tops[0].i], p);
    d.summary.push_back(fmt::format(
        "The largest process then was `{}` (pid {}) holding {}, {}{}, {}. Started by: {}.", p.comm, p.pid,
        human_bytes_u(tops[0].rss), owner_phrase(ow, p.memory_cgroup.value_or("")),
        ow.in_kubepods || ow.kind == OwnerKind::kPod ? "" : ", outside any pod",
        lim.bounded() ? fmt::format("bounded by a memory limit of {}", human_bytes_opt(lim.limit_bytes))
                      : std::string("with no memory limit to stop it"),
        prov));
  }
  if (ooms || evictions) {
    std::string s;
    if (ooms)
      s += fmt::format("The kernel killed {} process{} for lack of memory in this window ({} inside a memory cgroup "
                       "limit, {} node-wide).",
                       ooms, ooms == 1 ? "" : "es", memcg_ooms, ooms - memcg_ooms);
    if (evictions) s += fmt::format("{}The kubelet evicted {} pod{}.", s.empty() ? "" : " ", evictions, evictions == 1 ? "" : "s");
    if (latest)
      s += fmt::format(" The last one, at {} UTC, hit {}{}.", hhmm(latest->time),
                       latest->comm.value_or(latest->pod.value_or("?")),
                       latest->pod ? " in pod " + latest->namespace_.value_or("?") + "/" + *latest->pod
                                   : (latest->cgroup ? " (memory cgroup " + *latest->cgroup + ")" : ""));
    d.summary.push_back(std::move(s));
  } else {
    d.summary.push_back("No OOM kill or eviction was recorded in this window.");
  }
  if (min_kernel && max_kernel && min_kubelet && max_kubelet)
    d.summary.push_back(fmt::format("Over the window the kernel's MemAvailable ranged from {} to {}, the kubelet's "
                                    "memory.available from {} to {}, over {} samples.",
                                    human_bytes_u(*min_kernel), human_bytes_u(*max_kernel), human_bytes(*min_kubelet),
                                    human_bytes(*max_kubelet), times.size()));
  if (!d.findings.empty())
    d.summary.push_back(fmt::format("The doctor's first finding for that moment: {}", d.findings.front().title));
  return d;
}

}  // namespace ms
