// libFuzzer target: every byte string is a log file (any format, any mix) and a /dev/kmsg record.
// Parsing, assembly, attribution and JSON rendering must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attribution/classify.hpp"
#include "events/attribute.hpp"
#include "events/event_stream.hpp"
#include "probe/kmsg.hpp"
#include "render/oom_json.hpp"
#include "util/text.hpp"
#include "util/time_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ms::LineContext ctx;
  ctx.reference_us = 1795780800LL * 1000000;
  ctx.boot_time_s = 1700000000;
  auto events = ms::parse_events(text, ctx);
  ms::AttributionContext ac;
  ac.owner_of = [](std::string_view p) { return ms::classify_cgroup(p); };
  ac.live_process = [](int64_t pid) -> std::optional<ms::LiveProcessInfo> {
    if (pid % 3 == 0) return ms::LiveProcessInfo{"x", std::string("/system.slice/cron.service")};
    return std::nullopt;
  };
  ms::attribute_events(events, ac);
  (void)ms::dump_json(ms::oom_events_to_json(events));
  if (auto rec = ms::parse_kmsg_record(text)) {
    ms::EventStream s(ctx);
    s.feed_kmsg(*rec);
    ms::KmsgRecord cont = *rec;  // as a continuation record of itself (kernels < 4.9)
    cont.flag = '+';
    s.feed_kmsg(cont);
    s.tick(0);
    s.tick(ms::OomAssembler::kReaperGraceUs);
    (void)s.take();
    s.finish();
    (void)s.take();
  }
  {
    // Streaming: the same text line by line with a tick every few lines (the hold for the reaper).
    ms::EventStream s(ctx);
    int64_t now = 0;
    ms::for_each_line(text, [&](std::string_view line, int n) {
      s.feed_line(line);
      if (n % 4 == 3) {
        now += 2'000'000;
        s.tick(now);
        (void)s.take();
      }
    });
    s.finish();
    (void)s.take();
  }
  (void)ms::parse_time_input(text.substr(0, 64), ctx.reference_us);
  return 0;
}
