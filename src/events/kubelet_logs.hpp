#pragma once
// The kubelet's eviction lines as a node keeps them (design kubelet-memory.md §5.3): the kubelet
// logs evictions, it does not write them to /dev/kmsg. Read from the text logs a node has
// (/var/log/kubelet.log; /var/log/syslog and /var/log/messages where rsyslog copies the journal)
// and from the systemd journal of the kubelet's unit, all under --rootfs. Used by the live `oom`
// and `doctor` (one read of the recent past) and by the recorder (followed; agent/event_capture).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"
#include "probe/host_paths.hpp"

namespace ms {

// A line worth handing to the eviction parser (cheap pre-filter for busy syslog files).
bool is_eviction_line(std::string_view line);

// Host paths (resolved under --rootfs) of the kubelet's text logs read when none are given.
const std::vector<std::string>& default_kubelet_logs();

struct KubeletLogOptions {
  std::vector<std::string> text_logs;  // host paths; empty = default_kubelet_logs(); {"off"} = none
  std::vector<std::string> units;      // journal units; empty = {"kubelet.service"}; {"off"} = none
  uint64_t tail_bytes = 32ull << 20;   // of each text log, the end
  int64_t window_us = 24LL * 3600 * 1'000'000;  // of the journal, the entries this recent
};

// The journal matches for units: each unit, and the identifier its binary logs under (kubelet).
std::vector<std::string> identifiers_of_units(const std::vector<std::string>& units);

struct KubeletLogRead {
  std::vector<Event> events;          // evictions (every stage), sorted by time, one per line seen
  std::vector<std::string> sources;   // what was read: "/var/log/kubelet.log", "journal:kubelet.service"
  std::vector<std::string> problems;  // sources that exist but could not be read
};

// One journal entry as a line the line parser reads (journalctl -o json form).
struct JournalEntry;
std::string journal_entry_as_json_line(const JournalEntry& entry);

// Reads the recent past once. The same line found in two sources (the journal and rsyslog's copy
// of it) is one event.
KubeletLogRead read_kubelet_evictions(const HostPaths& paths, const KubeletLogOptions& o, int64_t now_us);

}  // namespace ms
