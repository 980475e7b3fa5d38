#include "provenance/ancestry.hpp"

#include <fmt/format.h>

#include <set>

#include "util/text.hpp"

namespace ms {

bool is_container_shim(std::string_view comm) {
  // comm is cut at 15 bytes: "containerd-shim" covers containerd-shim-runc-v2.
  return starts_with(comm, "containerd-shim") || comm == "conmon" || starts_with(comm, "docker-containe") ||
         comm == "crun" || comm == "runc" || comm == "youki";
}

bool is_known_subreaper(const Process& p) {
  static const std::set<std::string_view> kNames = {"tini", "dumb-init", "catatonit", "s6-svscan", "runsvdir",
                                                    "supervisord", "conmon"};
  if (p.pid == 1) return false;
  if (kNames.count(p.comm) || is_container_shim(p.comm)) return true;
  // systemd --user (and any non-PID-1 systemd) sets PR_SET_CHILD_SUBREAPER.
  if (p.comm == "systemd") return true;
  if (!p.cmdline.empty()) {
    auto base = p.cmdline.front().substr(p.cmdline.front().rfind('/') + 1);
    if (base == "tini" || base == "dumb-init" || base == "catatonit") return true;
  }
  return false;
}

std::string command_line(const std::vector<std::string>& argv, std::string_view comm) {
  if (argv.empty()) return fmt::format("[{}]", comm);
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

Ancestry build_ancestry(const Snapshot& s, int pid, const AncestryOptions& opts) {
  Ancestry a;
  std::set<int> seen;
  int cur = pid;
  while (cur > 0 && !seen.count(cur)) {
    seen.insert(cur);
    const Process* p = s.find_process(cur);
    if (!p) {
      a.complete = false;
      a.missing_pid = cur;
      break;
    }
    Ancestor x;
    x.pid = p->pid;
    x.ppid = p->ppid;
    x.comm = p->comm;
    x.cmdline = p->cmdline;
    x.start_ticks = p->start_time;
    if (s.boot_time > 0 && s.clock_ticks > 0)
      x.start_unix = static_cast<int64_t>(s.boot_time) + static_cast<int64_t>(p->start_time / s.clock_ticks);
    x.uid = p->uid;
    if (p->uid && opts.user_name) x.user = opts.user_name(*p->uid);
    x.memory_cgroup = p->memory_cgroup;
    if (opts.owner_of) x.owner = opts.owner_of(*p);
    x.container_shim = is_container_shim(p->comm);
    if (x.container_shim) x.notes.push_back("container runtime shim");
    if (p->pid != 1 && p->ppid == 1) {
      x.parent_is_init = true;
      x.notes.push_back("parent is init: a daemon, or re-parented after its parent exited");
    }
    if (const Process* parent = s.find_process(p->ppid)) {
      if (is_known_subreaper(*parent)) {
        x.parent_is_subreaper = true;
        x.notes.push_back(fmt::format("parent {} ({}) is a subreaper: it may have adopted this process",
                                      parent->pid, parent->comm));
      }
      if (parent->start_time > p->start_time) {
        x.reparented = true;
        x.notes.push_back(fmt::format("re-parented: parent {} started after this process", parent->pid));
      }
    }
    a.chain.push_back(std::move(x));
    if (p->pid == 1) break;
    cur = p->ppid;
  }
  return a;
}

}  // namespace ms
