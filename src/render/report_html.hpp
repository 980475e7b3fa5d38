#pragma once
// The self-contained HTML incident report: plain data in, one HTML document out. uPlot is embedded,
// every attacker-controlled string is escaped, and a Content-Security-Policy with script/style
// hashes forbids any other script, style, frame, form or network request.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/finding.hpp"

namespace ms {

struct ReportSeries {
  std::string name;
  std::vector<std::optional<double>> values;  // one per ReportChart::times entry
  bool dashed = false;                        // thresholds, limits
};

struct ReportChart {
  std::string id;     // DOM id, [a-z0-9-]
  std::string title;
  std::string unit;   // "bytes" or "percent"
  bool stacked = false;
  std::vector<int64_t> times;  // unix seconds
  std::vector<ReportSeries> series;
};

struct ReportMarker {
  int64_t time = 0;
  std::string kind;   // "oom_kill", "eviction", "trigger"
  std::string label;
};

struct ReportTable {
  std::string title;
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  std::string empty_text = "none";
};

struct ReportFact {
  std::string label, value;
};

// What happened, first: the victim of the latest OOM kill or eviction (or, without one, the moment
// the node came closest to running out), why, and what started it.
struct ReportIncident {
  std::string kind;      // "oom_kill" | "eviction" | "" (no kill or eviction in the window)
  std::string headline;  // one sentence
  std::vector<ReportFact> facts;
  // The same, for scripts (data-* attributes and the JSON block).
  std::optional<int64_t> time, pid;
  std::optional<std::string> comm, owner, cgroup, pod;
  std::optional<uint64_t> limit_bytes, usage_bytes;
};

struct ReportData {
  std::string node;
  int64_t since = 0, until = 0, generated_at = 0;
  std::optional<int64_t> worst_time;
  ReportIncident incident;
  // The doctor's findings for the incident's moment (`findings_command` gives the same list).
  std::vector<Finding> findings;
  std::optional<int64_t> findings_time;
  std::string findings_command;
  std::vector<std::string> findings_missing;  // inputs the doctor lacked ("not checked: …")
  std::vector<std::string> summary;           // the node, in plain language, generated from the data
  std::vector<ReportChart> charts;            // the incident's cgroup first (id "victim-cgroup"), then the node's
  std::vector<ReportMarker> markers;
  ReportTable top_consumers;
  ReportTable events;
};

std::string render_report_html(const ReportData& data);

// Lower-level pieces, exposed for tests.
std::string sha256_base64(std::string_view data);
// JSON text made safe to sit inside <script type="application/json">: '<' becomes \u003c.
std::string json_for_script(const std::string& json_text);

}  // namespace ms
