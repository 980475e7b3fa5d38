#include "render/owner_json.hpp"

namespace ms {

Json owner_json(const Owner& o) {
  Json j = Json::object();
  j["kind"] = to_string(o.kind);
  put_text(j, "label", o.label());
  put_text_opt(j, "namespace", o.namespace_);
  put_text_opt(j, "pod", o.pod);
  put_text_opt(j, "container", o.container);
  j["qos"] = o.qos == QosClass::kNone ? Json(nullptr) : Json(to_string(o.qos));
  put_text_opt(j, "pod_uid", o.pod_uid);
  put_text_opt(j, "container_id", o.container_id);
  put_text_opt(j, "runtime", o.runtime);
  put_text_opt(j, "unit", o.unit);
  put_text_opt(j, "session", o.session);
  put_text_opt(j, "user", o.user);
  put_text_opt(j, "timer", o.timer);
  put_text_opt(j, "cgroup", o.cgroup);
  j["sandbox"] = o.sandbox;
  j["in_kubepods"] = o.in_kubepods;
  return j;
}

void add_limit_json(Json& row, const EffectiveLimit& l) {
  row["effective_limit_bytes"] = jopt(l.limit_bytes);
  row["bounded"] = l.bounded();
  row["limit_known"] = l.known;
  if (l.limiting_cgroup.empty())
    row["limiting_cgroup"] = nullptr;
  else
    put_text(row, "limiting_cgroup", l.limiting_cgroup);
  row["headroom_bytes"] = jopt(l.headroom_bytes);
}

}  // namespace ms
