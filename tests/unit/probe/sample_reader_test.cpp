// SampleReader (the recorder's incremental reader) against read_snapshot on a copy of a fixture tree
// that changes between samples: a process exits, a pid appears, a process execs, values change, a
// cgroup appears, another disappears. Regular files support pread, so the kept-fd path is the one
// tested; max_kept_fds = 0 tests the open/read/close fallback.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <numeric>
#include <sstream>

#include "../../support/cgroup_walk_builder.hpp"
#include "../../support/task_walk_builder.hpp"
#include "probe/bpf/bpf.hpp"
#include "probe/sample_reader.hpp"
#include "probe/snapshot_reader.hpp"
#include "sample_tree.hpp"

using namespace ms;
using namespace ms::testing;
namespace fs = std::filesystem;

namespace {

std::string describe(const Process& p) {
  std::ostringstream o;
  o << p.pid << " ppid=" << p.ppid << " state=" << p.state << " start=" << p.start_time << " comm=" << p.comm
    << " uid=" << (p.uid ? std::to_string(*p.uid) : "-") << " k=" << p.kernel_thread << " thr=" << p.threads;
  auto opt = [&](const char* n, const std::optional<uint64_t>& v) { o << " " << n << "=" << (v ? std::to_string(*v) : "-"); };
  opt("rss", p.rss_bytes);
  opt("anon", p.rss_anon_bytes);
  opt("file", p.rss_file_bytes);
  opt("shmem", p.rss_shmem_bytes);
  opt("swap", p.swap_bytes);
  o << " cg=" << p.memory_cgroup.value_or("-") << " argv=";
  for (const auto& a : p.cmdline) o << a << "|";
  for (const auto& l : p.cgroups)
    if (l.controllers == "memory" || l.controllers == "name=systemd" || l.controllers.empty())
      o << " [" << l.hierarchy_id << ":" << l.controllers << ":" << l.path << "]";
  o << " lines=" << p.cgroups.size();
  return o.str();
}

std::string describe_kv(const KeyValues& kv) {
  std::string s;
  for (const auto& [k, v] : kv.items) s += k + "=" + std::to_string(v) + " ";
  return s;
}

std::string describe(const Cgroup& c, bool detail) {
  std::ostringstream o;
  o << c.path << " ino=" << c.inode << " usage=" << (c.usage_bytes ? std::to_string(*c.usage_bytes) : "-")
    << " meminfo=" << c.usage_from_meminfo << " limit=" << (c.limit_bytes ? std::to_string(*c.limit_bytes) : "-")
    << " known=" << c.limit_known;
  if (detail) {
    o << " swap=" << (c.swap_limit_bytes ? std::to_string(*c.swap_limit_bytes) : "-")
      << " failcnt=" << (c.failcnt ? std::to_string(*c.failcnt) : "-") << " procs=" << c.nr_procs << "/"
      << c.nr_procs_known << " stat=" << describe_kv(c.stat) << " events=" << describe_kv(c.events);
  }
  return o.str();
}

// Line by line, only the lines that differ.
void expect_lines(const std::vector<std::string>& got, const std::vector<std::string>& want, const char* what) {
  EXPECT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i)
    EXPECT_EQ(got[i], want[i]) << what << " #" << i;
}

// Everything the recorder stores (and its analyses read), after a full completion.
void expect_same(const Snapshot& want, const Snapshot& got, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(got.boot_time, want.boot_time);
  EXPECT_EQ(got.cgroup_version, want.cgroup_version);
  EXPECT_EQ(got.memory_on_v2, want.memory_on_v2);
  EXPECT_EQ(got.memory_root, want.memory_root);
  EXPECT_EQ(got.memory_root_path, want.memory_root_path);
  EXPECT_EQ(describe_kv(got.meminfo), describe_kv(want.meminfo));
  EXPECT_EQ(describe_kv(got.vmstat), describe_kv(want.vmstat));
  EXPECT_EQ(got.psi.has_value(), want.psi.has_value());
  if (got.psi && want.psi) {
    EXPECT_EQ(got.psi->some.total_us, want.psi->some.total_us);
  }
  EXPECT_EQ(got.slab_readable, want.slab_readable);
  EXPECT_EQ(got.slab.size(), want.slab.size());
  EXPECT_EQ(got.mounts.size(), want.mounts.size());
  std::vector<std::string> a, b;
  for (const auto& p : want.processes) a.push_back(describe(p));
  for (const auto& p : got.processes) b.push_back(describe(p));
  expect_lines(b, a, "processes");
  a.clear();
  b.clear();
  for (const auto& c : want.cgroups) a.push_back(describe(c, true));
  for (const auto& c : got.cgroups) b.push_back(describe(c, true));
  expect_lines(b, a, "cgroups");
}

// A regular sample: every process's RSS and every cgroup's usage and limit, and everything about
// the cgroups the reader reads in full.
void expect_regular(const Snapshot& want, const Snapshot& got, const std::string& what) {
  SCOPED_TRACE(what + " (regular sample)");
  ASSERT_EQ(got.processes.size(), want.processes.size());
  for (size_t i = 0; i < got.processes.size(); ++i) {
    EXPECT_EQ(got.processes[i].pid, want.processes[i].pid);
    EXPECT_EQ(got.processes[i].start_time, want.processes[i].start_time);
    EXPECT_EQ(got.processes[i].rss_bytes, want.processes[i].rss_bytes) << got.processes[i].pid;
    EXPECT_EQ(got.processes[i].memory_cgroup, want.processes[i].memory_cgroup) << got.processes[i].pid;
    // Identity is read at first sight and again on the signs of a change (an exec's new text size).
    EXPECT_EQ(got.processes[i].comm, want.processes[i].comm) << got.processes[i].pid;
    EXPECT_EQ(got.processes[i].cmdline, want.processes[i].cmdline) << got.processes[i].pid;
    EXPECT_EQ(got.processes[i].ppid, want.processes[i].ppid) << got.processes[i].pid;
  }
  ASSERT_EQ(got.cgroups.size(), want.cgroups.size());
  for (size_t i = 0; i < got.cgroups.size(); ++i) {
    bool detail = got.cgroups[i].nr_procs_known || !got.cgroups[i].stat.empty();
    EXPECT_EQ(describe(got.cgroups[i], detail), describe(want.cgroups[i], detail));
  }
}

void full_complete(SampleReader& r, Snapshot& s) {
  std::vector<size_t> pi(s.processes.size()), ci(s.cgroups.size());
  std::iota(pi.begin(), pi.end(), 0);
  std::iota(ci.begin(), ci.end(), 0);
  r.complete_processes(pi);
  r.complete_cgroups(ci);
}

// A user process of the tree with children or without, not pid 1.
int pick(const Snapshot& s, bool with_children) {
  for (const auto& p : s.processes) {
    if (p.kernel_thread || p.pid <= 1 || p.state == 'Z') continue;
    bool has = false;
    for (const auto& q : s.processes) has |= q.ppid == p.pid;
    if (has == with_children) return p.pid;
  }
  return 0;
}

// Every value read every sample, as read_snapshot reads it: what the scenarios compare. The
// cadences are tested in sample_reader_cadence_test.cpp.
SampleReaderOptions exact(SampleReaderOptions o) {
  o.rss_refresh_samples = 1;
  o.settings_refresh_samples = 1;
  o.slab_refresh_samples = 1;
  o.stat_refresh_samples = 1;
  o.nr_procs_from_processes = false;
  return o;
}

// A walk built byte by byte, read into the reader's buffer as an iterator's read(2)s give it.
Result<void> hand_over(const fs::path& file, const std::string& data, bpf::IterBuf& buf) {
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << data;
  }
  bpf::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  return buf.read_all(fd.get());
}

// A BPF task walk of the tree as it is now, as the kernel would give it: one record per process
// with its procfs values, its cgroup directory's inode as the cgroup id and its text size as the
// exec count (exec_as changes it). without_init: the walk leaves out PID 1 (seen on 6.18).
std::function<Result<void>(bpf::IterBuf&)> walk_of(const TempTree& t, bool without_init) {
  return [&t, without_init](bpf::IterBuf& buf) -> Result<void> {
    HostPaths paths = t.paths();
    Snapshot s = one_shot(paths);
    WalkBuilder b(s.memory_on_v2 ? MS_FEAT_CGROUP_V2 : 0);
    for (const auto& p : s.processes) {
      if (without_init && p.pid == 1) continue;
      struct stat st {};
      uint64_t ino = 0;
      if (p.memory_cgroup && ::stat((s.memory_root + *p.memory_cgroup).c_str(), &st) == 0) ino = st.st_ino;
      std::istringstream statm(slurp(t.proc(std::to_string(p.pid) + "/statm")));
      uint64_t f = 0, text = 0;
      for (int i = 0; i < 4 && statm >> f; ++i) text = f;
      b.process(p, ino, static_cast<uint32_t>(text));
    }
    b.end();
    return hand_over(t.dir / "walk.bin", b.data, buf);
  };
}

// A BPF cgroup walk of the tree as it is now: one record per cgroup whose usage and limit files
// hold whole pages (what a kernel prints; the others are left out, and read from their files), with
// their swap limit and failcnt files. The root's usage is off by a page on purpose: v1 computes the
// root's file from statistics, so a reader must not take the walk's number for it. `tweak` changes
// the record of one cgroup (by path) before it is written.
using CgroupTweak = std::function<void(const std::string& path, uint64_t& usage, uint64_t& max, uint32_t& failcnt)>;
std::function<Result<void>(bpf::IterBuf&)> cgroup_walk_of(const TempTree& t, CgroupTweak tweak = {}) {
  return [&t, tweak](bpf::IterBuf& buf) -> Result<void> {
    HostPaths paths = t.paths();
    Snapshot s = one_shot(paths);
    auto pages = [](const fs::path& f, uint64_t& out) {
      if (!fs::exists(f)) return false;
      std::string text = slurp(f);
      if (text.rfind("max", 0) == 0) {
        out = CgroupWalkBuilder::kCounterMax;
        return true;
      }
      uint64_t v = std::stoull(text);
      if (v >= (uint64_t{1} << 62)) {
        out = CgroupWalkBuilder::kCounterMax;
        return true;
      }
      out = v / 4096;
      return v % 4096 == 0;
    };
    struct stat rst {};
    ::stat(s.memory_root.c_str(), &rst);
    bool v2 = s.memory_on_v2;
    CgroupWalkBuilder b(v2, rst.st_ino);
    for (const auto& c : s.cgroups) {
      fs::path dir = s.memory_root + (c.path == "/" ? "" : c.path);
      bool root = c.path == "/";
      uint64_t usage = 0, max = CgroupWalkBuilder::kCounterMax, swap = 0;
      if (!pages(dir / (v2 ? "memory.current" : "memory.usage_in_bytes"), usage) && !root) continue;
      if (!pages(dir / (v2 ? "memory.max" : "memory.limit_in_bytes"), max) && !root) continue;
      uint16_t flags = root ? MS_CG_ROOT : 0;
      if (root) usage += 1;
      if (pages(dir / (v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes"), swap)) flags |= MS_CG_SWAP_MAX;
      uint32_t failcnt = 0;
      if (fs::exists(dir / "memory.failcnt")) failcnt = static_cast<uint32_t>(std::stoull(slurp(dir / "memory.failcnt")));
      if (tweak) tweak(c.path, usage, max, failcnt);
      b.cgroup(c.inode, flags, usage, max, swap, failcnt);
    }
    b.end();
    return hand_over(t.dir / "cgroup-walk.bin", b.data, buf);
  };
}

enum class Walk { kNone, kTasks, kTasksWithoutInit, kTasksAndCgroups };

void run_scenario(const std::string& fixture, SampleReaderOptions opts, Walk walk = Walk::kNone) {
  opts = exact(opts);
  TempTree t(fixture);
  whole_pages(t);
  HostPaths paths = t.paths();
  if (walk != Walk::kNone) opts.task_walk = walk_of(t, walk == Walk::kTasksWithoutInit);
  if (walk == Walk::kTasksAndCgroups) opts.cgroup_walk = cgroup_walk_of(t);
  SampleReader r(paths, opts);
  auto step = [&](const std::string& what) {
    auto got = r.read();
    ASSERT_TRUE(got) << got.error().describe();
    Snapshot want = one_shot(paths);
    expect_regular(want, **got, what);
    full_complete(r, **got);
    expect_same(want, **got, what);
  };
  step(fixture + ": first sample");
  step(fixture + ": nothing changed");

  Snapshot s = one_shot(paths);
  int leaf = pick(s, false), parent = pick(s, true);
  ASSERT_NE(leaf, 0);
  // A value changes: a process's RSS, a cgroup's usage, limit and stat.
  set_rss(t, leaf, 12345);
  std::string cg = leaf_cgroup(t, "");
  ASSERT_FALSE(cg.empty());
  bool v2 = fs::exists(t.memcg(cg) / "memory.current");
  write(t.memcg(cg) / (v2 ? "memory.current" : "memory.usage_in_bytes"), "987652096\n");  // whole pages, as a kernel's
  write(t.memcg(cg) / (v2 ? "memory.max" : "memory.limit_in_bytes"), "1073741824\n");
  write(t.memcg(cg) / "memory.stat", slurp(t.memcg(cg) / "memory.stat") + "extra_key 42\n");
  step(fixture + ": values changed");

  // A process exits, a pid appears, another execs.
  fs::remove_all(t.proc(std::to_string(leaf)));
  spawn(t, parent ? parent : 1, 31337);
  // ... and one between known pids (merged in among the kept ones, not appended).
  int mid = s.processes[s.processes.size() / 2].pid + 1;
  while (fs::exists(t.proc(std::to_string(mid)))) ++mid;
  spawn(t, parent ? parent : 1, mid);
  int other = pick(one_shot(paths), false);
  if (other) exec_as(t, other, "updatedb");
  step(fixture + ": exit, new pid, exec");
  step(fixture + ": the new pid's second sample");

  // A cgroup appears (a copy of a leaf, under it), another disappears.
  std::string gone = leaf_cgroup(t, "");
  fs::path fresh = t.memcg(gone) / "newchild";
  fs::create_directory(fresh);
  for (auto& e : fs::directory_iterator(t.memcg(gone)))
    if (e.is_regular_file()) fs::copy_file(e.path(), fresh / e.path().filename());
  step(fixture + ": a cgroup appears");
  fs::remove_all(t.memcg(gone));
  step(fixture + ": a cgroup subtree disappears");
  // Removed and created again under the same path: a new cgroup (new inode).
  std::string again = leaf_cgroup(t, "");
  fs::path tmp = t.dir / "saved-cgroup";
  fs::copy(t.memcg(again), tmp, fs::copy_options::recursive);
  fs::remove_all(t.memcg(again));
  fs::copy(tmp, t.memcg(again), fs::copy_options::recursive);
  step(fixture + ": a cgroup recreated under its path");
}

}  // namespace

TEST(SampleReader, SameAsReadSnapshotV1) { run_scenario("v1-cgroupfs-docker", {}); }

TEST(SampleReader, SameAsReadSnapshotV2) { run_scenario("v2-systemd-containerd-crio", {}); }

// Processes from a BPF task walk (the recorder's way where BPF is available): the same snapshot.
TEST(SampleReader, SameAsReadSnapshotFromTaskWalkV1) {
  run_scenario("v1-cgroupfs-docker", {}, Walk::kTasks);
}

TEST(SampleReader, SameAsReadSnapshotFromTaskWalkV2) {
  run_scenario("v2-systemd-containerd-crio", {}, Walk::kTasks);
}

// Cgroup counters from a BPF cgroup walk too (usage, limit, swap limit, v1 failcnt): the same snapshot.
TEST(SampleReader, SameAsReadSnapshotFromCgroupWalkV1) {
  run_scenario("v1-cgroupfs-docker", {}, Walk::kTasksAndCgroups);
}

TEST(SampleReader, SameAsReadSnapshotFromCgroupWalkV2) {
  run_scenario("v2-systemd-containerd-crio", {}, Walk::kTasksAndCgroups);
}

// The walk's numbers are the ones used (not the files'), every sample, but for the root's usage and a
// failcnt the record could not hold; a walk that fails is a warning, once, and the files that sample.
TEST(SampleReader, CgroupWalkNumbersAreUsed) {
  for (const char* fixture : {"v1-cgroupfs-docker", "v2-systemd-containerd-crio"}) {
    SCOPED_TRACE(fixture);
    TempTree t(fixture);
    whole_pages(t);
    HostPaths paths = t.paths();
    std::string leaf = "/" + leaf_cgroup(t, "");
    bool broken = false;
    SampleReaderOptions o;  // the recorder's cadences: the walk's limits are read every sample anyway
    auto walk = cgroup_walk_of(t, [&](const std::string& path, uint64_t& usage, uint64_t& max, uint32_t& failcnt) {
      if (path != leaf) return;
      usage = 3000;  // 12 MB: above the 4 MiB floor, so read in full (failcnt included)
      max = 4000;
      failcnt = 77;
    });
    int walks = 0;
    o.cgroup_walk = [&](bpf::IterBuf& buf) -> Result<void> {
      ++walks;
      if (broken) return fail(Error{Error::Kind::kIo, {}, 0, "cgroup walk broke"});
      return walk(buf);
    };
    SampleReader r(paths, o);
    Snapshot want = one_shot(paths);
    for (int i = 0; i < 3; ++i) {
      auto got = r.read();
      ASSERT_TRUE(got);
      const Cgroup* c = (*got)->find_cgroup(leaf);
      ASSERT_NE(c, nullptr) << leaf;
      EXPECT_EQ(c->usage_bytes, std::optional<uint64_t>(3000 * 4096)) << "sample " << i;
      EXPECT_EQ(c->limit_bytes, std::optional<uint64_t>(4000 * 4096)) << "sample " << i;
      if (!(*got)->memory_on_v2) {
        EXPECT_EQ(c->failcnt, std::optional<uint64_t>(77)) << "sample " << i;
      }
      EXPECT_EQ((*got)->cgroups[0].usage_bytes, want.cgroups[0].usage_bytes) << "the root's usage is its file's";
    }
    broken = true;
    for (int i = 0; i < 2; ++i) {
      auto got = r.read();
      ASSERT_TRUE(got);
      const Cgroup* c = (*got)->find_cgroup(leaf);
      ASSERT_NE(c, nullptr);
      EXPECT_EQ(c->usage_bytes, want.find_cgroup(leaf)->usage_bytes) << "the file's, after a failed walk";
      size_t warned = 0;
      for (const auto& w : (*got)->warnings) warned += w.find("cgroup walk broke") != std::string::npos;
      EXPECT_EQ(warned, i == 0 ? 1u : 0u) << "warned once, not every sample";
    }
    EXPECT_EQ(walks, 4) << "a failed walk is not tried again every sample";
    broken = false;
    int since = 1;  // samples since the failed one (the second broken read above)
    while (walks == 4 && since < 100) {
      ASSERT_TRUE(r.read());
      ++since;
    }
    EXPECT_EQ(since, 60) << "tried again 60 samples after the failure";
    auto got = r.read();
    ASSERT_TRUE(got);
    EXPECT_EQ((*got)->find_cgroup(leaf)->usage_bytes, std::optional<uint64_t>(3000 * 4096)) << "the walk's again";
  }
}

// The walk's signs alone (exec count, cgroup id, ppid, comm), without the rolling refresh, and a
// walk that leaves out PID 1.
TEST(SampleReader, TaskWalkSignsWithoutRollingRefresh) {
  SampleReaderOptions o;
  o.identity_refresh_per_sample = 0;
  run_scenario("v1-cgroupfs-docker", o, Walk::kTasksWithoutInit);
  run_scenario("v2-systemd-containerd-crio", o, Walk::kTasksWithoutInit);
}

// A walk that fails: a warning, and procfs for that sample.
TEST(SampleReader, FailedTaskWalkFallsBackToProcfs) {
  TempTree t("v1-cgroupfs-docker");
  whole_pages(t);
  HostPaths paths = t.paths();
  SampleReaderOptions o = exact({});
  int calls = 0;
  o.task_walk = [&calls](bpf::IterBuf&) -> Result<void> {
    ++calls;
    return fail(Error{Error::Kind::kIo, {}, 0, "walk broke"});
  };
  SampleReader r(paths, o);
  for (int i = 0; i < 2; ++i) {
    auto got = r.read();
    ASSERT_TRUE(got);
    Snapshot want = one_shot(paths);
    expect_regular(want, **got, "failed walk");
    size_t warned = 0;
    for (const auto& w : (*got)->warnings) warned += w.find("walk broke") != std::string::npos;
    EXPECT_EQ(warned, i == 0 ? 1u : 0u) << "warned once, not every sample";
  }
  EXPECT_EQ(calls, 2);
}

// No rolling refresh: an exec must be caught by its own signs (statm's text size).
TEST(SampleReader, ExecSeenWithoutRollingRefresh) {
  SampleReaderOptions o;
  o.identity_refresh_per_sample = 0;
  run_scenario("v1-cgroupfs-docker", o);
}

// No fd budget: every file is opened, read and closed each sample; same snapshot.
TEST(SampleReader, NoKeptFds) {
  SampleReaderOptions o;
  o.max_kept_fds = 0;
  o.identity_refresh_per_sample = 0;
  run_scenario("v1-cgroupfs-docker", o);
  run_scenario("v2-systemd-containerd-crio", o);
}

// No inotify watch on the cgroup directories: every directory is stat'ed each sample to find new
// and removed cgroups (the scenarios above find them through inotify).
TEST(SampleReader, NoCgroupWatches) {
  SampleReaderOptions o;
  o.watch_cgroups = false;
  run_scenario("v1-cgroupfs-docker", o);
  run_scenario("v2-systemd-containerd-crio", o);
}

TEST(SampleReader, KeepsFdsWithinTheBudget) {
  TempTree t("v1-cgroupfs-docker");
  SampleReaderOptions o;
  o.max_kept_fds = 10;
  SampleReader r(t.paths(), o);
  ASSERT_TRUE(r.read());
  EXPECT_LE(r.kept_fds(), 10u);
  SampleReader unbounded(t.paths(), {});
  ASSERT_TRUE(unbounded.read());
  EXPECT_GT(unbounded.kept_fds(), 10u);
}
