#pragma once
// `memsleuth record`: every interval, read the node, store a sample (a full snapshot when a trigger
// fires), refresh /metrics; between samples, capture OOM kills (/dev/kmsg) and evictions (kubelet
// logs) as they happen. A failed write (disk full, read-only
// database) is reported and retried; it never stops the loop.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/selection.hpp"
#include "agent/triggers.hpp"
#include "k8s/kubelet_view.hpp"
#include "probe/bpf/kernel_events.hpp"
#include "probe/host_paths.hpp"
#include "probe/task_source.hpp"
#include "store/history.hpp"
#include "store/writer.hpp"

namespace ms::agent {

struct RecorderOptions {
  std::string db_path = store::kDefaultDbPath;
  int64_t interval_ms = 10'000;
  store::WriterOptions store;
  SelectionPolicy selection;
  TriggerPolicy triggers;
  std::string listen = "127.0.0.1:9465";  // "" = no HTTP server
  std::string web_config;                 // TLS and basic auth for it (agent/web_config.hpp); "" = none
  bool redact = true;                     // secrets in stored command lines (util/redact.hpp)
  bool kmsg = true;
  std::string kmsg_path;    // default <rootfs>/dev/kmsg
  std::vector<std::string> kubelet_units;  // journal units for evictions; empty = kubelet.service, {"off"} = none
  std::vector<std::string> kubelet_logs;  // host paths of kubelet text logs; empty = defaults, {"off"} = none
  k8s::V2RootUsage v2_root_usage = k8s::V2RootUsage::kAnonFile;  // the kubelet's v2 root rule (>= 1.29)
  // The kernel's own reports of exits and OOM kills (probe/bpf/exit_capture.bpf.c). Null, or an
  // error when opened: the recorder runs without them and says why in one line.
  std::function<Result<std::unique_ptr<KernelEventSource>>(const KernelEventOptions&)> open_kernel_events;
  KernelEventOptions kernel_events;  // which programs to attach (hidden flags turn them off for tests)
  int64_t max_samples = 0;  // stop after this many samples (0 = run until signalled)
  size_t pod_metrics_limit = 50;  // per-pod series: the largest K pods, the rest summed as "other"
  bool quiet = false;
  // Processes from a BPF task walk (loaded and pinned at start: agent/task_walk.hpp) or procfs.
  TaskSourceOptions tasks{.want = ProcessSource::kAuto, .cmdline = false};
};

// What the daemon knows about itself: exported on /metrics and printed at each state change.
struct AgentStatus {
  uint64_t samples_total = 0, full_total = 0, write_errors_total = 0, sample_errors_total = 0;
  bool store_ok = false;
  std::string store_error;  // last write/open error, "" when healthy
  double last_sample_seconds = 0;      // wall time of the last node read
  double last_sample_cpu_seconds = 0;  // CPU time of the last node read + store write
  int64_t last_sample_unix = 0;        // when the last node read was taken (0: none yet)
  uint64_t db_bytes = 0;
  uint64_t kmsg_lost = 0;
  // Kernel event capture (BPF): attached programs, records the rings could not take, exits seen
  // (stored one by one, or summed per cgroup below the floor), kills whose kmsg report never came.
  bool exit_capture = false, oom_capture = false;
  uint64_t exits_dropped = 0, ooms_dropped = 0;
  uint64_t exits_individual = 0, exits_summed = 0;
  uint64_t oom_kmsg_suppressed = 0;
  std::string process_source = "procfs";  // "bpf": the task walk (agent/task_walk.hpp)
};

class Recorder {
 public:
  Recorder(HostPaths paths, RecorderOptions opts);
  ~Recorder();
  // Runs until `stop` becomes true or max_samples are taken. Returns the process exit code.
  int run(std::atomic<bool>& stop);
  // One iteration (read, maybe trigger, store, refresh metrics). Exposed for the benchmark.
  void sample_once();
  std::string metrics_text() const;
  AgentStatus status() const;
  int bound_port() const { return bound_port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int bound_port_ = 0;
};

}  // namespace ms::agent
