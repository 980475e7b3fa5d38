#pragma once
// The Owner object as every JSON output writes it (top, explain, oom, report) — the one place it is
// written: {kind, label, namespace, pod, container, qos, pod_uid, container_id, runtime, unit,
// session, user, timer, sandbox, in_kubepods}; null where not applicable or unknown.
#include "attribution/effective_limit.hpp"
#include "attribution/owner.hpp"
#include "render/json_util.hpp"

namespace ms {

Json owner_json(const Owner& o);
// {effective_limit_bytes, bounded, limit_known, limiting_cgroup, headroom_bytes}, merged into `row`.
void add_limit_json(Json& row, const EffectiveLimit& l);

}  // namespace ms
