#pragma once
// classify_cgroup results by path, for callers that classify every process of a snapshot: most
// processes share their cgroup with others (attribute() classifies thousands per run).
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "attribution/classify.hpp"

namespace ms {

// Valid for one ClassifySources.
struct CgroupOwnerCache {
  std::unordered_map<std::string, std::pair<Owner, std::string>> by_path;  // owner, why
  const std::pair<Owner, std::string>& get(std::string_view path, const ClassifySources* sources);
};

// classify_process, with the cgroup classifications it needs taken from (and added to) cache.
Owner classify_process(const Process& p, const Snapshot& snapshot, const ClassifySources* sources, std::string* why,
                       CgroupOwnerCache* cache);

}  // namespace ms
