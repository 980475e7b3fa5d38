#pragma once
// --kubelet-log / --kubelet-unit for the commands that read the kubelet's eviction lines once
// (oom, doctor); `record` follows the same sources (agent/event_capture).
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "events/kubelet_logs.hpp"

namespace ms::cli {

struct KubeletLogArgs {
  std::vector<std::string> logs, units;
  KubeletLogOptions options() const {
    KubeletLogOptions o;
    o.text_logs = logs;
    o.units = units;
    return o;
  }
};

inline void add_kubelet_log_options(CLI::App& cmd, KubeletLogArgs& a) {
  cmd.add_option("--kubelet-log", a.logs,
                 "Kubelet text log to read evictions from, as the host names it (repeatable; 'off': none). Default: "
                 "/var/log/kubelet.log, /var/log/syslog, /var/log/messages under --rootfs (their last 32 MiB)");
  cmd.add_option("--kubelet-unit", a.units,
                 "systemd unit whose journal entries are read for evictions (repeatable; 'off': none). Default: "
                 "kubelet.service, the last 24 h of <rootfs>/var/log/journal and /run/log/journal");
}

}  // namespace ms::cli
