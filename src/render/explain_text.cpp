#include "render/explain_text.hpp"

#include <fmt/format.h>

#include "render/table.hpp"
#include "render/text_layout.hpp"
#include "util/escape.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

std::string esc(std::string_view s) {
  return term_field(s);
}

std::string when(const std::optional<int64_t>& t) { return t ? rfc3339_utc(*t) : "?"; }

// A command line in a heading or a table cell: its first 512 bytes say what it is.
constexpr size_t kCommandBytes = 512;

constexpr const char* kIndent = "         ";

std::string kernel_thread_text(const Explanation& e, const TextLayout& layout) {
  const Process& p = e.process;
  std::string out =
      wrap_text(fmt::format("PID {} ({}) is a kernel thread.", p.pid, esc(p.comm)), layout.width, "", kIndent);
  out += wrap_text(
      "It runs kernel code on behalf of the whole node: no user memory of its own (no RSS to count), "
      "no memory cgroup limit that applies to it, and nothing on the node started it but the kernel. "
      "The kernel's own memory (slab, page tables, kernel stacks) is in `memsleuth top --by owner` and "
      "`memsleuth available`.",
      layout.width, kIndent, kIndent);
  return out;
}

}  // namespace

std::string render_explain_text(const Explanation& e, const TextLayout& layout) {
  if (e.kernel_thread) return kernel_thread_text(e, layout);
  const size_t w = layout.width;
  std::string out;
  const Process& p = e.process;
  out += wrap_text(
      fmt::format("PID {} ({})  {}", p.pid, esc(p.comm), term_field(command_line(p.cmdline, p.comm), kCommandBytes)), w,
      "", kIndent);
  out +=
      wrap_text(fmt::format("started {} as {}   RSS {}", when(e.start_unix),
                            esc(e.user.value_or(p.uid ? std::to_string(*p.uid) : "?")), human_bytes_opt(p.rss_bytes)),
                w, kIndent, kIndent);
  out += "\n";

  // Owner and bound.
  out += wrap_text(fmt::format("{} [{}]{}", esc(e.owner.label()), to_string(e.owner.kind),
                               e.owner.in_kubepods ? ", in kubepods" : ", NOT in kubepods"),
                   w, "OWNER    ", kIndent);
  if (!e.owner_why.empty()) out += wrap_text("why: " + esc(e.owner_why), w, kIndent, kIndent);
  std::string own_limit = "unknown";
  if (e.memory_cgroup_info && e.memory_cgroup_info->limit_known)
    own_limit = e.memory_cgroup_info->limit_bytes ? human_bytes_u(*e.memory_cgroup_info->limit_bytes) : "none";
  out +=
      wrap_text(fmt::format("memory cgroup {}: usage {}, own limit {}", esc(e.memory_cgroup.value_or("?")),
                            e.memory_cgroup_info ? human_bytes_opt(e.memory_cgroup_info->usage_bytes) : "?", own_limit),
                w, "BOUND    ", kIndent);
  if (!e.effective.known) {
    out += wrap_text("effective limit: unknown (no cgroup on its path could be read)", w, kIndent, kIndent);
  } else if (e.effective.bounded()) {
    out += wrap_text(
        fmt::format("effective limit: {} (set on {}{})", human_bytes_u(*e.effective.limit_bytes),
                    esc(e.effective.limiting_cgroup),
                    e.effective.headroom_bytes ? ", headroom " + human_bytes_u(*e.effective.headroom_bytes) : ""),
        w, kIndent, kIndent);
  } else {
    out += wrap_text(std::string("effective limit: NONE - no cgroup from here to the root limits it") +
                         (e.owner.in_kubepods ? "" : "; outside kubepods the kubelet can only evict pods around it"),
                     w, kIndent, kIndent);
  }

  // Source.
  const ExplainSource& s = e.source;
  out += wrap_text(fmt::format("{}{}", esc(s.summary()), s.via_ancestry ? "" : "  (guess: matched by command text)"), w,
                   "SOURCE   ", kIndent);
  auto detail = [&](const char* name, const std::optional<std::string>& v) {
    if (v) out += wrap_text(std::string(name) + ": " + esc(*v), w, kIndent, std::string(kIndent) + "  ");
  };
  if (s.kind == "cron") {
    detail("schedule", s.schedule);
    detail("line runs", s.command);
    detail("script", s.script);
    detail("as user", s.user);
  }
  if (s.kind == "timer" || s.kind == "systemd") {
    detail("unit file", s.unit_file);
    detail("timer file", s.timer_file);
    detail("schedule", s.schedule);
  }
  if (s.kind == "pod") detail("container", s.container);
  if (s.node_agent) out += wrap_text("a node agent: part of the node, not of any pod", w, kIndent, kIndent);
  if (!s.how.empty()) out += wrap_text("how: " + esc(s.how), w, kIndent, std::string(kIndent) + "  ");
  out += "\n";

  if (e.cwd.warning) out += wrap_text(esc(*e.cwd.warning), w, "WARNING  ", kIndent) + "\n";

  for (const auto& h : e.culprits) {
    const Culprit& c = h.culprit;
    out +=
        wrap_text(fmt::format("{} (pid {} {}): {}", c.rule, h.pid, esc(h.comm), esc(c.title)), w, "CULPRIT  ", kIndent);
    for (const auto& ev : c.evidence) out += wrap_text(esc(ev), w, "         - ", "           ");
    out += std::string(kIndent) + "fix:\n";
    for (const auto& f : c.fixes) out += wrap_text(esc(f), w, "         * ", "           ");
    out += "\n";
  }

  // Evidence.
  out += "EVIDENCE\n";
  const CwdTruth& c = e.cwd;
  std::string cwd = fmt::format("cwd: {} samples over {}ms: {} ({} distinct)", c.samples.size(), e.watch.count(),
                                c.moving ? "MOVING - a filesystem walker" : "steady", c.distinct);
  if (c.mount)
    cwd += fmt::format("; on mount {} ({}{}{})", esc(*c.mount), esc(c.fs_type.value_or("?")),
                       c.mount_source ? ", " + esc(*c.mount_source) : "", c.network_fs ? ", network/FUSE" : "");
  out += wrap_text(cwd, w, "", "  ");
  std::optional<std::string> prev;
  size_t shown = 0;
  for (const auto& x : c.samples) {
    if (x.path == prev) continue;
    prev = x.path;
    if (++shown > 8) {
      out += "  ...\n";
      break;
    }
    out += wrap_text(fmt::format("+{:>5}ms  {}", x.offset_ms, x.path ? esc(*x.path) : "(unreadable)"), w, "  ",
                     "             ");
  }

  out += fmt::format("\nancestry (target first{}):\n", e.ancestry.complete ? "" : "; INCOMPLETE");
  Table t({"PID", "PPID", "STARTED", "USER", "COMM", "MEMORY CGROUP", "OWNER", "COMMAND"});
  t.align_right(0);
  t.align_right(1);
  t.keep(2);
  t.elide_middle(5);
  t.list_when_narrow();  // the chain is the evidence: every command line readable
  for (const auto& a : e.ancestry.chain)
    t.add({std::to_string(a.pid), std::to_string(a.ppid), when(a.start_unix),
           a.user.value_or(a.uid ? std::to_string(*a.uid) : "?"), a.comm, a.memory_cgroup.value_or("?"),
           a.owner.label(), bound_text(command_line(a.cmdline, a.comm), kCommandBytes)});
  out += t.render(layout);
  for (const auto& a : e.ancestry.chain)
    for (const auto& n : a.notes) out += wrap_text(esc(n), w, fmt::format("  pid {}: ", a.pid), "    ");

  out += fmt::format("\ncgroups (/proc/{}/cgroup):\n", p.pid);
  for (const auto& l : e.cgroups)
    out += wrap_text(fmt::format("{}:{}:{}", l.hierarchy_id, esc(l.controllers), esc(l.path)), w, "  ", "    ");

  if (!e.siblings_file.empty()) {
    std::string head =
        fmt::format("siblings: {} other process(es) in {}{}", e.siblings_total, esc(e.siblings_file),
                    e.siblings.size() < e.siblings_total ? fmt::format(" (largest {} shown)", e.siblings.size()) : "");
    if (e.siblings_kernel_threads > 0)
      head += fmt::format("; {} kernel thread(s) not listed (--kernel-threads lists them)", e.siblings_kernel_threads);
    out += "\n" + wrap_text(head, w, "", "  ");
    if (!e.siblings.empty()) {
      Table st({"PID", "COMM", "RSS", "COMMAND"});
      st.align_right(0);
      st.align_right(2);
      for (const auto& x : e.siblings)
        st.add({std::to_string(x.pid), x.comm, human_bytes_opt(x.rss_bytes),
                bound_text(command_line(x.cmdline, x.comm), kCommandBytes)});
      out += st.render(layout);
    }
  }
  for (const auto& wn : e.warnings) out += wrap_text(esc(wn), w, "warning: ", "  ");
  return out;
}

std::string render_scheduled_text(const std::vector<ScheduledCulprit>& found, const std::string& rootfs,
                                  const TextLayout& layout) {
  const size_t w = layout.width;
  if (found.empty()) return wrap_text("No scheduled culprits found under " + esc(rootfs) + ".", w, "", "  ");
  std::string out;
  for (const auto& s : found) {
    out += wrap_text(
        fmt::format("{} {} ({}): {}", s.active ? "SCHEDULED" : "inactive ", s.culprit.rule, s.kind, esc(s.title)), w,
        "", "    ");
    std::string where = s.line > 0 ? fmt::format("{}:{}", s.file, s.line) : s.file;
    out += wrap_text(fmt::format("{}  {}", esc(where), esc(s.schedule_text)), w, "  from ", "    ");
    if (s.script) out += wrap_text(fmt::format("{}:{}", esc(*s.script), s.script_line), w, "  script ", "    ");
    out += wrap_text(esc(s.command), w, "  runs ", "    ");
    if (s.inactive_reason) out += wrap_text(esc(*s.inactive_reason), w, "  inactive: ", "    ");
    for (const auto& ev : s.culprit.evidence) out += wrap_text(esc(ev), w, "  - ", "    ");
    for (const auto& f : s.culprit.fixes) out += wrap_text(esc(f), w, "  * ", "    ");
  }
  return out;
}

}  // namespace ms
