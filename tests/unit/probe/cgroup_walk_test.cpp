// The cgroup walk has no depth limit and meets each directory once; what it cannot read is named.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../../support/hang_guard.hpp"
#include "probe/sample_reader.hpp"
#include "probe/snapshot_reader.hpp"

using namespace ms;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A minimal v1 fake host: meminfo, and a memory hierarchy in sys/fs/cgroup/memory.
struct FakeHost {
  std::string base;
  HostPaths paths;
  std::string memroot;
  FakeHost() {
    char tmpl[] = "/tmp/ms-walk-XXXXXX";
    base = ::mkdtemp(tmpl);
    paths.procfs = base + "/proc";
    paths.sysfs = base + "/sys";
    paths.rootfs = base + "/root";
    fs::create_directories(paths.procfs);
    fs::create_directories(paths.rootfs);
    std::ofstream(paths.procfs + "/meminfo") << "MemTotal: 1048576 kB\nMemFree: 524288 kB\n";
    memroot = paths.sysfs + "/fs/cgroup/memory";
    cgroup(memroot);
  }
  ~FakeHost() { fs::remove_all(base); }
  static void cgroup(const std::string& dir) {
    fs::create_directories(dir);
    std::ofstream(dir + "/memory.usage_in_bytes") << "4096\n";
    std::ofstream(dir + "/memory.limit_in_bytes") << "9223372036854771712\n";
  }
};

SnapshotOptions no_processes() {
  SnapshotOptions o;
  o.processes = false;
  o.statvfs_tmpfs = false;
  return o;
}

}  // namespace

// 3,000 levels: the old walk stopped at 64 without a word. Paths this deep are longer than PATH_MAX,
// so the chain is made with relative mkdir from each level.
TEST(CgroupWalk, AThreeThousandDeepChainIsWalkedWhole) {
  FakeHost h;
  constexpr int kDepth = 3000;
  int fd = ::open(h.memroot.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < kDepth; ++i) {
    ASSERT_EQ(::mkdirat(fd, "d", 0755), 0) << i;
    int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY);
    ::close(fd);
    ASSERT_GE(next, 0);
    fd = next;
    for (const char* f : {"memory.usage_in_bytes", "memory.limit_in_bytes"}) {
      int w = ::openat(fd, f, O_WRONLY | O_CREAT, 0644);
      ASSERT_EQ(::write(w, "4096\n", 5), 5);
      ::close(w);
    }
  }
  ::close(fd);
  // No more than a few fds are held at once however deep: a low RLIMIT_NOFILE still walks it all.
  ASSERT_TRUE(test_support::finishes_within(120s, [&] {
    rlimit rl{256, 256};
    ::setrlimit(RLIMIT_NOFILE, &rl);
    auto s = read_snapshot(h.paths, no_processes());
    ::_exit(s && s->cgroups.size() == kDepth + 1 ? 0 : 1);
  }));
  auto s = read_snapshot(h.paths, no_processes());
  ASSERT_TRUE(s);
  ASSERT_EQ(s->cgroups.size(), size_t{kDepth} + 1);
  std::string deepest;
  for (int i = 0; i < kDepth; ++i) deepest += "/d";
  EXPECT_TRUE(s->find_cgroup(deepest));
  EXPECT_EQ(s->find_cgroup(deepest)->usage_bytes, 4096u);
  // The recorder's reader walks it whole too.
  SampleReader r(h.paths);
  auto snap = r.read();
  ASSERT_TRUE(snap);
  EXPECT_EQ((*snap)->cgroups.size(), size_t{kDepth} + 1);
}

// An ancestor bind-mounted inside its own subtree makes an endless path: walked once, and named.
// Needs root for a private mount namespace; the mount never leaves the child process.
TEST(CgroupWalk, ABindMountLoopIsWalkedOnceAndNamed) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (mount namespace)";
  FakeHost h;
  FakeHost::cgroup(h.memroot + "/a/b/c");
  FakeHost::cgroup(h.memroot + "/a/b/loop");
  FakeHost::cgroup(h.memroot + "/a/b/loop/keep");  // not a leaf: the loop is entered as a directory
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(60);
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(3);
    if (::mount((h.memroot + "/a").c_str(), (h.memroot + "/a/b/loop").c_str(), nullptr, MS_BIND, nullptr) != 0)
      ::_exit(4);
    auto s = read_snapshot(h.paths, no_processes());
    if (!s) ::_exit(5);
    bool named = false;
    for (const auto& w : s->warnings)
      named |= w.find("/a/b/loop") != std::string::npos && w.find("loop") != std::string::npos;
    // /, /a, /a/b, /a/b/c: the loop itself is not entered.
    if (s->cgroups.size() != 4 || !named) ::_exit(6);
    SampleReader r(h.paths);
    auto snap = r.read();
    if (!snap || (*snap)->cgroups.size() != 4) ::_exit(7);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed: the walk did not end";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A cgroup file that exists but cannot be read is named, never dropped silently.
TEST(CgroupWalk, UnreadableFilesAreNamedInTheWarnings) {
  FakeHost h;
  FakeHost::cgroup(h.memroot + "/pod");
  std::string stat = h.memroot + "/pod/memory.stat";
  ASSERT_EQ(::mkfifo(stat.c_str(), 0644), 0);
  auto s = read_snapshot(h.paths, no_processes());
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->find_cgroup("/pod"));
  EXPECT_EQ(s->find_cgroup("/pod")->usage_bytes, 4096u);
  bool named = false;
  for (const auto& w : s->warnings)
    named |= w.find(stat) != std::string::npos && w.find("unreadable") != std::string::npos;
  EXPECT_TRUE(named) << (s->warnings.empty() ? "no warnings" : s->warnings.front());
}
