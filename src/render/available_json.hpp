#pragma once
// `memsleuth available -o json`: the kubelet's view beside the kernel's (docs/available.md).
#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/thresholds.hpp"
#include "render/json_util.hpp"

namespace ms {

// kubelet.*, kernel.*, difference[], ledger[], notes[]
Json kubelet_view_to_json(const k8s::KubeletView& v);

// Everything `available` prints: the view plus kubelet_found, config_sources[], config_errors[],
// settings{}, thresholds[].
Json available_to_json(const k8s::KubeletView& v, const k8s::KubeletConfig& cfg,
                       const std::vector<k8s::ResolvedThreshold>& thresholds);

}  // namespace ms
