#pragma once
// Pure encode/decode of the two frames of a sample. Key names (meminfo, vmstat, memory.stat, slab
// cache names) go through a dictionary so a frame holds small integers, not strings.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/snapshot.hpp"
#include "store/records.hpp"
#include "util/result.hpp"

namespace ms::store {

using KeyIdFn = std::function<uint64_t(std::string_view)>;  // name -> id, assigning new ids
using KeyNames = std::vector<std::string>;                  // id -> name ("" = unknown id)

// Regular samples keep only the memory.stat keys the analyses read; full samples keep all.
bool is_core_cgroup_stat_key(std::string_view key);
bool is_core_vmstat_key(std::string_view key);
// The shallowest cgroup whose last segment is kubepods or kubepods.slice (kubelet --cgroup-root may
// put it at any depth).
const Cgroup* find_kubepods(const Snapshot& s);

// pods: the kubelet's pods cgroup when its settings name one (nullptr: find_kubepods).
std::string encode_node(const Snapshot& s, bool full, const KeyIdFn& key, const Cgroup* pods = nullptr);
Result<NodePoint> decode_node(std::string_view frame, const KeyNames& names);

struct DetailCgroup {
  int64_t id;
  const Cgroup* cgroup;
};
struct DetailProcess {
  int64_t id;
  const Process* process;
};
std::string encode_detail(const Snapshot& s, std::vector<DetailCgroup> cgroups, std::vector<DetailProcess> processes,
                          bool full, const KeyIdFn& key);

struct DecodedDetail {
  std::vector<std::pair<int64_t, Cgroup>> cgroups;    // db id, values (path/inode filled by the reader)
  std::vector<std::pair<int64_t, Process>> processes;  // db id, memory values only
  std::vector<SlabCache> slab;
};
Result<DecodedDetail> decode_detail(std::string_view frame, const KeyNames& names);

}  // namespace ms::store
