#pragma once
// The recorder's own capture of OOM kills and evictions, polled continuously between samples (not
// only at sample time): journald can drop them under memory pressure and an eviction's evidence is
// gone once the pod is deleted.
//  - OOM kills: /dev/kmsg (<rootfs>/dev/kmsg), the whole ring at start, then what comes next.
//  - Evictions: the kubelet's eviction-manager lines (design kubelet-memory.md §5.3) from the text
//    logs a node really has: /var/log/kubelet.log (kube-up, kops and other file-logging setups) and
//    /var/log/syslog, /var/log/messages (rsyslog copies of the journal's kubelet unit), all under
//    --rootfs, followed across rotation; and the systemd journal of the kubelet's unit
//    (<rootfs>/var/log/journal, /run/log/journal), where journald-only nodes keep them. Each
//    eviction is stored once, tied to its pod, whichever source saw it.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attribution/owner.hpp"
#include "events/event.hpp"
#include "events/kubelet_logs.hpp"
#include "probe/host_paths.hpp"
#include "store/records.hpp"

namespace ms::agent {

struct EventCaptureOptions {
  bool kmsg = true;
  std::string kmsg_path;                  // default <rootfs>/dev/kmsg
  std::vector<std::string> kubelet_logs;  // host paths; empty = ms::default_kubelet_logs(); {"off"} = none
  std::vector<std::string> kubelet_units;  // journal units; empty = {"kubelet.service"}; {"off"} = none
};

// One OOM kill as stored: the dedupe key is the kernel's own record identity (boot, uptime, pid).
store::RecordedEvent oom_to_recorded(const Event& e, std::optional<int64_t> boot_time, int64_t now);

// One pod eviction as stored, nullopt for the eviction manager's other lines (threshold met, pods
// ranked, ...), which are not evictions of a pod. `first_time`: when this pod's eviction was first
// seen (the kubelet logs "Evicting pod" and "evicted successfully" for the same eviction); the
// dedupe key is built from it, so both lines, and the same lines read again after a restart, are
// stored once.
std::optional<store::RecordedEvent> eviction_to_recorded(const Event& e, int64_t first_time, const std::string& source,
                                                         int64_t now);

class EventCapture {
 public:
  using OwnerOf = std::function<Owner(std::string_view memcg)>;
  using Log = std::function<void(const std::string&)>;
  EventCapture(HostPaths paths, EventCaptureOptions opts, OwnerOf owner_of, Log log);
  ~EventCapture();
  void open();
  // Everything captured since the last poll, OOM kills and evictions, ready to store. `last`: the
  // recorder is stopping, so kills still held for their oom_reaper line are released now.
  std::vector<store::RecordedEvent> poll(int64_t now, bool last = false);
  uint64_t kmsg_lost() const;
  bool kmsg_open() const;
  std::vector<std::string> log_paths_open() const;
  bool journal_open() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ms::agent
