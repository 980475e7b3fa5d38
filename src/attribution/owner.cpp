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
    case OwnerKind::kUnconfined: break;
  }
  return "unconfined";
}

const char* to_string(QosClass q) {
  switch (q) {
    case QosClass::kGuaranteed: return "guaranteed";
    case QosClass::kBurstable: return "burstable";
    case QosClass::kBestEffort: return "besteffort";
    case QosClass::kNone: break;
  }
  return "";
}

std::string Owner::label() const {
  switch (kind) {
    case OwnerKind::kPod: {
      std::string s = namespace_.value_or("?") + "/" + pod.value_or(pod_uid ? "pod" + *pod_uid : "?");
      if (container) s += "/" + *container;
      else if (sandbox) s += "/(sandbox)";
      return s;
    }
    case OwnerKind::kSession:
      return session.value_or("session") + (user ? " (" + *user + ")" : "");
    case OwnerKind::kSystemdUnit:
    case OwnerKind::kNodeAgent:
    case OwnerKind::kCron:
    case OwnerKind::kTimer:
    case OwnerKind::kRuntime:
      return unit.value_or(to_string(kind));
    case OwnerKind::kKernel:
      return "kernel";
    case OwnerKind::kUnconfined:
      break;
  }
  return "unconfined";
}

}  // namespace ms
