#pragma once
// Every doctor rule, callable one by one (unit tests) and listed once in rule_table.cpp.
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

// Shared helpers for rules.
double pct_of(uint64_t part, uint64_t whole);
std::optional<uint64_t> mem_total(const Snapshot& s);

}  // namespace ms::rules
