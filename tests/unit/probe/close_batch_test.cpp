// Deferred closes (probe/close_batch.hpp) and read_snapshot with them: same snapshot, no fd left
// open, the soft RLIMIT_NOFILE restored, and the fallbacks (budget reached, no budget).
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "probe/close_batch.hpp"
#include "probe/snapshot_reader.hpp"
#include "../../support/fixture_paths.hpp"

using namespace ms;
using ms::test_fixtures::fixture_paths;

namespace {

// Open fds of this process, as /proc/self/fd lists them (minus the one used to list them).
size_t open_fds() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;
}

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }


std::vector<int> open_n(int n) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) fds.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  return fds;
}

}  // namespace

TEST(CloseBatch, ClosesOnlyWhatItWasGivenInRuns) {
  size_t before = open_fds();
  std::vector<int> fds = open_n(12);
  for (int fd : fds) ASSERT_GE(fd, 0);
  {
    CloseBatch b(100);
    ASSERT_EQ(b.budget(), 100u);
    // Give all but two in the middle: those must stay open (a gap splits the run).
    for (size_t i = 0; i < fds.size(); ++i)
      if (i != 5 && i != 6) b.close(fds[i]);
    for (int fd : fds) EXPECT_TRUE(is_open(fd)) << fd;  // nothing closed yet
    EXPECT_EQ(b.deferred(), 10u);
    b.flush();
    for (size_t i = 0; i < fds.size(); ++i) EXPECT_EQ(is_open(fds[i]), i == 5 || i == 6) << fds[i];
    EXPECT_GE(b.bulk_calls(), 1u);
  }
  EXPECT_TRUE(is_open(fds[5]));
  ::close(fds[5]);
  ::close(fds[6]);
  EXPECT_EQ(open_fds(), before);
}

TEST(CloseBatch, BudgetReachedClosesInBulkAndZeroBudgetClosesAtOnce) {
  size_t before = open_fds();
  {
    CloseBatch b(4);
    std::vector<int> fds = open_n(10);
    for (int fd : fds) b.close(fd);
    // Two full batches of 4 are closed already; 2 wait.
    size_t still = 0;
    for (int fd : fds) still += is_open(fd);
    EXPECT_EQ(still, 2u);
  }
  EXPECT_EQ(open_fds(), before);
  {
    CloseBatch none(0);  // no budget: the fallback closes every file at once
    EXPECT_EQ(none.budget(), 0u);
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    none.close(fd);
    EXPECT_FALSE(is_open(fd));
    EXPECT_EQ(none.deferred(), 0u);
  }
  EXPECT_EQ(open_fds(), before);
}

TEST(CloseBatch, SoftLimitRaisedThenRestoredAndBudgetWithinIt) {
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  rlimit low = lim;
  low.rlim_cur = std::min<rlim_t>(lim.rlim_max, 256);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  {
    CloseBatch b(size_t{1} << 30);
    rlimit during{};
    ::getrlimit(RLIMIT_NOFILE, &during);
    EXPECT_EQ(during.rlim_cur, lim.rlim_max);  // raised to the hard limit
    // Never more than half of it held here.
    EXPECT_LE(b.budget(), during.rlim_cur == RLIM_INFINITY ? b.budget() : during.rlim_cur / 2);
  }
  rlimit after{};
  ::getrlimit(RLIMIT_NOFILE, &after);
  EXPECT_EQ(after.rlim_cur, low.rlim_cur);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lim), 0);
}

// The snapshot with deferred closes is the snapshot without, at every budget (0 = the fallback,
// 3 = many bulk closes mid-scan, large = one at the end), and leaves no fd open.
TEST(CloseBatch, SnapshotUnchangedAndNoFdLeaks) {
  for (const char* name : {"v1-cgroupfs-docker", "v2-systemd-containerd-crio", "vm-6.1", "vm-6.12"}) {
    SCOPED_TRACE(name);
    SnapshotOptions plain;
    plain.cgroup_lines = false;
    auto a = read_snapshot(fixture_paths(name), plain);
    ASSERT_TRUE(a);
    for (size_t budget : {size_t{0}, size_t{1}, size_t{3}, size_t{100000}}) {
      for (unsigned threads : {1u, 2u}) {
        SCOPED_TRACE(testing::Message() << "budget " << budget << " threads " << threads);
        size_t before = open_fds();
        SnapshotOptions o = plain;
        o.defer_close = budget;
        o.threads = threads;
        auto b = read_snapshot(fixture_paths(name), o);
        EXPECT_EQ(open_fds(), before);
        ASSERT_TRUE(b);
        ASSERT_EQ(a->processes.size(), b->processes.size());
        for (size_t i = 0; i < a->processes.size(); ++i) {
          EXPECT_EQ(a->processes[i].pid, b->processes[i].pid);
          EXPECT_EQ(a->processes[i].cmdline, b->processes[i].cmdline);
          EXPECT_EQ(a->processes[i].rss_bytes, b->processes[i].rss_bytes);
          EXPECT_EQ(a->processes[i].memory_cgroup, b->processes[i].memory_cgroup);
          EXPECT_EQ(a->processes[i].exe, b->processes[i].exe);
        }
        ASSERT_EQ(a->cgroups.size(), b->cgroups.size());
        for (size_t i = 0; i < a->cgroups.size(); ++i) {
          EXPECT_EQ(a->cgroups[i].path, b->cgroups[i].path);
          EXPECT_EQ(a->cgroups[i].usage_bytes, b->cgroups[i].usage_bytes);
          EXPECT_EQ(a->cgroups[i].stat.items, b->cgroups[i].stat.items);
          EXPECT_EQ(a->cgroups[i].nr_procs, b->cgroups[i].nr_procs);
        }
        EXPECT_EQ(a->warnings, b->warnings);
      }
    }
  }
}

// A live read of this machine's /proc with deferred closes leaves no fd open either.
TEST(CloseBatch, LiveProcNoFdLeaks) {
  HostPaths live;
  size_t before = open_fds();
  SnapshotOptions o;
  o.cgroup_lines = false;
  o.defer_close = 64;
  auto s = read_snapshot(live, o);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->processes.empty());
  EXPECT_EQ(open_fds(), before);
}
