// Scheduled culprits (updatedb & friends from cron, anacron or systemd timers) that will crawl network
// or Kubernetes paths, even though they are not running now.
#include <fmt/format.h>

#include "rules/rules.hpp"

namespace ms::rules {

std::vector<Finding> scheduled_culprits(const DoctorInput& in) {
  std::vector<Finding> out;
  for (const auto& s : in.scheduled) {
    if (!s.active) continue;
    bool risky = s.culprit.crawl && !s.culprit.crawl->crawled.empty();
    if (!risky) continue;
    Finding f;
    f.id = "scheduled-crawler";
    f.severity = Severity::kWarning;
    std::string where = s.line ? fmt::format("{}:{}", s.file, s.line) : s.file;
    std::string paths;
    for (const auto& c : s.culprit.crawl->crawled) paths += (paths.empty() ? "" : ", ") + c.path + " (" + to_string(c.risk) + ")";
    f.title = fmt::format("Scheduled {} ({}, {}) will crawl {} risky path(s): {}", s.rule, where, s.schedule_text,
                          s.culprit.crawl->crawled.size(), paths);
    f.evidence.push_back(ev_text("scheduled by", s.kind + " " + where + (s.script ? " → " + *s.script : ""), s.file));
    f.evidence.push_back(ev_text("schedule", s.schedule + " (" + s.schedule_text + ")", s.file));
    f.evidence.push_back(ev_text("command", s.command, s.script ? *s.script + ":" + std::to_string(s.script_line) : s.file));
    for (const auto& c : s.culprit.crawl->crawled)
      f.evidence.push_back(ev_text("will crawl " + std::string(to_string(c.risk)), c.path + " (" + c.fs_type + " " + c.source + ")",
                                   "/proc/self/mountinfo + updatedb.conf"));
    for (const auto& e : s.culprit.evidence) f.evidence.push_back(ev_text("evidence", e, s.rule));
    f.why = "A nightly indexer walks every file it is not told to skip; on network filesystems and Kubernetes volumes "
            "that is millions of files, and its dentry/inode caches and memory land outside any pod, unbounded (the "
            "incident this tool was built for).";
    f.fix = s.culprit.fixes;
    if (s.culprit.crawl->prunefs_fix) f.fix.push_back(*s.culprit.crawl->prunefs_fix);
    if (s.culprit.crawl->prunepaths_fix) f.fix.push_back(*s.culprit.crawl->prunepaths_fix);
    f.subject.path = s.script.value_or(s.file);
    f.subject.owner = s.kind == "timer" ? s.timer.value_or(s.file) : where;
    f.subject.owner_kind = s.kind;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace ms::rules
