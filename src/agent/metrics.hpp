#pragma once
// The /metrics families, built from the last sample's views and the agent's own state. Pure, so a
// golden test pins names, units and label sets (cardinality stays bounded: pods are capped at K plus
// one "other" series; events are counted by owner kind and namespace only).
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "agent/recorder.hpp"
#include "agent/views.hpp"
#include "render/prometheus_text.hpp"

namespace ms::agent {

struct EventCounts {
  // (kind: "oom_kill" | "eviction", owner kind, namespace) -> count since the agent started
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> by_key;
};

struct MetricsInput {
  NodeViews views;
  std::optional<Psi> psi;
  AgentStatus status;
  EventCounts events;
  std::map<std::string, uint64_t> triggers_by_reason;
  uint64_t rss_bytes = 0;  // the agent's own
  size_t pod_limit = 50;
};

std::vector<PromFamily> build_metrics(const MetricsInput& in);

// The (owner_kind, namespace) label sets the event counters are exported with from the start, at 0:
// every owner kind outside pods with namespace "", and "pod" with each namespace that has pods now.
std::vector<std::pair<std::string, std::string>> seeded_event_labels(const NodeViews& v);

}  // namespace ms::agent
