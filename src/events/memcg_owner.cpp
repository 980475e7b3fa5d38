#include "events/memcg_owner.hpp"

#include <algorithm>
#include <vector>

#include "probe/fs.hpp"
#include "util/text.hpp"

namespace ms {

namespace {

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "kubepods-burstable-pod1234_abcd.slice" / "pod1234-abcd" -> uid with dashes
std::optional<std::string> pod_uid_of(std::string_view seg) {
  if (ends_with(seg, ".slice")) seg.remove_suffix(6);
  size_t p = seg.rfind("pod");
  if (p == std::string_view::npos || (p != 0 && seg[p - 1] != '-')) return std::nullopt;
  std::string uid(seg.substr(p + 3));
  if (uid.size() < 8) return std::nullopt;
  std::replace(uid.begin(), uid.end(), '_', '-');
  return uid;
}

}  // namespace

PodLogNames PodLogNames::load(const HostPaths& paths) {
  PodLogNames n;
  if (auto dirs = list_dir(paths.root("/var/log/pods"))) {
    for (const auto& d : *dirs) {
      auto parts = split(d, '_');
      if (parts.size() != 3) continue;  // very old "<uid>" layout carries no names
      n.pods[std::string(parts[2])] = {std::string(parts[0]), std::string(parts[1])};
    }
  }
  if (auto files = list_dir(paths.root("/var/log/containers"))) {
    for (std::string_view f : *files) {
      if (!ends_with(f, ".log")) continue;
      f.remove_suffix(4);
      size_t dash = f.rfind('-');
      if (dash == std::string_view::npos || !is_hex64(f.substr(dash + 1))) continue;
      auto parts = split(f.substr(0, dash), '_');
      if (parts.size() != 3) continue;
      n.containers[std::string(f.substr(dash + 1))] = std::string(parts[2]);
    }
  }
  return n;
}

Owner classify_memcg_path(std::string_view path, const PodLogNames* names) {
  Owner o;
  std::vector<std::string_view> segs;
  for (auto s : split(path, '/'))
    if (!s.empty()) segs.push_back(s);
  size_t kp = segs.size();
  for (size_t i = 0; i < segs.size(); ++i)
    if (segs[i] == "kubepods" || segs[i] == "kubepods.slice") {
      kp = i;
      break;
    }
  if (kp < segs.size()) {
    o.in_kubepods = true;
    o.kind = OwnerKind::kPod;
    size_t i = kp + 1;
    if (i < segs.size()) {
      auto s = segs[i];
      if (s == "burstable" || s == "kubepods-burstable.slice") o.qos = QosClass::kBurstable, ++i;
      else if (s == "besteffort" || s == "kubepods-besteffort.slice") o.qos = QosClass::kBestEffort, ++i;
      else if (pod_uid_of(s)) o.qos = QosClass::kGuaranteed;
    }
    if (i < segs.size()) {
      if (auto uid = pod_uid_of(segs[i])) {
        o.pod_uid = uid;
        ++i;
      }
    }
    if (i < segs.size()) {
      std::string_view c = segs[i];
      if (ends_with(c, ".scope")) c.remove_suffix(6);
      for (auto [prefix, runtime] : {std::pair<std::string_view, const char*>{"cri-containerd-", "containerd"},
                                     {"crio-", "cri-o"},
                                     {"docker-", "docker"}}) {
        if (starts_with(c, prefix)) {
          c.remove_prefix(prefix.size());
          o.runtime = runtime;
          break;
        }
      }
      if (is_hex64(c)) o.container_id = std::string(c);
      else o.runtime.reset();
    }
    if (!o.pod_uid) {
      // kubepods itself or a QoS tier: no single pod
      o.kind = OwnerKind::kRuntime;
      o.unit = std::string(path);
    }
    if (names && o.pod_uid) {
      auto it = names->pods.find(*o.pod_uid);
      if (it != names->pods.end()) {
        o.namespace_ = it->second.first;
        o.pod = it->second.second;
      }
    }
    if (names && o.container_id) {
      auto it = names->containers.find(*o.container_id);
      if (it != names->containers.end()) o.container = it->second;
    }
    return o;
  }
  if (segs.empty()) {
    o.kind = OwnerKind::kUnconfined;  // the root memcg: no limit of its own
    return o;
  }
  std::string_view leaf = segs.back();
  for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
    std::string_view s = *it;
    if (starts_with(s, "session-") && ends_with(s, ".scope")) {
      o.kind = OwnerKind::kSession;
      o.session = std::string(s.substr(0, s.size() - 6));
      for (auto u : segs)
        if (starts_with(u, "user-") && ends_with(u, ".slice")) o.user = std::string(u.substr(5, u.size() - 11));
      return o;
    }
    if (ends_with(s, ".service")) {
      o.unit = std::string(s);
      if (s == "cron.service" || s == "crond.service" || s == "cronie.service" || s == "anacron.service")
        o.kind = OwnerKind::kCron;
      else if (s == "kubelet.service")
        o.kind = OwnerKind::kNodeAgent;
      else if (s == "containerd.service" || s == "docker.service" || s == "crio.service")
        o.kind = OwnerKind::kRuntime;
      else
        o.kind = OwnerKind::kSystemdUnit;
      return o;
    }
  }
  if (segs.size() >= 2 && segs[0] == "docker" && is_hex64(segs[1])) {
    o.kind = OwnerKind::kRuntime;
    o.runtime = "docker";
    o.container_id = std::string(segs[1]);
    o.unit = "docker/" + std::string(segs[1].substr(0, 12));
    return o;
  }
  o.kind = OwnerKind::kUnconfined;
  o.unit = std::string(leaf);
  return o;
}

}  // namespace ms
