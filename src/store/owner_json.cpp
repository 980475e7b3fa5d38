#include "store/owner_json.hpp"

#include <nlohmann/json.hpp>

#include "util/json_text.hpp"

namespace ms::store {

namespace {

using J = nlohmann::ordered_json;

// The bytes of names are kept (util/json_text.hpp); renderers escape them.
void put(J& j, const char* k, const std::optional<std::string>& v) {
  if (v) put_text(j, k, *v);
}
void get(const J& j, const char* k, std::optional<std::string>& v) {
  if (auto t = get_text(j, k)) v = std::move(*t);
}

QosClass qos_from(std::string_view s) {
  if (s == "guaranteed") return QosClass::kGuaranteed;
  if (s == "burstable") return QosClass::kBurstable;
  if (s == "besteffort") return QosClass::kBestEffort;
  return QosClass::kNone;
}

}  // namespace

OwnerKind owner_kind_from_string(std::string_view s) {
  for (auto k : {OwnerKind::kPod, OwnerKind::kSystemdUnit, OwnerKind::kSession, OwnerKind::kNodeAgent, OwnerKind::kCron,
                 OwnerKind::kTimer, OwnerKind::kRuntime, OwnerKind::kKernel, OwnerKind::kCgroup})
    if (s == to_string(k)) return k;
  return OwnerKind::kUnconfined;
}

std::string owner_to_json(const Owner& o) {
  J j;
  j["kind"] = to_string(o.kind);
  if (o.qos != QosClass::kNone) j["qos"] = to_string(o.qos);
  put(j, "pod_uid", o.pod_uid);
  put(j, "container_id", o.container_id);
  put(j, "runtime", o.runtime);
  put(j, "namespace", o.namespace_);
  put(j, "pod", o.pod);
  put(j, "container", o.container);
  if (o.sandbox) j["sandbox"] = true;
  put(j, "unit", o.unit);
  put(j, "session", o.session);
  put(j, "user", o.user);
  put(j, "timer", o.timer);
  put(j, "cgroup", o.cgroup);
  if (o.in_kubepods) j["in_kubepods"] = true;
  return j.dump();
}

Owner owner_from_json(const std::string& json) {
  Owner o;
  auto j = J::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return o;
  if (auto it = j.find("kind"); it != j.end() && it->is_string()) o.kind = owner_kind_from_string(it->get<std::string>());
  if (auto it = j.find("qos"); it != j.end() && it->is_string()) o.qos = qos_from(it->get<std::string>());
  get(j, "pod_uid", o.pod_uid);
  get(j, "container_id", o.container_id);
  get(j, "runtime", o.runtime);
  get(j, "namespace", o.namespace_);
  get(j, "pod", o.pod);
  get(j, "container", o.container);
  o.sandbox = j.value("sandbox", false);
  get(j, "unit", o.unit);
  get(j, "session", o.session);
  get(j, "user", o.user);
  get(j, "timer", o.timer);
  get(j, "cgroup", o.cgroup);
  o.in_kubepods = j.value("in_kubepods", false);
  return o;
}

}  // namespace ms::store
