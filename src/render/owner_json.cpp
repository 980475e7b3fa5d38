#include "render/owner_json.hpp"

namespace ms {

Json owner_json(const Owner& o) {
  Json j = Json::object();
  j["kind"] = to_string(o.kind);
  j["label"] = jstr(o.label());
  j["namespace"] = jstr_opt(o.namespace_);
  j["pod"] = jstr_opt(o.pod);
  j["container"] = jstr_opt(o.container);
  j["qos"] = o.qos == QosClass::kNone ? Json(nullptr) : Json(to_string(o.qos));
  j["pod_uid"] = jstr_opt(o.pod_uid);
  j["container_id"] = jstr_opt(o.container_id);
  j["runtime"] = jstr_opt(o.runtime);
  j["unit"] = jstr_opt(o.unit);
  j["session"] = jstr_opt(o.session);
  j["user"] = jstr_opt(o.user);
  j["timer"] = jstr_opt(o.timer);
  j["cgroup"] = jstr_opt(o.cgroup);
  j["sandbox"] = o.sandbox;
  j["in_kubepods"] = o.in_kubepods;
  return j;
}

void add_limit_json(Json& row, const EffectiveLimit& l) {
  row["effective_limit_bytes"] = jopt(l.limit_bytes);
  row["bounded"] = l.bounded();
  row["limit_known"] = l.known;
  row["limiting_cgroup"] = l.limiting_cgroup.empty() ? Json(nullptr) : jstr(l.limiting_cgroup);
  row["headroom_bytes"] = jopt(l.headroom_bytes);
}

}  // namespace ms
