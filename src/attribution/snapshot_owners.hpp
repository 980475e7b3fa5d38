#pragma once
// The Owner of every process and cgroup of a Snapshot, and nothing else (no limits, rollups or
// residual): what `snapshot -o json` adds to its rows. Same classification and per-cgroup cache as
// attribute(), so a process or cgroup gets the owner `top -o json` gives it.
#include <vector>

#include "attribution/classify.hpp"
#include "attribution/owner.hpp"
#include "model/snapshot.hpp"

namespace ms {

struct SnapshotOwners {
  std::vector<Owner> processes;  // parallel to Snapshot::processes
  std::vector<Owner> cgroups;    // parallel to Snapshot::cgroups
};

SnapshotOwners classify_snapshot(const Snapshot& s, const ClassifySources& sources);

}  // namespace ms
