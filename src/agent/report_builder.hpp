#pragma once
// Turns recorded history into the data of the HTML incident report. The incident first: the latest
// OOM kill or eviction of the window (else the lowest available memory), its victim, why, what started
// it, and the doctor's findings for that moment, computed by diagnosis/ exactly as `memsleuth doctor
// --db DB --at @T` computes them. Then the victim cgroup's usage against its limit, the node's charts,
// the top consumers and the events. Prose is generated from the numbers and names only what exists.
#include <cstdint>
#include <optional>
#include <string>

#include "diagnosis/diagnosis.hpp"
#include "probe/host_paths.hpp"
#include "render/report_html.hpp"
#include "store/history.hpp"
#include "util/result.hpp"

namespace ms {

struct ReportOptions {
  std::optional<int64_t> since, until;  // both unset: 24 h around the worst moment
  std::string node;                     // hostname shown in the title
  HostPaths paths;                      // the node's files for the findings, as `doctor --at` reads them
  // Kubelet overrides and the database path, as `doctor` takes them: the findings are that command's.
  diagnosis::Options diagnosis;
  bool kubelet_thresholds = true;  // draw the kubelet's thresholds on the available-memory chart
  int64_t now = 0;
  size_t top_n = 15;
  bool redact = true;  // secrets in command lines (util/redact.hpp); report --no-redact keeps them
};

Result<ReportData> build_report(store::History& history, const ReportOptions& opts);

// The window the report covers when none is given: 24 h centred on the worst moment (the latest OOM
// kill or eviction, else the lowest available memory in either view), clipped to what exists.
struct ReportWindow {
  int64_t since = 0, until = 0;
  std::optional<int64_t> worst;
  std::string worst_reason;
};
Result<ReportWindow> choose_window(store::History& history, const ReportOptions& opts);

// The recorded moment the report's findings are for: the full snapshot an OOM kill triggers (a full
// sample within a minute after the incident), else the first sample at or after the incident within
// ten minutes, else the last one before it.
Result<int64_t> findings_time(store::History& history, int64_t incident_time);

}  // namespace ms
