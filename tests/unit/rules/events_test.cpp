#include <gtest/gtest.h>

#include "rules/rules.hpp"
#include "synthetic.hpp"

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

