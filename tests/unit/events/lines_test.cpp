// Line formats and single-line parsers on literal strings, including hostile ones.
#include <gtest/gtest.h>

#include "events/event_stream.hpp"
#include "events/eviction_parser.hpp"
#include "events/log_line.hpp"
#include "events/oom_lines.hpp"

using namespace ms;

namespace {
constexpr int64_t kRef = 1795780800LL * 1000000;  // 2026-11-27T12:00:00Z
LineContext ctx() {
  LineContext c;
  c.reference_us = kRef;
  return c;
}
}  // namespace

TEST(LogLine, RawKmsgRecord) {
  auto l = parse_log_line("6,1234,7063247407,-;Memory cgroup out of memory: Killed process 1 (x)", ctx());
  EXPECT_EQ(l.format, LineFormat::kKmsg);
  EXPECT_EQ(l.uptime_us, 7063247407u);
  EXPECT_EQ(l.level, 6);
  EXPECT_EQ(l.text, "Memory cgroup out of memory: Killed process 1 (x)");
  EXPECT_FALSE(l.wall_us);
  LineContext c = ctx();
  c.boot_time_s = 1000;
  EXPECT_EQ(parse_log_line("6,1,2000000,-;x", c).wall_us, 1002000000);
}

TEST(LogLine, JournalShortWithDmesgStamp) {
  auto l = parse_log_line("May 15 23:09:30 host-1 kernel: [  518.050606] Out of memory: Killed process 1 (a)", ctx());
  EXPECT_EQ(l.format, LineFormat::kSyslog);
  EXPECT_EQ(l.host, "host-1");
  EXPECT_EQ(l.ident, "kernel");
  EXPECT_EQ(l.uptime_us, 518050606u);
  EXPECT_EQ(l.text, "Out of memory: Killed process 1 (a)");
  ASSERT_TRUE(l.wall_us);
}

TEST(LogLine, ShortIsoWithZone) {
  auto l = parse_log_line("2024-05-09T14:52:38+0200 node-a kernel: fio invoked oom-killer: gfp_mask=0x0, order=0", ctx());
  EXPECT_EQ(l.format, LineFormat::kSyslogIso);
  EXPECT_EQ(l.wall_us, 1715259158LL * 1000000);
  EXPECT_EQ(l.text, "fio invoked oom-killer: gfp_mask=0x0, order=0");
}

TEST(LogLine, JournalJsonKernelAndByteArrayMessage) {
  auto l = parse_log_line(
      R"j({"__REALTIME_TIMESTAMP":"1715259158000001","_SOURCE_MONOTONIC_TIMESTAMP":"518050606","_HOSTNAME":"n1","_TRANSPORT":"kernel","PRIORITY":"3","MESSAGE":"Out of memory: Killed process 7 (x)"})j",
      ctx());
  EXPECT_EQ(l.format, LineFormat::kJournalJson);
  EXPECT_EQ(l.wall_us, 1715259158000001LL);
  EXPECT_EQ(l.uptime_us, 518050606u);
  EXPECT_EQ(l.host, "n1");
  EXPECT_EQ(l.ident, "kernel");
  EXPECT_EQ(l.level, 3);
  EXPECT_EQ(l.text, "Out of memory: Killed process 7 (x)");
  auto b = parse_log_line(R"({"MESSAGE":[75,105,108,108,101,100,255]})", ctx());
  EXPECT_EQ(b.text, std::string("Killed\xff"));
  // Not JSON after all: plain text.
  EXPECT_EQ(parse_log_line("{not json", ctx()).format, LineFormat::kPlain);
}

TEST(LogLine, KlogHeader) {
  auto l = parse_log_line("I0913 15:20:47.884880  104204 helpers.go:826] eviction manager: x", ctx());
  EXPECT_TRUE(l.klog);
  EXPECT_EQ(l.klog_severity, 'I');
  EXPECT_EQ(l.text, "eviction manager: x");
  ASSERT_TRUE(l.wall_us);
  EXPECT_LE(*l.wall_us, kRef + 86400LL * 1000000);
}

TEST(LogLine, PlainTextUntouched) {
  auto l = parse_log_line("[ 5096]     0  5096  1741660   477149     951      164             0 fio", ctx());
  EXPECT_EQ(l.format, LineFormat::kPlain);  // a task-table row is not a dmesg stamp
  EXPECT_EQ(l.text, "[ 5096]     0  5096  1741660   477149     951      164             0 fio");
}

TEST(OomLines, SummaryAnchorsSurviveCommasInValuesAndComm) {
  OomKill k;
  ASSERT_TRUE(parse_oom_summary(
      "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=0-1,3,cpuset=/,mems_allowed=0-1,3,oom_memcg=/a,b,"
      "task_memcg=/a,b/c,task=evil,pid=1,uid=2,pid=77,uid=1000",
      k));
  EXPECT_EQ(k.constraint, "CONSTRAINT_MEMCG");
  EXPECT_EQ(k.nodemask, "0-1,3");
  EXPECT_EQ(k.mems_allowed, "0-1,3");
  EXPECT_EQ(k.oom_memcg, "/a,b");
  EXPECT_EQ(k.task_memcg, "/a,b/c");
  EXPECT_EQ(k.victim.comm, "evil,pid=1,uid=2");
  EXPECT_EQ(k.victim.pid, 77);
  EXPECT_EQ(k.victim.uid, 1000);
}

TEST(OomLines, KillLineForms) {
  auto a = parse_kill_line("Out of memory: kill process 1234 (java) score 900 or a child");  // 2.6.32
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->selected);
  EXPECT_EQ(a->victim.pid, 1234);
  EXPECT_EQ(a->victim.comm, "java");
  EXPECT_EQ(a->score, 900);
  auto b = parse_kill_line("Killed process 9 (a) b) total-vm:1kB, anon-rss:2kB");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->victim.comm, "a) b");
  EXPECT_EQ(b->victim.anon_rss_kb, 2u);
  auto cut = parse_kill_line("Out of memory: Killed process 12 (pyth");
  ASSERT_TRUE(cut);
  EXPECT_TRUE(cut->cut);
  EXPECT_EQ(cut->victim.pid, 12);
  EXPECT_FALSE(cut->victim.comm);
  EXPECT_FALSE(parse_kill_line("Killing container with id docker://x"));
  EXPECT_FALSE(parse_kill_line("Killed process"));
}

TEST(OomLines, TaskRowNeedsAllColumnsAndAName) {
  std::vector<std::string> cols = {"uid", "tgid", "total_vm", "rss", "pgtables_bytes", "swapents", "oom_score_adj", "name"};
  auto r = parse_task_row("[  19331]  1000 19331   226026    29603  1314816        0           999 npm start", cols);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "npm start");
  EXPECT_EQ(r->oom_score_adj, 999);
  EXPECT_FALSE(parse_task_row("[21284]  1337 21284  12", cols));
  EXPECT_FALSE(parse_task_row("[abc] 1 2 3", cols));
}

TEST(OomAssembly, InterleavedHostsDoNotMix) {
  LineContext c = ctx();
  std::string text =
      "May 15 23:09:30 a kernel: x invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
      "May 15 23:09:30 b kernel: y invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=5\n"
      "May 15 23:09:30 a dockerd[1]: unrelated\n"
      "May 15 23:09:31 a kernel: Out of memory: Killed process 10 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB\n"
      "May 15 23:09:31 b kernel: Memory cgroup out of memory: Killed process 20 (y) total-vm:1kB, anon-rss:1kB\n";
  auto ev = parse_events(text, c);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].host, "a");
  EXPECT_EQ(ev[0].oom.invoker_comm, "x");
  EXPECT_EQ(ev[0].oom.victim.pid, 10);
  EXPECT_FALSE(ev[0].incomplete);
  EXPECT_EQ(ev[1].host, "b");
  EXPECT_EQ(ev[1].oom.victim.pid, 20);
  EXPECT_EQ(ev[1].oom.invoker_oom_score_adj, 5);
}

TEST(OomAssembly, RepeatedFieldStartsNewRecord) {
  auto ev = parse_events(
      "memory: usage 4kB, limit 4kB, failcnt 1\n"
      "memory: usage 8kB, limit 8kB, failcnt 2\n",
      ctx());
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].oom.memory.limit_kb, 4u);
  EXPECT_EQ(ev[1].oom.memory.limit_kb, 8u);
  EXPECT_TRUE(ev[0].incomplete);
}

TEST(OomAssembly, KmsgMultiLineRecord) {
  // A v2 memcg-stats printk arrives as one kmsg record with escaped newlines.
  EventStream s(ctx());
  s.feed_line("6,1,100,-;Memory cgroup stats for /x:\\x0aanon 4096\\x0afile 0");
  s.feed_line("3,2,200,-;Memory cgroup out of memory: Killed process 5 (m) total-vm:1kB, anon-rss:4kB");
  s.finish();
  auto ev = s.take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].oom.stats_path, "/x");
  ASSERT_EQ(ev[0].oom.memcg_stats.size(), 2u);
  EXPECT_EQ(ev[0].oom.memcg_stats[0].second, 4096u);
  EXPECT_EQ(ev[0].oom.limit_memcg(), "/x");
}

// The kubelet's own line (eviction_manager.go evictPod) carries the status message in message=: it is
// the "evicting" stage of that pod, not a separate pod status.
TEST(Eviction, StructuredEvictingPodWithMessage) {
  auto ev = parse_events(
      "I1127 02:10:00.000000 1 eviction_manager.go:1] \"Evicting pod\" pod=\"default/hog-1\" podUID=\"u-1\" "
      "message=\"The node was low on resource: memory. Threshold quantity: 100Mi, available: 94316Ki. Container app "
      "was using 1536Mi, request is 0, has larger consumption of memory. \"\n",
      ctx());
  ASSERT_EQ(ev.size(), 1u);
  const Eviction& v = ev[0].eviction;
  EXPECT_EQ(v.stage, "evicting");
  EXPECT_EQ(v.pod, "default/hog-1");
  EXPECT_EQ(v.pod_uid, "u-1");
  EXPECT_EQ(v.threshold, "100Mi");
  EXPECT_EQ(v.observed, "94316Ki");
  ASSERT_EQ(v.containers.size(), 1u);
  EXPECT_EQ(v.containers[0].usage, "1536Mi");
}

TEST(Eviction, OtherComponentsEvictingPodIsNotTheKubelet) {
  // The descheduler and the VPA updater log "Evicting pod" with pod= only (API evictions).
  EXPECT_TRUE(parse_events("I1127 02:10:00.000000 1 updater.go:1] \"Evicting pod\" pod=\"default/web-1\"\n", ctx()).empty());
  // The kubelet's line without a node-pressure message (local storage) is still the evicting stage.
  auto ev = parse_events(
      "I1127 02:10:00.000000 1 eviction_manager.go:1] \"Evicting pod\" pod=\"default/w\" podUID=\"u-2\" "
      "message=\"Usage of EmptyDir volume \\\"cache\\\" exceeds the limit \\\"1Gi\\\". \"\n",
      ctx());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].eviction.stage, "evicting");
  EXPECT_EQ(ev[0].eviction.pod_uid, "u-2");
  EXPECT_EQ(ev[0].eviction.message, "Usage of EmptyDir volume \"cache\" exceeds the limit \"1Gi\". ");
  EXPECT_FALSE(ev[0].eviction.resource);
}

TEST(Eviction, CriticalPodCannotBeEvicted) {
  auto ev = parse_events(
      "E1127 02:10:00.000000 1 eviction_manager.go:1] \"Eviction manager: cannot evict a critical pod\" "
      "pod=\"kube-system/kube-proxy-x\"\n",
      ctx());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].eviction.stage, "critical_pod");
  EXPECT_EQ(ev[0].eviction.pod, "kube-system/kube-proxy-x");
}

TEST(Eviction, StructuredThresholdMetCarriesToEvicted) {
  auto ev = parse_events(
      "I1127 02:10:00.000000 1 eviction_manager.go:1] \"Eviction manager: attempting to reclaim\" resourceName=\"memory\"\n"
      "I1127 02:10:00.000000 1 eviction_manager.go:1] \"Eviction manager: threshold observed resource\" log=\"x\" "
      "signal=\"memory.available\" resourceName=\"memory\" quantity=\"500Mi\" available=\"312Mi\"\n"
      "I1127 02:10:01.000000 1 eviction_manager.go:1] \"Eviction manager: pod is evicted successfully\" pod=\"a/b\"\n",
      ctx());
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].eviction.stage, "threshold_met");
  EXPECT_EQ(ev[0].eviction.resource, "memory");
  EXPECT_EQ(ev[1].eviction.stage, "evicted");
  EXPECT_EQ(ev[1].eviction.pod, "a/b");
  EXPECT_EQ(ev[1].eviction.signal, "memory.available");
  EXPECT_EQ(ev[1].eviction.threshold, "500Mi");
  EXPECT_EQ(ev[1].eviction.observed, "312Mi");
}

TEST(Eviction, PodRefNormalisation) {
  EXPECT_EQ(normalise_pod_ref("web-1_prod(abc)").first, "prod/web-1");
  EXPECT_EQ(normalise_pod_ref("web-1_prod(abc)").second, "abc");
  EXPECT_EQ(normalise_pod_ref("prod/web-1").first, "prod/web-1");
}
