#pragma once
// One line of whatever log the user hands us, with its transport prefixes peeled off. Formats are
// detected per line, because real files mix them (a syslog file with dmesg timestamps inside, a
// pasted issue with "> " quotes, a Talos or VMware wrapper around a kernel line).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ms {

enum class LineFormat {
  kPlain,        // nothing recognised: the whole line is the message
  kKmsg,         // "6,1234,5678901,-;text" (cat /dev/kmsg)
  kDmesg,        // "[ 7063.247407] text"
  kDmesgHuman,   // "[Thu May  9 14:52:38 2024] text" (dmesg -T)
  kSyslog,       // "May 15 23:09:30 host ident[pid]: text" (journalctl -k short, /var/log/syslog)
  kSyslogIso,    // "2024-05-09T14:52:38+0200 host ident: text" (journalctl -o short-iso, rsyslog)
  kJournalJson,  // journalctl -o json
  kTalos,        // "10.0.0.1: kern:    info: [2025-06-04T04:51:57.57Z]: text" (talosctl dmesg)
  kVmware,       // "2023-12-04T10:49:30.127Z In(05) vcpu-5 - Guest: <6>[...] text" (vmware.log)
  kKlog,         // "I0902 15:20:02.917855   18530 file.go:216] text" (kubelet, no syslog prefix)
};
const char* to_string(LineFormat f);

struct LogLine {
  LineFormat format = LineFormat::kPlain;  // the outermost format recognised
  std::string text;                        // the message itself, prefixes removed
  std::optional<int64_t> wall_us;          // wall clock, when the line says it (or boot time + uptime)
  std::optional<uint64_t> uptime_us;       // kernel timestamp since boot, when the line has one
  std::optional<std::string> host;         // syslog/journal host, Talos node
  std::optional<std::string> ident;        // "kernel", "kubelet", ... when the transport names it
  std::optional<int> level;                // syslog level when given (<6>, kmsg prefix, journal PRIORITY)
  bool klog = false;                       // text came from a klog header (kubelet)
  std::optional<char> klog_severity;       // I, W, E, F
};

struct LineContext {
  // Syslog and klog timestamps carry no year: the year is the one that puts the time closest
  // before reference_us (a log read now is from the past).
  int64_t reference_us = 0;
  // Wall-clock second of boot (/proc/stat btime) to turn kernel uptime stamps into wall time; only
  // right for logs of this boot of this host, so the CLI sets it only for live /dev/kmsg.
  std::optional<int64_t> boot_time_s;
};

// Never fails: an unrecognised line comes back as kPlain with the whole (trimmed) line as text.
LogLine parse_log_line(std::string_view raw, const LineContext& ctx);

}  // namespace ms
