#include "render/explain_text.hpp"

#include <fmt/format.h>

#include "render/table.hpp"
#include "util/escape.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

std::string esc(std::string_view s) { return escape_terminal(s); }

std::string cut(std::string s, size_t n) {
  if (s.size() <= n) return s;
  return s.substr(0, n - 3) + "...";
}

std::string when(const std::optional<int64_t>& t) { return t ? rfc3339_utc(*t) : "?"; }

}  // namespace

std::string render_explain_text(const Explanation& e) {
  std::string out;
  const Process& p = e.process;
  out += fmt::format("PID {} ({})  {}\n", p.pid, esc(p.comm), esc(command_line(p.cmdline, p.comm)));
  out += fmt::format("         started {} as {}   RSS {}\n\n", when(e.start_unix),
                     esc(e.user.value_or(p.uid ? std::to_string(*p.uid) : "?")), human_bytes_opt(p.rss_bytes));

  // Owner and bound.
  out += fmt::format("OWNER    {} [{}]{}\n", esc(e.owner.label()), to_string(e.owner.kind),
                     e.owner.in_kubepods ? ", in kubepods" : ", NOT in kubepods");
  if (!e.owner_why.empty()) out += fmt::format("         why: {}\n", esc(e.owner_why));
  std::string own_limit = "unknown";
  if (e.memory_cgroup_info && e.memory_cgroup_info->limit_known)
    own_limit = e.memory_cgroup_info->limit_bytes ? human_bytes_u(*e.memory_cgroup_info->limit_bytes) : "none";
  out += fmt::format("BOUND    memory cgroup {}: usage {}, own limit {}\n", esc(e.memory_cgroup.value_or("?")),
                     e.memory_cgroup_info ? human_bytes_opt(e.memory_cgroup_info->usage_bytes) : "?", own_limit);
  if (!e.effective.known) {
    out += "         effective limit: unknown (no cgroup on its path could be read)\n";
  } else if (e.effective.bounded()) {
    out += fmt::format("         effective limit: {} (set on {}{})\n", human_bytes_u(*e.effective.limit_bytes),
                       esc(e.effective.limiting_cgroup),
                       e.effective.headroom_bytes ? ", headroom " + human_bytes_u(*e.effective.headroom_bytes) : "");
  } else {
    out += "         effective limit: NONE - no cgroup from here to the root limits it";
    out += e.owner.in_kubepods ? "\n" : "; outside kubepods the kubelet can only evict pods around it\n";
  }

  // Source.
  const ExplainSource& s = e.source;
  out += fmt::format("SOURCE   {}{}\n", esc(s.summary()), s.via_ancestry ? "" : "  (guess: matched by command text)");
  if (s.kind == "cron") {
    if (s.schedule) out += fmt::format("         schedule: {}\n", esc(*s.schedule));
    if (s.command) out += fmt::format("         line runs: {}\n", esc(*s.command));
    if (s.script) out += fmt::format("         script: {}\n", esc(*s.script));
    if (s.user) out += fmt::format("         as user: {}\n", esc(*s.user));
  }
  if (s.kind == "timer" || s.kind == "systemd") {
    if (s.unit_file) out += fmt::format("         unit file: {}\n", esc(*s.unit_file));
    if (s.timer_file) out += fmt::format("         timer file: {}\n", esc(*s.timer_file));
    if (s.schedule) out += fmt::format("         schedule: {}\n", esc(*s.schedule));
  }
  if (s.kind == "pod" && s.container) out += fmt::format("         container: {}\n", esc(*s.container));
  if (s.node_agent) out += "         a node agent: part of the node, not of any pod\n";
  if (!s.how.empty()) out += fmt::format("         how: {}\n", esc(s.how));
  out += "\n";

  if (e.cwd.warning) out += fmt::format("WARNING  {}\n\n", esc(*e.cwd.warning));

  for (const auto& h : e.culprits) {
    const Culprit& c = h.culprit;
    out += fmt::format("CULPRIT  {} (pid {} {}): {}\n", c.rule, h.pid, esc(h.comm), c.title);
    for (const auto& ev : c.evidence) out += fmt::format("         - {}\n", esc(ev));
    out += "         fix:\n";
    for (const auto& f : c.fixes) out += fmt::format("         * {}\n", esc(f));
    out += "\n";
  }

  // Evidence.
  out += "EVIDENCE\n";
  const CwdTruth& c = e.cwd;
  out += fmt::format("cwd: {} samples over {}ms: {} ({} distinct)", c.samples.size(), e.watch.count(),
                     c.moving ? "MOVING - a filesystem walker" : "steady", c.distinct);
  if (c.mount)
    out += fmt::format("; on mount {} ({}{}{})", esc(*c.mount), esc(c.fs_type.value_or("?")),
                       c.mount_source ? ", " + esc(*c.mount_source) : "", c.network_fs ? ", network/FUSE" : "");
  out += "\n";
  std::optional<std::string> prev;
  size_t shown = 0;
  for (const auto& x : c.samples) {
    if (x.path == prev) continue;
    prev = x.path;
    if (++shown > 8) {
      out += "  ...\n";
      break;
    }
    out += fmt::format("  +{:>5}ms  {}\n", x.offset_ms, x.path ? esc(*x.path) : "(unreadable)");
  }

  out += fmt::format("\nancestry (target first{}):\n", e.ancestry.complete ? "" : "; INCOMPLETE");
  Table t({"PID", "PPID", "STARTED", "USER", "COMM", "MEMORY CGROUP", "OWNER", "COMMAND"});
  for (const auto& a : e.ancestry.chain)
    t.add({std::to_string(a.pid), std::to_string(a.ppid), when(a.start_unix),
           a.user.value_or(a.uid ? std::to_string(*a.uid) : "?"), a.comm, a.memory_cgroup.value_or("?"),
           a.owner.label(), cut(command_line(a.cmdline, a.comm), 60)});
  out += t.render();
  for (const auto& a : e.ancestry.chain)
    for (const auto& n : a.notes) out += fmt::format("  pid {}: {}\n", a.pid, esc(n));

  out += fmt::format("\ncgroups (/proc/{}/cgroup):\n", p.pid);
  for (const auto& l : e.cgroups) out += fmt::format("  {}:{}:{}\n", l.hierarchy_id, esc(l.controllers), esc(l.path));

  if (!e.siblings_file.empty()) {
    out += fmt::format("\nsiblings: {} other process(es) in {}{}\n", e.siblings_total, esc(e.siblings_file),
                       e.siblings.size() < e.siblings_total ? fmt::format(" (largest {} shown)", e.siblings.size()) : "");
    if (!e.siblings.empty()) {
      Table st({"PID", "COMM", "RSS", "COMMAND"});
      st.align_right(2);
      for (const auto& x : e.siblings)
        st.add({std::to_string(x.pid), x.comm, human_bytes_opt(x.rss_bytes), cut(command_line(x.cmdline, x.comm), 70)});
      out += st.render();
    }
  }
  for (const auto& w : e.warnings) out += "warning: " + esc(w) + "\n";
  return out;
}

}  // namespace ms
