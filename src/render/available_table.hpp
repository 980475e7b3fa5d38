#pragma once
// `memsleuth available` as text: both views, the difference, the ledger, the kubelet settings and
// every threshold with its margin.
#include <string>
#include <vector>

#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/thresholds.hpp"
#include "render/text_layout.hpp"

namespace ms {

std::string render_available(const k8s::KubeletView& v, const k8s::KubeletConfig& cfg,
                             const std::vector<k8s::ResolvedThreshold>& thresholds,
                             const k8s::NodeAllocatable* node_allocatable = nullptr, const TextLayout& layout = {});

}  // namespace ms
