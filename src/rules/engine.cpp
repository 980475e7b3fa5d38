#include "rules/engine.hpp"

#include <algorithm>

namespace ms {

std::vector<Finding> run_doctor(const DoctorInput& in, const std::vector<Rule>& rules) {
  std::vector<Finding> out;
  if (!in.snap) return out;
  for (const auto& r : rules) {
    auto found = r.fn(in);
    for (auto& f : found) {
      f.rule = std::string(r.name);
      out.push_back(std::move(f));
    }
  }
  rank_findings(out);
  return out;
}

void rank_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.bytes_at_stake != b.bytes_at_stake) return a.bytes_at_stake > b.bytes_at_stake;
    return a.id < b.id;
  });
}

DoctorReport make_doctor_report(const DoctorInput& in, std::string hostname) {
  DoctorReport r;
  const Snapshot& s = *in.snap;
  r.node.time = s.time;
  r.node.hostname = std::move(hostname);
  r.node.cgroup_version = to_string(s.cgroup_version);
  r.node.mem_total_bytes = s.meminfo.get("MemTotal");
  r.node.mem_available_bytes = s.meminfo.get("MemAvailable");
  r.node.inputs.push_back("snapshot");
  if (in.watermarks.min_free_bytes) r.node.inputs.push_back("vm-watermarks");
  if (in.kubelet) {
    r.node.inputs.push_back("kubelet");
    r.node.kubelet_trust = in.kubelet->trust;
    if (in.kubelet_view) r.node.kubelet_memory_available_bytes = in.kubelet_view->memory_available_bytes;
  }
  if (in.attribution) r.node.inputs.push_back("attribution");
  if (in.attribution) r.node.inputs.push_back("provenance");
  if (in.events && in.kernel_log) r.node.inputs.push_back("kernel-log");
  if (in.kubelet_log) r.node.inputs.push_back("kubelet-log");
  if (in.history) {
    r.node.inputs.push_back("history");
    r.node.history = summarize_history(*in.history);
  }  // (the caller says why there is no history: no database, too few samples)
  r.node.rules_run = rule_table().size();
  r.findings = run_doctor(in);
  r.exit_code = doctor_exit_code(r.findings);
  return r;
}

int doctor_exit_code(const std::vector<Finding>& findings) {
  int code = 0;
  for (const auto& f : findings) {
    if (f.severity == Severity::kCritical) return 2;
    if (f.severity == Severity::kWarning) code = 1;
  }
  return code;
}

}  // namespace ms
