// Scheduled culprits (updatedb & friends from cron, anacron or systemd timers) that will crawl network
// or Kubernetes paths, even though they are not running now.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "rules/rules.hpp"

namespace ms::rules {
namespace {

// Where the schedule is written, never empty: "/etc/crontab:17", "/etc/cron.daily/plocate" (a
// script no crontab line runs here), "plocate-updatedb.timer".
std::string schedule_place(const ScheduledCulprit& s) {
  if (s.kind == "timer") return s.timer.value_or(s.file);
  if (!s.file.empty()) return s.line ? fmt::format("{}:{}", s.file, s.line) : s.file;
  return s.script.value_or("?");
}

// One schedule in a title: "cron.daily script /etc/cron.daily/plocate (…)", "timer x.timer (OnCalendar=daily)".
std::string schedule_phrase(const ScheduledCulprit& s) {
  if (s.kind == "timer") return fmt::format("timer {} ({})", schedule_place(s), s.schedule_text);
  if (s.script && s.file.empty()) return fmt::format("{} script {} ({})", s.kind, *s.script, s.schedule_text);
  if (s.script)
    return fmt::format("{} script {} run by {} ({})", s.kind, *s.script, schedule_place(s), s.schedule_text);
  return fmt::format("{} {} ({})", s.kind, schedule_place(s), s.schedule_text);
}

std::string crawl_key(const ScheduledCulprit& s) {
  std::string k = s.rule;
  for (const auto& c : s.culprit.crawl->crawled) k += "|" + c.path;
  return k;
}

void add_unique(std::vector<std::string>& v, const std::string& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

}  // namespace

// One culprit reached through several schedules (a cron.daily script and its systemd timer) is one
// finding naming each: the walk, its risk and its fix are the same.
std::vector<Finding> scheduled_culprits(const DoctorInput& in) {
  std::vector<std::vector<const ScheduledCulprit*>> groups;
  std::map<std::string, size_t> index;
  for (const auto& s : in.scheduled) {
    if (!s.active || !s.culprit.crawl || s.culprit.crawl->crawled.empty()) continue;
    auto [it, fresh] = index.try_emplace(crawl_key(s), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(&s);
  }
  std::vector<Finding> out;
  for (const auto& g : groups) {
    const ScheduledCulprit& first = *g.front();
    const CrawlPlan& crawl = *first.culprit.crawl;
    Finding f;
    f.id = "scheduled-crawler";
    f.severity = Severity::kWarning;
    std::string schedules, paths, places, kinds;
    for (const auto* s : g) {
      schedules += (schedules.empty() ? "" : "; ") + schedule_phrase(*s);
      places += (places.empty() ? "" : ", ") + schedule_place(*s);
      if (kinds.find(s->kind) == std::string::npos) kinds += (kinds.empty() ? "" : ",") + s->kind;
    }
    for (const auto& c : crawl.crawled) paths += (paths.empty() ? "" : ", ") + c.path + " (" + to_string(c.risk) + ")";
    f.title = fmt::format("Scheduled {} ({}) will crawl {} risky path(s): {}", first.rule, schedules,
                          crawl.crawled.size(), paths);
    for (const auto* s : g) {
      std::string by = s->kind + " " + schedule_place(*s) + (s->script && !s->file.empty() ? " → " + *s->script : "");
      f.evidence.push_back(ev_text("scheduled by", by, s->file.empty() ? s->script.value_or("?") : s->file));
      f.evidence.push_back(ev_text("schedule",
                                   s->schedule.empty() ? s->schedule_text : s->schedule + " (" + s->schedule_text + ")",
                                   s->file.empty() ? s->script.value_or("?") : s->file));
      f.evidence.push_back(
          ev_text("command", s->command, s->script ? *s->script + ":" + std::to_string(s->script_line) : s->file));
    }
    for (const auto& c : crawl.crawled) {
      std::string where = c.fs_type;
      if (!c.source.empty()) where += (where.empty() ? "" : " ") + c.source;
      f.evidence.push_back(ev_text("will crawl " + std::string(to_string(c.risk)),
                                   where.empty() ? c.path : c.path + " (" + where + ")",
                                   "/proc/self/mountinfo + updatedb.conf"));
    }
    for (const auto& e : first.culprit.evidence) f.evidence.push_back(ev_text("evidence", e, first.rule));
    f.why =
        "A nightly indexer walks every file it is not told to skip; on network filesystems and Kubernetes volumes "
        "that is millions of files, and its dentry/inode caches and memory land outside any pod, unbounded (the "
        "incident this tool was built for).";
    // The culprit's fixes already carry the PRUNEFS/PRUNEPATHS lines; each schedule adds how to stop it.
    std::vector<std::string> alternatives;  // "or remove the package …": after every schedule's own fix
    for (const auto* s : g)
      for (const auto& x : s->culprit.fixes) add_unique(x.rfind("or ", 0) == 0 ? alternatives : f.fix, x);
    for (const auto& x : alternatives) add_unique(f.fix, x);
    f.subject.path = first.script.value_or(first.file);
    f.subject.owner = places;
    f.subject.owner_kind = kinds;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace ms::rules
