#pragma once
// The kubelet's eviction and allocatable settings <-> JSON, for the kubelet_configs table: the
// recorder stores the settings in force (once per distinct value) and each sample points at them, so
// `history`, `available --at` and /metrics resolve thresholds with k8s::resolve_thresholds on read.
#include <string>

#include "k8s/kubelet_config.hpp"

namespace ms::store {

std::string kubelet_config_to_json(const k8s::KubeletConfig& c);
// Malformed text -> the kubelet's defaults, with an error saying so.
k8s::KubeletConfig kubelet_config_from_json(const std::string& json);

}  // namespace ms::store
