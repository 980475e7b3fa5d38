#pragma once
#include <string>
#include <vector>

#include "events/event.hpp"
#include "render/text_layout.hpp"

namespace ms {

// One row per event, then the top consumers of each OOM that has a task table.
std::string render_oom_table(const std::vector<Event>& events, const TextLayout& layout = {});

}  // namespace ms
