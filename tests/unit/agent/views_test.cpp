// ViewContext::compute keeps process owners across samples; its metrics must stay what attribute()
// gives on the same snapshot, sample after sample, when processes exec, move, lose their parent.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <tuple>

#include "agent/views.hpp"
#include "attribution/attribution.hpp"
#include "probe/snapshot_reader.hpp"
#include "util/json_text.hpp"
#include "../../support/fixture_paths.hpp"

using namespace ms;
using ms::test_fixtures::fixture_paths;
using namespace ms::agent;

namespace {


// The metrics as computed before owners were cached: straight from attribute().
struct Reference {
  std::vector<std::pair<std::string, uint64_t>> kinds;
  std::vector<std::tuple<std::string, std::string, uint64_t>> pods;
  std::optional<uint64_t> unbounded;
  uint64_t unbounded_processes = 0;
  std::vector<std::pair<int, std::string>> owners;  // pid, owner JSON-ish label
};

Reference reference(const Snapshot& s, const HostPaths& paths) {
  Reference r;
  Attribution a = attribute(s, ClassifySources::load(paths));
  for (const auto& k : a.kinds) r.kinds.emplace_back(to_string(k.kind), k.rss_bytes);
  for (const auto& p : a.pods) {
    if (!p.memory.working_set) continue;
    r.pods.emplace_back(p.owner.namespace_.value_or(""), p.owner.pod.value_or(p.owner.pod_uid ? "pod" + *p.owner.pod_uid : ""),
                        *p.memory.working_set);
  }
  uint64_t unbounded = 0;
  bool any_known = false;
  for (const auto& pa : a.processes) {
    if (pa.limit.known) any_known = true;
    if (pa.unbounded_outside_kubepods()) {
      unbounded += pa.process->rss_bytes.value_or(0);
      ++r.unbounded_processes;
    }
    r.owners.emplace_back(pa.process->pid, std::string(to_string(pa.owner.kind)) + "|" + pa.owner.label() + "|" +
                                               (pa.owner.runtime ? *pa.owner.runtime : "") + (pa.owner.sandbox ? "|sandbox" : ""));
  }
  if (any_known) r.unbounded = unbounded;
  return r;
}

void expect_same(ViewContext& ctx, const Snapshot& s, const HostPaths& paths, const std::string& what) {
  SCOPED_TRACE(what);
  NodeViews v = ctx.compute(s);
  Reference r = reference(s, paths);
  EXPECT_EQ(v.rss_by_owner_kind, r.kinds);
  std::vector<std::tuple<std::string, std::string, uint64_t>> pods;
  for (const auto& p : v.pods) pods.emplace_back(p.namespace_, p.pod, p.working_set_bytes);
  EXPECT_EQ(pods, r.pods);
  EXPECT_EQ(v.unbounded_outside_kubepods_bytes, r.unbounded);
  EXPECT_EQ(v.unbounded_outside_kubepods_processes, r.unbounded_processes);
  for (const auto& [pid, label] : r.owners) {
    const Process* p = s.find_process(pid);
    ASSERT_NE(p, nullptr);
    Owner o = ctx.process_owner(s, *p);
    EXPECT_EQ(std::string(to_string(o.kind)) + "|" + o.label() + "|" + (o.runtime ? *o.runtime : "") + (o.sandbox ? "|sandbox" : ""),
              label)
        << "pid " << pid;
  }
}

Snapshot read(const HostPaths& paths) {
  SnapshotOptions so;
  so.statvfs_tmpfs = false;
  auto s = read_snapshot(paths, so);
  EXPECT_TRUE(s);
  return s ? std::move(*s) : Snapshot{};
}

}  // namespace

TEST(ViewsCache, SameAsAttributeAcrossSamples) {
  for (const char* tree : {"v1-cgroupfs-docker", "v2-systemd-containerd-crio"}) {
    HostPaths paths = fixture_paths(tree);
    Snapshot s = read(paths);
    ASSERT_FALSE(s.processes.empty()) << tree;
    ViewContext ctx(paths);
    expect_same(ctx, s, paths, std::string(tree) + " first sample");
    expect_same(ctx, s, paths, std::string(tree) + " same snapshot again (all owners cached)");

    // A parent execs into "cron": its descendants become cron jobs (picked so that the attribution
    // changes, or the check below would not see a stale cache).
    Reference before = reference(s, paths);
    bool changed = false;
    for (size_t i = 0; i < s.processes.size() && !changed; ++i) {
      if (s.processes[i].kernel_thread || s.processes[i].pid <= 1) continue;
      Snapshot t = s;
      t.processes[i].comm = "cron";
      if (reference(t, paths).owners == before.owners) continue;
      changed = true;
      expect_same(ctx, t, paths, std::string(tree) + " an ancestor exec'd into cron");
    }
    EXPECT_TRUE(changed) << tree;
    expect_same(ctx, s, paths, std::string(tree) + " back");

    // A process moves to another cgroup; another's memory grows; a limit goes away; one exits and
    // its children are reparented to pid 1.
    Snapshot u = s;
    std::vector<std::string> paths_in_use;
    for (const auto& c : u.cgroups) paths_in_use.push_back(c.path);
    for (auto& p : u.processes) {
      if (p.kernel_thread || !p.memory_cgroup) continue;
      if (!paths_in_use.empty()) p.memory_cgroup = paths_in_use.back();
      p.rss_bytes = p.rss_bytes.value_or(0) + (5u << 20);
      break;
    }
    for (auto& c : u.cgroups) c.limit_bytes.reset();
    int gone = 0;
    for (const auto& p : u.processes)
      if (!p.kernel_thread && p.pid > 1 && std::any_of(u.processes.begin(), u.processes.end(), [&](const Process& q) { return q.ppid == p.pid; })) {
        gone = p.pid;
        break;
      }
    if (gone) {
      std::erase_if(u.processes, [&](const Process& p) { return p.pid == gone; });
      for (auto& p : u.processes)
        if (p.ppid == gone) p.ppid = 1;
    }
    EXPECT_NE(reference(u, paths).owners, before.owners) << tree;
    expect_same(ctx, u, paths, std::string(tree) + " moved, grew, unlimited, reparented");
    expect_same(ctx, s, paths, std::string(tree) + " back to the first snapshot");
  }
}

TEST(ViewsCache, PidReuseIsANewProcess) {
  HostPaths paths = fixture_paths("v1-cgroupfs-docker");
  Snapshot s = read(paths);
  ViewContext ctx(paths);
  expect_same(ctx, s, paths, "first");
  // Same pid, another start time, another cgroup and name: never the cached owner.
  Snapshot t = s;
  for (auto& p : t.processes)
    if (!p.kernel_thread && p.memory_cgroup && p.memory_cgroup->find("kubepods") != std::string::npos) {
      p.start_time += 1000;
      p.memory_cgroup = "/";
      p.cgroups.clear();
      p.comm = "reused";
      break;
    }
  expect_same(ctx, t, paths, "pid reused");
}

// The recorder stores provenance with its bytes (util/json_text.hpp), not an escaped copy that the
// renderers would escape a second time (issue 18 item 9: `explain --at` showed \\xff).
TEST(ViewsProvenance, KeepsTheBytesOfPathsAndNames) {
  char tmpl[] = "/tmp/mst-prov-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string root = tmpl;
  std::filesystem::create_directories(root + "/proc/4242");
  const std::string cwd = "/srv/\xff\\xff", exe = "/usr/bin/upd\xfe";
  std::filesystem::create_symlink(cwd, root + "/proc/4242/cwd");
  std::filesystem::create_symlink(exe, root + "/proc/4242/exe");
  HostPaths paths;
  paths.procfs = root + "/proc";
  paths.sysfs = root + "/sys";
  paths.rootfs = root;
  Snapshot s;
  Process parent, child;
  parent.pid = 100;
  parent.ppid = 0;
  parent.comm = "cron\xfe";
  parent.cmdline = {"/usr/sbin/cron", "-f\xff"};
  child.pid = 4242;
  child.ppid = 100;
  child.comm = "updatedb";
  s.processes = {parent, child};
  ViewContext ctx(paths);
  auto j = nlohmann::ordered_json::parse(ctx.provenance(s, s.processes[1]));
  EXPECT_EQ(get_text(j, "cwd"), cwd);
  EXPECT_EQ(get_text(j, "exe"), exe);
  ASSERT_TRUE(j["ancestry"].is_array() && !j["ancestry"].empty()) << j.dump();
  EXPECT_EQ(get_text(j["ancestry"][0], "comm"), std::string("cron\xfe"));
  EXPECT_EQ(get_text(j["ancestry"][0], "cmdline"), std::string("/usr/sbin/cron -f\xff"));
  std::filesystem::remove_all(root);
}
