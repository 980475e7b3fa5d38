// The task iterator on the running kernel (root, BTF, BPF built in; skipped otherwise): its record
// of this test process says what /proc/self says, with and without cmdlines, pinned or not.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "../../support/own_bpffs.hpp"
#include "probe/bpf/task_iter.hpp"
#include "probe/fs.hpp"
#include "probe/parsers.hpp"
#include "probe/snapshot_reader.hpp"
#include "probe/task_source.hpp"
#if MEMSLEUTH_HAVE_BPF
#include "probe/bpf/skeleton.hpp"
#include "test_iter.skel.h"
#endif

using namespace ms;
using ms::testing::OwnBpffs;

namespace {

std::string why_not_live() {
  if (!bpf::built()) return std::string(bpf::not_built_reason());
  if (::geteuid() != 0) return "not root";
  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) return "no /sys/kernel/btf/vmlinux";
  return {};
}

const bpf::TaskRecord* find(const bpf::TaskWalk& w, int pid) {
  for (const auto& t : w.tasks)
    if (t.pid == pid) return &t;
  return nullptr;
}

// What /proc/self says, through the procfs reader.
Process procfs_self(bool v2) {
  HostPaths paths;
  SnapshotOptions so;
  auto p = read_process(paths, ::getpid(), v2, so);
  EXPECT_TRUE(p);
  return p ? *p : Process{};
}

bool memory_on_v2() {
  HostPaths paths;
  auto m = read_mounts(paths);
  return m && detect_cgroup_layout(*m, paths).memory_on_v2;
}

uint64_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

TEST(TaskIterLive, OwnRecordMatchesProcfs) {
  if (auto why = why_not_live(); !why.empty()) GTEST_SKIP() << why;
  bool v2 = memory_on_v2();
  auto it = bpf::TaskIter::load(v2);
  ASSERT_TRUE(it) << it.error().describe();
  // A buffer of 8 KiB of arguments would not fit the record: this one does.
  for (bool cmdline : {false, true}) {
    if (cmdline && !(*it)->has_cmdline()) continue;
    bpf::IterBuf buf;
    ASSERT_TRUE((*it)->read(cmdline, buf));
    bpf::TaskWalk w;
    auto parsed = bpf::parse_task_walk(buf.view(), w);
    ASSERT_TRUE(parsed) << parsed.error().describe();
    EXPECT_EQ(w.cmdlines, cmdline);
    EXPECT_EQ(w.cgroup_v2, v2);
    const bpf::TaskRecord* me = find(w, ::getpid());
    ASSERT_NE(me, nullptr);
    Process p = procfs_self(v2);
    Process q;
    process_from_task(*me, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE), q);
    EXPECT_EQ(q.start_time, p.start_time) << "(pid, start_time) is the identity the recorder stores";
    EXPECT_EQ(q.ppid, p.ppid);
    EXPECT_EQ(q.uid, p.uid);
    EXPECT_EQ(q.comm, p.comm);
    EXPECT_EQ(q.kernel_thread, p.kernel_thread);
    EXPECT_FALSE(q.kernel_thread);
    // This process's memory moves between the two reads only by what the test allocates.
    ASSERT_TRUE(q.rss_bytes && p.rss_bytes);
    EXPECT_NEAR(static_cast<double>(*q.rss_bytes), static_cast<double>(*p.rss_bytes), 4 << 20);
    if (cmdline) {
      EXPECT_TRUE(me->has(bpf::TaskRecord::kCmdline));
      EXPECT_EQ(q.cmdline, p.cmdline);
    }
    // The memory cgroup id is the inode of the cgroup directory the procfs walk reads.
    ASSERT_TRUE(me->has(bpf::TaskRecord::kMemcg));
    ASSERT_TRUE(p.memory_cgroup);
    HostPaths paths;
    auto mounts = read_mounts(paths);
    ASSERT_TRUE(mounts);
    auto layout = detect_cgroup_layout(*mounts, paths);
    std::string dir = layout.memory_mount + *p.memory_cgroup;
    EXPECT_EQ(me->memcg_id, inode_of(dir)) << dir;
    // kthreadd: a kernel thread, no mm.
    const bpf::TaskRecord* kthreadd = find(w, 2);
    ASSERT_NE(kthreadd, nullptr);
    EXPECT_TRUE(kthreadd->has(bpf::TaskRecord::kKthread));
    EXPECT_FALSE(kthreadd->has(bpf::TaskRecord::kHasMm));
  }
}

TEST(TaskIterLive, ExecAndRenameShowInTheRecord) {
  if (auto why = why_not_live(); !why.empty()) GTEST_SKIP() << why;
  auto it = bpf::TaskIter::load(memory_on_v2());
  ASSERT_TRUE(it) << it.error().describe();
  // A child that execs sh, which execs sleep: comm and exec count move.
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipefd[0]);
    ::dup2(pipefd[1], 1);
    ::execl("/bin/sh", "sh", "-c", "echo ready; exec sleep 30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipefd[1]);
  char c;
  ASSERT_EQ(::read(pipefd[0], &c, 1), 1);
  ::close(pipefd[0]);
  bpf::IterBuf buf;
  bpf::TaskWalk w;
  const bpf::TaskRecord* r = nullptr;
  // Until the second exec has happened and finished: the kernel names the task (comm) at the start
  // of exec and sets up its argument area after, so a walk between the two sees an empty cmdline.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE((*it)->read(true, buf));
    ASSERT_TRUE(bpf::parse_task_walk(buf.view(), w));
    r = find(w, child);
    if (r && r->comm == "sleep" && (!(*it)->has_cmdline() || !r->cmdline.empty())) break;
    ::usleep(20000);
  }
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->comm, "sleep");
  EXPECT_EQ(r->ppid, ::getpid());
  EXPECT_GE(r->exec_id, 2u) << "sh, then sleep";
  if ((*it)->has_cmdline()) {
    EXPECT_EQ(r->cmdline, std::string("sleep\0"
                                      "30\0",
                                      9));
  }
  ::kill(child, SIGKILL);
  int st;
  ::waitpid(child, &st, 0);
}

#if MEMSLEUTH_HAVE_BPF
// What a one-shot read does with a pin: reads it when it is the task walk of this record version;
// when it is anything else, says so and, under auto on a small node, reads procfs instead of loading.
TEST(TaskIterLive, OneShotReadsACompatiblePinOnly) {
  if (auto why = why_not_live(); !why.empty()) GTEST_SKIP() << why;
  OwnBpffs fs;
  if (!fs.ok) GTEST_SKIP() << "cannot mount bpffs: " << std::strerror(errno);
  bool v2 = memory_on_v2();
  std::string dir = fs.path + "/memsleuth";
  HostPaths paths;
  TaskSourceOptions opts;
  opts.want = ProcessSource::kAuto;
  opts.pin_dir = dir;
  opts.load_min_tasks = UINT64_MAX;  // auto never loads: only the pin can give a walk

  TaskWalkTaken none;
  auto missing = take_task_walk(paths, opts, v2, none);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no pinned task iterator at " + dir + "/tasks_cmdline"), std::string::npos)
      << missing.error().message;
  EXPECT_NE(missing.error().message.find("would cost more than procfs"), std::string::npos);

  {
    auto it = bpf::TaskIter::load(v2);
    ASSERT_TRUE(it) << it.error().describe();
    auto pinned = (*it)->pin(dir);
    ASSERT_TRUE(pinned) << pinned.error().describe();
  }  // the programs live on, pinned
  TaskWalkTaken taken;
  auto got = take_task_walk(paths, opts, v2, taken);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(taken.how.rfind("pinned iterator " + dir + "/tasks", 0), 0u) << taken.how;
  EXPECT_NE(find(taken.walk, ::getpid()), nullptr);
  // Pinned for the other cgroup layout: not used (its ids would mean other cgroups).
  auto other_layout = take_task_walk(paths, opts, !v2, taken);
  ASSERT_FALSE(other_layout);
  EXPECT_NE(other_layout.error().message.find("loaded for a cgroup"), std::string::npos)
      << other_layout.error().message;

  // Something else pinned under the names (another program, another record layout): not read.
  bpf::Skeleton<test_iter> skel("test_iter");
  ASSERT_TRUE(skel.open_and_load());
  ASSERT_TRUE(skel.attach());
  for (auto name : {bpf::kTasksPin, bpf::kTasksCmdlinePin})
    ASSERT_TRUE(bpf::pin_fd(bpf_link__fd(skel->links.leaders), dir + "/" + std::string(name)));
  auto foreign = take_task_walk(paths, opts, v2, taken);
  ASSERT_FALSE(foreign);
  EXPECT_NE(foreign.error().message.find("not a memsleuth task iterator"), std::string::npos)
      << foreign.error().message;
  // --source bpf loads its own instead.
  opts.want = ProcessSource::kBpf;
  auto loaded = take_task_walk(paths, opts, v2, taken);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(taken.how, "task iterator loaded for this read");
  EXPECT_NE(find(taken.walk, ::getpid()), nullptr);
}
#endif
