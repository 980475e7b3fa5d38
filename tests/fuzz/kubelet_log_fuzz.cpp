// libFuzzer target: every byte string is a kubelet log (klog, syslog, journal JSON lines), each line
// parsed as the recorder's log follower does, and an eviction message on its own.
#include "events/eviction_parser.hpp"
#include "events/kubelet_logs.hpp"
#include "events/log_line.hpp"
#include "fuzz_input.hpp"
#include "util/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = ms::fuzz::text(data, size);
  ms::LineContext ctx;
  ctx.reference_us = 1795780800LL * 1000000;
  ms::for_each_line(t, [&](std::string_view line, int) {
    auto l = ms::parse_log_line(line, ctx);
    ms::fuzz::require(l.text.size() <= line.size(), "message within its line");
    if (ms::is_eviction_line(line)) (void)ms::parse_eviction_message(l.text);
  });
  if (auto e = ms::parse_eviction_message(t)) (void)e;
  (void)ms::normalise_pod_ref(t.substr(0, 512));
  return 0;
}
