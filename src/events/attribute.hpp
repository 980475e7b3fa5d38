#pragma once
// Ties parsed events to owners: the victim's memcg -> pod/unit/cron/session, and for every report
// with a task table the memory at the moment of the kill grouped by owner ("who made the node run
// out?"). I/O-free: the caller supplies the classifier and, optionally, the live process table.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attribution/owner.hpp"
#include "events/event.hpp"

namespace ms {

struct LiveProcessInfo {
  std::string comm;
  std::optional<std::string> memory_cgroup;
};

struct AttributionContext {
  std::function<Owner(std::string_view memcg_path)> owner_of;  // required
  // Live process by pid (nullopt when gone); used for task-table rows of a global OOM, only when
  // the live comm equals the row's name (a reused pid is a different process).
  std::function<std::optional<LiveProcessInfo>(int64_t pid)> live_process;
  uint64_t page_size = 4096;  // task table values are pages
  size_t max_groups = 10;
};

void attribute_events(std::vector<Event>& events, const AttributionContext& ctx);

}  // namespace ms
