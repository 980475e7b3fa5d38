#include "render/oom_json.hpp"

#include <fmt/format.h>

#include "render/owner_json.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

Json kb_bytes(const std::optional<uint64_t>& kb) { return kb ? Json(*kb * 1024) : Json(nullptr); }

Json counter_json(const MemcgCounter& c) {
  if (!c.usage_kb && !c.limit_kb && !c.failcnt) return nullptr;
  Json j;
  j["usage_bytes"] = kb_bytes(c.usage_kb);
  j["limit_bytes"] = kb_bytes(c.limit_kb);
  j["failcnt"] = jopt(c.failcnt);
  return j;
}

}  // namespace

std::string rfc3339_utc_us(int64_t us) {
  int64_t s = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
  int64_t frac = us - s * 1000000;
  std::string base = rfc3339_utc(s);
  if (frac == 0) return base;
  base.pop_back();  // 'Z'
  return fmt::format("{}.{:06d}Z", base, frac);
}

Json oom_event_to_json(const Event& e) {
  Json j;
  j["time"] = e.time_us ? Json(rfc3339_utc_us(*e.time_us)) : Json(nullptr);
  j["uptime_s"] = e.uptime_us ? Json(static_cast<double>(*e.uptime_us) / 1e6) : Json(nullptr);
  put_text_opt(j, "host", e.host);
  if (e.kind == EventKind::kEviction) {
    const Eviction& v = e.eviction;
    j["kind"] = "eviction";
    j["stage"] = v.stage;
    put_text_opt(j, "resource", v.resource);
    put_text_opt(j, "signal", v.signal);
    put_text_opt(j, "threshold", v.threshold);
    put_text_opt(j, "observed", v.observed);
    put_text_opt(j, "pod", v.pod);
    put_text_opt(j, "pod_uid", v.pod_uid);
    put_texts(j, "ranked", v.ranked);
    Json cs = Json::array();
    for (const auto& c : v.containers) {
      Json cj;
      put_text(cj, "name", c.name);
      put_text_opt(cj, "usage", c.usage);
      put_text_opt(cj, "request", c.request);
      cs.push_back(cj);
    }
    j["containers"] = cs;
    put_text_opt(j, "message", v.message);
    j["incomplete"] = false;
    return j;
  }
  const OomKill& k = e.oom;
  j["kind"] = "oom_kill";
  OomScope sc = k.scope();
  j["scope"] = sc == OomScope::kUnknown ? Json(nullptr) : Json(to_string(sc));
  put_text_opt(j, "constraint", k.constraint);
  put_text_opt(j, "oom_memcg", k.limit_memcg());
  put_text_opt(j, "task_memcg", k.victim_memcg());
  Json trig;
  put_text_opt(trig, "comm", k.invoker_comm);
  trig["pid"] = jopt(k.invoker_pid);
  put_text_opt(trig, "gfp_mask", k.gfp_mask);
  trig["order"] = jopt(k.order);
  trig["oom_score_adj"] = jopt(k.invoker_oom_score_adj);
  j["trigger"] = k.invoker_comm ? trig : Json(nullptr);
  Json v;
  v["pid"] = jopt(k.victim.pid);
  put_text_opt(v, "comm", k.victim.comm);
  v["uid"] = jopt(k.victim.uid);
  v["total_vm_bytes"] = kb_bytes(k.victim.total_vm_kb);
  v["anon_rss_bytes"] = kb_bytes(k.victim.anon_rss_kb);
  v["file_rss_bytes"] = kb_bytes(k.victim.file_rss_kb);
  v["shmem_rss_bytes"] = kb_bytes(k.victim.shmem_rss_kb);
  v["pgtables_bytes"] = kb_bytes(k.victim.pgtables_kb);
  v["oom_score_adj"] = jopt(k.victim.oom_score_adj);
  v["reaped"] = k.reaped;
  j["victim"] = v;
  if (k.selected_pid) {
    Json s;
    s["pid"] = *k.selected_pid;
    put_text_opt(s, "comm", k.selected_comm);
    s["score"] = jopt(k.selected_score);
    j["selected"] = s;
  } else {
    j["selected"] = nullptr;
  }
  put_text_opt(j, "kill_reason", k.kill_reason);
  Json mc;
  mc["memory"] = counter_json(k.memory);
  mc["memory+swap"] = counter_json(k.memsw);
  mc["kmem"] = counter_json(k.kmem);
  mc["swap"] = counter_json(k.swap);
  j["memcg"] = mc;
  j["owner"] = e.owner ? owner_json(*e.owner) : Json(nullptr);
  put_text_opt(j, "owner_memcg", e.owner_memcg);
  Json tops = Json::array();
  for (const auto& t : e.top_consumers) {
    Json tj;
    put_text(tj, "group", t.group);
    tj["owner"] = t.owner ? owner_json(*t.owner) : Json(nullptr);
    tj["owner_source"] = t.owner_source;
    tj["rss_bytes"] = t.rss_bytes;
    tj["processes"] = t.processes;
    tj["pids"] = t.pids;
    put_texts(tj, "comms", t.comms);
    tops.push_back(tj);
  }
  j["top_consumers"] = tops;
  j["task_table_rows"] = k.tasks.size();
  j["incomplete"] = e.incomplete;
  Json missing = Json::array();
  for (const auto& m : e.missing) missing.push_back(m);
  j["missing"] = missing;
  return j;
}

Json oom_events_to_json(const std::vector<Event>& events) {
  Json j;
  j["schema"] = "memsleuth.oom/v1";
  Json arr = Json::array();
  for (const auto& e : events) arr.push_back(oom_event_to_json(e));
  j["events"] = arr;
  return j;
}

}  // namespace ms
