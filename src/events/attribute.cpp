#include "events/attribute.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace ms {

namespace {

void add_top_consumers(Event& e, const AttributionContext& ctx) {
  const OomKill& k = e.oom;
  if (k.tasks.empty()) return;
  // In a memcg OOM every listed task is inside the OOMing memcg (dump_tasks iterates it), so its
  // owner is known without the live table.
  std::optional<std::string> table_memcg;
  if (k.scope() == OomScope::kMemcg) table_memcg = k.limit_memcg();
  std::map<std::string, TopConsumer> groups;
  for (const OomTask& t : k.tasks) {
    uint64_t rss = t.rss_pages.value_or(0) * ctx.page_size;
    std::string key;
    TopConsumer proto;
    std::optional<LiveProcessInfo> live;
    if (ctx.live_process) {
      live = ctx.live_process(t.pid);
      if (live && (live->comm != t.name || !live->memory_cgroup)) live.reset();
    }
    if (live) {
      proto.owner = ctx.owner_of(*live->memory_cgroup);
      proto.owner_source = "live-cgroup";
      key = proto.owner->label();
    } else if (table_memcg) {
      proto.owner = ctx.owner_of(*table_memcg);
      proto.owner_source = "oom_memcg";
      key = proto.owner->label();
    } else {
      proto.owner_source = "task-table";
      key = t.uid ? fmt::format("uid {} {}", *t.uid, t.name) : t.name;
    }
    auto [it, inserted] = groups.try_emplace(key, std::move(proto));
    TopConsumer& g = it->second;
    if (inserted) g.group = key;
    g.rss_bytes += rss;
    ++g.processes;
    g.pids.push_back(t.pid);
    if (std::find(g.comms.begin(), g.comms.end(), t.name) == g.comms.end() && g.comms.size() < 5)
      g.comms.push_back(t.name);
  }
  std::vector<TopConsumer> out;
  for (auto& [key, g] : groups) out.push_back(std::move(g));
  std::stable_sort(out.begin(), out.end(), [](const TopConsumer& a, const TopConsumer& b) { return a.rss_bytes > b.rss_bytes; });
  if (out.size() > ctx.max_groups) out.resize(ctx.max_groups);
  for (auto& g : out)
    if (g.pids.size() > 8) g.pids.resize(8);
  e.top_consumers = std::move(out);
}

}  // namespace

void attribute_events(std::vector<Event>& events, const AttributionContext& ctx) {
  for (Event& e : events) {
    if (e.kind != EventKind::kOomKill || !ctx.owner_of) continue;
    std::optional<std::string> memcg = e.oom.victim_memcg();
    if (!memcg) memcg = e.oom.limit_memcg();
    if (memcg) {
      e.owner = ctx.owner_of(*memcg);
      e.owner_memcg = memcg;
    }
    add_top_consumers(e, ctx);
  }
}

}  // namespace ms
