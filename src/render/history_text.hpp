#pragma once
// `memsleuth history` output: the node timeline as text (sparklines, worst moments, owners, events)
// and one recorded moment (`--at`) as tables; JSON for both.
#include <string>

#include "render/json_util.hpp"
#include "render/text_layout.hpp"
#include "store/timeline.hpp"

namespace ms {

// Unicode block sparkline of `values` squeezed into `width` columns (each column: the minimum of
// its bucket, so dips stay visible). Missing values print as a space.
std::string sparkline(const std::vector<std::optional<int64_t>>& values, size_t width);

// `width`: sparkline columns, narrowed to fit layout.width.
std::string render_timeline_text(const store::Timeline& t, size_t width, const TextLayout& layout = {});
Json timeline_to_json(const store::Timeline& t);

std::string render_moment_text(const store::RecordedMoment& m, size_t max_processes, const TextLayout& layout = {});
Json moment_to_json(const store::RecordedMoment& m);

}  // namespace ms
