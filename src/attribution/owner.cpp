#include "attribution/owner.hpp"

namespace ms {

const char* to_string(OwnerKind k) {
  switch (k) {
    case OwnerKind::kPod: return "pod";
    case OwnerKind::kSystemdUnit: return "systemd-unit";
    case OwnerKind::kSession: return "session";
    case OwnerKind::kNodeAgent: return "node-agent";
    case OwnerKind::kCron: return "cron";
    case OwnerKind::kTimer: return "timer";
    case OwnerKind::kRuntime: return "runtime";
    case OwnerKind::kKernel: return "kernel";
    case OwnerKind::kCgroup: return "cgroup";
    case OwnerKind::kUnconfined: break;
  }
  return "unconfined";
}

std::optional<OwnerKind> owner_kind_from_string(std::string_view s) {
  for (OwnerKind k :
       {OwnerKind::kPod, OwnerKind::kSystemdUnit, OwnerKind::kSession, OwnerKind::kNodeAgent, OwnerKind::kCron,
        OwnerKind::kTimer, OwnerKind::kRuntime, OwnerKind::kKernel, OwnerKind::kCgroup, OwnerKind::kUnconfined})
    if (s == to_string(k)) return k;
  return std::nullopt;
}

std::string Owner::label() const {
  switch (kind) {
    case OwnerKind::kPod: {
      // Names come only from the node's files; "unknown" stands where they were not found.
      std::string s = namespace_.value_or("unknown") + "/" + pod.value_or(pod_uid ? "pod" + *pod_uid : "unknown");
      if (container) s += "/" + *container;
      else if (sandbox) s += "/(sandbox)";
      else if (container_id) s += "/" + container_id->substr(0, 12);
      return s;
    }
    case OwnerKind::kSession:
      return session.value_or("session") + (user ? " (" + *user + ")" : "");
    case OwnerKind::kTimer:
      return unit.value_or("timer") + (timer ? " (" + *timer + ")" : "");
    case OwnerKind::kRuntime:
      if (!unit && container_id) return runtime.value_or("runtime") + ":" + container_id->substr(0, 12);
      return unit.value_or(to_string(kind));
    case OwnerKind::kSystemdUnit:
    case OwnerKind::kNodeAgent:
    case OwnerKind::kCron:
      return unit.value_or(to_string(kind));
    case OwnerKind::kKernel:
      return "kernel";
    case OwnerKind::kCgroup:
      return cgroup.value_or("cgroup");
    case OwnerKind::kUnconfined:
      break;
  }
  return "unconfined";
}

}  // namespace ms
