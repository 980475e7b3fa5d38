#pragma once
// Kubelet evictions: eviction-manager log lines (structured klog "key=value" since ~1.21 and the
// older printf form), pod/node events and Evicted pod status messages. Formats:
// docs/kubelet-memory.md §5.2-5.3 (pkg/kubelet/eviction/eviction_manager.go, helpers.go).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"
#include "events/log_line.hpp"

namespace ms {

// "The node was low on resource: memory. Threshold quantity: 100Mi, available: 87608Ki. Container x
// was using 1Gi, request is 0, has larger consumption of memory. " and the older "..., which
// exceeds its request of 12Gi." form. nullopt when the text has no "The node was low on resource:".
std::optional<Eviction> parse_eviction_message(std::string_view text);

// Old kubelet pod format "name_namespace(uid)" -> ("namespace/name", uid); "ns/name" passes through.
std::pair<std::string, std::optional<std::string>> normalise_pod_ref(std::string_view ref);

// Streaming: feed every line; eviction-manager context (resource being reclaimed, the last
// threshold observation) is carried to the pod events of the same pass.
class EvictionParser {
 public:
  void feed(const LogLine& line);
  void finish();
  std::vector<Event> take();

 private:
  void emit(const LogLine& line, Eviction ev);
  void flush_message();

  std::optional<std::string> resource_, signal_, threshold_, observed_;
  // A status message that may continue on the next lines (YAML folding, terminal wrapping).
  std::optional<std::string> pending_message_;
  std::optional<LogLine> pending_line_;
  std::vector<Event> done_;
};

}  // namespace ms
