#pragma once
// Every doctor rule, callable one by one (unit tests) and listed once in rule_table.cpp.
#include <functional>
#include <optional>
#include <vector>

#include "rules/doctor_input.hpp"
#include "rules/finding.hpp"

namespace ms::rules {

// Kernel memory (rules_kernel.cpp)
std::vector<Finding> slab_unreclaimable(const DoctorInput& in);
std::vector<Finding> slab_large(const DoctorInput& in);
// Memory no process owns (rules_tmpfs.cpp)
std::vector<Finding> memory_backed_fs(const DoctorInput& in);
// Pressure (rules_pressure.cpp)
std::vector<Finding> memory_psi(const DoctorInput& in);
std::vector<Finding> swap_activity(const DoctorInput& in);
// Kubelet (rules_kubelet.cpp)
std::vector<Finding> kubelet_blind_spot(const DoctorInput& in);
std::vector<Finding> eviction_hard_too_small(const DoctorInput& in);
std::vector<Finding> eviction_config(const DoctorInput& in);
// Outside kubepods (rules_unbounded.cpp)
std::vector<Finding> unbounded_outside(const DoctorInput& in);
std::vector<Finding> misleading_cwd(const DoctorInput& in);
// Pods (rules_pods.cpp)
std::vector<Finding> besteffort_hog(const DoctorInput& in);
std::vector<Finding> container_near_limit(const DoctorInput& in);
// OOM kills and evictions (rules_events.cpp)
std::vector<Finding> recent_oom_kills(const DoctorInput& in);
std::vector<Finding> recent_evictions(const DoctorInput& in);
// Scheduled jobs (rules_scheduled.cpp)
std::vector<Finding> scheduled_culprits(const DoctorInput& in);

// Shared helpers for rules (and for the CLI, which gathers provenance for the same suspects).
double pct_of(uint64_t part, uint64_t whole);
// The shape most size rules share: a share of a whole judged against a warning and a critical
// percentage (nullopt below the warning one: no finding).
std::optional<Severity> severity_for_pct(double pct, double warn_pct, double crit_pct);
// A finding with its ranking fields set; the rule adds evidence, why, fix and subject.
Finding make_finding(std::string id, Severity severity, std::string title, uint64_t bytes_at_stake);
// "<part> / <whole>" as a percent evidence line.
Evidence ev_share(std::string what, uint64_t part, uint64_t whole, std::string source);
// Subject fields of an owned cgroup (pod, unit...): cgroup path, owner label and kind.
void set_owner_subject(Finding& f, const Owner& owner, std::optional<std::string> cgroup);
std::optional<uint64_t> mem_total(const Snapshot& s);
std::optional<int64_t> hard_threshold_bytes(const DoctorInput& in);
// Processes outside kubepods with no effective limit, largest RSS first.
std::vector<const ProcessAttribution*> unbounded_outside_kubepods(const DoctorInput& in);
// The kubelet's eviction margin: the hard memory.available threshold, else the kubelet's default 100Mi.
uint64_t eviction_margin_bytes(const DoctorInput& in);
// The size from which such a process is worth a finding: max(2% of RAM, min(margin, 10% of RAM)).
uint64_t unbounded_floor_bytes(const DoctorInput& in);
// Fastest rise of a recorded quantity in bytes per second, each measured from a point to the latest
// point at least thresholds::kMinRateSpanSeconds before it (never extrapolated from one short
// interval); `at` is the end of the span it was measured on. nullopt with less than that much history.
// `value` gives nullopt where the point lacks the quantity; a decline is the rise of its negation.
struct Decline {
  std::optional<double> rate;
  int64_t at = 0;
};
Decline fastest_rise(const History& h, const std::function<std::optional<double>(const HistoryPoint&)>& value);
// The rate over the last kMinRateSpanSeconds or more of history (the newest point against the latest
// one at least that much older), nullopt without such a pair.
std::optional<double> latest_rate(const History& h,
                                  const std::function<std::optional<double>(const HistoryPoint&)>& value);
// Fastest decline of available memory (bytes/s, and the end of that span), on the kubelet's signal
// when recorded, else MemAvailable; nullopt without a decline.
Decline fastest_decline(const History& h);
// The same for the doctor's input (nullopt without history).
std::optional<double> available_decline_rate(const DoctorInput& in);

}  // namespace ms::rules
