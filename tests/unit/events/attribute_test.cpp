#include <gtest/gtest.h>

#include "events/attribute.hpp"
#include "events/event_stream.hpp"
#include "attribution/classify.hpp"

using namespace ms;

TEST(Attribute, OwnerFromVictimMemcgWithPodNames) {
  LineContext c;
  auto ev = parse_events(
      "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
      "oom_memcg=/x/kubepods/besteffort/pod0330b2c1-a15b-4cdd-b5e5-72d4a90bee82,"
      "task_memcg=/x/kubepods/besteffort/pod0330b2c1-a15b-4cdd-b5e5-72d4a90bee82/"
      "b27201334a41cd0749d053b18378d7ea65617b8e26277197ea25c974da1a5a8a,task=app,pid=7,uid=0\n"
      "Memory cgroup out of memory: Killed process 7 (app) total-vm:10kB, anon-rss:8kB, file-rss:0kB\n",
      c);
  ASSERT_EQ(ev.size(), 1u);
  ClassifySources src;
  src.names.add_pod(PodNames{"0330b2c1-a15b-4cdd-b5e5-72d4a90bee82", "istio", "web-0", {"app"}});
  AttributionContext ac;
  ac.owner_of = [&src](std::string_view p) { return classify_cgroup(p, &src); };
  attribute_events(ev, ac);
  ASSERT_TRUE(ev[0].owner);
  EXPECT_EQ(ev[0].owner->kind, OwnerKind::kPod);
  EXPECT_EQ(ev[0].owner->qos, QosClass::kBestEffort);
  EXPECT_EQ(ev[0].owner->pod_uid, "0330b2c1-a15b-4cdd-b5e5-72d4a90bee82");
  EXPECT_EQ(ev[0].owner->namespace_, "istio");
  EXPECT_EQ(ev[0].owner->pod, "web-0");
  EXPECT_EQ(ev[0].owner->container_id, "b27201334a41cd0749d053b18378d7ea65617b8e26277197ea25c974da1a5a8a");
  EXPECT_EQ(ev[0].owner_memcg, ev[0].oom.task_memcg);
}

TEST(Attribute, GlobalOomGroupsTaskTableByLiveCgroupOrUidComm) {
  LineContext c;
  c.reference_us = 0;
  auto ev = parse_events(
      "fio invoked oom-killer: gfp_mask=0x280da, order=0, oom_score_adj=0\n"
      "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name\n"
      "[  100]     0   100     1000      256       4        0             0 updatedb\n"
      "[  200]  1000   200     1000      512       4        0             0 java\n"
      "[  201]  1000   201     1000      512       4        0             0 java\n"
      "[  300]     0   300     1000     1024       4        0             0 stress\n"
      "Out of memory: Kill process 300 (stress) score 10 or sacrifice child\n"
      "Killed process 300 (stress) total-vm:4000kB, anon-rss:4096kB, file-rss:0kB\n",
      c);
  ASSERT_EQ(ev.size(), 1u);
  AttributionContext ac;
  ac.owner_of = [](std::string_view p) { return classify_cgroup(p); };
  ac.live_process = [](int64_t pid) -> std::optional<LiveProcessInfo> {
    if (pid == 100) return LiveProcessInfo{"updatedb", std::string("/system.slice/cron.service")};
    if (pid == 300) return LiveProcessInfo{"bash", std::string("/user.slice")};  // pid reused: ignored
    return std::nullopt;
  };
  attribute_events(ev, ac);
  const auto& tops = ev[0].top_consumers;
  ASSERT_EQ(tops.size(), 3u);
  EXPECT_EQ(tops[0].group, "uid 0 stress");
  EXPECT_EQ(tops[0].rss_bytes, 1024u * 4096);
  EXPECT_EQ(tops[0].owner_source, "task-table");
  EXPECT_EQ(tops[1].group, "uid 1000 java");
  EXPECT_EQ(tops[1].processes, 2u);
  EXPECT_EQ(tops[2].group, "cron.service");
  EXPECT_EQ(tops[2].owner_source, "live-cgroup");
  ASSERT_TRUE(tops[2].owner);
  EXPECT_EQ(tops[2].owner->kind, OwnerKind::kCron);
  EXPECT_EQ(ev[0].oom.scope(), OomScope::kGlobal);
}
