// read_snapshot through HostPaths on the fixture trees of tests/fixtures (fake hosts).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "probe/snapshot_reader.hpp"
#include "../../support/fixture_paths.hpp"

using namespace ms;
using ms::test_fixtures::fixture_paths;

namespace {

Snapshot read(const HostPaths& p, SnapshotOptions o = {}) {
  auto s = read_snapshot(p, o);
  EXPECT_TRUE(s) << (s ? "" : s.error().describe());
  return s ? std::move(*s) : Snapshot{};
}

constexpr uint64_t MiB = 1 << 20;

// The warnings besides the note every fixture tree gets: its tmpfs mount points are plain
// directories, so their usage is not read (statvfs would report whatever holds the tree).
std::vector<std::string> other_warnings(const Snapshot& s) {
  std::vector<std::string> out;
  for (const auto& w : s.warnings)
    if (w.find("tmpfs-like mount(s) not read") == std::string::npos) out.push_back(w);
  return out;
}
const char* kPodA = "/kubepods/burstable/pod1f6c3b0e-7a2d-4c1e-9b8a-3d4e5f607182";

}  // namespace

TEST(FixtureV1, LayoutMeminfoAndCounts) {
  Snapshot s = read(fixture_paths("v1-cgroupfs-docker"));
  EXPECT_EQ(s.cgroup_version, CgroupVersion::kV1);
  EXPECT_FALSE(s.memory_on_v2);
  EXPECT_EQ(s.memory_root_path, "/");
  EXPECT_EQ(s.meminfo.get("MemTotal"), uint64_t{8} << 30);
  EXPECT_EQ(s.boot_time, 1700000000u);
  EXPECT_FALSE(s.psi);  // no /proc/pressure on this node
  EXPECT_EQ(s.vmstat.get("oom_kill"), 2u);
  EXPECT_EQ(s.processes.size(), 13u);
  EXPECT_EQ(s.cgroups.size(), 19u);
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_TRUE(other_warnings(s).empty()) << other_warnings(s).front();
  // --rootfs means it: the fixture's tmpfs /sys/fs/cgroup is a plain directory here; its usage is
  // not read (statvfs would give the host filesystem holding the tree), and that is said.
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("/sys/fs/cgroup"), std::string::npos) << s.warnings[0];
  for (const auto& m : s.mounts) {
    if (m.fs_type == "tmpfs") {
      EXPECT_FALSE(m.used_bytes) << m.mount_point;
    }
  }
  // Mount points are unescaped.
  bool space = false;
  for (const auto& m : s.mounts) space |= m.mount_point == "/mnt/with space";
  EXPECT_TRUE(space);
}

TEST(FixtureV1, ProcessesAndTheirCgroups) {
  Snapshot s = read(fixture_paths("v1-cgroupfs-docker"));
  const Process* nginx = s.find_process(1010);
  ASSERT_TRUE(nginx);
  EXPECT_EQ(nginx->comm, "nginx");
  EXPECT_EQ(nginx->ppid, 420);
  EXPECT_EQ(nginx->rss_bytes, 200000u * 1024);
  EXPECT_EQ(nginx->rss_anon_bytes, 180000u * 1024);
  EXPECT_EQ(nginx->rss_shmem_bytes, 4000u * 1024);
  EXPECT_EQ(nginx->swap_bytes, 0u);
  EXPECT_EQ(nginx->uid, 0u);
  EXPECT_EQ(nginx->start_time, 2010u);
  ASSERT_EQ(nginx->cmdline.size(), 3u);
  EXPECT_EQ(nginx->cmdline[2], "daemon off;");
  EXPECT_EQ(nginx->exe, "/usr/sbin/nginx");
  EXPECT_FALSE(nginx->pss_bytes);  // only with --pss
  ASSERT_TRUE(nginx->memory_cgroup);
  EXPECT_EQ(nginx->memory_cgroup->rfind(std::string(kPodA) + "/a1b2c3d4a1b2c3d4", 0), 0u);
  const Cgroup* cg = s.find_cgroup(*nginx->memory_cgroup);
  ASSERT_TRUE(cg);
  EXPECT_EQ(cg->usage_bytes, 279 * MiB);
  EXPECT_EQ(cg->limit_bytes, 512 * MiB);
  EXPECT_EQ(cg->failcnt, 4u);
  EXPECT_EQ(cg->nr_procs, 2u);
  EXPECT_TRUE(cg->nr_procs_known);
  EXPECT_EQ(cg->stat.get("hierarchical_memory_limit"), 512 * MiB);
  EXPECT_NE(cg->inode, 0u);

  const Process* updatedb = s.find_process(2000);
  ASSERT_TRUE(updatedb);
  EXPECT_EQ(updatedb->memory_cgroup, "/system.slice/cron.service");
  EXPECT_EQ(updatedb->cwd, "/var/lib/kubelet/pods/1f6c3b0e-7a2d-4c1e-9b8a-3d4e5f607182/volumes/kubernetes.io~empty-dir/cache");
  const Cgroup* cron = s.find_cgroup("/system.slice/cron.service");
  ASSERT_TRUE(cron);
  EXPECT_FALSE(cron->limit_bytes);  // v1 "unlimited" 9223372036854771712 → null
  EXPECT_TRUE(cron->limit_known);
}

TEST(FixtureV1, KernelThreadsZombiesAndHostileNames) {
  Snapshot s = read(fixture_paths("v1-cgroupfs-docker"));
  const Process* kthreadd = s.find_process(2);
  ASSERT_TRUE(kthreadd);
  EXPECT_TRUE(kthreadd->kernel_thread);
  EXPECT_FALSE(kthreadd->rss_bytes);  // no mm: unknown, not 0
  EXPECT_FALSE(kthreadd->exe);
  EXPECT_TRUE(kthreadd->cmdline.empty());
  const Process* kworker = s.find_process(3);
  ASSERT_TRUE(kworker);
  EXPECT_TRUE(kworker->kernel_thread);
  EXPECT_EQ(kworker->state, 'I');
  const Process* zombie = s.find_process(2100);
  ASSERT_TRUE(zombie);
  EXPECT_FALSE(zombie->kernel_thread);
  EXPECT_EQ(zombie->state, 'Z');
  EXPECT_EQ(zombie->rss_bytes, 0u);  // released its mm: holds nothing
  EXPECT_EQ(zombie->rss_anon_bytes, 0u);
  const Process* evil = s.find_process(2200);
  ASSERT_TRUE(evil);
  EXPECT_EQ(evil->comm, "evil) (x \x1b[31m");
  EXPECT_EQ(evil->uid, 1000u);
  ASSERT_EQ(evil->cmdline.size(), 3u);
  EXPECT_EQ(evil->cmdline[1], "a\nb");
  EXPECT_EQ(evil->exe, "/home/u/evil (deleted)");
}

TEST(FixtureV1, PssOnlyWhenAskedAndUnderTheCap) {
  SnapshotOptions o;
  o.pss = true;
  Snapshot s = read(fixture_paths("v1-cgroupfs-docker"), o);
  const Process* nginx = s.find_process(1010);
  ASSERT_TRUE(nginx);
  EXPECT_EQ(nginx->pss_bytes, 150000u * 1024);
  EXPECT_EQ(nginx->uss_bytes, 140000u * 1024);
  o.pss_max_rss_bytes = 100 * MiB;  // nginx master (195 MiB) is above, the worker (49 MiB) below
  Snapshot capped = read(fixture_paths("v1-cgroupfs-docker"), o);
  EXPECT_FALSE(capped.find_process(1010)->pss_bytes);
  EXPECT_EQ(capped.find_process(1011)->pss_bytes, 30000u * 1024);
}

TEST(FixtureV2, SystemdContainerdCrio) {
  Snapshot s = read(fixture_paths("v2-systemd-containerd-crio"));
  EXPECT_EQ(s.cgroup_version, CgroupVersion::kV2);
  EXPECT_TRUE(s.memory_on_v2);
  ASSERT_TRUE(s.psi);
  EXPECT_DOUBLE_EQ(s.psi->some.avg10, 1.5);
  EXPECT_EQ(s.processes.size(), 15u);
  EXPECT_EQ(s.cgroups.size(), 22u);
  EXPECT_TRUE(other_warnings(s).empty()) << other_warnings(s).front();

  // Root: no memory.current/memory.max on v2. Unlimited; usage from meminfo like runc.
  ASSERT_FALSE(s.cgroups.empty());
  const Cgroup& root = s.cgroups.front();
  EXPECT_EQ(root.path, "/");
  EXPECT_TRUE(root.limit_known);
  EXPECT_FALSE(root.limit_bytes);
  EXPECT_TRUE(root.usage_from_meminfo);
  EXPECT_EQ(root.usage_bytes, (uint64_t{16} << 30) - (uint64_t{2} << 30));
  EXPECT_EQ(root.nr_procs, 3u);

  const Process* java = s.find_process(620);
  ASSERT_TRUE(java);
  ASSERT_TRUE(java->memory_cgroup);
  EXPECT_NE(java->memory_cgroup->find("/cri-containerd-4f1c2d3e"), std::string::npos);
  const Cgroup* jc = s.find_cgroup(*java->memory_cgroup);
  ASSERT_TRUE(jc);
  EXPECT_EQ(jc->limit_bytes, uint64_t{1} << 30);
  EXPECT_EQ(jc->events.get("oom_kill"), 1u);
  EXPECT_EQ(jc->stat.get("slab"), 61440u);
  EXPECT_FALSE(jc->failcnt);  // v1 only

  const Process* pg = s.find_process(720);
  ASSERT_TRUE(pg);
  EXPECT_EQ(pg->rss_shmem_bytes, 200000u * 1024);
  EXPECT_EQ(pg->uid, 999u);
  // CRI-O sandbox cgroup without ".scope".
  const Process* pause = s.find_process(710);
  ASSERT_TRUE(pause && pause->memory_cgroup);
  EXPECT_TRUE(s.find_cgroup(*pause->memory_cgroup));
  EXPECT_EQ(pause->memory_cgroup->find(".scope"), std::string::npos);
  EXPECT_TRUE(s.find_cgroup("/kubepods.slice/kubepods-pod35550f44_f691_427e_b57d_ab6127d2cb65.slice"));
  // Every process's memory cgroup exists in the walk.
  for (const auto& p : s.processes) {
    ASSERT_TRUE(p.memory_cgroup) << p.pid;
    EXPECT_TRUE(s.find_cgroup(*p.memory_cgroup)) << p.pid << " " << *p.memory_cgroup;
  }
}

TEST(FixtureV2, CgroupDirMapsHierarchyPaths) {
  Snapshot s = read(fixture_paths("v2-systemd-containerd-crio"));
  EXPECT_EQ(s.cgroup_dir("/"), s.memory_root);
  EXPECT_EQ(s.cgroup_dir("/kubepods.slice"), s.memory_root + "/kubepods.slice");
  s.memory_root_path = "/kubepods.slice";
  EXPECT_EQ(s.cgroup_dir("/kubepods.slice/x"), s.memory_root + "/x");
  EXPECT_EQ(s.cgroup_dir("/kubepods.slice"), s.memory_root);
  EXPECT_EQ(s.cgroup_dir("/system.slice"), "");
  EXPECT_EQ(s.cgroup_dir("/kubepods.slicer"), "");
}

TEST(Fixture, NoProcessesOptionAndMissingNode) {
  SnapshotOptions o;
  o.processes = false;
  Snapshot s = read(fixture_paths("v2-systemd-containerd-crio"), o);
  EXPECT_TRUE(s.processes.empty());
  EXPECT_FALSE(s.cgroups.empty());
  HostPaths none;
  none.procfs = "/nonexistent-memsleuth";
  none.sysfs = "/nonexistent-memsleuth";
  auto r = read_snapshot(none);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("/nonexistent-memsleuth/meminfo"), std::string::npos);
}

namespace {
// A scratch copy of a fixture tree the test may damage.
struct ScratchTree {
  std::filesystem::path dir;
  explicit ScratchTree(const std::string& name) {
    char tmpl[] = "/tmp/memsleuth-fixture-XXXXXX";
    dir = ::mkdtemp(tmpl);
    std::filesystem::copy(std::string(MEMSLEUTH_SOURCE_DIR) + "/tests/fixtures/" + name, dir,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  }
  ~ScratchTree() { std::filesystem::remove_all(dir); }
  HostPaths paths() const {
    HostPaths p;
    p.procfs = dir / "proc";
    p.sysfs = dir / "sys";
    p.rootfs = dir / "root";
    return p;
  }
  void put(const std::string& rel, const std::string& text) const { std::ofstream(dir / rel) << text; }
};
}  // namespace

TEST(FixtureDamaged, MalformedFilesBecomeWarningsNamingFileAndLine) {
  ScratchTree t("v1-cgroupfs-docker");
  t.put("proc/1010/status", "Name:\tnginx\nUid:\t0\t0\t0\t0\nVmSize:\t 1 kB\nVmRSS:\tmany kB\n");
  t.put("proc/1020/stat", "1020 (busybox) S 1\n");
  t.put("sys/fs/cgroup/memory/system.slice/memory.stat", "cache 1\nrss\n");
  t.put("sys/fs/cgroup/memory/system.slice/memory.limit_in_bytes", "lots\n");
  t.put("proc/vmstat", "nr_free_pages 1\nbroken\n");
  Snapshot s = read(t.paths());
  EXPECT_FALSE(s.find_process(1010));
  EXPECT_FALSE(s.find_process(1020));
  EXPECT_TRUE(s.find_process(1011));
  EXPECT_EQ(s.skipped, 2u);
  auto has = [&](const std::string& needle) {
    for (const auto& w : s.warnings)
      if (w.find(needle) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("proc/1010/status:4")) << ::testing::PrintToString(s.warnings);
  EXPECT_TRUE(has("proc/1020/stat:1")) << ::testing::PrintToString(s.warnings);
  EXPECT_TRUE(has("system.slice/memory.stat:2")) << ::testing::PrintToString(s.warnings);
  EXPECT_TRUE(has("system.slice/memory.limit_in_bytes:1")) << ::testing::PrintToString(s.warnings);
  EXPECT_TRUE(has("vmstat:2")) << ::testing::PrintToString(s.warnings);
  const Cgroup* sys = s.find_cgroup("/system.slice");
  ASSERT_TRUE(sys);
  EXPECT_FALSE(sys->limit_known);
  EXPECT_TRUE(sys->stat.empty());
  EXPECT_TRUE(sys->usage_bytes);
}

TEST(FixtureDamaged, VanishedFilesAreNullOrSkippedNeverZero) {
  ScratchTree t("v1-cgroupfs-docker");
  std::filesystem::remove(t.dir / "sys/fs/cgroup/memory/system.slice/memory.usage_in_bytes");
  std::filesystem::remove(t.dir / "sys/fs/cgroup/memory/system.slice/cgroup.procs");
  std::filesystem::remove(t.dir / "proc/1011/status");
  std::filesystem::remove(t.dir / "proc/1011/exe");
  std::filesystem::remove_all(t.dir / "proc/1020");
  std::filesystem::create_directory(t.dir / "proc/1020");  // a pid dir whose files are gone: exited
  Snapshot s = read(t.paths());
  const Cgroup* sys = s.find_cgroup("/system.slice");
  ASSERT_TRUE(sys);
  EXPECT_FALSE(sys->usage_bytes);
  EXPECT_FALSE(sys->nr_procs_known);
  EXPECT_FALSE(s.find_process(1011));  // status gone = the process went away
  EXPECT_FALSE(s.find_process(1020));
  EXPECT_EQ(s.skipped, 2u);
  EXPECT_TRUE(other_warnings(s).empty()) << other_warnings(s).front();
}

TEST(FixtureDamaged, UnreadableExeIsNull) {
  ScratchTree t("v1-cgroupfs-docker");
  std::filesystem::remove(t.dir / "proc/1011/exe");
  Snapshot s = read(t.paths());
  const Process* p = s.find_process(1011);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->exe);
  EXPECT_EQ(p->cwd, "/");
}

// The engine's options for speed must not change what a snapshot says: one worker or two, and
// memory_cgroup from the cgroup walk or from /proc/<pid>/cgroup, give the same processes, cgroups,
// warnings and memory cgroups (fixture trees are not our pid namespace, so the per-pid file is read).
TEST(Fixture, WorkersAndCgroupLinesDoNotChangeTheSnapshot) {
  for (const char* name : {"v1-cgroupfs-docker", "v2-systemd-containerd-crio", "vm-6.1", "vm-6.12"}) {
    SCOPED_TRACE(name);
    SnapshotOptions one;
    one.threads = 1;
    Snapshot a = read(fixture_paths(name), one);
    for (unsigned threads : {1u, 2u, 4u}) {
      for (bool lines : {true, false}) {
        SCOPED_TRACE(testing::Message() << "threads " << threads << " cgroup_lines " << lines);
        SnapshotOptions o;
        o.threads = threads;
        o.cgroup_lines = lines;
        Snapshot b = read(fixture_paths(name), o);
        ASSERT_EQ(a.processes.size(), b.processes.size());
        ASSERT_FALSE(a.processes.empty());
        for (size_t i = 0; i < a.processes.size(); ++i) {
          const Process &x = a.processes[i], &y = b.processes[i];
          EXPECT_EQ(x.pid, y.pid);
          EXPECT_EQ(x.comm, y.comm);
          EXPECT_EQ(x.cmdline, y.cmdline);
          EXPECT_EQ(x.rss_bytes, y.rss_bytes);
          EXPECT_EQ(x.memory_cgroup, y.memory_cgroup);
          EXPECT_EQ(x.exe, y.exe);
          EXPECT_EQ(x.cwd, y.cwd);
          if (lines) EXPECT_EQ(x.cgroups.size(), y.cgroups.size());
          else EXPECT_TRUE(y.cgroups.empty());
        }
        ASSERT_EQ(a.cgroups.size(), b.cgroups.size());
        for (size_t i = 0; i < a.cgroups.size(); ++i) {
          EXPECT_EQ(a.cgroups[i].path, b.cgroups[i].path);
          EXPECT_EQ(a.cgroups[i].usage_bytes, b.cgroups[i].usage_bytes);
          EXPECT_EQ(a.cgroups[i].nr_procs, b.cgroups[i].nr_procs);
          EXPECT_EQ(a.cgroups[i].stat.items, b.cgroups[i].stat.items);
        }
        EXPECT_EQ(a.warnings, b.warnings);
        EXPECT_EQ(a.skipped, b.skipped);
      }
    }
  }
}

TEST(Fixture, SwapLimitsOnlyWhenAsked) {
  Snapshot a = read(fixture_paths("v1-cgroupfs-docker"));
  SnapshotOptions o;
  o.swap_limits = false;
  Snapshot b = read(fixture_paths("v1-cgroupfs-docker"), o);
  bool any = false;
  for (const auto& c : a.cgroups) any |= c.swap_limit_bytes.has_value();
  EXPECT_TRUE(any) << "the fixture has no memsw limit: the test proves nothing";
  for (const auto& c : b.cgroups) EXPECT_FALSE(c.swap_limit_bytes) << c.path;
}

// `snapshot -o json` keeps the /proc/<pid>/cgroup lines only where owner classification reads them:
// v1 user processes outside kubepods (their name=systemd line).
TEST(Fixture, CgroupLinesOutsideKubepodsOnly) {
  SnapshotOptions o;
  o.cgroup_lines = false;
  o.cgroup_lines_outside_kubepods = true;
  Snapshot s = read(fixture_paths("v1-cgroupfs-docker"), o);
  auto lines_of = [&](int pid) -> std::optional<size_t> {
    const Process* p = s.find_process(pid);
    if (!p) return std::nullopt;
    return p->cgroups.size();
  };
  EXPECT_GT(lines_of(2000).value_or(0), 0u);  // updatedb in /system.slice/cron.service
  EXPECT_GT(lines_of(410).value_or(0), 0u);   // kubelet.service
  EXPECT_EQ(lines_of(1010), 0u);              // nginx under /kubepods
  EXPECT_EQ(lines_of(2), 0u);                 // kernel thread
  const Process* updatedb = s.find_process(2000);
  ASSERT_NE(updatedb, nullptr);
  EXPECT_EQ(updatedb->memory_cgroup, "/system.slice/cron.service");
  // v2: the memory cgroup is the systemd cgroup; no lines needed.
  Snapshot v2 = read(fixture_paths("v2-systemd-containerd-crio"), o);
  for (const Process& p : v2.processes) EXPECT_TRUE(p.cgroups.empty()) << p.pid;
  // Off: no lines at all.
  o.cgroup_lines_outside_kubepods = false;
  Snapshot none = read(fixture_paths("v1-cgroupfs-docker"), o);
  for (const Process& p : none.processes) EXPECT_TRUE(p.cgroups.empty()) << p.pid;
}

TEST(Fixture, SurelyInKubepods) {
  EXPECT_TRUE(surely_in_kubepods("/kubepods/burstable/pod1/abc"));
  EXPECT_TRUE(surely_in_kubepods("/mst-x/kubepods"));
  EXPECT_TRUE(surely_in_kubepods("/kubepods.slice/kubepods-burstable.slice"));
  EXPECT_FALSE(surely_in_kubepods("/"));
  EXPECT_FALSE(surely_in_kubepods("/system.slice/kubepods-notes.service"));
  EXPECT_FALSE(surely_in_kubepods("/mykubepods/x"));
}

TEST(ProcessReaderListing, ListsTheSamePidsEveryTime) {
  // The listing reads a dup of the procfs fd, which shares its offset: a second call must rewind.
  HostPaths p = fixture_paths("v1-cgroupfs-docker");
  ProcessReader r(p, false, SnapshotOptions{});
  ASSERT_TRUE(r.ok());
  auto first = r.list_pids();
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(r.list_pids(), first);
  EXPECT_EQ(r.list_pids(), first);
}

// Leaves are read through their parent's fd ("<leaf>/<file>", no open of their own directory): the
// same inode, the same null for a missing file, and no row dropped unless the directory is gone.
TEST(FixtureDamaged, LeafCgroupsReadThroughTheirParent) {
  ScratchTree t("v1-cgroupfs-docker");
  std::filesystem::path mem = t.dir / "sys/fs/cgroup/memory";
  std::filesystem::remove(mem / "init.scope/memory.usage_in_bytes");
  Snapshot s = read(t.paths());
  const Cgroup* leaf = s.find_cgroup("/init.scope");
  ASSERT_TRUE(leaf);
  EXPECT_FALSE(leaf->usage_bytes);
  EXPECT_TRUE(leaf->limit_known);
  EXPECT_FALSE(leaf->stat.empty());
  EXPECT_TRUE(leaf->nr_procs_known);
  EXPECT_EQ(s.skipped, 0u);
  for (const Cgroup& c : s.cgroups) {
    SCOPED_TRACE(c.path);
    struct stat st{};
    ASSERT_EQ(::stat((mem / c.path.substr(1)).c_str(), &st), 0);
    EXPECT_EQ(c.inode, st.st_ino);
  }
}
