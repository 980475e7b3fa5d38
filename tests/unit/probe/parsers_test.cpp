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

TEST(Meminfo, RejectsUnknownUnitAndMissingTotal) {
  auto r = parse_meminfo("MemTotal: 1 kB\nMemFree: 3 MB\n", "mi");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 2);
  auto r2 = parse_meminfo("MemFree: 3 kB\n", "mi");
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().describe().find("MemTotal"), std::string::npos);
  auto r3 = parse_meminfo("MemTotal: 1 kB\nno colon here\n", "mi");
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().line, 2);
}

TEST(FlatKeyed, ParsesAndClampsNegative) {
  auto r = parse_flat_keyed("anon 100\nfile 20\n\nworkingset_refault_file -3\n", "memory.stat");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->get("anon"), 100u);
  EXPECT_EQ(r->get("file"), 20u);
  EXPECT_EQ(r->get("workingset_refault_file"), 0u);
  EXPECT_EQ(r->items.size(), 3u);
}

TEST(FlatKeyed, MalformedNamesFileAndLine) {
  auto r = parse_flat_keyed("anon 1\nfile\n", "/sys/fs/cgroup/x/memory.stat");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("/sys/fs/cgroup/x/memory.stat:2"), std::string::npos);
  auto r2 = parse_flat_keyed("anon 1\nfile 2\nshmem 1e3\n", "memory.stat");
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().line, 3);
}

// Re-parsing into the same KeyValues (the recorder's memory.stat every sample): values follow the
// new text whatever keys it held before; an error leaves it empty.
TEST(FlatKeyed, IntoReusesKeysAndFollowsTheText) {
  KeyValues kv;
  ASSERT_TRUE(parse_flat_keyed_into("anon 1\nfile 2\ntotal_inactive_file 3\n", "memory.stat", kv));
  ASSERT_TRUE(parse_flat_keyed_into("anon 10\nfile 20\ntotal_inactive_file 30\n", "memory.stat", kv));
  EXPECT_EQ(kv.get("anon"), 10u);
  EXPECT_EQ(kv.get("total_inactive_file"), 30u);
  ASSERT_EQ(kv.items.size(), 3u);
  ASSERT_TRUE(parse_flat_keyed_into("file 5\nshmem 6\n", "memory.stat", kv));  // other keys, fewer lines
  ASSERT_EQ(kv.items.size(), 2u);
  EXPECT_EQ(kv.get("file"), 5u);
  EXPECT_EQ(kv.get("shmem"), 6u);
  EXPECT_FALSE(kv.get("anon"));
  ASSERT_TRUE(parse_flat_keyed_into("a 1\nb 2\nc 3\nd -4\n", "memory.stat", kv));  // more lines
  EXPECT_EQ(kv.items.size(), 4u);
  EXPECT_EQ(kv.get("d"), 0u);
  EXPECT_FALSE(parse_flat_keyed_into("a 1\nb x\n", "memory.stat", kv));
  EXPECT_TRUE(kv.items.empty());
}

TEST(Psi, SomeAndFull) {
  auto r = parse_psi("some avg10=1.50 avg60=0.75 avg300=0.10 total=123456\nfull avg10=0.50 avg60=0.25 avg300=0.05 total=65432\n");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_DOUBLE_EQ(r->some.avg10, 1.5);
  EXPECT_EQ(r->some.total_us, 123456u);
  ASSERT_TRUE(r->full);
  EXPECT_DOUBLE_EQ(r->full->avg300, 0.05);
}

TEST(Psi, SomeOnlyAndMalformed) {
  auto r = parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->full);
  auto bad = parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=x avg60=0 avg300=0 total=0\n", "psi");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().line, 2);
  EXPECT_FALSE(parse_psi("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"));
}

TEST(Slabinfo, SortsByBytes) {
  auto r = parse_slabinfo(
      "slabinfo - version: 2.1\n"
      "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> "
      "<batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
      "dentry            1000   2000    192   21    1 : tunables    0    0    0 : slabdata     95     95      0\n"
      "ebitmap_node    500000 600000     64   64    1 : tunables    0    0    0 : slabdata   9375   9375      0\n");
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "ebitmap_node");
  EXPECT_EQ((*r)[0].bytes, 600000u * 64);
  EXPECT_EQ((*r)[1].bytes, 2000u * 192);
}

TEST(Slabinfo, RejectsOtherFormats) {
  auto r = parse_slabinfo("slabinfo - version: 1.1\n", "/proc/slabinfo");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 1);
  auto r2 = parse_slabinfo("slabinfo - version: 2.1\ndentry 1 x 3\n", "/proc/slabinfo");
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().line, 2);
}

TEST(Mountinfo, FieldsAndOctalEscapes) {
  auto r = parse_mountinfo(
      "27 25 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:5 - cgroup cgroup rw,memory\n"
      "33 22 0:31 / /mnt/with\\040space rw,relatime - tmpfs my\\134src rw\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].mount_id, 27);
  EXPECT_EQ((*r)[0].parent_id, 25);
  EXPECT_EQ((*r)[0].fs_type, "cgroup");
  EXPECT_EQ((*r)[0].super_options, "rw,memory");
  EXPECT_EQ((*r)[1].mount_point, "/mnt/with space");
  EXPECT_EQ((*r)[1].source, "my\\src");
  EXPECT_EQ((*r)[2].options, "rw,relatime");  // no optional fields before '-'
  EXPECT_EQ((*r)[2].fs_type, "cgroup2");
}

TEST(Mountinfo, MalformedNamesLine) {
  auto r = parse_mountinfo("22 1 253:1 / / rw - ext4 /dev/vda1 rw\n22 1 253:1 / / rw ext4 /dev/vda1 rw\n", "mi");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 2);
}

TEST(ProcCgroup, MalformedAndPathWithColons) {
  auto r = parse_proc_cgroup("4:memory:/a\nx:cpu:/b\n", "/proc/9/cgroup");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("/proc/9/cgroup:2"), std::string::npos);
  EXPECT_FALSE(parse_proc_cgroup("no colons\n"));
  // systemd-driver v1 paths with containerd's "slice:cri-containerd:id" form keep every ':'.
  auto ok = parse_proc_cgroup("9:memory:/kubepods-besteffort-podx.slice:cri-containerd:ee4b\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(memory_cgroup_of(*ok, false), "/kubepods-besteffort-podx.slice:cri-containerd:ee4b");
  // Co-mounted controllers.
  auto co = parse_proc_cgroup("3:cpu,memory:/x\n");
  ASSERT_TRUE(co);
  EXPECT_EQ(memory_cgroup_of(*co, false), "/x");
  // "memoryfoo" is not "memory".
  auto nm = parse_proc_cgroup("3:memoryfoo:/x\n");
  ASSERT_TRUE(nm);
  EXPECT_FALSE(memory_cgroup_of(*nm, false));
}

TEST(ProcStat, KernelThreadFlagsAndErrors) {
  std::string s =
      "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 1 0 0 20 0 1 0 2 0 0 18446744073709551615 0 0 0 0 0 0 0 "
      "2147483647 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
  auto r = parse_proc_stat(s, "/proc/2/stat");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->flags & 0x00200000u, 0x00200000u);
  EXPECT_EQ(r->ppid, 0);
  EXPECT_EQ(r->rss_pages, 0u);
  auto bad = parse_proc_stat("7 (x) S 1 2 3\n", "/proc/7/stat");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().describe().find("/proc/7/stat:1"), std::string::npos);
  EXPECT_FALSE(parse_proc_stat("7 x S 1\n"));
  EXPECT_FALSE(parse_proc_stat(""));
  std::string nonnum = s;
  nonnum.replace(nonnum.find(" 0 0 0 0 -1"), 2, " Q");  // ppid
  EXPECT_FALSE(parse_proc_stat(nonnum));
}

TEST(ProcStatus, UserProcess) {
  auto r = parse_proc_status(
      "Name:\tjava\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nVmSize:\t 3000000 kB\nVmRSS:\t  900000 kB\n"
      "RssAnon:\t  880000 kB\nRssFile:\t   20000 kB\nRssShmem:\t       0 kB\nVmSwap:\t      12 kB\nThreads:\t60\n"
      "Kthread:\t0\n");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->uid, 1000u);
  EXPECT_EQ(r->vm_rss, 900000u * 1024);
  EXPECT_EQ(r->rss_anon, 880000u * 1024);
  EXPECT_EQ(r->rss_file, 20000u * 1024);
  EXPECT_EQ(r->rss_shmem, 0u);
  EXPECT_EQ(r->vm_swap, 12u * 1024);
  EXPECT_EQ(r->threads, 60);
  EXPECT_TRUE(r->has_vm_size);
  EXPECT_FALSE(r->kthread);
}

TEST(ProcStatus, KernelThreadAndZombieHaveNoVmLines) {
  auto k = parse_proc_status("Name:\tkthreadd\nUid:\t0\t0\t0\t0\nKthread:\t1\nThreads:\t1\n");
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->kthread);
  EXPECT_FALSE(k->vm_rss);
  EXPECT_FALSE(k->has_vm_size);
  auto bad = parse_proc_status("Name:\tx\nUid:\t0\t0\t0\t0\nVmRSS:\tlots kB\n", "/proc/5/status");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().describe().find("/proc/5/status:3"), std::string::npos);
}

TEST(Cmdline, NulSeparated) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parse_cmdline(std::string_view("a\0b c\0\0d\0", 9)), (V{"a", "b c", "", "d"}));
  EXPECT_EQ(parse_cmdline(""), V{});
  // Processes that rewrite their argv (nginx, postgres) may leave no trailing NUL.
  EXPECT_EQ(parse_cmdline("nginx: worker process"), V{"nginx: worker process"});
}

TEST(SmapsRollup, PssAndUss) {
  auto r = parse_smaps_rollup(
      "00400000-7ffd1c9f1000 ---p 00000000 00:00 0                          [rollup]\nRss:             1000 kB\n"
      "Pss:              600 kB\nShared_Clean:     300 kB\nShared_Dirty:       0 kB\nPrivate_Clean:    100 kB\n"
      "Private_Dirty:    600 kB\nSwap:              40 kB\n");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->pss, 600u * 1024);
  EXPECT_EQ(r->uss(), 700u * 1024);
  EXPECT_EQ(r->swap, 40u * 1024);
  EXPECT_FALSE(parse_smaps_rollup(""));
  auto bad = parse_smaps_rollup("x [rollup]\nRss: 1 kB\nPss: ? kB\n", "smaps_rollup");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().line, 3);
}

TEST(SingleU64, Values) {
  EXPECT_EQ(*parse_single_u64("34062336\n", "memory.current"), 34062336u);
  auto bad = parse_single_u64("-1\n", "/sys/x/memory.current");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().describe().find("/sys/x/memory.current"), std::string::npos);
  EXPECT_EQ(*parse_cgroup_limit("-1\n", "memory.soft_limit_in_bytes"), std::nullopt);
  EXPECT_EQ(*parse_cgroup_limit("0\n", "memory.swap.max"), std::optional<uint64_t>(0));
}
