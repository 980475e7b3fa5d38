#pragma once
// The self-contained HTML incident report: plain data in, one HTML document out. uPlot is embedded,
// every attacker-controlled string is escaped, and a Content-Security-Policy with script/style
// hashes forbids any other script, style, frame, form or network request.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ms {

struct ReportSeries {
  std::string name;
  std::vector<std::optional<double>> values;  // one per ReportChart::times entry
  bool dashed = false;                        // thresholds
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

struct ReportFinding {
  std::string severity;  // critical | warning | info
  std::string title;
  std::vector<std::string> evidence;
  std::string why;
  std::string fix;
};

struct ReportData {
  std::string node;
  int64_t since = 0, until = 0, generated_at = 0;
  std::optional<int64_t> worst_time;
  std::vector<std::string> summary;  // plain-language paragraphs, generated from the data
  std::vector<ReportChart> charts;
  std::vector<ReportMarker> markers;
  ReportTable top_consumers;
  std::vector<ReportFinding> findings;
  ReportTable events;
};

std::string render_report_html(const ReportData& data);

// Lower-level pieces, exposed for tests.
std::string sha256_base64(std::string_view data);
// JSON text made safe to sit inside <script type="application/json">: '<' becomes \u003c.
std::string json_for_script(const std::string& json_text);

}  // namespace ms
