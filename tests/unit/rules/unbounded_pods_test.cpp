#include <gtest/gtest.h>

#include "rules/rules.hpp"
#include "synthetic.hpp"

using namespace ms;
using namespace ms::test;

namespace {

Process proc(int pid, std::string comm, uint64_t rss, std::string cg) {
  Process p;
  p.pid = pid;
  p.comm = comm;
  p.cmdline = {comm};
  p.rss_bytes = rss;
  p.memory_cgroup = std::move(cg);
  return p;
}

ProcessAttribution unbounded(const Process& p, OwnerKind kind, std::optional<std::string> unit) {
  ProcessAttribution pa;
  pa.process = &p;
  pa.owner.kind = kind;
  pa.owner.unit = std::move(unit);
  pa.limit.known = true;  // and no limit_bytes: unbounded
  pa.memory.rss = p.rss_bytes;
  pa.why = "test";
  return pa;
}

}  // namespace

TEST(UnboundedOutside, BelowTheFloorIsSilentAboveIsWarningCronIsCritical) {
  auto s = healthy_node();  // 16 GiB, no kubelet: floor = max(2% = 327 MiB, min(100Mi default margin, 10%))
  s.processes.push_back(proc(100, "java", 300 * kMi, "/system.slice/app.service"));
  Attribution a;
  a.processes.push_back(unbounded(s.processes[0], OwnerKind::kSystemdUnit, "app.service"));
  auto in = input_for(s);
  in.attribution = &a;
  EXPECT_TRUE(rules::unbounded_outside(in).empty());
  s.processes[0].rss_bytes = 400 * kMi;
  a.processes[0].memory.rss = 400 * kMi;
  auto f = rules::unbounded_outside(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_EQ(f[0].subject.pid, 100);
  EXPECT_EQ(f[0].subject.owner, "app.service");
  // A bounded process of the same size, or one in kubepods, is not this rule's business.
  a.processes[0].limit.limit_bytes = 1 * kGi;
  EXPECT_TRUE(rules::unbounded_outside(in).empty());
  a.processes[0].limit.limit_bytes.reset();
  a.processes[0].owner.in_kubepods = true;
  EXPECT_TRUE(rules::unbounded_outside(in).empty());
  a.processes[0].owner.in_kubepods = false;
  // Started by cron: critical, and the title names the crontab line.
  SuspectProvenance sp;
  sp.pid = 100;
  CronMatch cm;
  cm.file = "/etc/crontab";
  cm.line = 3;
  cm.raw = "25 6 * * * root cd / && run-parts --report /etc/cron.daily";
  cm.schedule_text = "daily at 06:25";
  cm.script = "/etc/cron.daily/index-volumes";
  sp.cron = cm;
  in.suspects.push_back(sp);
  f = rules::unbounded_outside(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
  EXPECT_NE(f[0].title.find("/etc/crontab:3"), std::string::npos) << f[0].title;
  bool script_fix = false;
  for (const auto& l : f[0].fix) script_fix |= l.find("chmod -x /etc/cron.daily/index-volumes") != std::string::npos;
  EXPECT_TRUE(script_fix);
}

// The floor follows the node: a 64 MiB hog on a 466 MiB VM is 14% of it (the VM scenario), while on
// a 64 GiB node a few hundred MiB outside kubepods is noise; a large hard threshold raises it, capped
// at 10% of RAM.
TEST(UnboundedOutside, FloorIsRelativeToTheNode) {
  struct C {
    uint64_t mem_total;
    std::optional<int64_t> hard;
    uint64_t floor;
  };
  const uint64_t vm = 466 * kMi;
  std::vector<C> cases = {
      {vm, std::nullopt, vm / 10},                         // 10% cap under the 100Mi default margin
      {vm, int64_t{20} << 20, 20 * kMi},                   // a 20Mi margin: the margin
      {vm, int64_t{1} << 20, vm * 2 / 100},                // never under 2% of RAM
      {16 * kGi, std::nullopt, 16 * kGi * 2 / 100},        // 327Mi: 2% beats the 100Mi default
      {8 * kGi, int64_t{500} << 20, 500 * kMi},            // the incident's 500Mi
      {8 * kGi, int64_t{2} << 30, 8 * kGi / 10},           // a margin over 10% of RAM is capped there
      {64 * kGi, int64_t{100} << 20, 64 * kGi * 2 / 100},  // 1.28Gi on a big node
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mem_total);
    auto s = healthy_node();
    set_kv(s.meminfo, "MemTotal", c.mem_total);
    auto in = input_for(s);
    if (c.hard) {
      k8s::ResolvedThreshold t;
      t.signal = k8s::kSignalMemoryAvailable;
      t.kind = "hard";
      t.bytes = *c.hard;
      in.thresholds.push_back(t);
    }
    EXPECT_NEAR(static_cast<double>(rules::unbounded_floor_bytes(in)), static_cast<double>(c.floor), 1.0);
  }
  // The VM scenario: a 64 MiB cron hog on 466 MiB is found, critical (cron, and 14% of RAM); 40 MiB is not.
  auto s = healthy_node();
  set_kv(s.meminfo, "MemTotal", vm);
  s.processes.push_back(proc(50, "updatedb", 64 * kMi, "/system.slice/cron.service"));
  s.processes.push_back(proc(51, "memsleuth", 90 * kMi, "/"));
  Attribution a;
  a.processes.push_back(unbounded(s.processes[0], OwnerKind::kCron, "cron.service"));
  a.processes.push_back(unbounded(s.processes[1], OwnerKind::kUnconfined, std::nullopt));
  auto in = input_for(s);
  in.attribution = &a;
  in.self_pid = 51;  // memsleuth never reports itself
  auto f = rules::unbounded_outside(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].subject.pid, 50);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
  in.self_pid.reset();
  EXPECT_EQ(rules::unbounded_outside(in).size(), 2u);
  s.processes[0].rss_bytes = 40 * kMi;
  a.processes[0].memory.rss = 40 * kMi;
  in.self_pid = 51;
  EXPECT_TRUE(rules::unbounded_outside(in).empty());
  // The same 64 MiB hog on a 16 GiB node is below 2% of RAM: noise.
  set_kv(s.meminfo, "MemTotal", 16 * kGi);
  s.processes[0].rss_bytes = 64 * kMi;
  a.processes[0].memory.rss = 64 * kMi;
  EXPECT_TRUE(rules::unbounded_outside(in).empty());
}

TEST(UnboundedOutside, NodeAgentsOnlyWhenHuge) {
  auto s = healthy_node();
  s.processes.push_back(proc(1, "kubelet", 600 * kMi, "/system.slice/kubelet.service"));
  Attribution a;
  a.processes.push_back(unbounded(s.processes[0], OwnerKind::kNodeAgent, "kubelet.service"));
  auto in = input_for(s);
  in.attribution = &a;
  EXPECT_TRUE(rules::unbounded_outside(in).empty());
  a.processes[0].memory.rss = 2 * kGi;  // 12.5% of RAM
  EXPECT_EQ(rules::unbounded_outside(in).size(), 1u);
}

TEST(MisleadingCwd, OnlyWhenProvenanceSaysSo) {
  auto s = healthy_node();
  s.processes.push_back(proc(7, "updatedb", 1 * kGi, "/system.slice/cron.service"));
  SuspectProvenance sp;
  sp.pid = 7;
  CwdTruth ct;
  ct.moving = true;
  ct.distinct = 4;
  ct.under_pod_uid = "e13c3afb-d0a2-425e-9296-50ae995d0603";
  ct.pod_dir_sample = "/var/lib/kubelet/pods/e13c3afb-d0a2-425e-9296-50ae995d0603/volumes/x";
  sp.cwd = ct;
  auto in = input_for(s);
  in.suspects.push_back(sp);
  EXPECT_TRUE(rules::misleading_cwd(in).empty());
  in.suspects[0].cwd->misleading = true;
  auto f = rules::misleading_cwd(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find("cwd is not ownership"), std::string::npos);
  EXPECT_EQ(f[0].severity, Severity::kInfo);
}

TEST(BestEffortHog, FiveAndTwentyFivePercent) {
  auto s = healthy_node();
  Attribution a;
  PodRollup pod;
  pod.owner.kind = OwnerKind::kPod;
  pod.owner.qos = QosClass::kBestEffort;
  pod.owner.namespace_ = "batch";
  pod.owner.pod = "hog-0";
  pod.pod_cgroup = "/kubepods/besteffort/podabc";
  pod.memory.working_set = static_cast<uint64_t>(16 * kGi * 0.049);
  a.pods.push_back(pod);
  auto in = input_for(s);
  in.attribution = &a;
  EXPECT_TRUE(rules::besteffort_hog(in).empty());
  a.pods[0].memory.working_set = static_cast<uint64_t>(16 * kGi * 0.051);
  auto f = rules::besteffort_hog(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_NE(f[0].title.find("batch/hog-0"), std::string::npos) << f[0].title;
  a.pods[0].memory.working_set = 5 * kGi;
  EXPECT_EQ(rules::besteffort_hog(in)[0].severity, Severity::kCritical);
  a.pods[0].owner.qos = QosClass::kBurstable;
  EXPECT_TRUE(rules::besteffort_hog(in).empty());
}

TEST(ContainerNearLimit, NinetyPercentOfItsOwnLimit) {
  auto s = healthy_node();
  Cgroup c;
  c.path = "/kubepods/burstable/podabc/0123";
  c.limit_bytes = 1 * kGi;
  c.limit_known = true;
  s.cgroups.push_back(c);
  Attribution a;
  CgroupAttribution ca;
  ca.cgroup = &s.cgroups.back();
  ca.owner.kind = OwnerKind::kPod;
  ca.owner.in_kubepods = true;
  ca.owner.pod_uid = "abc";
  ca.memory.working_set = static_cast<uint64_t>(kGi * 0.89);
  a.cgroups.push_back(ca);
  auto in = input_for(s);
  in.attribution = &a;
  EXPECT_TRUE(rules::container_near_limit(in).empty());
  a.cgroups[0].memory.working_set = static_cast<uint64_t>(kGi * 0.91);
  auto f = rules::container_near_limit(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find("91%"), std::string::npos) << f[0].title;
}

TEST(ScheduledCrawler, OnlyActiveJobsThatCrawlRiskyPaths) {
  auto s = healthy_node();
  ScheduledCulprit sc;
  sc.rule = "updatedb";
  sc.kind = "cron";
  sc.file = "/etc/crontab";
  sc.line = 3;
  sc.schedule = "25 6 * * *";
  sc.schedule_text = "daily at 06:25";
  sc.script = "/etc/cron.daily/plocate";
  sc.culprit.rule = "updatedb";
  sc.culprit.crawl = CrawlPlan{};
  auto in = input_for(s);
  in.scheduled.push_back(sc);
  EXPECT_TRUE(rules::scheduled_culprits(in).empty());  // crawls nothing risky
  in.scheduled[0].culprit.crawl->crawled.push_back({CrawlRisk::kKubernetesState, "/var/lib/kubelet", "ext4", "/dev/sda1"});
  auto f = rules::scheduled_culprits(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find("/var/lib/kubelet"), std::string::npos) << f[0].title;
  in.scheduled[0].active = false;
  EXPECT_TRUE(rules::scheduled_culprits(in).empty());
}

// Issue 16 item 7: updatedb reached by a cron.daily script (no crontab line runs it on this host) and by
// its timer is one finding naming both schedules, with no empty place ("(, …" / "owner  [cron]"), and
// the PRUNEPATHS line once in its fix.
TEST(ScheduledCrawler, OneCulpritThroughTwoSchedulesIsOneFinding) {
  auto s = healthy_node();
  CrawlPlan plan;
  plan.crawled.push_back({CrawlRisk::kKubernetesState, "/var/lib/containers", "", ""});
  plan.prunepaths_fix = "PRUNEPATHS=\"/tmp /var/lib/containers\"";
  ScheduledCulprit cron;
  cron.rule = "updatedb";
  cron.kind = "cron";
  cron.script = "/etc/cron.daily/plocate";
  cron.schedule_text = "/etc/cron.daily (no crontab or anacrontab line runs it here)";
  cron.command = "nice updatedb";
  cron.culprit.rule = "updatedb";
  cron.culprit.crawl = plan;
  cron.culprit.fixes = {"edit /etc/updatedb.conf line 3 (PRUNEPATHS) to read: " + *plan.prunepaths_fix,
                        "stop the schedule: chmod -x /etc/cron.daily/plocate"};
  ScheduledCulprit timer = cron;
  timer.kind = "timer";
  timer.script.reset();
  timer.file = "/lib/systemd/system/plocate-updatedb.timer";
  timer.timer = "plocate-updatedb.timer";
  timer.schedule = "OnCalendar=daily";
  timer.schedule_text = "OnCalendar=daily";
  timer.culprit.fixes = {cron.culprit.fixes[0], "stop the schedule: systemctl disable --now plocate-updatedb.timer"};
  auto in = input_for(s);
  in.scheduled = {cron, timer};
  auto f = rules::scheduled_culprits(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].title.find("(, "), std::string::npos) << f[0].title;
  EXPECT_NE(f[0].title.find("cron script /etc/cron.daily/plocate"), std::string::npos) << f[0].title;
  EXPECT_NE(f[0].title.find("timer plocate-updatedb.timer"), std::string::npos) << f[0].title;
  EXPECT_EQ(f[0].subject.owner, "/etc/cron.daily/plocate, plocate-updatedb.timer");
  EXPECT_EQ(f[0].subject.owner_kind, "cron,timer");
  size_t prune = 0;
  for (const auto& x : f[0].fix) prune += x.find("PRUNEPATHS") != std::string::npos;
  EXPECT_EQ(prune, 1u);
  EXPECT_EQ(f[0].fix.size(), 3u);  // the PRUNEPATHS edit once, then how to stop each schedule
  for (const auto& e : f[0].evidence) EXPECT_EQ(e.value.find("( )"), std::string::npos) << e.what;
}
