// SampleReader (the recorder's incremental reader) against read_snapshot on a copy of a fixture tree
// that changes between samples: a process exits, a pid appears, a process execs, values change, a
// cgroup appears, another disappears. Regular files support pread, so the kept-fd path is the one
// tested; max_kept_fds = 0 tests the open/read/close fallback.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "probe/sample_reader.hpp"
#include "probe/snapshot_reader.hpp"

using namespace ms;
namespace fs = std::filesystem;

namespace {

struct TempTree {
  fs::path dir;
  explicit TempTree(const std::string& fixture) {
    char tmpl[] = "/tmp/ms-sample-reader-XXXXXX";
    dir = ::mkdtemp(tmpl);
    fs::copy(fs::path(MEMSLEUTH_SOURCE_DIR) / "tests/fixtures" / fixture, dir,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  HostPaths paths() const {
    HostPaths p;
    p.procfs = (dir / "proc").string();
    p.sysfs = (dir / "sys").string();
    p.rootfs = (dir / "root").string();
    return p;
  }
  fs::path proc(const std::string& rel) const { return dir / "proc" / rel; }
  fs::path memcg(const std::string& rel) const {
    fs::path base = dir / "sys/fs/cgroup/memory";
    if (!fs::exists(base)) base = dir / "sys/fs/cgroup";
    return rel.empty() ? base : base / rel;
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
// In place (same inode), as the kernel changes a file: kept fds see the new content.
void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
}

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

Snapshot one_shot(const HostPaths& paths) {
  SnapshotOptions so;
  so.links = false;
  so.statvfs_tmpfs = false;
  so.threads = 1;
  auto s = read_snapshot(paths, so);
  EXPECT_TRUE(s) << (s ? "" : s.error().describe());
  return s ? std::move(*s) : Snapshot{};
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

void set_rss(const TempTree& t, int pid, uint64_t pages) {
  std::string statm = slurp(t.proc(std::to_string(pid) + "/statm"));
  std::istringstream in(statm);
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  ASSERT_GE(f.size(), 4u);
  f[1] = std::to_string(pages);
  std::string out;
  for (const auto& w : f) out += (out.empty() ? "" : " ") + w;
  write(t.proc(std::to_string(pid) + "/statm"), out + "\n");
  std::string status = slurp(t.proc(std::to_string(pid) + "/status"));
  std::istringstream sin(status);
  std::string res;
  for (std::string line; std::getline(sin, line);) {
    if (line.rfind("VmRSS:", 0) == 0) line = "VmRSS:\t" + std::to_string(pages * 4) + " kB";
    if (line.rfind("RssAnon:", 0) == 0) line = "RssAnon:\t" + std::to_string(pages * 4) + " kB";
    if (line.rfind("RssFile:", 0) == 0) line = "RssFile:\t0 kB";
    if (line.rfind("RssShmem:", 0) == 0) line = "RssShmem:\t0 kB";
    res += line + "\n";
  }
  write(t.proc(std::to_string(pid) + "/status"), res);
  // stat's rss (field 24), read instead of statm when no fd is kept
  std::string stat = slurp(t.proc(std::to_string(pid) + "/stat"));
  size_t close = stat.rfind(')');
  std::istringstream fin(stat.substr(close + 2));
  std::vector<std::string> sf;
  for (std::string w; fin >> w;) sf.push_back(w);
  sf[21] = std::to_string(pages);
  std::string rest;
  for (const auto& w : sf) rest += " " + w;
  write(t.proc(std::to_string(pid) + "/stat"), stat.substr(0, close + 1) + rest + "\n");
}

// New process: a copy of `from` under a new pid, with its own start time.
void spawn(const TempTree& t, int from, int pid) {
  fs::copy(t.proc(std::to_string(from)), t.proc(std::to_string(pid)), fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::string stat = slurp(t.proc(std::to_string(pid) + "/stat"));
  stat = std::to_string(pid) + stat.substr(stat.find(' '));
  // field 22 (start time): the 20th field after the comm's ')'
  size_t close = stat.rfind(')');
  std::istringstream in(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  f[19] = std::to_string(std::stoull(f[19]) + 777);
  std::string rest;
  for (const auto& w : f) rest += " " + w;
  write(t.proc(std::to_string(pid) + "/stat"), stat.substr(0, close + 1) + rest + "\n");
}

// exec: new comm (stat, status, comm), new argv, new text size.
void exec_as(const TempTree& t, int pid, const std::string& comm) {
  std::string d = std::to_string(pid);
  std::string stat = slurp(t.proc(d + "/stat"));
  size_t open = stat.find('('), close = stat.rfind(')');
  write(t.proc(d + "/stat"), stat.substr(0, open + 1) + comm + stat.substr(close));
  std::string status = slurp(t.proc(d + "/status"));
  write(t.proc(d + "/status"), "Name:\t" + comm + status.substr(status.find('\n')));
  write(t.proc(d + "/comm"), comm + "\n");
  std::string argv = comm + std::string(1, '\0') + "--new" + std::string(1, '\0');
  write(t.proc(d + "/cmdline"), argv);
  std::string statm = slurp(t.proc(d + "/statm"));
  std::istringstream in(statm);
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  f[3] = std::to_string(std::stoull(f[3]) + 1);
  std::string out;
  for (const auto& w : f) out += (out.empty() ? "" : " ") + w;
  write(t.proc(d + "/statm"), out + "\n");
}

// A leaf cgroup of the tree (relative path), found by its memory.stat and no subdirectory.
std::string leaf_cgroup(const TempTree& t, const std::string& containing) {
  for (auto& e : fs::recursive_directory_iterator(t.memcg(""))) {
    if (!e.is_directory()) continue;
    bool leaf = true;
    for (auto& k : fs::directory_iterator(e.path())) leaf &= !k.is_directory();
    std::string rel = fs::relative(e.path(), t.memcg("")).string();
    if (leaf && rel.find(containing) != std::string::npos) return rel;
  }
  return "";
}

// A kernel counts RSS in pages: statm, stat and status agree. Hand-written fixture values that are
// not a whole number of pages (status 450 kB) are rounded down the way the kernel would count them.
void whole_pages(const TempTree& t) {
  for (auto& e : fs::directory_iterator(t.dir / "proc")) {
    std::string name = e.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0])) || !fs::exists(e.path() / "statm")) continue;
    std::string status = slurp(e.path() / "status");
    size_t at = status.find("VmRSS:");
    if (at == std::string::npos) continue;
    uint64_t kb = std::stoull(status.substr(at + 6));
    if (kb % 4 != 0) set_rss(t, std::stoi(name), kb / 4);
  }
}

void run_scenario(const std::string& fixture, SampleReaderOptions opts) {
  TempTree t(fixture);
  whole_pages(t);
  HostPaths paths = t.paths();
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
  write(t.memcg(cg) / (v2 ? "memory.current" : "memory.usage_in_bytes"), "987654321\n");
  write(t.memcg(cg) / (v2 ? "memory.max" : "memory.limit_in_bytes"), "1073741824\n");
  write(t.memcg(cg) / "memory.stat", slurp(t.memcg(cg) / "memory.stat") + "extra_key 42\n");
  step(fixture + ": values changed");

  // A process exits, a pid appears, another execs.
  fs::remove_all(t.proc(std::to_string(leaf)));
  spawn(t, parent ? parent : 1, 31337);
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
