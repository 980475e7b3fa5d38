#pragma once
// The memsleuth.snapshot/v1 document written straight into a string, without building a Json tree:
// `snapshot -o json` on a node with thousands of processes spends most of its user time in the
// tree otherwise. Same keys, order and values as snapshot_to_json (a unit test holds them equal).
#include <string>

#include "attribution/snapshot_owners.hpp"
#include "model/snapshot.hpp"

namespace ms {

void append_snapshot_json(const Snapshot& s, std::string& out, const SnapshotOwners* owners = nullptr);

}  // namespace ms
