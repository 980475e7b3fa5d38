#pragma once
// The doctor rules engine: every check is a small named function listed once in rule_table();
// run_doctor() runs them all and ranks what they found.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/doctor_input.hpp"
#include "rules/finding.hpp"

namespace ms {

using RuleFn = std::vector<Finding> (*)(const DoctorInput&);

struct Rule {
  std::string_view name;     // "slab-unreclaimable"
  std::string_view summary;  // one line for docs and --list-rules
  RuleFn fn;
};

// THE table of doctor checks (rules/rule_table.cpp).
const std::vector<Rule>& rule_table();

// Runs `rules` (default: all), stamps each finding with its rule name, and ranks them.
std::vector<Finding> run_doctor(const DoctorInput& in, const std::vector<Rule>& rules = rule_table());

// Severity first (critical, warning, info), then bytes at stake, then id: the first finding answers
// "what do I fix first".
void rank_findings(std::vector<Finding>& findings);

// What the recorder's history says around the doctor's moment: the worst moment and the fastest
// decline of available memory (the rules judge thresholds against that rate).
struct TimedBytes {
  int64_t time = 0;
  uint64_t bytes = 0;
};
struct HistorySummary {
  int64_t since = 0, until = 0;
  size_t samples = 0;
  std::optional<TimedBytes> lowest_kubelet_available, lowest_mem_available;  // the worst moment, both views
  std::optional<double> fastest_decline_bytes_per_s;
  std::optional<int64_t> fastest_decline_at;  // end of the interval it was measured on
};
HistorySummary summarize_history(const History& h);

// What the doctor says about the node as a whole (the "node" object of memsleuth.doctor/v1).
struct NodeSummary {
  int64_t time = 0;
  std::string hostname;
  std::string cgroup_version;
  std::optional<uint64_t> mem_total_bytes, mem_available_bytes;
  std::optional<int64_t> kubelet_memory_available_bytes;
  std::vector<std::string> inputs;   // analyses that were available: "snapshot", "kubelet", ...
  std::vector<std::string> missing;  // and those that were not, with the reason
  // Which process was taken for the kubelet and which files were read or refused (KubeletConfig::trust).
  std::vector<std::string> kubelet_trust;
  size_t rules_run = 0;
  std::optional<std::string> replayed;  // --at: "as recorded at ... (sample kind)", the node is the past
  std::optional<HistorySummary> history;
};
struct DoctorReport {
  NodeSummary node;
  std::vector<Finding> findings;
  int exit_code = 0;
};
// run_doctor plus the node summary and the exit code.
DoctorReport make_doctor_report(const DoctorInput& in, std::string hostname);

// 0 = nothing above info, 1 = warnings, 2 = at least one critical.
int doctor_exit_code(const std::vector<Finding>& findings);

}  // namespace ms
