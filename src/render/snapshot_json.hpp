#pragma once
#include "model/snapshot.hpp"
#include "render/json_util.hpp"

namespace ms {

// The memsleuth.snapshot/v1 contract (docs/json.md).
Json snapshot_to_json(const Snapshot& s);
Json process_to_json(const Process& p);
Json cgroup_to_json(const Cgroup& c);
Json keyvalues_to_json(const KeyValues& kv);

}  // namespace ms
