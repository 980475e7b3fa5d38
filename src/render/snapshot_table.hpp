#pragma once
#include <string>

#include "model/snapshot.hpp"
#include "render/text_layout.hpp"

namespace ms {

// Short node summary: memory totals, cgroup version, process count, top N by RSS with memory cgroup.
std::string render_snapshot_summary(const Snapshot& s, size_t top_n = 10, const TextLayout& layout = {});

}  // namespace ms
