#pragma once
// Which processes and cgroups a regular sample stores: the ones that can explain a bad night, at a
// cost that fits the budget (~30 MB per node-day at 10 s). A trigger snapshot stores everything.
#include <cstdint>
#include <vector>

#include "model/snapshot.hpp"

namespace ms::agent {

struct SelectionPolicy {
  uint64_t process_floor_bytes = uint64_t{32} << 20;  // every process at or above this RSS
  size_t top_processes = 20;                          // plus the N largest, whatever their size
  uint64_t cgroup_floor_bytes = uint64_t{4} << 20;    // every cgroup at or above this usage
};

struct Selection {
  std::vector<size_t> processes;  // indexes into Snapshot::processes
  std::vector<size_t> cgroups;    // indexes into Snapshot::cgroups
};

// full: every user process and every cgroup. Otherwise processes >= floor plus the top N by RSS
// (kernel threads never), cgroups >= floor plus the root and the kubepods cgroup(s).
Selection select_for_sample(const Snapshot& s, const SelectionPolicy& p, bool full);

}  // namespace ms::agent
