// libFuzzer target: every byte string is a memory cgroup path (cgroupfs and systemd drivers, every
// runtime's scope names) turned into a pod, container and QoS, an owner and a unit; and a
// /var/log/pods directory name and /var/log/containers link name.
#include "attribution/classify.hpp"
#include "fuzz_input.hpp"
#include "k8s/pod_identity.hpp"
#include "k8s/pod_names.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = ms::fuzz::text(data, size);
  auto k = ms::parse_kube_cgroup_path(t);
  ms::fuzz::require(k.pod_path.size() <= t.size() && k.kubepods_path.size() <= t.size(), "paths within the input");
  std::string why;
  auto owner = ms::classify_cgroup(t, nullptr, &why);
  (void)owner.label();
  (void)ms::unit_of_cgroup(t);
  (void)ms::is_container_id(t);
  (void)ms::is_node_agent_name(t.substr(0, 16));
  (void)ms::parse_pod_log_dir(t);
  auto slash = t.find('/');
  (void)ms::parse_container_log_link(t.substr(0, slash), slash == std::string_view::npos ? "" : t.substr(slash));
  return 0;
}
