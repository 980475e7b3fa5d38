#pragma once
// The chain from a process up to PID 1, read from a Snapshot. Pure.
//
// Re-parenting leaves no trace in /proc: a process whose parent exited is adopted by init or by the
// nearest PR_SET_CHILD_SUBREAPER ancestor, and the subreaper flag itself is not exported. So we
// infer: ppid 1 (init adopted it, or it is a daemon), a parent that is a known subreaper (systemd
// --user, containerd-shim, conmon, tini, dumb-init, catatonit, s6-svscan), and a parent that started
// *after* its child, which a fork cannot produce.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "attribution/owner.hpp"
#include "model/snapshot.hpp"

namespace ms {

struct Ancestor {
  int pid = 0, ppid = 0;
  std::string comm;
  std::vector<std::string> cmdline;
  uint64_t start_ticks = 0;            // clock ticks since boot
  std::optional<int64_t> start_unix;   // boot time + ticks / CLK_TCK (nullopt without boot time)
  std::optional<uint32_t> uid;
  std::optional<std::string> user;
  std::optional<std::string> memory_cgroup;
  Owner owner;
  bool parent_is_init = false;       // ppid 1: adopted by init, or a daemon started by it
  bool parent_is_subreaper = false;  // parent is a known subreaper: may have adopted it
  bool reparented = false;           // certain: the parent started after this process
  bool container_shim = false;       // this process is a runtime shim
  std::vector<std::string> notes;    // one line each, for people
};

struct AncestryOptions {
  std::function<Owner(const Process&)> owner_of;                        // null: leave Owner default
  std::function<std::optional<std::string>(uint32_t)> user_name;       // null: no names
};

// Target first, PID 1 (or the last ancestor we could read) last. `complete` is false when an
// ancestor was missing from the snapshot (it exited while we read) — then the chain stops there.
struct Ancestry {
  std::vector<Ancestor> chain;
  bool complete = true;
  std::optional<int> missing_pid;
};

Ancestry build_ancestry(const Snapshot& s, int pid, const AncestryOptions& opts = {});

bool is_known_subreaper(const Process& p);
bool is_container_shim(std::string_view comm);

// The argv of a process as one line (for people): words joined by spaces; comm in [] when empty.
std::string command_line(const std::vector<std::string>& argv, std::string_view comm);

}  // namespace ms
