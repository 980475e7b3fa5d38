#include "agent/metrics.hpp"

#include <algorithm>
#include <set>

#include "util/version.hpp"

namespace ms::agent {

namespace {

PromFamily gauge(std::string name, std::string help) { return {std::move(name), "gauge", std::move(help), {}}; }
PromFamily counter(std::string name, std::string help) { return {std::move(name), "counter", std::move(help), {}}; }

}  // namespace

std::vector<std::pair<std::string, std::string>> seeded_event_labels(const NodeViews& v) {
  std::vector<std::pair<std::string, std::string>> out;
  // Outside pods the namespace is empty; kernel threads are never OOM-killed.
  for (OwnerKind k : {OwnerKind::kSystemdUnit, OwnerKind::kSession, OwnerKind::kNodeAgent, OwnerKind::kCron,
                      OwnerKind::kTimer, OwnerKind::kRuntime, OwnerKind::kCgroup, OwnerKind::kUnconfined})
    out.emplace_back(to_string(k), "");
  std::set<std::string> namespaces;
  for (const auto& p : v.pods) namespaces.insert(p.namespace_);
  for (const auto& ns : namespaces) out.emplace_back(to_string(OwnerKind::kPod), ns);
  return out;
}

std::vector<PromFamily> build_metrics(const MetricsInput& in) {
  std::vector<PromFamily> out;
  const NodeViews& v = in.views;

  // The usual *_build_info: a constant 1 whose labels say which build is running (scripts/version.sh).
  auto build = gauge("memsleuth_build_info", "memsleuth build: version (git describe) and revision (commit), value 1.");
  build.samples.push_back({{{"version", std::string(version())}, {"revision", std::string(revision())}}, 1.0});
  out.push_back(std::move(build));

  auto avail = gauge("memsleuth_memory_available_bytes",
                     "Available memory by view: kubelet (memory.available), allocatable "
                     "(allocatableMemory.available), kernel (MemAvailable, what free shows). Can be negative.");
  if (v.kubelet_available) avail.samples.push_back({{{"view", "kubelet"}}, static_cast<double>(*v.kubelet_available)});
  if (v.allocatable_available)
    avail.samples.push_back({{{"view", "allocatable"}}, static_cast<double>(*v.allocatable_available)});
  if (v.kernel_available) avail.samples.push_back({{{"view", "kernel"}}, static_cast<double>(*v.kernel_available)});
  out.push_back(std::move(avail));

  auto thr = gauge("memsleuth_eviction_threshold_bytes",
                   "Kubelet hard eviction threshold resolved to bytes, by signal.");
  if (v.kubelet_threshold)
    thr.samples.push_back({{{"signal", "memory.available"}}, static_cast<double>(*v.kubelet_threshold)});
  if (v.allocatable_threshold)
    thr.samples.push_back({{{"signal", "allocatableMemory.available"}}, static_cast<double>(*v.allocatable_threshold)});
  out.push_back(std::move(thr));

  auto cap = gauge("memsleuth_memory_capacity_bytes", "Node memory capacity (MemTotal).");
  if (v.capacity_bytes) cap.samples.push_back({{}, static_cast<double>(*v.capacity_bytes)});
  out.push_back(std::move(cap));

  auto kinds = gauge("memsleuth_owner_memory_rss_bytes", "Resident memory of processes, summed by owner kind.");
  for (const auto& [k, b] : v.rss_by_owner_kind) kinds.samples.push_back({{{"owner_kind", k}}, static_cast<double>(b)});
  out.push_back(std::move(kinds));

  // Bounded cardinality: the K largest pods by working set, the rest summed under pod="other".
  auto pods = gauge("memsleuth_pod_working_set_bytes",
                    "Pod cgroup working set (usage - inactive_file). The largest pods only; the rest are "
                    "summed with namespace=\"\" and pod=\"other\".");
  {
    std::vector<PodMemory> sorted = v.pods;
    std::sort(sorted.begin(), sorted.end(),
              [](const PodMemory& a, const PodMemory& b) { return a.working_set_bytes > b.working_set_bytes; });
    uint64_t other = 0;
    size_t other_n = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (i < in.pod_limit)
        pods.samples.push_back({{{"namespace", sorted[i].namespace_}, {"pod", sorted[i].pod}},
                                static_cast<double>(sorted[i].working_set_bytes)});
      else {
        other += sorted[i].working_set_bytes;
        ++other_n;
      }
    }
    if (other_n) pods.samples.push_back({{{"namespace", ""}, {"pod", "other"}}, static_cast<double>(other)});
  }
  out.push_back(std::move(pods));

  auto unb = gauge("memsleuth_unbounded_outside_kubepods_bytes",
                   "Resident memory of processes outside kubepods with no memory limit on their cgroup or any "
                   "ancestor: memory the kubelet cannot stop.");
  if (v.unbounded_outside_kubepods_bytes)
    unb.samples.push_back({{}, static_cast<double>(*v.unbounded_outside_kubepods_bytes)});
  out.push_back(std::move(unb));
  auto unbp = gauge("memsleuth_unbounded_outside_kubepods_processes",
                    "Processes outside kubepods with no memory limit on their cgroup or any ancestor.");
  if (v.unbounded_outside_kubepods_bytes)
    unbp.samples.push_back({{}, static_cast<double>(v.unbounded_outside_kubepods_processes)});
  out.push_back(std::move(unbp));

  auto ooms = counter("memsleuth_oom_kills_total",
                      "Kernel OOM kills captured from /dev/kmsg since the agent started, by victim owner kind and "
                      "namespace.");
  auto evs = counter("memsleuth_evictions_total",
                     "Kubelet evictions captured since the agent started, by owner kind and namespace.");
  // Exported from the start at 0 for every label set a kill or an eviction can take on this node
  // (each owner kind outside pods, each namespace that has pods), so the first event moves an existing
  // series from 0 to 1 and increase() sees it; a series born at 1 is invisible to increase().
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> counts = in.events.by_key;
  for (const auto& [kind, ns] : seeded_event_labels(in.views)) {
    counts.try_emplace({"oom_kill", kind, ns}, 0);
    if (kind == to_string(OwnerKind::kPod)) counts.try_emplace({"eviction", kind, ns}, 0);  // only pods are evicted
  }
  for (const auto& [key, n] : counts) {
    const auto& [kind, okind, ns] = key;
    PromSample s{{{"owner_kind", okind}, {"namespace", ns}}, static_cast<double>(n)};
    (kind == "eviction" ? evs : ooms).samples.push_back(std::move(s));
  }
  out.push_back(std::move(ooms));
  out.push_back(std::move(evs));

  if (in.psi) {
    auto p = gauge("memsleuth_memory_pressure_ratio", "Memory PSI averages (fraction of time stalled), by kind and window.");
    auto add = [&](const char* kind, const PsiLine& l) {
      p.samples.push_back({{{"kind", kind}, {"window", "10s"}}, l.avg10 / 100.0});
      p.samples.push_back({{{"kind", kind}, {"window", "60s"}}, l.avg60 / 100.0});
      p.samples.push_back({{{"kind", kind}, {"window", "300s"}}, l.avg300 / 100.0});
    };
    add("some", in.psi->some);
    if (in.psi->full) add("full", *in.psi->full);
    out.push_back(std::move(p));
    auto t = counter("memsleuth_memory_pressure_stall_seconds_total", "Total memory stall time from PSI, by kind.");
    t.samples.push_back({{{"kind", "some"}}, static_cast<double>(in.psi->some.total_us) / 1e6});
    if (in.psi->full) t.samples.push_back({{{"kind", "full"}}, static_cast<double>(in.psi->full->total_us) / 1e6});
    out.push_back(std::move(t));
  }

  const AgentStatus& st = in.status;
  auto dur = gauge("memsleuth_sample_duration_seconds", "Wall time the agent took to read the node for the last sample.");
  dur.samples.push_back({{}, st.last_sample_seconds});
  out.push_back(std::move(dur));
  auto cpu = gauge("memsleuth_sample_cpu_seconds", "CPU time the agent used for the last sample (read + store).");
  cpu.samples.push_back({{}, st.last_sample_cpu_seconds});
  out.push_back(std::move(cpu));
  // Staleness is what an alert wants: time() - this. Absent until the first sample.
  auto last = gauge("memsleuth_last_sample_timestamp_seconds",
                    "Unix time of the last sample the agent read (stored or not: see memsleuth_store_up).");
  if (st.last_sample_unix > 0) last.samples.push_back({{}, static_cast<double>(st.last_sample_unix)});
  out.push_back(std::move(last));
  auto samples = counter("memsleuth_samples_total", "Samples taken since the agent started.");
  samples.samples.push_back({{}, static_cast<double>(st.samples_total)});
  out.push_back(std::move(samples));
  auto trig = counter("memsleuth_trigger_snapshots_total", "Full detailed snapshots stored, by trigger.");
  for (const auto& [r, n] : in.triggers_by_reason) trig.samples.push_back({{{"trigger", r}}, static_cast<double>(n)});
  out.push_back(std::move(trig));
  auto werr = counter("memsleuth_store_write_errors_total", "Samples that could not be written (disk full, read-only).");
  werr.samples.push_back({{}, static_cast<double>(st.write_errors_total)});
  out.push_back(std::move(werr));
  auto ok = gauge("memsleuth_store_up", "1 when the last write to the history database succeeded.");
  ok.samples.push_back({{}, st.store_ok ? 1.0 : 0.0});
  out.push_back(std::move(ok));
  auto db = gauge("memsleuth_store_size_bytes", "Size of the history database (main file + WAL).");
  db.samples.push_back({{}, static_cast<double>(st.db_bytes)});
  out.push_back(std::move(db));
  auto rss = gauge("memsleuth_agent_resident_memory_bytes", "Resident memory of the memsleuth agent itself.");
  rss.samples.push_back({{}, static_cast<double>(in.rss_bytes)});
  out.push_back(std::move(rss));
  auto lost = counter("memsleuth_kmsg_lost_records_total", "Kernel log records overwritten before the agent read them.");
  lost.samples.push_back({{}, static_cast<double>(st.kmsg_lost)});
  out.push_back(std::move(lost));

  // The kernel's own reports (BPF): whether each program is attached, and, where one is, what it saw
  // and what its ring buffer could not take.
  auto up = gauge("memsleuth_bpf_capture_up",
                  "1 when the BPF program is attached: exits (sched_process_exit) or oom (oom:mark_victim).");
  up.samples.push_back({{{"program", "exits"}}, st.exit_capture ? 1.0 : 0.0});
  up.samples.push_back({{{"program", "oom"}}, st.oom_capture ? 1.0 : 0.0});
  out.push_back(std::move(up));
  auto dropped = counter("memsleuth_bpf_ring_dropped_total",
                         "Records the BPF programs could not queue because their ring buffer was full, by ring.");
  if (st.exit_capture) dropped.samples.push_back({{{"ring", "exits"}}, static_cast<double>(st.exits_dropped)});
  if (st.oom_capture) dropped.samples.push_back({{{"ring", "oom"}}, static_cast<double>(st.ooms_dropped)});
  out.push_back(std::move(dropped));
  auto exits = counter("memsleuth_process_exits_total",
                       "Processes whose exit the kernel reported since the agent started: stored one by one (peak RSS "
                       "at or above the process floor) or summed per cgroup.");
  if (st.exit_capture) {
    exits.samples.push_back({{{"stored", "individual"}}, static_cast<double>(st.exits_individual)});
    exits.samples.push_back({{{"stored", "summed"}}, static_cast<double>(st.exits_summed)});
  }
  out.push_back(std::move(exits));
  auto suppressed = counter("memsleuth_oom_kill_reports_suppressed_total",
                            "OOM kills the BPF program saw for which /dev/kmsg held no report (rate-limited or lost).");
  if (st.oom_capture) suppressed.samples.push_back({{}, static_cast<double>(st.oom_kmsg_suppressed)});
  out.push_back(std::move(suppressed));
  auto source = gauge("memsleuth_process_source_info",
                      "Where the agent reads processes each sample: bpf (its task walk) or procfs (1 on that one).");
  source.samples.push_back({{{"source", st.process_source}}, 1.0});
  out.push_back(std::move(source));
  return out;
}

}  // namespace ms::agent
