#include "k8s/pod_identity.hpp"

#include <vector>

#include "util/text.hpp"

namespace ms {

const char* to_string(QosClass q) {
  switch (q) {
    case QosClass::kGuaranteed: return "guaranteed";
    case QosClass::kBurstable: return "burstable";
    case QosClass::kBestEffort: return "besteffort";
    case QosClass::kNone: break;
  }
  return "";
}

const char* to_string(CgroupDriver d) {
  switch (d) {
    case CgroupDriver::kCgroupfs: return "cgroupfs";
    case CgroupDriver::kSystemd: return "systemd";
    case CgroupDriver::kUnknown: break;
  }
  return "";
}

namespace {

bool is_hex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// One path component, with the offset in the original path where it ends (for prefix paths).
struct Segment {
  std::string_view name;
  size_t end = 0;
  std::string synthetic;  // for "<slice>:<prefix>:<id>" the scope name runc would have made
  std::string_view text() const { return synthetic.empty() ? name : std::string_view(synthetic); }
};

std::vector<Segment> segments_of(std::string_view path) {
  std::vector<Segment> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    // containerd with the systemd cgroup format but a cgroupfs-driven runc (or v1 controllers
    // systemd does not manage) leaves "kubepods-…-pod<uid>.slice:cri-containerd:<id>" unexpanded
    // (tests/data/cgroup/proc-pid-cgroup/pc-04). runc would name the scope "<prefix>-<id>.scope".
    auto parts = split(seg, ':');
    if (parts.size() == 3 && ends_with(parts[0], ".slice")) {
      out.push_back({parts[0], i + parts[0].size(), {}});
      Segment scope{seg, j, std::string(parts[1]) + "-" + std::string(parts[2]) + ".scope"};
      out.push_back(std::move(scope));
    } else {
      out.push_back({seg, j, {}});
    }
    i = j;
  }
  return out;
}

std::string pod_uid_from(std::string_view s, bool systemd) {
  std::string uid(s);
  // kubelet escapes '-' as '_' in systemd slice names (escapeSystemdCgroupName).
  if (systemd)
    for (char& c : uid)
      if (c == '_') c = '-';
  return uid;
}

// "kubepods[-qos][-pod<uid>].slice" (any prefix before "kubepods" from --cgroup-root). Applies what
// the slice says to k; returns false when "kubepods" is not one of its dash-separated words.
bool apply_systemd_slice(std::string_view seg, KubeCgroup& k) {
  if (!ends_with(seg, ".slice")) return false;
  auto words = split(seg.substr(0, seg.size() - 6), '-');
  size_t at = words.size();
  for (size_t i = 0; i < words.size(); ++i)
    if (words[i] == "kubepods") at = i;
  if (at == words.size()) return false;
  KubeLevel level = KubeLevel::kKubepods;
  QosClass tier = QosClass::kNone;
  for (size_t i = at + 1; i < words.size(); ++i) {
    std::string_view w = words[i];
    if (i == at + 1 && w == "burstable") {
      tier = QosClass::kBurstable;
      level = KubeLevel::kQosTier;
    } else if (i == at + 1 && w == "besteffort") {
      tier = QosClass::kBestEffort;
      level = KubeLevel::kQosTier;
    } else if (starts_with(w, "pod") && w.size() > 3 && i + 1 == words.size()) {
      k.pod_uid = pod_uid_from(w.substr(3), true);
      level = KubeLevel::kPod;
    } else {
      return false;  // kubepods-<something else>.slice: not a kubelet level we know
    }
  }
  k.level = level;
  k.qos = level == KubeLevel::kPod && tier == QosClass::kNone ? QosClass::kGuaranteed : tier;
  return true;
}

// The runtime-owned leaf below the pod level.
bool apply_container_segment(std::string_view seg, KubeCgroup& k) {
  bool scope = ends_with(seg, ".scope");
  std::string_view name = scope ? seg.substr(0, seg.size() - 6) : seg;
  auto take = [&](std::string_view prefix, const char* runtime, const char* evidence) {
    if (!starts_with(name, prefix) || !is_container_id(name.substr(prefix.size()))) return false;
    k.container_id = std::string(name.substr(prefix.size()));
    k.runtime = runtime;
    k.runtime_evidence = evidence;
    return true;
  };
  if (take("cri-containerd-", "containerd", "cgroup leaf cri-containerd-<id>.scope")) return true;
  if (take("crio-conmon-", "cri-o", "cgroup leaf crio-conmon-<id>")) {
    k.conmon = true;
    return true;
  }
  if (take("crio-", "cri-o", "cgroup leaf crio-<id>")) {
    // Under systemd CRI-O gives only the infra (sandbox) container a cgroup without ".scope"
    // (cAdvisor container/crio/factory.go; tests/data/cgroup/proc-pid-cgroup/pc-12).
    if (k.driver == CgroupDriver::kSystemd && !scope) k.sandbox = true;
    return true;
  }
  if (take("docker-", "docker", "cgroup leaf docker-<id>.scope")) return true;
  if (!scope && is_container_id(name)) {
    k.container_id = std::string(name);
    k.runtime_evidence = "plain <id> leaf under cgroupfs: written by containerd and by docker alike";
    return true;
  }
  return false;
}

}  // namespace

bool is_container_id(std::string_view s) { return s.size() == 64 && is_hex(s); }

KubeCgroup parse_kube_cgroup_path(std::string_view path) {
  KubeCgroup k;
  auto segs = segments_of(path);
  for (const Segment& s : segs) {
    std::string_view name = s.text();
    std::string prefix(path.substr(0, s.end));
    if (!k.in_kubepods) {
      if (name == "kubepods") {
        k.in_kubepods = true;
        k.driver = CgroupDriver::kCgroupfs;
        k.level = KubeLevel::kKubepods;
        k.kubepods_path = prefix;
      } else if (apply_systemd_slice(name, k)) {
        k.in_kubepods = true;
        k.driver = CgroupDriver::kSystemd;
        k.kubepods_path = prefix;
        if (k.level == KubeLevel::kPod) k.pod_path = prefix;
      }
      continue;
    }
    if (k.level == KubeLevel::kPod) {
      if (apply_container_segment(name, k)) {
        k.level = KubeLevel::kContainer;
        k.container_path = prefix;
      }
      break;  // anything deeper (e.g. crio-<id>.scope/container) stays with its container
    }
    if (k.driver == CgroupDriver::kSystemd) {
      KubeCgroup next = k;
      if (!apply_systemd_slice(name, next) || next.level <= k.level) break;
      k = std::move(next);
      if (k.level == KubeLevel::kPod) k.pod_path = prefix;
      continue;
    }
    // cgroupfs: kubepods/[burstable|besteffort/]pod<uid>/<container>
    if (k.level == KubeLevel::kKubepods && (name == "burstable" || name == "besteffort")) {
      k.level = KubeLevel::kQosTier;
      k.qos = name == "burstable" ? QosClass::kBurstable : QosClass::kBestEffort;
    } else if (starts_with(name, "pod") && name.size() > 3) {
      if (k.level == KubeLevel::kKubepods) k.qos = QosClass::kGuaranteed;
      k.level = KubeLevel::kPod;
      k.pod_uid = pod_uid_from(name.substr(3), false);
      k.pod_path = prefix;
    } else {
      break;
    }
  }
  return k;
}

}  // namespace ms
