#include <gtest/gtest.h>

#include <map>

#include "rules/rules.hpp"
#include "rules/thresholds.hpp"
#include "synthetic.hpp"
#include "util/units.hpp"

using namespace ms;
using namespace ms::test;

TEST(RecentOom, MemcgWarnsGlobalIsCriticalOldOnesAreIgnored) {
  auto s = healthy_node();
  std::vector<Event> ev(1);
  ev[0].kind = EventKind::kOomKill;
  ev[0].time_us = (s.time - 3600) * 1'000'000;
  ev[0].oom.constraint = "CONSTRAINT_MEMCG";
  ev[0].oom.oom_memcg = "/kubepods/burstable/podabc/0123";
  ev[0].oom.task_memcg = "/kubepods/burstable/podabc/0123";
  ev[0].oom.victim.pid = 42;
  ev[0].oom.victim.comm = "python3";
  ev[0].oom.victim.anon_rss_kb = 65536;
  auto in = input_for(s);
  in.events = &ev;
  auto f = rules::recent_oom_kills(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "recent-memcg-oom");
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_NE(f[0].title.find("python3"), std::string::npos);
  ev[0].time_us = (s.time - 25 * 3600) * 1'000'000;  // older than the 24 h window
  EXPECT_TRUE(rules::recent_oom_kills(in).empty());
  ev[0].time_us = (s.time - 60) * 1'000'000;
  ev[0].oom.constraint = "CONSTRAINT_NONE";
  ev[0].oom.oom_memcg.reset();
  ev[0].oom.global_oom_marker = true;
  f = rules::recent_oom_kills(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
}

TEST(RecentOom, TheNewestKillsWhenThereAreMoreThanTheCap) {
  // A node with kills in many cgroups in the day (as in the kernel ring): the latest ones are the findings.
  auto s = healthy_node();
  std::vector<Event> ev(thresholds::kMaxEventFindings + 3);
  for (size_t i = 0; i < ev.size(); ++i) {  // chronological, as the kernel log has them
    ev[i].kind = EventKind::kOomKill;
    ev[i].time_us = (s.time - 3600 + static_cast<int64_t>(i) * 60) * 1'000'000;
    ev[i].oom.constraint = "CONSTRAINT_MEMCG";
    ev[i].oom.task_memcg = "/kubepods/burstable/podabc/" + std::to_string(i);
    ev[i].oom.victim.pid = 100 + static_cast<int64_t>(i);
    ev[i].oom.victim.comm = "python3";
  }
  auto in = input_for(s);
  in.events = &ev;
  auto f = rules::recent_oom_kills(in);
  ASSERT_EQ(f.size(), thresholds::kMaxEventFindings);
  for (size_t k = 0; k < f.size(); ++k) EXPECT_EQ(f[k].subject.pid, static_cast<int>(100 + ev.size() - 1 - k));
}

// Issue 16 item 7: five kills of one cgroup are one finding that counts them, names the first and the
// last, and the largest victim; a kill of another cgroup stays its own finding.
TEST(RecentOom, KillsOfOneCgroupAreOneFinding) {
  auto s = healthy_node();
  std::vector<Event> ev(6);
  for (size_t i = 0; i < ev.size(); ++i) {
    ev[i].kind = EventKind::kOomKill;
    ev[i].time_us = (s.time - 600 + static_cast<int64_t>(i) * 60) * 1'000'000;
    ev[i].oom.constraint = "CONSTRAINT_MEMCG";
    ev[i].oom.task_memcg = i == 5 ? "/other" : "/uxtest";
    ev[i].oom.oom_memcg = ev[i].oom.task_memcg;
    ev[i].oom.memory.limit_kb = 200 * 1024;
    ev[i].oom.victim.pid = 100 + static_cast<int64_t>(i);
    ev[i].oom.victim.comm = "python3";
    ev[i].oom.victim.anon_rss_kb = (i == 2 ? 190 : 150) * 1024;
  }
  auto in = input_for(s);
  in.events = &ev;
  auto f = rules::recent_oom_kills(in);
  ASSERT_EQ(f.size(), 2u);
  const Finding& other = f[0];  // the newest kill first
  EXPECT_EQ(other.subject.cgroup, "/other");
  const Finding& ux = f[1];
  EXPECT_EQ(ux.id, "recent-memcg-oom");
  EXPECT_EQ(ux.subject.cgroup, "/uxtest");
  EXPECT_EQ(ux.subject.pid, 102);  // the largest victim
  EXPECT_NE(ux.title.find("5 memory-cgroup OOM kills of /uxtest, limit 200Mi"), std::string::npos) << ux.title;
  EXPECT_NE(ux.title.find("largest python3 (pid 102, 190Mi RSS)"), std::string::npos) << ux.title;
  std::map<std::string, std::string> ev_by;
  for (const auto& e : ux.evidence) ev_by[e.what] = e.value;
  EXPECT_EQ(ev_by["kills"], "5");
  EXPECT_EQ(ev_by["first"], rfc3339_utc(s.time - 600));
  EXPECT_EQ(ev_by["last"], rfc3339_utc(s.time - 600 + 4 * 60));
  EXPECT_EQ(ev_by["memcg limit"], "200Mi");
}

TEST(RecentEvictions, MemoryEvictionsOfTheLastDayGroupedByPod) {
  auto s = healthy_node();
  auto eviction = [&](std::string pod, std::string stage, std::optional<std::string> resource, int64_t ago_s) {
    Event e;
    e.kind = EventKind::kEviction;
    e.time_us = (s.time - ago_s) * 1'000'000;
    e.eviction.stage = std::move(stage);
    e.eviction.resource = std::move(resource);
    e.eviction.pod = std::move(pod);
    e.eviction.signal = "memory.available";
    e.eviction.threshold = "500Mi";
    e.eviction.observed = "420Mi";
    return e;
  };
  std::vector<Event> ev = {eviction("shop/web-0", "threshold_met", "memory", 60),      // not an eviction yet
                           eviction("shop/web-0", "evicted", "ephemeral-storage", 60)};  // not memory
  auto in = input_for(s);
  EXPECT_TRUE(rules::recent_evictions(in).empty());  // no kernel/kubelet log read: silent
  in.events = &ev;
  EXPECT_TRUE(rules::recent_evictions(in).empty());
  ev.push_back(eviction("shop/web-0", "evicted", "memory", 25 * 3600));  // older than the 24 h window
  EXPECT_TRUE(rules::recent_evictions(in).empty());
  ev.push_back(eviction("shop/web-0", "evicted", "memory", 120));
  ev.push_back(eviction("shop/web-0", "evicting", "memory", 60));
  ev.push_back(eviction("batch/job-1", "evicted", std::nullopt, 30));  // resource not said: counted
  auto f = rules::recent_evictions(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "recent-evictions");
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_NE(f[0].title.find("2 pod(s)"), std::string::npos) << f[0].title;
  bool web = false;
  for (const auto& e : f[0].evidence)
    web |= e.what == "evicted shop/web-0" && e.value.find("2×") == 0 && e.value.find("observed 420Mi") != std::string::npos;
  EXPECT_TRUE(web);
}
