#pragma once
// The memsleuth.snapshot/v1 document written straight into a string, without building a Json tree:
// `snapshot -o json` on a node with thousands of processes spends most of its user time in the
// tree otherwise. Same keys, order and values as snapshot_to_json (a unit test holds them equal).
#include <functional>
#include <string>

#include "attribution/snapshot_owners.hpp"
#include "model/snapshot.hpp"

namespace ms {

// drain, when given, is called with `out` whenever it holds 64 KiB or more (then `out` is cleared):
// the document is written in chunks (to stdout) instead of held whole. The caller writes what is
// left in `out` at the end.
void append_snapshot_json(const Snapshot& s, std::string& out, const SnapshotOwners* owners = nullptr,
                          const std::function<void(std::string&)>& drain = {});

}  // namespace ms
