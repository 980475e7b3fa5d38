#include "k8s/pod_names.hpp"

#include <algorithm>

#include "k8s/pod_identity.hpp"
#include "probe/fs.hpp"
#include "util/text.hpp"

namespace ms {

std::optional<PodNames> parse_pod_log_dir(std::string_view dir_name) {
  // Namespaces and pod names are DNS-1123 (no '_'), so exactly three fields.
  auto f = split(dir_name, '_');
  if (f.size() != 3 || f[0].empty() || f[1].empty() || f[2].empty()) return std::nullopt;
  PodNames p;
  p.namespace_ = f[0];
  p.name = f[1];
  p.uid = f[2];
  return p;
}

std::optional<ContainerNames> parse_container_log_link(std::string_view link_name, std::string_view target) {
  if (!ends_with(link_name, ".log")) return std::nullopt;
  std::string_view base = link_name.substr(0, link_name.size() - 4);
  auto f = split(base, '_');
  if (f.size() != 3 || f[0].empty() || f[1].empty()) return std::nullopt;
  size_t dash = f[2].rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  std::string_view id = f[2].substr(dash + 1);
  if (!is_container_id(id)) return std::nullopt;  // truncated name: the id is not whole
  ContainerNames c;
  c.pod = f[0];
  c.namespace_ = f[1];
  c.container = f[2].substr(0, dash);
  c.container_id = id;
  // Target: /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log
  auto parts = split(target, '/');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto p = parse_pod_log_dir(parts[i]);
    if (p && p->namespace_ == c.namespace_ && p->name == c.pod) {
      c.pod_uid = p->uid;
      break;
    }
  }
  return c;
}

void PodNameIndex::add_pod(PodNames p) {
  auto uid = p.uid;
  pods_[uid] = std::move(p);
}

void PodNameIndex::add_container(ContainerNames c) {
  auto id = c.container_id;
  containers_[id] = std::move(c);
}

const PodNames* PodNameIndex::pod(std::string_view uid) const {
  auto it = pods_.find(uid);
  return it == pods_.end() ? nullptr : &it->second;
}

const ContainerNames* PodNameIndex::container(std::string_view id) const {
  auto it = containers_.find(id);
  return it == containers_.end() ? nullptr : &it->second;
}

PodNameIndex PodNameIndex::load(const HostPaths& paths) {
  PodNameIndex idx;
  std::string pods_dir = paths.root("/var/log/pods");
  if (auto entries = list_dir(pods_dir)) {
    for (const auto& e : *entries) {
      auto p = parse_pod_log_dir(e);
      if (!p) continue;
      if (auto cs = list_dir(pods_dir + "/" + e)) {
        for (const auto& c : *cs)
          if (is_dir(pods_dir + "/" + e + "/" + c)) p->containers.push_back(c);
      }
      std::sort(p->containers.begin(), p->containers.end());
      idx.add_pod(std::move(*p));
    }
  }
  std::string links_dir = paths.root("/var/log/containers");
  if (auto entries = list_dir(links_dir)) {
    for (const auto& e : *entries) {
      auto target = read_link(links_dir + "/" + e);
      auto c = parse_container_log_link(e, target ? std::string_view(*target) : std::string_view());
      if (c) idx.add_container(std::move(*c));
    }
  }
  return idx;
}

}  // namespace ms
