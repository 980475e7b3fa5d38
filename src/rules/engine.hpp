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

// What the doctor says about the node as a whole (the "node" object of memsleuth.doctor/v1).
struct NodeSummary {
  int64_t time = 0;
  std::string hostname;
  std::string cgroup_version;
  std::optional<uint64_t> mem_total_bytes, mem_available_bytes;
  std::optional<int64_t> kubelet_memory_available_bytes;
  std::vector<std::string> inputs;   // analyses that were available: "snapshot", "kubelet", ...
  std::vector<std::string> missing;  // and those that were not, with the reason
  size_t rules_run = 0;
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
