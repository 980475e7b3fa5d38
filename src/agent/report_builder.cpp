#include "agent/report_builder.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "attribution/effective_limit.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/thresholds.hpp"
#include "provenance/ancestry.hpp"
#include "store/exited.hpp"
#include "store/node_view.hpp"
#include "util/redact.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

constexpr int64_t kDefaultSpan = 24 * 3600;
constexpr int64_t kFindingsAfterSeconds = 600;
// An OOM kill triggers a full snapshot once the kill is read (held up to 5 s for its oom_reaper line);
// a full sample this soon after the incident is its snapshot.
constexpr int64_t kTriggerWithinSeconds = 60;

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

std::string hhmmss(int64_t t) { return rfc3339_utc(t).substr(11, 8); }

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

// The report is made to be shared: command lines recorded with `record --no-redact`, or before
// redaction existed, are redacted here too (redacting twice changes nothing).
std::string redact_provenance(const std::string& prov) {
  auto j = nlohmann::json::parse(prov, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return prov;
  auto a = j.find("ancestry");
  if (a == j.end() || !a->is_array()) return prov;
  for (auto& x : *a)
    if (x.is_object() && x.contains("cmdline") && x["cmdline"].is_string())
      x["cmdline"] = redact_command_line(x["cmdline"].get<std::string>());
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void redact_moment(store::RecordedMoment& m) {
  for (auto& p : m.snapshot.processes) p.cmdline = redact_argv(p.cmdline);
  for (auto& prov : m.process_provenance) prov = redact_provenance(prov);
}

// "python3 -c …  <- bash <- sshd": the command, then where it came from.
std::string started_by(const std::string& prov_in, const Process& p_in, bool redact) {
  Process p = p_in;
  if (redact) p.cmdline = redact_argv(p.cmdline);
  std::string prov = redact ? redact_provenance(prov_in) : prov_in;
  std::string cmd = command_line(p.cmdline, p.comm);
  for (char& c : cmd)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';  // a `python3 -c` script on one line
  if (cmd.size() > 160) cmd = cmd.substr(0, 160) + "…";
  std::string from = provenance_line(prov, p);
  return from == cmd ? cmd : fmt::format("{}, started by {}", cmd, from);
}

std::optional<double> as_double(std::optional<int64_t> v) {
  return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}
std::optional<double> as_double(std::optional<uint64_t> v) {
  return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}

std::optional<std::string> detail_str(const nlohmann::json& d, const char* k) {
  auto it = d.find(k);
  if (it == d.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// The OOM kill at the heart of the report: who, which cgroup at which limit, why, what started it.
void describe_kill(ReportIncident& inc, const store::RecordedEvent& e, store::History& h, const Snapshot& at_kill,
                   const ClassifySources& names, bool redact) {
  store::RecordedExit x = store::exit_of_kill(e);
  bool global = x.scope == "global";
  inc.kind = "oom_kill";
  inc.time = e.time;
  inc.pid = e.pid;
  inc.comm = e.comm;
  inc.cgroup = e.cgroup;
  std::string memcg = x.memcg.value_or(e.cgroup.value_or(""));
  Owner owner = e.cgroup ? classify_cgroup(*e.cgroup, &names) : Owner{};
  inc.owner = owner.label();
  // The limit: as the kernel reported it at the kill, else the recorded effective limit of the cgroup.
  inc.limit_bytes = x.limit_bytes;
  std::string limit_source = "the kernel's report of the kill";
  if (!inc.limit_bytes && !global && e.cgroup) {
    EffectiveLimit lim = effective_limit(at_kill, *e.cgroup);
    if (lim.bounded()) {
      inc.limit_bytes = lim.limit_bytes;
      memcg = lim.limiting_cgroup;
      limit_source = "recorded with the sample";
    }
  }
  inc.usage_bytes = x.usage_bytes;
  std::string who = fmt::format("{} (pid {})", e.comm.value_or("?"), e.pid.value_or(0));
  if (global)
    inc.headline = fmt::format("{} was OOM-killed at {} UTC: the node ran out of memory.", who, hhmmss(e.time));
  else
    inc.headline = fmt::format("{} was OOM-killed at {} UTC: its memory cgroup {} hit its {}limit.", who,
                               hhmmss(e.time), memcg.empty() ? "?" : memcg,
                               inc.limit_bytes ? human_bytes_u(*inc.limit_bytes) + " " : std::string());
  auto& f = inc.facts;
  f.push_back({"Killed", fmt::format("{} at {}, holding {}", who, rfc3339_utc(e.time),
                                     e.bytes ? human_bytes(*e.bytes) : std::string("? (RSS not in the record)"))});
  f.push_back({"Owner", owner_cell(owner)});
  f.push_back({"Memory cgroup", e.cgroup.value_or("? (not in the kernel's record)")});
  if (!global)
    f.push_back({"Limit", inc.limit_bytes
                              ? fmt::format("{} on {} ({})", human_bytes_u(*inc.limit_bytes), memcg, limit_source)
                              : std::string("unknown")});
  if (inc.usage_bytes) f.push_back({"Usage at the kill", human_bytes_u(*inc.usage_bytes) + " (the memory cgroup's)"});
  auto d = nlohmann::json::parse(e.detail, nullptr, false);
  std::string constraint = d.is_object() ? detail_str(d, "constraint").value_or("") : "";
  f.push_back({"Why", global
                          ? fmt::format("The node ran out of memory{}: the kernel killed the process with the "
                                        "highest OOM score, not necessarily the one that grew.",
                                        constraint.empty() ? "" : " (" + constraint + ")")
                          : fmt::format("{} reached its limit{}, so the kernel killed the largest process inside it; "
                                        "the rest of the node was not short of memory.",
                                        memcg.empty() ? "The memory cgroup" : "The memory cgroup " + memcg,
                                        constraint.empty() ? "" : " (" + constraint + ")")});
  // What started it: the victim as the recorder last read it, else as last stored.
  std::string from;
  if (e.victim) {
    from = started_by(e.victim->provenance, e.victim->process, redact);
    if (e.victim->process.rss_bytes)
      f.push_back({"Last read", fmt::format("{} RSS at {}", human_bytes_u(*e.victim->process.rss_bytes),
                                            rfc3339_utc(e.victim->seen_at))});
  } else if (e.pid) {
    if (auto gone = store::find_exited(h, static_cast<int>(*e.pid), e.time);
        gone && *gone && (*gone)->index < (*gone)->moment.snapshot.processes.size()) {
      const auto& m = (*gone)->moment;
      size_t i = (*gone)->index;
      if (i < m.process_provenance.size()) from = started_by(m.process_provenance[i], m.snapshot.processes[i], redact);
    }
  }
  f.push_back({"Started by", from.empty() ? "not known (the recorder never read this process)" : from});
}

void describe_eviction(ReportIncident& inc, const store::RecordedEvent& e) {
  inc.kind = "eviction";
  inc.time = e.time;
  std::string pod = e.namespace_.value_or("?") + "/" + e.pod.value_or("?");
  inc.pod = pod;
  inc.owner = pod;
  auto d = nlohmann::json::parse(e.detail, nullptr, false);
  if (!d.is_object()) d = nlohmann::json::object();
  auto signal = detail_str(d, "signal"), threshold = detail_str(d, "threshold"), observed = detail_str(d, "observed");
  inc.headline = fmt::format(
      "The kubelet evicted pod {} at {} UTC{}.", pod, hhmmss(e.time),
      signal ? fmt::format(": its {} fell below {}", *signal, threshold.value_or("its threshold")) : std::string());
  auto& f = inc.facts;
  f.push_back({"Evicted", fmt::format("pod {}{} at {}", pod, e.container ? " (container " + *e.container + ")" : "",
                                      rfc3339_utc(e.time))});
  if (e.bytes) f.push_back({"Using", human_bytes(*e.bytes) + " (as the kubelet reported it)"});
  if (signal)
    f.push_back({"Why", fmt::format("The kubelet's {} was {}, below its eviction threshold {}: it evicts the "
                                    "lowest-ranked pods, not necessarily the one that grew.",
                                    *signal, observed.value_or("?"), threshold.value_or("?"))});
  f.push_back({"Kubelet's words", e.message});
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

Result<int64_t> findings_time(store::History& h, int64_t incident_time) {
  auto after = h.samples({incident_time, incident_time + kFindingsAfterSeconds});
  if (!after) return fail(after.error());
  // The snapshot the kill triggered holds every process; a regular sample of the same second may
  // even precede the kill.
  for (const auto& s : *after)
    if (s.full && s.time - incident_time <= kTriggerWithinSeconds) return s.time;
  if (!after->empty()) return after->front().time;
  return incident_time;  // the last sample before it (History::at)
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

  auto events = h.events(w);
  if (!events) return fail(events.error());
  const store::RecordedEvent* incident = nullptr;
  for (const auto& e : *events)
    if (is_incident_event(e) && (!incident || e.time >= incident->time)) incident = &e;

  // --- the doctor's findings for the incident's moment: `memsleuth doctor --db DB --at @T` ---
  int64_t t = win->worst.value_or(w.until);
  if (incident) {
    auto ft = findings_time(h, incident->time);
    if (!ft) return fail(ft.error());
    t = *ft;
  }
  auto moment = h.at(t);
  if (!moment) return fail(moment.error());
  if (o.redact && *moment) redact_moment(**moment);  // before the findings: their evidence quotes command lines
  std::optional<diagnosis::Diagnosis> diag;
  if (*moment) {
    auto dg = diagnosis::diagnose_recorded(o.paths, h, **moment, o.diagnosis);
    if (!dg) return fail(dg.error());
    diag = std::move(*dg);
    d.findings = diag->report.findings;
    d.findings_time = (*moment)->snapshot.time;
    d.findings_command = fmt::format("memsleuth doctor --db {} --at @{}", o.diagnosis.db_path, t);
    for (const auto& m : diag->report.node.missing)
      if (m.rfind("live node:", 0) != 0) d.findings_missing.push_back(m);
  }
  bool kubelet_known = diag && diag->kubelet_known;
  ClassifySources names = ClassifySources::load(o.paths);

  // --- the incident ---
  auto at_incident = h.at(incident ? incident->time : t);
  if (!at_incident) return fail(at_incident.error());
  Snapshot none;
  const Snapshot& before = *at_incident ? (*at_incident)->snapshot : none;
  if (incident && incident->kind == "oom_kill")
    describe_kill(d.incident, *incident, h, before, names, o.redact);
  else if (incident)
    describe_eviction(d.incident, *incident);
  else
    d.incident.headline = fmt::format(
        "No OOM kill or eviction was recorded between {} and {}; the closest the node came "
        "to running out was at {} UTC.",
        rfc3339_utc(w.since), rfc3339_utc(w.until), hhmmss(t));

  // --- the victim cgroup's usage against its limit ---
  std::optional<std::string> victim_cg;
  if (incident && incident->kind == "oom_kill") {
    store::RecordedExit x = store::exit_of_kill(*incident);
    victim_cg = x.scope == "global" ? incident->cgroup : x.memcg.has_value() ? x.memcg : incident->cgroup;
  }
  if (victim_cg && *victim_cg != "/") {
    auto cs = h.cgroup_series(*victim_cg, w);
    if (!cs) return fail(cs.error());
    if (!cs->times.empty()) {
      ReportChart c{"victim-cgroup", fmt::format("Memory cgroup {}: usage against its limit", *victim_cg),
                    "bytes",         false,
                    cs->times,       {}};
      ReportSeries usage{"usage", {}, false}, limit{"limit", {}, true};
      bool any_limit = false;
      for (const auto& cg : cs->values) {
        usage.values.push_back(as_double(cg.usage_bytes));
        std::optional<uint64_t> l = cg.limit_bytes ? cg.limit_bytes : d.incident.limit_bytes;
        limit.values.push_back(as_double(l));
        any_limit = any_limit || l.has_value();
      }
      c.series.push_back(std::move(usage));
      if (any_limit) c.series.push_back(std::move(limit));
      d.charts.push_back(std::move(c));
    } else {
      d.incident.facts.push_back({"Chart", fmt::format("the recorder stored no reading of {} in this window (it stores "
                                                       "cgroups above its floor, 4Mi by default)",
                                                       *victim_cg)});
    }
  }

  // --- the node: both views of available memory, with the thresholds as dashed lines ---
  auto nodes = h.node_series(w);
  if (!nodes) return fail(nodes.error());
  std::vector<int64_t> times;
  std::unordered_map<int64_t, size_t> index;
  std::string kubelet_name = "kubelet memory.available";
  ReportSeries kubelet{kubelet_name, {}, false}, kernel{"kernel MemAvailable", {}, false},
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
  // Without a kubelet, the kubelet's views are a formula nobody acts on: the kernel's view alone.
  ReportChart avail{
      "available", kubelet_known ? "Available memory: the kubelet's view vs the kernel's" : "Available memory (kernel)",
      "bytes",     false,
      times,       {}};
  if (kubelet_known) avail.series.push_back(kubelet);
  avail.series.push_back(kernel);
  avail.series.push_back(memfree);
  if (kubelet_known && any_alloc) avail.series.push_back(alloc);
  std::vector<k8s::ResolvedThreshold> thresholds;
  if (kubelet_known && o.kubelet_thresholds) thresholds = diag->thresholds;
  for (const auto& th : thresholds) {
    if (th.signal != k8s::kSignalMemoryAvailable || !th.bytes) continue;
    avail.series.push_back({fmt::format("{} threshold memory.available<{}", th.kind, th.value),
                            std::vector<std::optional<double>>(times.size(), static_cast<double>(*th.bytes)), true});
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
  d.events = ReportTable{"OOM kills and evictions",
                         {"TIME", "KIND", "PROCESS", "OWNER", "MEMORY", "DETAIL"},
                         {},
                         "No OOM kill or eviction was recorded in this window."};
  size_t ooms = 0, memcg_ooms = 0, evictions = 0;
  for (const auto& e : *events) {
    if (!is_incident_event(e)) continue;
    d.markers.push_back({e.time, e.kind, e.comm.value_or(e.pod.value_or(e.kind))});
    std::string owner = e.pod
                            ? e.namespace_.value_or("?") + "/" + *e.pod + (e.container ? "/" + *e.container : "")
                            : (e.cgroup ? owner_cell(classify_cgroup(*e.cgroup, &names)) : e.owner_kind.value_or("?"));
    std::string detail = e.message;
    if (e.kind == "oom_kill") {
      store::RecordedExit x = store::exit_of_kill(e);
      if (x.memcg && x.scope != "global")
        detail +=
            fmt::format(": {} at its limit{}", *x.memcg, x.limit_bytes ? " of " + human_bytes_u(*x.limit_bytes) : "");
    }
    d.events.rows.push_back({rfc3339_utc(e.time), e.kind,
                             e.comm ? fmt::format("{} ({})", *e.comm, e.pid.value_or(0)) : std::string("-"), owner,
                             e.bytes ? human_bytes(*e.bytes) : "-", detail});
    if (e.kind == "oom_kill") {
      ++ooms;
      if (store::exit_of_kill(e).scope != "global") ++memcg_ooms;
    } else {
      ++evictions;
    }
  }
  if (auto trig = h.triggers(w)) {
    for (const auto& tr : *trig) d.markers.push_back({tr.time, "trigger", tr.trigger});
  }

  // --- top consumers at the findings' moment, with owner, limit and provenance ---
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
    for (const auto& tp : tops) {
      const Process& p = m.snapshot.processes[tp.i];
      const Owner& ow = m.process_owners[tp.i];
      auto lim = effective_limit(m.snapshot, p.memory_cgroup.value_or("/"));
      d.top_consumers.rows.push_back(
          {std::to_string(p.pid), p.comm, human_bytes_u(tp.rss), owner_cell(ow), ow.in_kubepods ? "yes" : "no",
           lim.bounded() ? human_bytes_opt(lim.limit_bytes) : "none", provenance_line(m.process_provenance[tp.i], p)});
    }
  }

  // --- the node, in plain language (only what exists: no kubelet sentence without a kubelet) ---
  if (win->worst && *at_incident) {
    k8s::KubeletView v = k8s::compute_kubelet_view((*at_incident)->snapshot);
    std::string when = fmt::format("At {} UTC on {} ({})", hhmmss(*win->worst), rfc3339_utc(*win->worst).substr(0, 10),
                                   win->worst_reason);
    std::string s;
    if (kubelet_known && v.memory_available_bytes) {
      s = fmt::format("{}, the kubelet saw {} available while the kernel had {} (MemAvailable).", when,
                      human_bytes(*v.memory_available_bytes), human_bytes_opt(v.mem_available_bytes));
      for (const auto& th : thresholds) {
        if (th.signal != k8s::kSignalMemoryAvailable || th.kind != "hard" || !th.bytes || !th.met) continue;
        s += *th.met ? fmt::format(
                           " The kubelet's view was below its hard eviction threshold of {}, so it should "
                           "have been evicting pods.",
                           human_bytes(*th.bytes))
                     : fmt::format(
                           " The kubelet's hard eviction threshold is {}, {} above it, so the kubelet saw no "
                           "reason to evict anything.",
                           human_bytes(*th.bytes), human_bytes(th.margin_bytes.value_or(0)));
        break;
      }
    } else {
      s = fmt::format("{}, the kernel had {} available (MemAvailable) of {}; no kubelet runs on this node.", when,
                      human_bytes_opt(v.mem_available_bytes), human_bytes_opt(v.capacity_bytes));
    }
    d.summary.push_back(std::move(s));
  }
  // The node's largest process matters for a node-wide shortage; for a cgroup at its own limit it is a
  // bystander.
  bool memcg_incident = d.incident.kind == "oom_kill" && d.incident.limit_bytes;
  if (*moment && !tops.empty() && !memcg_incident) {
    const auto& m = **moment;
    const Process& p = m.snapshot.processes[tops[0].i];
    const Owner& ow = m.process_owners[tops[0].i];
    auto lim = effective_limit(m.snapshot, p.memory_cgroup.value_or("/"));
    d.summary.push_back(
        fmt::format("The largest process then was {} (pid {}) holding {}, {}{}, {}. Started by: {}.", p.comm, p.pid,
                    human_bytes_u(tops[0].rss), owner_phrase(ow, p.memory_cgroup.value_or("")),
                    ow.in_kubepods || ow.kind == OwnerKind::kPod ? "" : ", outside any pod",
                    lim.bounded() ? fmt::format("bounded by a memory limit of {}", human_bytes_opt(lim.limit_bytes))
                                  : std::string("with no memory limit to stop it"),
                    provenance_line(m.process_provenance[tops[0].i], p)));
  }
  if (ooms || evictions) {
    std::string s;
    if (ooms)
      s += fmt::format(
          "The kernel killed {} process{} for lack of memory in this window ({} inside a memory cgroup "
          "limit, {} node-wide).",
          ooms, ooms == 1 ? "" : "es", memcg_ooms, ooms - memcg_ooms);
    if (evictions)
      s += fmt::format("{}The kubelet evicted {} pod{}.", s.empty() ? "" : " ", evictions, evictions == 1 ? "" : "s");
    d.summary.push_back(std::move(s));
  } else {
    d.summary.push_back("No OOM kill or eviction was recorded in this window.");
  }
  if (min_kernel && max_kernel) {
    std::string s = fmt::format("Over the window the kernel's MemAvailable ranged from {} to {}",
                                human_bytes_u(*min_kernel), human_bytes_u(*max_kernel));
    if (kubelet_known && min_kubelet && max_kubelet)
      s += fmt::format(", the kubelet's memory.available from {} to {}", human_bytes(*min_kubelet),
                       human_bytes(*max_kubelet));
    d.summary.push_back(s + fmt::format(", over {} samples.", times.size()));
  }
  return d;
}

}  // namespace ms
