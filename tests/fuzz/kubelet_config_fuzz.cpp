// libFuzzer target: every byte string is a KubeletConfiguration (main file and --config-dir drop-in),
// a kubelet command line (split as a shell would, then parsed as pflag does), and a quantity,
// percentage and duration; the thresholds are parsed and resolved against a fixed node.
#include <string>

#include "fuzz_input.hpp"
#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/quantity.hpp"
#include "k8s/thresholds.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = ms::fuzz::text(data, size);
  auto cfg = ms::k8s::default_kubelet_config();
  ms::k8s::apply_config_text(cfg, t, "config.yaml");
  ms::k8s::apply_config_text(cfg, t, "10-dropin.conf", true);
  auto args = ms::k8s::split_shell_words(t.substr(0, 4096));
  ms::k8s::apply_flags(cfg, args);
  (void)ms::k8s::config_flag(args);
  (void)ms::k8s::flag_value(args, "config-dir");
  std::vector<ms::Error> errors;
  (void)ms::k8s::parse_thresholds(cfg, &errors);
  ms::k8s::KubeletView view;
  view.capacity_bytes = uint64_t{8} << 30;
  view.memory_available_bytes = int64_t{1} << 30;
  ms::k8s::MemoryObservation node;
  node.capacity_bytes = uint64_t{8} << 30;
  node.available_bytes = int64_t{1} << 30;
  view.node = node;
  (void)ms::k8s::resolve_thresholds(cfg, view, &errors);
  auto head = t.substr(0, 256);
  (void)ms::k8s::parse_quantity(head);
  (void)ms::k8s::parse_percentage(head);
  (void)ms::k8s::parse_go_duration(head);
  return 0;
}
