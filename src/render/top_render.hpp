#pragma once
// `memsleuth top` output: kubectl-like tables (table, wide) and memsleuth.top/v1 JSON.
#include <string>

#include "attribution/attribution.hpp"
#include "attribution/top_query.hpp"
#include "render/json_util.hpp"
#include "render/text_layout.hpp"

namespace ms {

// wide adds cmdline, cgroup path, QoS/runtime and what limits the row.
std::string render_top_table(const TopResult& r, bool wide, const TextLayout& layout = {});
// {"schema":"memsleuth.top/v1","by":…,"sort":…,"rows":[…]}; --by owner adds "residual".
Json top_to_json(const TopResult& r, const ResidualMemory* residual = nullptr);
// "Memory no process owns" block shown under --by owner tables.
std::string render_residual(const ResidualMemory& r, const TextLayout& layout = {});

}  // namespace ms
