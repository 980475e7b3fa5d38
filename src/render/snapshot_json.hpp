#pragma once
#include "attribution/snapshot_owners.hpp"
#include "model/snapshot.hpp"
#include "render/json_util.hpp"

namespace ms {

// The memsleuth.snapshot/v1 contract (docs/json.md). With owners (parallel to s.processes and
// s.cgroups), each process and cgroup also carries its `owner` object (render/owner_json.hpp).
Json snapshot_to_json(const Snapshot& s, const SnapshotOwners* owners = nullptr);
Json process_to_json(const Process& p);
Json cgroup_to_json(const Cgroup& c);
Json keyvalues_to_json(const KeyValues& kv);

}  // namespace ms
