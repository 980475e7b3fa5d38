// Micro-benchmarks of every parser on real samples: the files in tests/data, and this machine's
// own /proc files for the per-process ones (the sample folders hold none).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "attribution/systemd_units.hpp"
#include "events/event_stream.hpp"
#include "k8s/kubelet_config.hpp"
#include "k8s/pod_identity.hpp"
#include "probe/parsers.hpp"
#include "probe/snapshot_reader.hpp"
#include "provenance/updatedb_conf.hpp"

using namespace ms;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
std::string shared(const std::string& rel) { return slurp(std::string(MEMSLEUTH_TEST_DATA) + "/" + rel); }
std::string section(const std::string& text, const std::string& name) {
  std::string head = "===== " + name + " =====\n";
  size_t b = text.find(head);
  if (b == std::string::npos) return {};
  b += head.size();
  return text.substr(b, text.find("\n=====", b) - b + 1);
}
const std::string& v2log() {
  static std::string s = shared("v2-vm/debian-6.12-results.log");
  return s;
}

template <class Fn>
void run(benchmark::State& state, const std::string& text, Fn fn) {
  if (text.empty()) {
    state.SkipWithError("sample not readable");
    return;
  }
  for (auto _ : state) {
    auto r = fn(text);
    if (!r) state.SkipWithError(r.error().describe().c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
}  // namespace

static void BM_meminfo_mi03(benchmark::State& s) {
  run(s, shared("cgroup/meminfo/mi-03-perf-tools-78-centos7-big-slab.txt"), [](auto& t) { return parse_meminfo(t); });
}
static void BM_meminfo_v2vm_612(benchmark::State& s) {
  run(s, section(v2log(), "/proc/meminfo"), [](auto& t) { return parse_meminfo(t); });
}
static void BM_memory_stat_v1_ms01(benchmark::State& s) {
  run(s, shared("cgroup/memory.stat/ms-01-v1-pod-job-k8s-43916.txt"), [](auto& t) { return parse_flat_keyed(t, "x"); });
}
static void BM_memory_stat_v2_root_612(benchmark::State& s) {
  run(s, section(v2log(), "root memory.stat"), [](auto& t) { return parse_flat_keyed(t, "x"); });
}
static void BM_memory_events_v2_612(benchmark::State& s) {
  run(s, section(v2log(), "scope memory.events"), [](auto& t) { return parse_flat_keyed(t, "x"); });
}
static void BM_vmstat_live(benchmark::State& s) {
  run(s, slurp("/proc/vmstat"), [](auto& t) { return parse_flat_keyed(t, "x"); });
}
static void BM_psi_v2vm_612(benchmark::State& s) {
  run(s, section(v2log(), "scope memory.pressure"), [](auto& t) { return parse_psi(t); });
}
static void BM_proc_cgroup_v1_pc01(benchmark::State& s) {
  run(s, shared("cgroup/proc-pid-cgroup/pc-01-docker-cgroupfs-v1-hybrid-debian10.txt"),
      [](auto& t) { return parse_proc_cgroup(t); });
}
static void BM_proc_cgroup_v2_612(benchmark::State& s) {
  run(s, section(v2log(), "/proc/149/cgroup"), [](auto& t) { return parse_proc_cgroup(t); });
}
static void BM_proc_status_v2vm_612(benchmark::State& s) {
  run(s, section(v2log(), "/proc/149/status (Vm/Rss lines)"), [](auto& t) { return parse_proc_status(t); });
}
static void BM_proc_status_live_self(benchmark::State& s) {
  run(s, slurp("/proc/self/status"), [](auto& t) { return parse_proc_status(t); });
}
static void BM_proc_stat_live_self(benchmark::State& s) {
  run(s, slurp("/proc/self/stat"), [](auto& t) { return parse_proc_stat(t); });
}
static void BM_cmdline_live_self(benchmark::State& s) {
  std::string t = slurp("/proc/self/cmdline");
  for (auto _ : s) benchmark::DoNotOptimize(parse_cmdline(t));
}
static void BM_smaps_rollup_live_self(benchmark::State& s) {
  run(s, slurp("/proc/self/smaps_rollup"), [](auto& t) { return parse_smaps_rollup(t); });
}
static void BM_mountinfo_live_pid1(benchmark::State& s) {
  run(s, slurp("/proc/1/mountinfo"), [](auto& t) { return parse_mountinfo(t); });
}
static void BM_slabinfo_live(benchmark::State& s) {
  run(s, slurp("/proc/slabinfo"), [](auto& t) { return parse_slabinfo(t); });
}
static void BM_cgroup_limit_v2vm_612(benchmark::State& s) {
  run(s, section(v2log(), "scope memory.max"), [](auto& t) { return parse_cgroup_limit(t, "x"); });
}
static void BM_single_u64_v2vm_612(benchmark::State& s) {
  run(s, section(v2log(), "scope memory.current"), [](auto& t) { return parse_single_u64(t, "x"); });
}
// One whole process (4 files + 2 readlinks + parsing): the unit of a snapshot's cost.
static void BM_read_process_live_self(benchmark::State& s) {
  HostPaths paths;
  SnapshotOptions opts;
  ProcessReader reader(paths, false, opts);
  Process p;
  int self = static_cast<int>(::getpid());
  for (auto _ : s) benchmark::DoNotOptimize(reader.read(self, p));
}

// Parsers above the probe layer, on the samples each was written against.
static void BM_events_oom_sample02(benchmark::State& s) {
  std::string t = shared("oom/sample-02.log");
  LineContext ctx{.reference_us = 1'800'000'000'000'000};
  for (auto _ : s) benchmark::DoNotOptimize(parse_events(t, ctx));
  s.SetBytesProcessed(static_cast<int64_t>(s.iterations() * t.size()));
}
static void BM_events_kubelet_log01(benchmark::State& s) {
  std::string t = shared("kubelet/logs/log-01.log");
  LineContext ctx{.reference_us = 1'800'000'000'000'000};
  for (auto _ : s) benchmark::DoNotOptimize(parse_events(t, ctx));
  s.SetBytesProcessed(static_cast<int64_t>(s.iterations() * t.size()));
}
static void BM_kubelet_config_openshift04(benchmark::State& s) {
  std::string t = shared("kubelet/config/config-04-openshift-mco-kubelet.yaml");
  for (auto _ : s) {
    k8s::KubeletConfig cfg = k8s::default_kubelet_config();
    k8s::apply_config_text(cfg, t, "config-04");
    benchmark::DoNotOptimize(cfg);
  }
  s.SetBytesProcessed(static_cast<int64_t>(s.iterations() * t.size()));
}
static void BM_updatedb_conf_uc01(benchmark::State& s) {
  std::string t = shared("updatedb/conf/uc-01-rhel9-openela-mlocate-SOURCES-updatedb.conf");
  for (auto _ : s) benchmark::DoNotOptimize(parse_updatedb_conf(t));
  s.SetBytesProcessed(static_cast<int64_t>(s.iterations() * t.size()));
}
static void BM_unit_file_timer_ct05(benchmark::State& s) {
  run(s, shared("updatedb/cron-timer/ct-05-plocate-upstream-plocate-updatedb.timer"),
      [](auto& t) { return parse_unit_file(t); });
}
// Owner classification input: the kubepods path of a real CRI-O (systemd driver) container's
// /proc/<pid>/cgroup (a shell transcript: the first line's path is taken as text).
static void BM_kube_cgroup_path_pc06(benchmark::State& s) {
  std::string t = shared("cgroup/proc-pid-cgroup/pc-06-crio-systemd-v1-runc-4620.txt"), path;
  if (size_t at = t.find(":/kubepods"); at != std::string::npos) path = t.substr(at + 1, t.find('\n', at) - at - 1);
  if (path.empty()) {
    s.SkipWithError("no kubepods line in the sample");
    return;
  }
  for (auto _ : s) benchmark::DoNotOptimize(parse_kube_cgroup_path(path));
}

BENCHMARK(BM_events_oom_sample02);
BENCHMARK(BM_events_kubelet_log01);
BENCHMARK(BM_kubelet_config_openshift04);
BENCHMARK(BM_updatedb_conf_uc01);
BENCHMARK(BM_unit_file_timer_ct05);
BENCHMARK(BM_kube_cgroup_path_pc06);
BENCHMARK(BM_meminfo_mi03);
BENCHMARK(BM_meminfo_v2vm_612);
BENCHMARK(BM_memory_stat_v1_ms01);
BENCHMARK(BM_memory_stat_v2_root_612);
BENCHMARK(BM_memory_events_v2_612);
BENCHMARK(BM_vmstat_live);
BENCHMARK(BM_psi_v2vm_612);
BENCHMARK(BM_proc_cgroup_v1_pc01);
BENCHMARK(BM_proc_cgroup_v2_612);
BENCHMARK(BM_proc_status_v2vm_612);
BENCHMARK(BM_proc_status_live_self);
BENCHMARK(BM_proc_stat_live_self);
BENCHMARK(BM_cmdline_live_self);
BENCHMARK(BM_smaps_rollup_live_self);
BENCHMARK(BM_mountinfo_live_pid1);
BENCHMARK(BM_slabinfo_live);
BENCHMARK(BM_cgroup_limit_v2vm_612);
BENCHMARK(BM_single_u64_v2vm_612);
BENCHMARK(BM_read_process_live_self);
BENCHMARK_MAIN();
