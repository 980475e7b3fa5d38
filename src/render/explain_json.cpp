#include "render/explain_json.hpp"

#include "render/owner_json.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

Json strings(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(jstr(s));
  return a;
}

Json time_opt(const std::optional<int64_t>& t) { return t ? Json(rfc3339_utc(*t)) : Json(nullptr); }

Json crawl_json(const CrawlPlan& p) {
  Json j;
  j["database_root"] = jstr(p.database_root);
  Json c = Json::array();
  for (const auto& f : p.crawled)
    c.push_back({{"path", jstr(f.path)}, {"risk", to_string(f.risk)}, {"fs_type", jstr(f.fs_type)},
                 {"source", jstr(f.source)}});
  j["crawled"] = std::move(c);
  Json pr = Json::array();
  for (const auto& e : p.pruned)
    pr.push_back({{"path", jstr(e.path)}, {"fs_type", jstr(e.fs_type)}, {"by", e.by},
                  {"line", e.line > 0 ? Json(e.line) : Json(nullptr)}, {"config_line", jstr(e.raw)}});
  j["pruned"] = std::move(pr);
  j["prunefs_fix"] = jstr_opt(p.prunefs_fix);
  j["prunepaths_fix"] = jstr_opt(p.prunepaths_fix);
  j["config_ignored"] = p.config_ignored;
  return j;
}

}  // namespace

Json culprit_to_json(const Culprit& c) {
  Json j;
  j["rule"] = c.rule;
  j["title"] = c.title;
  j["matched"] = jstr(c.matched);
  j["evidence"] = strings(c.evidence);
  j["fixes"] = strings(c.fixes);
  j["crawl"] = c.crawl ? crawl_json(*c.crawl) : Json(nullptr);
  return j;
}

Json scheduled_culprit_to_json(const ScheduledCulprit& s) {
  Json j = culprit_to_json(s.culprit);
  j["kind"] = s.kind;
  j["file"] = jstr(s.file);
  j["line"] = s.line > 0 ? Json(s.line) : Json(nullptr);
  j["schedule"] = jstr(s.schedule);
  j["schedule_text"] = jstr(s.schedule_text);
  j["script"] = jstr_opt(s.script);
  j["script_line"] = s.script_line > 0 ? Json(s.script_line) : Json(nullptr);
  j["unit"] = jstr_opt(s.unit);
  j["timer"] = jstr_opt(s.timer);
  j["command"] = jstr(s.command);
  j["active"] = s.active;
  j["inactive_reason"] = jstr_opt(s.inactive_reason);
  return j;
}

Json explain_to_json(const Explanation& e) {
  Json j;
  j["schema"] = "memsleuth.explain/v1";
  j["time"] = rfc3339_utc(e.time);
  const Process& p = e.process;
  Json proc;
  proc["pid"] = p.pid;
  proc["ppid"] = p.ppid;
  proc["comm"] = jstr(p.comm);
  proc["cmdline"] = strings(p.cmdline);
  proc["start_time"] = time_opt(e.start_unix);
  proc["start_ticks"] = p.start_time;
  proc["uid"] = jopt(p.uid);
  proc["user"] = jstr_opt(e.user);
  proc["state"] = std::string(1, p.state);
  proc["exe"] = jstr_opt(p.exe);
  proc["rss_bytes"] = jopt(p.rss_bytes);
  proc["swap_bytes"] = jopt(p.swap_bytes);
  proc["memory_cgroup"] = jstr_opt(e.memory_cgroup);
  j["process"] = std::move(proc);

  Json anc = Json::array();
  for (const auto& a : e.ancestry.chain) {
    Json x;
    x["pid"] = a.pid;
    x["ppid"] = a.ppid;
    x["comm"] = jstr(a.comm);
    x["cmdline"] = strings(a.cmdline);
    x["start_time"] = time_opt(a.start_unix);
    x["uid"] = jopt(a.uid);
    x["user"] = jstr_opt(a.user);
    x["memory_cgroup"] = jstr_opt(a.memory_cgroup);
    x["owner"] = owner_json(a.owner);
    x["parent_is_init"] = a.parent_is_init;
    x["parent_is_subreaper"] = a.parent_is_subreaper;
    x["reparented"] = a.reparented;
    x["container_shim"] = a.container_shim;
    x["notes"] = strings(a.notes);
    anc.push_back(std::move(x));
  }
  j["ancestry"] = std::move(anc);
  j["ancestry_complete"] = e.ancestry.complete;

  Json cg = Json::array();
  for (const auto& l : e.cgroups)
    cg.push_back({{"hierarchy_id", l.hierarchy_id}, {"controllers", jstr(l.controllers)}, {"path", jstr(l.path)}});
  j["cgroups"] = std::move(cg);
  Json mc;
  mc["path"] = jstr_opt(e.memory_cgroup);
  mc["usage_bytes"] = e.memory_cgroup_info ? jopt(e.memory_cgroup_info->usage_bytes) : Json(nullptr);
  mc["limit_bytes"] = e.memory_cgroup_info ? jopt(e.memory_cgroup_info->limit_bytes) : Json(nullptr);
  mc["limit_known"] = e.memory_cgroup_info && e.memory_cgroup_info->limit_known;
  j["memory_cgroup"] = std::move(mc);

  Json sib = Json::array();
  for (const auto& s : e.siblings)
    sib.push_back({{"pid", s.pid}, {"comm", jstr(s.comm)}, {"cmdline", strings(s.cmdline)}, {"rss_bytes", jopt(s.rss_bytes)}});
  j["siblings"] = std::move(sib);
  j["siblings_total"] = e.siblings_total;
  j["siblings_file"] = jstr(e.siblings_file);

  Json owner = owner_json(e.owner);
  owner["why"] = jstr(e.owner_why);
  j["owner"] = std::move(owner);
  j["effective_limit_bytes"] = jopt(e.effective.limit_bytes);
  j["effective_limit"] = {{"known", e.effective.known},
                          {"limiting_cgroup", jstr(e.effective.limiting_cgroup)},
                          {"usage_bytes", jopt(e.effective.usage_bytes)},
                          {"headroom_bytes", jopt(e.effective.headroom_bytes)}};

  const ExplainSource& s = e.source;
  Json src;
  src["kind"] = s.kind;
  src["file"] = jstr_opt(s.file);
  src["line"] = jopt(s.line);
  src["schedule"] = jstr_opt(s.schedule);
  src["schedule_text"] = jstr_opt(s.schedule_text);
  src["script"] = jstr_opt(s.script);
  src["unit"] = jstr_opt(s.unit);
  src["unit_file"] = jstr_opt(s.unit_file);
  src["timer"] = jstr_opt(s.timer);
  src["timer_file"] = jstr_opt(s.timer_file);
  src["command"] = jstr_opt(s.command);
  src["user"] = jstr_opt(s.user);
  src["session"] = jstr_opt(s.session);
  src["namespace"] = jstr_opt(s.namespace_);
  src["pod"] = jstr_opt(s.pod);
  src["container"] = jstr_opt(s.container);
  src["pod_uid"] = jstr_opt(s.pod_uid);
  src["node_agent"] = s.node_agent;
  src["via_ancestry"] = s.via_ancestry;
  src["how"] = jstr(s.how);
  j["source"] = std::move(src);

  const CwdTruth& c = e.cwd;
  Json cwd;
  Json samples = Json::array();
  for (const auto& x : c.samples) samples.push_back({{"offset_ms", x.offset_ms}, {"path", jstr_opt(x.path)}});
  cwd["samples"] = std::move(samples);
  cwd["watch_ms"] = e.watch.count();
  cwd["distinct"] = c.distinct;
  cwd["moving"] = c.moving;
  cwd["fs_type"] = jstr_opt(c.fs_type);
  cwd["mount"] = jstr_opt(c.mount);
  cwd["mount_source"] = jstr_opt(c.mount_source);
  cwd["network_fs"] = c.network_fs;
  cwd["under_pod_uid"] = jstr_opt(c.under_pod_uid);
  cwd["misleading"] = c.misleading;
  cwd["warning"] = jstr_opt(c.warning);
  j["cwd"] = std::move(cwd);

  Json cul = Json::array();
  for (const auto& h : e.culprits) {
    Json x = culprit_to_json(h.culprit);
    x["pid"] = h.pid;
    x["comm"] = jstr(h.comm);
    cul.push_back(std::move(x));
  }
  j["culprits"] = std::move(cul);
  j["warnings"] = strings(e.warnings);
  return j;
}

}  // namespace ms
