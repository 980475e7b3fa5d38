#pragma once
// The Owner object as every JSON output writes it (top, explain, oom, report):
// {kind, namespace, pod, container, qos, pod_uid, container_id, runtime, unit, session, user, timer,
//  sandbox, in_kubepods}; null where not applicable or unknown.
#include "attribution/effective_limit.hpp"
#include "attribution/owner.hpp"
#include "render/json_util.hpp"

namespace ms {

// Named owner_json (not owner_to_json): render/oom_json.hpp has its own owner_to_json without timer
// and sandbox; one ODR-safe name each until they are merged.
Json owner_json(const Owner& o);
// {effective_limit_bytes, bounded, limit_known, limiting_cgroup, headroom_bytes}, merged into `row`.
void add_limit_json(Json& row, const EffectiveLimit& l);

}  // namespace ms
