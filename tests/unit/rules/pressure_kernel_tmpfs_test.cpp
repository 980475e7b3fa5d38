#include <gtest/gtest.h>

#include "rules/engine.hpp"
#include "rules/rules.hpp"
#include "synthetic.hpp"

using namespace ms;
using namespace ms::test;

TEST(Engine, HealthyNodeHasNoFindingAndExitsZero) {
  auto s = healthy_node();
  auto r = make_doctor_report(input_for(s), "node-1");
  EXPECT_TRUE(r.findings.empty()) << r.findings.front().title;
  EXPECT_EQ(r.exit_code, 0);
}

TEST(Engine, RanksBySeverityThenBytesAndStampsRuleNames) {
  std::vector<Finding> f(4);
  f[0].id = "a", f[0].severity = Severity::kWarning, f[0].bytes_at_stake = 10;
  f[1].id = "b", f[1].severity = Severity::kCritical, f[1].bytes_at_stake = 1;
  f[2].id = "c", f[2].severity = Severity::kWarning, f[2].bytes_at_stake = 99;
  f[3].id = "d", f[3].severity = Severity::kInfo, f[3].bytes_at_stake = 1000;
  rank_findings(f);
  EXPECT_EQ(f[0].id, "b");
  EXPECT_EQ(f[1].id, "c");
  EXPECT_EQ(f[2].id, "a");
  EXPECT_EQ(f[3].id, "d");
  EXPECT_EQ(doctor_exit_code(f), 2);
  f.erase(f.begin());
  EXPECT_EQ(doctor_exit_code(f), 1);
  EXPECT_EQ(doctor_exit_code({f.back()}), 0);

  auto s = healthy_node();
  set_kv(s.meminfo, "SUnreclaim", 4 * kGi);
  auto r = run_doctor(input_for(s));
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0].rule, "slab-unreclaimable");
}

TEST(Engine, EveryRuleInTheTableHasANameSummaryAndFunction) {
  std::set<std::string_view> names;
  for (const auto& r : rule_table()) {
    EXPECT_FALSE(r.name.empty());
    EXPECT_FALSE(r.summary.empty());
    EXPECT_NE(r.fn, nullptr);
    EXPECT_TRUE(names.insert(r.name).second) << "duplicate rule " << r.name;
  }
}

TEST(SlabUnreclaimable, BothSidesOfTenAndTwentyPercent) {
  auto s = healthy_node();
  set_kv(s.meminfo, "SUnreclaim", static_cast<uint64_t>(16 * kGi * 0.099));
  EXPECT_TRUE(rules::slab_unreclaimable(input_for(s)).empty());
  set_kv(s.meminfo, "SUnreclaim", static_cast<uint64_t>(16 * kGi * 0.101));
  auto f = rules::slab_unreclaimable(input_for(s));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_NE(f[0].title.find("10%"), std::string::npos) << f[0].title;
  EXPECT_EQ(f[0].evidence[0].source, "/proc/meminfo SUnreclaim");
  set_kv(s.meminfo, "SUnreclaim", static_cast<uint64_t>(16 * kGi * 0.21));
  f = rules::slab_unreclaimable(input_for(s));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
}

TEST(SlabLarge, ReclaimableAboveQuarterOfRamNamesTheDentryCache) {
  auto s = healthy_node();
  set_kv(s.meminfo, "SReclaimable", static_cast<uint64_t>(16 * kGi * 0.24));
  EXPECT_TRUE(rules::slab_large(input_for(s)).empty());
  set_kv(s.meminfo, "SReclaimable", static_cast<uint64_t>(16 * kGi * 0.26));
  s.slab = {{"dentry", 0, 20'000'000, 192, 3'840'000'000}, {"ceph_inode_info", 0, 1'000'000, 1024, 1'024'000'000}};
  auto f = rules::slab_large(input_for(s));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  bool dentry = false, ceph = false;
  for (const auto& e : f[0].evidence) {
    if (e.what == "slab cache dentry" && e.value.find("walked many files") != std::string::npos) dentry = true;
    if (e.what == "slab cache ceph_inode_info" && e.value.find("CephFS") != std::string::npos) ceph = true;
  }
  EXPECT_TRUE(dentry);
  EXPECT_TRUE(ceph);
}

TEST(SlabLarge, FastGrowthFromHistoryEvenWhenSmall) {
  auto s = healthy_node();
  History h;
  // 16 GiB × 1% = 167 MiB per minute is the line.
  h.points.push_back({.time = 1000, .slab_reclaimable_bytes = 100 * kMi, .slab_unreclaimable_bytes = 50 * kMi});
  h.points.push_back({.time = 1060, .slab_reclaimable_bytes = 250 * kMi, .slab_unreclaimable_bytes = 50 * kMi});
  auto in = input_for(s);
  in.history = &h;
  EXPECT_TRUE(rules::slab_large(in).empty());  // 150 MiB/min < 1% of 16 GiB per minute
  h.points.push_back({.time = 1120, .slab_reclaimable_bytes = 450 * kMi, .slab_unreclaimable_bytes = 50 * kMi});
  auto f = rules::slab_large(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find("grows 200Mi/min"), std::string::npos) << f[0].title;
}

// Issue 16 item 6: with 2 s samples, a 29 MiB blip between two readings is not "1.71Gi/min": a rate
// is measured over a minute or more, and less than a minute of history gives none.
TEST(SlabLarge, RatesAreJudgedOverAMinuteNeverOneShortInterval) {
  auto s = healthy_node();
  History h;
  for (int64_t t = 0; t <= 120; t += 2)
    h.points.push_back({.time = 1000 + t,
                        .slab_reclaimable_bytes = (t == 60 ? 129 : 100) * kMi,
                        .slab_unreclaimable_bytes = 50 * kMi});
  auto in = input_for(s);
  in.history = &h;
  EXPECT_TRUE(rules::slab_large(in).empty());
  // At most the blip over the minute it took (29 MiB/min), never the 2 s step (870 MiB/min).
  auto rise = rules::fastest_rise(
      h, [](const HistoryPoint& p) -> std::optional<double> { return static_cast<double>(*p.slab_reclaimable_bytes); });
  ASSERT_TRUE(rise.rate);
  EXPECT_LE(*rise.rate, 29.0 * kMi / 60.0);
  // 40 s of history, growing fast: still no rate.
  History shortly;
  for (int64_t t = 0; t <= 40; t += 2)
    shortly.points.push_back({.time = 1000 + t,
                              .slab_reclaimable_bytes = (100 + uint64_t(t) * 20) * kMi,
                              .slab_unreclaimable_bytes = 50 * kMi});
  in.history = &shortly;
  EXPECT_TRUE(rules::slab_large(in).empty());
  EXPECT_FALSE(rules::fastest_decline(shortly).rate);
}

TEST(MemoryBackedFs, TmpfsAboveFivePercentWarnsAboveQuarterIsCritical) {
  auto s = healthy_node();
  s.mounts[0].used_bytes = static_cast<uint64_t>(16 * kGi * 0.049);
  EXPECT_TRUE(rules::memory_backed_fs(input_for(s)).empty());
  s.mounts[0].used_bytes = static_cast<uint64_t>(16 * kGi * 0.051);
  auto f = rules::memory_backed_fs(input_for(s));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "shm-filling");
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_EQ(f[0].subject.path, "/dev/shm");
  s.mounts[0].used_bytes = 5 * kGi;
  f = rules::memory_backed_fs(input_for(s));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
  EXPECT_EQ(f[0].bytes_at_stake, 5 * kGi);
}

TEST(MemoryBackedFs, EmptyDirNamesItsPodAndBindMountsCountOnce) {
  auto s = healthy_node();
  Mount m = s.mounts[0];
  m.major_minor = "0:99";
  m.mount_point = "/var/lib/kubelet/pods/1234-abcd/volumes/kubernetes.io~empty-dir/cache";
  m.used_bytes = 3 * kGi;
  s.mounts.push_back(m);
  m.mount_point = "/run/containerd/elsewhere";  // same superblock, bind-mounted
  s.mounts.push_back(m);
  auto f = rules::memory_backed_fs(input_for(s));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "emptydir-memory");
  EXPECT_EQ(f[0].subject.owner, "pod uid 1234-abcd");
  EXPECT_NE(f[0].title.find("3.00Gi"), std::string::npos) << f[0].title;
}

TEST(MemoryPsi, ThresholdsOnSomeAndFull) {
  auto s = healthy_node();
  s.psi->some.avg60 = 9.9;
  s.psi->full->avg60 = 4.9;
  EXPECT_TRUE(rules::memory_psi(input_for(s)).empty());
  s.psi->some.avg60 = 10.0;
  auto f = rules::memory_psi(input_for(s));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  s.psi->some.avg60 = 0;
  s.psi->full->avg60 = 5.0;
  EXPECT_EQ(rules::memory_psi(input_for(s)).size(), 1u);
  s.psi->full->avg10 = 59.9;
  EXPECT_EQ(rules::memory_psi(input_for(s))[0].severity, Severity::kWarning);
  s.psi->full->avg10 = 60.0;
  EXPECT_EQ(rules::memory_psi(input_for(s))[0].severity, Severity::kCritical);
  s.psi.reset();  // kernel without PSI: nothing to say
  EXPECT_TRUE(rules::memory_psi(input_for(s)).empty());
}

TEST(SwapActivity, RateFromTwoVmstatReadingsAndUsedShare) {
  auto s = healthy_node();
  EXPECT_TRUE(rules::swap_activity(input_for(s)).empty());  // no swap at all
  set_kv(s.meminfo, "SwapTotal", 4 * kGi);
  set_kv(s.meminfo, "SwapFree", 4 * kGi - 100 * kMi);
  set_kv(s.vmstat, "pswpin", 1000);
  set_kv(s.vmstat, "pswpout", 1000);
  auto in = input_for(s);
  in.vmstat_later = s.vmstat;
  set_kv(*in.vmstat_later, "pswpin", 1000 + 100);  // 200 pages = 800 KiB over 1 s: below 1 MiB/s
  set_kv(*in.vmstat_later, "pswpout", 1000 + 100);
  in.vmstat_interval_s = 1.0;
  EXPECT_TRUE(rules::swap_activity(in).empty());
  set_kv(*in.vmstat_later, "pswpin", 1000 + 200);  // 300 pages/s = 1.17 MiB/s
  auto f = rules::swap_activity(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  set_kv(*in.vmstat_later, "pswpin", 500);  // counter went backwards: no rate, not a negative one
  EXPECT_TRUE(rules::swap_activity(in).empty());
  set_kv(s.meminfo, "SwapFree", 2 * kGi);  // half of swap in use: worth an info line
  f = rules::swap_activity(input_for(s));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kInfo);
}
