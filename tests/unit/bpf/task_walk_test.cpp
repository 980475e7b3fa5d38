// The task iterator's records (probe/bpf/task_record.h) parsed, and turned into Processes, without a
// kernel: walks built byte by byte as the BPF program writes them.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "../../support/task_walk_builder.hpp"
#include "probe/bpf/task_iter.hpp"
#include "probe/bpf/task_record.h"
#include "probe/task_source.hpp"

using namespace ms;

using ms::testing::WalkBuilder;

TEST(TaskWalk, ParsesRecordsAndCmdlines) {
  WalkBuilder b(MS_FEAT_CMDLINE | MS_FEAT_CGROUP_V2);
  std::string argv("sleep\0001000\0", 11);
  b.task(42, "sleep", MS_TASK_HAS_MM | MS_TASK_MEMCG | MS_TASK_CMDLINE, argv)
      .task(43, "kworker/0:1", MS_TASK_KTHREAD | MS_TASK_COMM_PROCFS | MS_TASK_CMDLINE)
      .end();
  bpf::TaskWalk w;
  auto r = bpf::parse_task_walk(b.data, w);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_TRUE(w.cmdlines);
  EXPECT_TRUE(w.cgroup_v2);
  EXPECT_EQ(w.page_size, 4096u);
  ASSERT_EQ(w.tasks.size(), 2u);
  const auto& t = w.tasks[0];
  EXPECT_EQ(t.pid, 42);
  EXPECT_EQ(t.ppid, 1);
  EXPECT_EQ(t.uid, 1000u);
  EXPECT_EQ(t.threads, 3);
  EXPECT_EQ(t.comm, "sleep");
  EXPECT_EQ(t.state, 'S');
  EXPECT_EQ(t.memcg_id, 4242u);
  EXPECT_EQ(t.exec_id, 7u);
  EXPECT_EQ(t.rss_file_pages, 10u);
  EXPECT_EQ(t.rss_anon_pages, 20u);
  EXPECT_EQ(t.swap_pages, 5u);
  EXPECT_EQ(t.rss_shmem_pages, 2u);
  EXPECT_EQ(t.cmdline, argv);
  EXPECT_TRUE(t.has(bpf::TaskRecord::kCmdline));
  EXPECT_EQ(w.tasks[1].comm, "kworker/0:1");
  EXPECT_TRUE(w.tasks[1].has(bpf::TaskRecord::kKthread));
  EXPECT_TRUE(w.tasks[1].cmdline.empty());
}

TEST(TaskWalk, FullLengthCommIsNotOverread) {
  WalkBuilder b;
  b.task(7, "0123456789abcdefXYZ", MS_TASK_HAS_MM).end();  // strncpy fills all 16 bytes, no NUL
  bpf::TaskWalk w;
  ASSERT_TRUE(bpf::parse_task_walk(b.data, w));
  EXPECT_EQ(w.tasks[0].comm, "0123456789abcdef");
}

TEST(TaskWalk, RefusesWhatItCannotTrust) {
  bpf::TaskWalk w;
  auto empty = bpf::parse_task_walk("", w);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().describe().find("no header"), std::string::npos);

  std::string junk(64, 'x');
  auto not_ours = bpf::parse_task_walk(junk, w);
  ASSERT_FALSE(not_ours);
  EXPECT_NE(not_ours.error().describe().find("not a memsleuth task iterator"), std::string::npos);

  WalkBuilder other(MS_FEAT_CMDLINE, MS_TASK_VERSION + 1);
  other.task(1, "init", 0).end();
  auto version = bpf::parse_task_walk(other.data, w);
  ASSERT_FALSE(version);
  EXPECT_NE(version.error().describe().find("record version " + std::to_string(MS_TASK_VERSION + 1)), std::string::npos)
      << version.error().describe();

  WalkBuilder cut;
  cut.task(1, "init", 0).task(2, "kthreadd", MS_TASK_KTHREAD);  // no end record: a walk cut short
  auto truncated = bpf::parse_task_walk(cut.data, w);
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().describe().find("truncated"), std::string::npos);

  WalkBuilder lying;
  lying.task(1, "init", MS_TASK_CMDLINE, std::string("abc")).end();
  lying.data[sizeof(ms_header) + offsetof(ms_task, cmdline_len)] = 9;  // says 9 bytes, has 3
  auto liar = bpf::parse_task_walk(lying.data, w);
  ASSERT_FALSE(liar);
  EXPECT_NE(liar.error().describe().find("cmdline of 9"), std::string::npos) << liar.error().describe();

  WalkBuilder overlong;
  overlong.task(1, "init", 0).end();
  overlong.data[sizeof(ms_header) + 2] = static_cast<char>(0xff);  // size beyond the data
  auto beyond = bpf::parse_task_walk(overlong.data, w);
  ASSERT_FALSE(beyond);
  EXPECT_NE(beyond.error().describe().find("claims"), std::string::npos) << beyond.error().describe();
}

TEST(TaskWalk, StartTimeInStatTicks) {
  // /proc/<pid>/stat field 22 is nsec_to_clock_t(start_boottime): integer division by 1e9/USER_HZ.
  EXPECT_EQ(bpf::start_ticks(12'345'678'901ull, 100), 1234u);
  EXPECT_EQ(bpf::start_ticks(9'999'999ull, 100), 0u);
  EXPECT_EQ(bpf::start_ticks(10'000'000ull, 100), 1u);
  EXPECT_EQ(bpf::start_ticks(12'345'678'901ull, 1000), 12345u);
}

TEST(TaskWalk, ProcessFromRecordMatchesProcfsRules) {
  WalkBuilder b;
  std::string argv("python3\0-m\0http.server\0", 23);
  b.task(100, "python3", MS_TASK_HAS_MM | MS_TASK_MEMCG | MS_TASK_CMDLINE, argv)
      .task(101, "defunct", 0)  // no mm: a zombie or an exiting task holds 0
      .task(2, "kthreadd", MS_TASK_KTHREAD | MS_TASK_CMDLINE)
      .end();
  bpf::TaskWalk w;
  ASSERT_TRUE(bpf::parse_task_walk(b.data, w));
  Process p;
  process_from_task(w.tasks[0], 100, 4096, p);
  EXPECT_EQ(p.pid, 100);
  EXPECT_EQ(p.ppid, 1);
  EXPECT_EQ(p.start_time, 1234u);
  EXPECT_EQ(p.uid, 1000u);
  EXPECT_EQ(p.threads, 3);
  EXPECT_EQ(p.state, 'S');
  EXPECT_FALSE(p.kernel_thread);
  EXPECT_EQ(p.rss_bytes, (10u + 20u + 2u) * 4096u) << "VmRSS is anon + file + shmem";
  EXPECT_EQ(p.rss_anon_bytes, 20u * 4096u);
  EXPECT_EQ(p.rss_file_bytes, 10u * 4096u);
  EXPECT_EQ(p.rss_shmem_bytes, 2u * 4096u);
  EXPECT_EQ(p.swap_bytes, 5u * 4096u);
  EXPECT_EQ(p.cmdline, (std::vector<std::string>{"python3", "-m", "http.server"}));
  EXPECT_FALSE(p.memory_cgroup) << "the caller maps the cgroup id";

  process_from_task(w.tasks[1], 100, 4096, p);
  EXPECT_EQ(p.rss_bytes, 0u);
  EXPECT_EQ(p.swap_bytes, 0u);
  EXPECT_TRUE(p.cmdline.empty()) << "no cmdline in the record: left to procfs";

  process_from_task(w.tasks[2], 100, 4096, p);
  EXPECT_TRUE(p.kernel_thread);
  EXPECT_FALSE(p.rss_bytes) << "kernel threads have no memory fields";
  EXPECT_FALSE(p.swap_bytes);
}

TEST(TaskSource, ParsesTheOption) {
  EXPECT_EQ(parse_process_source("auto"), ProcessSource::kAuto);
  EXPECT_EQ(parse_process_source("bpf"), ProcessSource::kBpf);
  EXPECT_EQ(parse_process_source("procfs"), ProcessSource::kProcfs);
  EXPECT_FALSE(parse_process_source("ebpf"));
  EXPECT_STREQ(to_string(ProcessSource::kBpf), "bpf");
}

TEST(TaskSource, FixtureTreeIsNotTheRunningKernel) {
  HostPaths fixture;
  fixture.procfs = std::string(MEMSLEUTH_SOURCE_DIR) + "/tests/fixtures/v1-cgroupfs-docker/proc";
  auto r = procfs_is_the_running_kernels(fixture);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("fixture tree"), std::string::npos) << r.error().message;
  TaskWalkTaken taken;
  TaskSourceOptions opts;
  opts.want = ProcessSource::kBpf;
  auto t = take_task_walk(fixture, opts, false, taken);
  ASSERT_FALSE(t);
  EXPECT_FALSE(t.error().message.empty());
  opts.want = ProcessSource::kProcfs;
  auto p = take_task_walk(fixture, opts, false, taken);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, "--source procfs");
}
