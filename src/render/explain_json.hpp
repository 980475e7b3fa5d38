#pragma once
// `memsleuth explain -o json`: the memsleuth.explain/v1 contract (docs/json.md, docs/explain.md).
#include "provenance/explain.hpp"
#include "provenance/scheduled.hpp"
#include "render/json_util.hpp"

namespace ms {

Json explain_to_json(const Explanation& e);
Json culprit_to_json(const Culprit& c);
Json scheduled_culprit_to_json(const ScheduledCulprit& s);

}  // namespace ms
