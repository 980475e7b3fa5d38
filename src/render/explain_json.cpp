#include "render/explain_json.hpp"

#include "render/owner_json.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

Json time_opt(const std::optional<int64_t>& t) { return t ? Json(rfc3339_utc(*t)) : Json(nullptr); }

Json crawl_json(const CrawlPlan& p) {
  Json j;
  put_text(j, "database_root", p.database_root);
  Json c = Json::array();
  for (const auto& f : p.crawled) {
    Json x;
    put_text(x, "path", f.path);
    x["risk"] = to_string(f.risk);
    put_text(x, "fs_type", f.fs_type);
    put_text(x, "source", f.source);
    c.push_back(std::move(x));
  }
  j["crawled"] = std::move(c);
  Json pr = Json::array();
  for (const auto& e : p.pruned) {
    Json x;
    put_text(x, "path", e.path);
    put_text(x, "fs_type", e.fs_type);
    x["by"] = e.by;
    x["line"] = e.line > 0 ? Json(e.line) : Json(nullptr);
    put_text(x, "config_line", e.raw);
    pr.push_back(std::move(x));
  }
  j["pruned"] = std::move(pr);
  put_text_opt(j, "prunefs_fix", p.prunefs_fix);
  put_text_opt(j, "prunepaths_fix", p.prunepaths_fix);
  j["config_ignored"] = p.config_ignored;
  return j;
}

}  // namespace

Json culprit_to_json(const Culprit& c) {
  Json j;
  j["rule"] = c.rule;
  j["title"] = c.title;
  put_text(j, "matched", c.matched);
  put_texts(j, "evidence", c.evidence);
  put_texts(j, "fixes", c.fixes);
  j["crawl"] = c.crawl ? crawl_json(*c.crawl) : Json(nullptr);
  return j;
}

Json scheduled_culprit_to_json(const ScheduledCulprit& s) {
  Json j = culprit_to_json(s.culprit);
  j["kind"] = s.kind;
  put_text(j, "file", s.file);
  j["line"] = s.line > 0 ? Json(s.line) : Json(nullptr);
  put_text(j, "schedule", s.schedule);
  put_text(j, "schedule_text", s.schedule_text);
  put_text_opt(j, "script", s.script);
  j["script_line"] = s.script_line > 0 ? Json(s.script_line) : Json(nullptr);
  put_text_opt(j, "unit", s.unit);
  put_text_opt(j, "timer", s.timer);
  put_text(j, "command", s.command);
  j["active"] = s.active;
  put_text_opt(j, "inactive_reason", s.inactive_reason);
  return j;
}

Json explain_to_json(const Explanation& e) {
  Json j;
  j["schema"] = "memsleuth.explain/v1";
  j["time"] = rfc3339_utc(e.time);
  j["kernel_thread"] = e.kernel_thread;
  const Process& p = e.process;
  Json proc;
  proc["pid"] = p.pid;
  proc["ppid"] = p.ppid;
  put_text(proc, "comm", p.comm);
  put_texts(proc, "cmdline", p.cmdline);
  proc["start_time"] = time_opt(e.start_unix);
  proc["start_ticks"] = p.start_time;
  proc["uid"] = jopt(p.uid);
  put_text_opt(proc, "user", e.user);
  proc["state"] = std::string(1, p.state);
  put_text_opt(proc, "exe", p.exe);
  proc["rss_bytes"] = jopt(p.rss_bytes);
  proc["swap_bytes"] = jopt(p.swap_bytes);
  put_text_opt(proc, "memory_cgroup", e.memory_cgroup);
  j["process"] = std::move(proc);

  Json anc = Json::array();
  for (const auto& a : e.ancestry.chain) {
    Json x;
    x["pid"] = a.pid;
    x["ppid"] = a.ppid;
    put_text(x, "comm", a.comm);
    put_texts(x, "cmdline", a.cmdline);
    x["start_time"] = time_opt(a.start_unix);
    x["uid"] = jopt(a.uid);
    put_text_opt(x, "user", a.user);
    put_text_opt(x, "memory_cgroup", a.memory_cgroup);
    x["owner"] = owner_json(a.owner);
    x["parent_is_init"] = a.parent_is_init;
    x["parent_is_subreaper"] = a.parent_is_subreaper;
    x["reparented"] = a.reparented;
    x["container_shim"] = a.container_shim;
    put_texts(x, "notes", a.notes);
    anc.push_back(std::move(x));
  }
  j["ancestry"] = std::move(anc);
  j["ancestry_complete"] = e.ancestry.complete;

  Json cg = Json::array();
  for (const auto& l : e.cgroups) {
    Json x;
    x["hierarchy_id"] = l.hierarchy_id;
    put_text(x, "controllers", l.controllers);
    put_text(x, "path", l.path);
    cg.push_back(std::move(x));
  }
  j["cgroups"] = std::move(cg);
  Json mc;
  put_text_opt(mc, "path", e.memory_cgroup);
  mc["usage_bytes"] = e.memory_cgroup_info ? jopt(e.memory_cgroup_info->usage_bytes) : Json(nullptr);
  mc["limit_bytes"] = e.memory_cgroup_info ? jopt(e.memory_cgroup_info->limit_bytes) : Json(nullptr);
  mc["limit_known"] = e.memory_cgroup_info && e.memory_cgroup_info->limit_known;
  j["memory_cgroup"] = std::move(mc);

  Json sib = Json::array();
  for (const auto& s : e.siblings) {
    Json x;
    x["pid"] = s.pid;
    put_text(x, "comm", s.comm);
    put_texts(x, "cmdline", s.cmdline);
    x["rss_bytes"] = jopt(s.rss_bytes);
    sib.push_back(std::move(x));
  }
  j["siblings"] = std::move(sib);
  j["siblings_total"] = e.siblings_total;
  put_text(j, "siblings_file", e.siblings_file);
  j["siblings_kernel_threads"] = e.siblings_kernel_threads;

  Json owner = owner_json(e.owner);
  put_text(owner, "why", e.owner_why);
  j["owner"] = std::move(owner);
  j["effective_limit_bytes"] = jopt(e.effective.limit_bytes);
  Json eff;
  eff["known"] = e.effective.known;
  put_text(eff, "limiting_cgroup", e.effective.limiting_cgroup);
  eff["usage_bytes"] = jopt(e.effective.usage_bytes);
  eff["headroom_bytes"] = jopt(e.effective.headroom_bytes);
  j["effective_limit"] = std::move(eff);

  const ExplainSource& s = e.source;
  Json src;
  src["kind"] = s.kind;
  put_text_opt(src, "file", s.file);
  src["line"] = jopt(s.line);
  put_text_opt(src, "schedule", s.schedule);
  put_text_opt(src, "schedule_text", s.schedule_text);
  put_text_opt(src, "script", s.script);
  put_text_opt(src, "unit", s.unit);
  put_text_opt(src, "unit_file", s.unit_file);
  put_text_opt(src, "timer", s.timer);
  put_text_opt(src, "timer_file", s.timer_file);
  put_text_opt(src, "command", s.command);
  put_text_opt(src, "user", s.user);
  put_text_opt(src, "session", s.session);
  put_text_opt(src, "namespace", s.namespace_);
  put_text_opt(src, "pod", s.pod);
  put_text_opt(src, "container", s.container);
  put_text_opt(src, "pod_uid", s.pod_uid);
  src["node_agent"] = s.node_agent;
  src["via_ancestry"] = s.via_ancestry;
  put_text(src, "how", s.how);
  j["source"] = std::move(src);

  const CwdTruth& c = e.cwd;
  Json cwd;
  Json samples = Json::array();
  for (const auto& x : c.samples) {
    Json y;
    y["offset_ms"] = x.offset_ms;
    put_text_opt(y, "path", x.path);
    samples.push_back(std::move(y));
  }
  cwd["samples"] = std::move(samples);
  cwd["watch_ms"] = e.watch.count();
  cwd["distinct"] = c.distinct;
  cwd["moving"] = c.moving;
  put_text_opt(cwd, "fs_type", c.fs_type);
  put_text_opt(cwd, "mount", c.mount);
  put_text_opt(cwd, "mount_source", c.mount_source);
  cwd["network_fs"] = c.network_fs;
  put_text_opt(cwd, "under_pod_uid", c.under_pod_uid);
  cwd["misleading"] = c.misleading;
  put_text_opt(cwd, "warning", c.warning);
  j["cwd"] = std::move(cwd);

  Json cul = Json::array();
  for (const auto& h : e.culprits) {
    Json x = culprit_to_json(h.culprit);
    x["pid"] = h.pid;
    put_text(x, "comm", h.comm);
    cul.push_back(std::move(x));
  }
  j["culprits"] = std::move(cul);
  put_texts(j, "warnings", e.warnings);
  return j;
}

}  // namespace ms
