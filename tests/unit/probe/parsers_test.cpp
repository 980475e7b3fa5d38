#include <gtest/gtest.h>

#include "probe/parsers.hpp"

using namespace ms;

TEST(Meminfo, ConvertsKbToBytesAndKeepsCounts) {
  auto r = parse_meminfo("MemTotal:       16384 kB\nMemFree:  1024 kB\nHugePages_Total:       2\n");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->get("MemTotal"), 16384u * 1024);
  EXPECT_EQ(r->get("MemFree"), 1024u * 1024);
  EXPECT_EQ(r->get("HugePages_Total"), 2u);
  EXPECT_FALSE(r->get("MemAvailable"));
}

TEST(Meminfo, MalformedNamesFileAndLine) {
  auto r = parse_meminfo("MemTotal: 1 kB\nMemFree: x kB\n", "/proc/meminfo");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 2);
  EXPECT_NE(r.error().describe().find("/proc/meminfo:2"), std::string::npos);
}

TEST(ProcStat, CommWithParenthesesAndSpaces) {
  std::string s =
      "42 (evil) (x y) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 12345 1000 250 18446744073709551615 0 0 0 0 "
      "0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";
  auto r = parse_proc_stat(s);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->pid, 42);
  EXPECT_EQ(r->comm, "evil) (x y");
  EXPECT_EQ(r->ppid, 1);
  EXPECT_EQ(r->num_threads, 3);
  EXPECT_EQ(r->start_time, 12345u);
  EXPECT_EQ(r->rss_pages, 250u);
}

TEST(ProcCgroup, V1AndV2Lines) {
  auto r = parse_proc_cgroup("12:memory:/kubepods/burstable/podabc/123\n1:name=systemd:/x\n0::/a:b\n");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[2].path, "/a:b");
  EXPECT_EQ(memory_cgroup_of(*r, false), "/kubepods/burstable/podabc/123");
  EXPECT_EQ(memory_cgroup_of(*r, true), "/a:b");
}

TEST(CgroupLimit, UnlimitedForms) {
  EXPECT_EQ(*parse_cgroup_limit("max\n", "memory.max"), std::nullopt);
  EXPECT_EQ(*parse_cgroup_limit("9223372036854771712\n", "memory.limit_in_bytes"), std::nullopt);
  EXPECT_EQ(*parse_cgroup_limit("67108864\n", "memory.limit_in_bytes"), std::optional<uint64_t>(67108864));
  EXPECT_FALSE(parse_cgroup_limit("lots\n", "memory.max"));
}
