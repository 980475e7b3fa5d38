#include "render/oom_table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "render/oom_json.hpp"
#include "render/table.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

std::string when(const Event& e) {
  if (e.time_us) return rfc3339_utc(*e.time_us / 1000000);
  if (e.uptime_us) return fmt::format("+{:.3f}s boot", static_cast<double>(*e.uptime_us) / 1e6);
  return "?";
}

std::string kb(const std::optional<uint64_t>& v) { return v ? human_bytes_u(*v * 1024) : "-"; }

}  // namespace

std::string render_oom_table(const std::vector<Event>& events, const TextLayout& layout) {
  if (events.empty()) return "No OOM kills or evictions found.\n";
  Table t({"TIME", "KIND", "SCOPE", "VICTIM", "ANON-RSS", "OWNER", "DETAIL"});
  t.align_right(4);
  t.keep(0);
  t.elide_middle(5);
  for (const Event& e : events) {
    if (e.kind == EventKind::kEviction) {
      const Eviction& v = e.eviction;
      std::string detail;
      if (v.signal || v.threshold) detail += fmt::format("{}<{} ", v.signal.value_or(v.resource.value_or("?")), v.threshold.value_or("?"));
      if (v.observed) detail += "observed " + *v.observed + " ";
      for (const auto& c : v.containers) detail += fmt::format("{} using {} ", c.name, c.usage.value_or("?"));
      if (!v.ranked.empty()) detail += fmt::format("ranked: {}", fmt::join(v.ranked, ", "));
      t.add({when(e), "eviction", v.stage, v.pod.value_or("-"), "-", v.resource.value_or("-"), detail});
      continue;
    }
    const OomKill& k = e.oom;
    std::string victim = k.victim.pid ? fmt::format("{} {}", *k.victim.pid, k.victim.comm.value_or("?")) : "?";
    std::string detail;
    if (k.memory.limit_kb) detail += "limit " + kb(k.memory.limit_kb) + " ";
    if (auto m = k.limit_memcg()) detail += "memcg " + *m + " ";
    if (k.invoker_comm) detail += "by " + *k.invoker_comm + " ";
    if (k.reaped) detail += "reaped ";
    if (e.incomplete) detail += fmt::format("(incomplete: no {})", fmt::join(e.missing, ", no "));
    std::string owner = e.owner ? e.owner->label() : "-";
    t.add({when(e), "oom_kill", to_string(k.scope()), victim, kb(k.victim.anon_rss_kb), owner, detail});
  }
  std::string out = t.render(layout);
  for (const Event& e : events) {
    if (e.kind != EventKind::kOomKill || e.top_consumers.empty()) continue;
    out += "\n" + wrap_text(fmt::format("Top consumers at the {} OOM kill of {} ({}), from the kernel's task table:",
                                        to_string(e.oom.scope()),
                                        e.oom.victim.pid ? std::to_string(*e.oom.victim.pid) : "?", when(e)),
                            layout.width, "", "  ");
    Table tc({"OWNER", "RSS", "PROCS", "COMMS", "OWNER FROM"});
    tc.align_right(1);
    tc.align_right(2);
    for (const auto& g : e.top_consumers)
      tc.add({g.group, human_bytes_u(g.rss_bytes), std::to_string(g.processes), fmt::format("{}", fmt::join(g.comms, ",")),
              g.owner_source});
    out += tc.render(layout);
  }
  return out;
}

}  // namespace ms
