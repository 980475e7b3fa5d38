// Every sample of tests/data/oom and tests/data/kubelet with the facts its index.md lists.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "events/event_stream.hpp"
#include "probe/fs.hpp"

using namespace ms;

namespace {

std::string shared(const std::string& rel) {
  auto t = read_file(std::string(MEMSLEUTH_TEST_DATA) + "/" + rel, FileKind::kLog);
  EXPECT_TRUE(t) << rel << ": " << (t ? "" : t.error().describe());
  return t ? *t : std::string();
}

// 2026-11-27T12:00:00Z: a fixed reference so year-less syslog times are deterministic.
constexpr int64_t kRef = 1795780800LL * 1000000;

std::vector<Event> parse_sample(const std::string& rel) {
  LineContext ctx;
  ctx.reference_us = kRef;
  return parse_events(shared(rel), ctx);
}

std::vector<const Event*> ooms(const std::vector<Event>& ev) {
  std::vector<const Event*> out;
  for (const auto& e : ev)
    if (e.kind == EventKind::kOomKill) out.push_back(&e);
  return out;
}

std::vector<const Event*> evictions(const std::vector<Event>& ev) {
  std::vector<const Event*> out;
  for (const auto& e : ev)
    if (e.kind == EventKind::kEviction) out.push_back(&e);
  return out;
}

}  // namespace

TEST(OomSamples, Sample02LegacyTaskInSystemdDriver) {
  auto all_ev = parse_sample("oom/sample-02.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  const std::string path =
      "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0330b2c1_a15b_4cdd_b5e5_72d4a90bee82.slice/"
      "docker-b27201334a41cd0749d053b18378d7ea65617b8e26277197ea25c974da1a5a8a.scope";
  EXPECT_EQ(k.legacy_limit_of, path);
  EXPECT_EQ(k.legacy_task_in, path);
  EXPECT_EQ(k.limit_memcg(), path);
  EXPECT_EQ(k.memory.usage_kb, 1048576u);
  EXPECT_EQ(k.memory.limit_kb, 1048576u);
  EXPECT_EQ(k.memory.failcnt, 189u);
  EXPECT_EQ(k.scope(), OomScope::kMemcg);
  bool rss = false, cache = false;
  for (auto& [key, v] : k.memcg_stats) {
    if (key == "rss") rss = v == 1048552ull * 1024;
    if (key == "cache") cache = v == 24ull * 1024;
  }
  EXPECT_TRUE(rss);
  EXPECT_TRUE(cache);
  // The window ends inside the task table: victim not shown, record incomplete, nothing invented.
  EXPECT_FALSE(k.victim.pid);
  EXPECT_TRUE(ev[0]->incomplete);
  EXPECT_TRUE(k.task_table_seen);
  EXPECT_TRUE(k.tasks.empty());  // the only row is cut ("[21284]  1337 21284  12")
  EXPECT_TRUE(ev[0]->time_us);
}

TEST(OomSamples, Sample04MemcgKilledThenNextTrigger) {
  auto all_ev = parse_sample("oom/sample-04.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 2u);
  const OomKill& k = ev[0]->oom;
  EXPECT_EQ(k.scope(), OomScope::kMemcg);
  EXPECT_EQ(k.kill_reason, "Memory cgroup out of memory");
  EXPECT_EQ(k.victim.pid, 63214);
  EXPECT_EQ(k.victim.comm, "uwsgi");
  EXPECT_EQ(k.victim.anon_rss_kb, 164992u);
  EXPECT_EQ(k.victim.file_rss_kb, 52176u);
  EXPECT_EQ(k.victim.shmem_rss_kb, 92u);
  EXPECT_EQ(k.victim.total_vm_kb, 3149468u);
  EXPECT_EQ(k.victim.uid, 0);
  EXPECT_EQ(k.victim.pgtables_kb, 1372u);
  EXPECT_EQ(k.victim.oom_score_adj, 986);
  EXPECT_TRUE(k.reaped);
  EXPECT_FALSE(k.limit_memcg());  // memcg path not shown
  EXPECT_EQ(ev[0]->uptime_us, 7063247407u);
  const OomKill& n = ev[1]->oom;
  EXPECT_EQ(n.invoker_comm, "uwsgi");
  EXPECT_EQ(n.invoker_pid, 63635);
  EXPECT_EQ(n.gfp_mask, "0xcc0(GFP_KERNEL)");
  EXPECT_EQ(n.order, 0);
  EXPECT_EQ(n.invoker_oom_score_adj, 986);
  EXPECT_TRUE(ev[1]->incomplete);
  EXPECT_FALSE(n.victim.pid);
}

TEST(OomSamples, Sample06GlobalOomNone) {
  auto all_ev = parse_sample("oom/sample-06.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 2u);
  const OomKill& k = ev[0]->oom;
  EXPECT_EQ(k.constraint, "CONSTRAINT_NONE");
  EXPECT_TRUE(k.global_oom_marker);
  EXPECT_EQ(k.scope(), OomScope::kGlobal);
  EXPECT_EQ(k.task_memcg, "/");
  EXPECT_FALSE(k.oom_memcg);
  EXPECT_EQ(k.nodemask, "(null)");
  EXPECT_EQ(k.cpuset, "/");
  EXPECT_EQ(k.mems_allowed, "0");
  EXPECT_EQ(k.victim.pid, 472);
  EXPECT_EQ(k.victim.comm, "whiptail");
  EXPECT_EQ(k.victim.uid, 0);
  EXPECT_EQ(k.victim.anon_rss_kb, 1028u);
  EXPECT_EQ(k.victim.pgtables_kb, 68u);
  EXPECT_EQ(k.kill_reason, "Out of memory");
  EXPECT_EQ(ev[1]->oom.invoker_comm, "gui-init");
  EXPECT_EQ(ev[1]->oom.invoker_pid, 1);
  EXPECT_EQ(ev[1]->oom.order, 1);
  EXPECT_EQ(ev[1]->oom.gfp_mask, "0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO)");
}

TEST(OomSamples, Sample08DockerCgroupfsBlankLines) {
  auto all_ev = parse_sample("oom/sample-08.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  const std::string path = "/docker/9f9cdbfd1ad345748869b4cbaaa0e71b573e54c30ed44071e9dbc948ecc7e857";
  EXPECT_EQ(k.legacy_limit_of, path);
  EXPECT_EQ(k.limit_memcg(), path);
  EXPECT_EQ(k.memory.usage_kb, 4194304u);
  EXPECT_EQ(k.memory.limit_kb, 4194304u);
  EXPECT_EQ(k.memory.failcnt, 3534177u);
  EXPECT_EQ(k.memsw.limit_kb, 8388608u);
  EXPECT_EQ(k.kmem.usage_kb, 71388u);
  ASSERT_EQ(k.tasks.size(), 5u);
  EXPECT_EQ(k.tasks[0].pid, 102872);
  EXPECT_EQ(k.tasks[0].uid, 689824);
  EXPECT_EQ(k.tasks[0].rss_pages, 613u);
  EXPECT_EQ(k.tasks[0].nr_ptes, 18u);
  EXPECT_EQ(k.tasks[0].name, "init");
  EXPECT_EQ(k.tasks[4].name, "dbus-daemon");
  EXPECT_FALSE(k.victim.pid);
  EXPECT_TRUE(ev[0]->incomplete);
}

TEST(OomSamples, Sample10Rhel6KilledLine) {
  auto all_ev = parse_sample("oom/sample-10.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  EXPECT_EQ(k.victim.pid, 11726);
  EXPECT_EQ(k.victim.uid, 498);
  EXPECT_EQ(k.victim.comm, "mysqld");
  EXPECT_EQ(k.victim.total_vm_kb, 7823732u);
  EXPECT_EQ(k.victim.anon_rss_kb, 2539268u);
  EXPECT_EQ(k.victim.file_rss_kb, 768u);
  EXPECT_FALSE(k.victim.shmem_rss_kb);  // not in this kernel's line: never 0
  EXPECT_FALSE(k.constraint);
  EXPECT_EQ(k.scope(), OomScope::kUnknown);
  EXPECT_EQ(ev[0]->uptime_us, 2858609598568u);
  EXPECT_EQ(ev[0]->host, "server1");
}

TEST(OomSamples, Sample12Centos7GlobalSacrificeChild) {
  auto all_ev = parse_sample("oom/sample-12.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 2u);
  const OomKill& k = ev[0]->oom;
  EXPECT_EQ(k.scope(), OomScope::kGlobal);
  EXPECT_EQ(k.selected_pid, 5099);
  EXPECT_EQ(k.selected_score, 72);
  EXPECT_EQ(k.victim.pid, 5099);
  EXPECT_EQ(k.victim.comm, "fio");
  EXPECT_EQ(k.victim.anon_rss_kb, 2451568u);
  EXPECT_EQ(k.victim.total_vm_kb, 6966652u);
  ASSERT_EQ(k.tasks.size(), 8u);  // table without its header: 3.10 column set inferred
  EXPECT_EQ(k.tasks[3].pid, 5099);
  EXPECT_EQ(k.tasks[3].rss_pages, 612892u);
  EXPECT_EQ(k.tasks[3].oom_score_adj, 0);
  EXPECT_TRUE(ev[0]->incomplete);  // excerpt starts inside the task table
  const OomKill& n = ev[1]->oom;
  EXPECT_EQ(n.invoker_comm, "fio");
  EXPECT_EQ(n.invoker_pid, 5098);
  EXPECT_EQ(n.cpuset, "/");
  EXPECT_EQ(n.mems_allowed, "0");
  EXPECT_EQ(n.gfp_mask, "0x280da");
}

TEST(OomSamples, Sample14CommWithParentheses) {
  auto all_ev = parse_sample("oom/sample-14.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0]->oom.victim.pid, 15784);
  EXPECT_EQ(ev[0]->oom.victim.comm, "python3");
  EXPECT_EQ(ev[0]->oom.victim.anon_rss_kb, 4288u);
  EXPECT_EQ(ev[1]->oom.victim.pid, 15925);
  EXPECT_EQ(ev[1]->oom.victim.comm, "(resolved)");
  EXPECT_EQ(ev[1]->oom.victim.anon_rss_kb, 4064u);
  EXPECT_EQ(ev[2]->oom.victim.pid, 15783);
  EXPECT_EQ(ev[3]->oom.victim.pid, 15934);
  EXPECT_EQ(ev[3]->oom.victim.comm, "(resolved)");
  for (auto* e : ev) {
    EXPECT_EQ(e->oom.scope(), OomScope::kGlobal);
    EXPECT_TRUE(e->oom.reaped);
    EXPECT_FALSE(e->oom.victim.uid);
  }
}

TEST(OomSamples, Sample16DmesgTMemcgCommWithSpaceAndSlash) {
  auto all_ev = parse_sample("oom/sample-16.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const Event& e = *ev[0];
  const OomKill& k = e.oom;
  EXPECT_EQ(k.invoker_comm, "CPU 11/KVM");
  EXPECT_EQ(k.invoker_pid, 70888);
  EXPECT_EQ(k.invoker_oom_score_adj, 830);
  EXPECT_EQ(k.constraint, "CONSTRAINT_MEMCG");
  EXPECT_EQ(k.oom_memcg,
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podef91e487_dec5_4613_800b_eb23e1a1617d.slice");
  EXPECT_EQ(k.task_memcg,
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podef91e487_dec5_4613_800b_eb23e1a1617d.slice/"
            "cri-containerd-100093783c22a3ae1a42e21dd887b7c26eef52d56ba44c7273ef54507b6efe7c.scope");
  EXPECT_EQ(k.cpuset, "cri-containerd-100093783c22a3ae1a42e21dd887b7c26eef52d56ba44c7273ef54507b6efe7c.scope");
  EXPECT_EQ(k.mems_allowed, "0-3");
  EXPECT_EQ(k.victim.pid, 70870);
  EXPECT_EQ(k.victim.comm, "qemu-system-x86");
  EXPECT_EQ(k.victim.uid, 107);
  EXPECT_EQ(k.victim.anon_rss_kb, 66852088u);
  EXPECT_EQ(k.victim.file_rss_kb, 21948u);
  EXPECT_EQ(k.victim.shmem_rss_kb, 4u);
  EXPECT_FALSE(k.victim.pgtables_kb);
  EXPECT_EQ(k.memory.limit_kb, 67579904u);
  ASSERT_EQ(k.tasks.size(), 6u);
  EXPECT_EQ(k.tasks[5].name, "qemu-system-x86");
  EXPECT_EQ(k.tasks[5].pgtables_bytes, 135278592u);
  EXPECT_EQ(k.tasks[5].rss_pages, 16718510u);
  EXPECT_FALSE(e.incomplete);
  ASSERT_TRUE(e.time_us);  // dmesg -T: local wall time
  EXPECT_TRUE(k.reaped);
}

TEST(OomSamples, Sample18LegacyTaskInLtp) {
  auto all_ev = parse_sample("oom/sample-18.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  EXPECT_EQ(k.legacy_task_in, "/13");
  EXPECT_EQ(k.legacy_limit_of, "/13");
  EXPECT_EQ(k.memory.usage_kb, 4u);
  EXPECT_EQ(k.memory.limit_kb, 4u);
  EXPECT_EQ(k.memory.failcnt, 8u);
  EXPECT_EQ(k.stats_path, "/13");
  EXPECT_EQ(k.scope(), OomScope::kMemcg);
  EXPECT_FALSE(k.victim.pid);
  EXPECT_TRUE(ev[0]->incomplete);
}

TEST(OomSamples, Sample20CommWithBracketsAndColon) {
  auto all_ev = parse_sample("oom/sample-20.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  ASSERT_EQ(k.tasks.size(), 4u);
  EXPECT_EQ(k.tasks[0].name, "pause");
  EXPECT_EQ(k.tasks[0].oom_score_adj, -998);
  EXPECT_EQ(k.tasks[1].name, "sh");
  EXPECT_EQ(k.tasks[1].uid, 602);
  EXPECT_EQ(k.tasks[2].name, "chown");
  EXPECT_EQ(k.tasks[3].name, "runc:[2:INIT]");
  EXPECT_EQ(k.selected_pid, 1249);
  EXPECT_EQ(k.selected_comm, "runc:[2:INIT]");
  EXPECT_EQ(k.selected_score, 978);
  EXPECT_EQ(k.victim.pid, 1249);
  EXPECT_EQ(k.victim.comm, "runc:[2:INIT]");
  EXPECT_EQ(k.victim.anon_rss_kb, 2716u);
  EXPECT_EQ(k.scope(), OomScope::kMemcg);
}

TEST(OomSamples, Sample22QuotedRhel7EightVictims) {
  auto all_ev = parse_sample("oom/sample-22.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 8u);
  EXPECT_EQ(ev[0]->oom.victim.pid, 799153);
  EXPECT_EQ(ev[0]->oom.victim.anon_rss_kb, 68308u);
  EXPECT_EQ(ev[7]->oom.victim.pid, 801542);
  EXPECT_EQ(ev[7]->oom.victim.anon_rss_kb, 103412u);
  for (auto* e : ev) {
    EXPECT_EQ(e->oom.victim.comm, "node");
    EXPECT_EQ(e->oom.victim.uid, 1000);
    EXPECT_FALSE(e->oom.limit_memcg());
  }
}

TEST(OomSamples, Sample24CosRuncInvoker) {
  auto all_ev = parse_sample("oom/sample-24.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  EXPECT_EQ(k.invoker_comm, "runc:[2:INIT]");
  EXPECT_EQ(k.invoker_pid, 52432);
  EXPECT_EQ(k.invoker_oom_score_adj, -998);
  EXPECT_EQ(k.gfp_mask, "0xcc0(GFP_KERNEL)");
  EXPECT_FALSE(k.victim.pid);
  EXPECT_TRUE(ev[0]->incomplete);
  EXPECT_EQ(ev[0]->host, "tmp-node-e2e-7aba7327-cos-beta-117-18613-0-76");
}

TEST(OomSamples, Sample26TalosV2Stats) {
  auto all_ev = parse_sample("oom/sample-26.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  EXPECT_EQ(k.limit_memcg(), "/kubepods/burstable/pod84c5437e-9503-4b52-8470-984c54f7e9f3");
  EXPECT_EQ(k.memory.usage_kb, 4194304u);
  EXPECT_EQ(k.memory.limit_kb, 4194304u);
  EXPECT_EQ(k.memory.failcnt, 2084326u);
  EXPECT_EQ(k.swap.limit_kb, 9007199254740988u);
  ASSERT_FALSE(k.memcg_stats.empty());
  EXPECT_EQ(k.memcg_stats[0].first, "anon");
  EXPECT_EQ(k.memcg_stats[0].second, 4280025088u);
  EXPECT_EQ(ev[0]->host, "10.200.70.91");
  EXPECT_FALSE(k.victim.pid);  // victim not shown in the excerpt: nothing invented
  EXPECT_TRUE(ev[0]->incomplete);
  ASSERT_TRUE(ev[0]->time_us);
  EXPECT_EQ(*ev[0]->time_us, 1749012717572293LL);  // 2025-06-04T04:51:57.572293Z
}

TEST(OomSamples, Sample28TalosApidLimit) {
  auto all_ev = parse_sample("oom/sample-28.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  EXPECT_EQ(k.memory.usage_kb, 40964u);
  EXPECT_EQ(k.memory.limit_kb, 40960u);
  EXPECT_EQ(k.memory.failcnt, 172u);
  EXPECT_TRUE(k.swap.usage_kb);
  EXPECT_FALSE(k.victim.pid);
}

TEST(OomSamples, Sample30VmwareWrappedCommWithSpace) {
  auto all_ev = parse_sample("oom/sample-30.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  EXPECT_EQ(k.stats_path,
            "/kubepods/burstable/podfe3f7a38-b3f7-48aa-8997-a697ae3d0741/"
            "c7ebf4d756b284f6226cce820771afcf706a4e37afb77f052c61ece86d3b61f0");
  ASSERT_EQ(k.tasks.size(), 4u);
  EXPECT_EQ(k.tasks[0].name, "pause");
  EXPECT_EQ(k.tasks[1].name, "npm start");
  EXPECT_EQ(k.tasks[1].uid, 1000);
  EXPECT_EQ(k.tasks[3].name, "node");
  EXPECT_EQ(k.tasks[3].rss_pages, 138005u);
  bool rss = false;
  for (auto& [key, v] : k.memcg_stats)
    if (key == "rss") rss = v == 613460ull * 1024;
  EXPECT_TRUE(rss);
  EXPECT_FALSE(k.victim.pid);  // kill line cut
  EXPECT_TRUE(ev[0]->incomplete);
  EXPECT_TRUE(ev[0]->time_us);
}

TEST(OomSamples, Sample32HarvesterCutStatsPath) {
  auto all_ev = parse_sample("oom/sample-32.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  EXPECT_EQ(k.memory.usage_kb, 131076u);
  EXPECT_EQ(k.memory.limit_kb, 131072u);
  EXPECT_EQ(k.memory.failcnt, 28873u);
  EXPECT_FALSE(k.stats_path);  // the path is cut: never used as if it were whole
  EXPECT_EQ(k.scope(), OomScope::kMemcg);
}

TEST(OomSamples, Sample34CrioSacrificedChild) {
  auto all_ev = parse_sample("oom/sample-34.log");  // the events outlive the pointers into them
  auto ev = ooms(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const OomKill& k = ev[0]->oom;
  ASSERT_EQ(k.tasks.size(), 5u);
  EXPECT_EQ(k.tasks[0].name, "conmon");
  EXPECT_EQ(k.selected_pid, 387941);
  EXPECT_EQ(k.selected_comm, "runc");
  EXPECT_EQ(k.victim.pid, 387951);
  EXPECT_EQ(k.victim.comm, "runc:[2:INIT]");
  EXPECT_EQ(k.victim.anon_rss_kb, 3000u);
  EXPECT_EQ(k.victim.file_rss_kb, 3896u);
  EXPECT_TRUE(k.reaped);
  EXPECT_EQ(k.scope(), OomScope::kMemcg);
}

TEST(OomSamples, V2VmRealKills) {
  for (const char* f : {"v2-vm/debian-6.1-results.log", "v2-vm/debian-6.12-results.log"}) {
    SCOPED_TRACE(f);
    auto all = parse_sample(f);
    auto ev = ooms(all);
    // The file shows the report twice (grep of the oom lines, then the full block): both parse.
    ASSERT_GE(ev.size(), 1u);
    const Event& e = *ev.back();
    const OomKill& k = e.oom;
    EXPECT_EQ(k.constraint, "CONSTRAINT_MEMCG");
    EXPECT_EQ(k.victim.comm, "memhog");
    EXPECT_EQ(k.victim.anon_rss_kb, std::string(f).find("6.12") != std::string::npos ? 65280u : 65148u);
    EXPECT_EQ(k.memory.limit_kb, 65536u);
    EXPECT_EQ(k.oom_memcg, k.task_memcg);
    ASSERT_EQ(k.tasks.size(), 1u);
    EXPECT_EQ(k.tasks[0].name, "memhog");
    EXPECT_FALSE(e.incomplete);
    if (std::string(f).find("6.12") != std::string::npos) {
      EXPECT_EQ(k.tasks[0].rss_anon_pages, 16320u);
      EXPECT_EQ(k.tasks[0].rss_shmem_pages, 137u);
    }
  }
}

TEST(KubeletSamples, Log01PrintfSequence) {
  auto all_ev = parse_sample("kubelet/logs/log-01.log");  // the events outlive the pointers into them
  auto ev = evictions(all_ev);
  std::vector<std::string> stages;
  for (auto* e : ev) stages.push_back(e->eviction.stage);
  EXPECT_EQ(stages, (std::vector<std::string>{"threshold_met", "must_evict", "ranked", "evicted"}));
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0]->eviction.resource, "memory");
  EXPECT_EQ(ev[2]->eviction.ranked,
            (std::vector<std::string>{"e2e-tests-eviction-test-simple-rkrca/guaranteed-cn933"}));
  EXPECT_EQ(ev[3]->eviction.pod, "e2e-tests-eviction-test-simple-rkrca/guaranteed-cn933");
  EXPECT_EQ(ev[3]->eviction.pod_uid, "33a5f9aa-7142-11e6-a2e9-28d2444e470d");
  EXPECT_EQ(ev[3]->eviction.resource, "memory");
  EXPECT_EQ(ev[3]->host, "localhost.localdomain");
  EXPECT_TRUE(ev[3]->time_us);
}

TEST(KubeletSamples, Log03AbsurdObservation) {
  auto all_ev = parse_sample("kubelet/logs/log-03.log");  // the events outlive the pointers into them
  auto ev = evictions(all_ev);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]->eviction.stage, "threshold_observed");
  EXPECT_EQ(ev[0]->eviction.signal, "memory.available");
  EXPECT_EQ(ev[0]->eviction.threshold, "100Mi");
  EXPECT_EQ(ev[0]->eviction.observed, "-2097758044639028Ki");
  EXPECT_EQ(ev[1]->eviction.stage, "memory_pressure");
  EXPECT_EQ(ev[1]->eviction.signal, "memory.available");
  EXPECT_TRUE(ev[0]->time_us);  // bare klog header: month/day + time
}

TEST(KubeletSamples, Log05StructuredAndStatusMessage) {
  auto all_ev = parse_sample("kubelet/logs/log-05.log");  // the events outlive the pointers into them
  auto ev = evictions(all_ev);
  ASSERT_EQ(ev.size(), 3u);
  const Eviction& st = ev[0]->eviction;
  EXPECT_EQ(st.stage, "status");
  EXPECT_EQ(st.resource, "ephemeral-storage");
  EXPECT_EQ(st.threshold, "30Gi");
  EXPECT_EQ(st.observed, "24094024Ki");
  ASSERT_EQ(st.containers.size(), 1u);
  EXPECT_EQ(st.containers[0].name, "infras-logstash");
  EXPECT_EQ(st.containers[0].usage, "2456Ki");
  EXPECT_EQ(st.containers[0].request, "0");
  EXPECT_EQ(ev[1]->eviction.stage, "ranked");
  EXPECT_EQ(ev[1]->eviction.ranked, (std::vector<std::string>{"sre/infras-logstash-d484d57fc-rkx95",
                                                              "sre/admin-api-server-847868d7b-7sqdm",
                                                              "scrm/portal-h5-7c46694b8f-bkz95"}));
  EXPECT_EQ(ev[2]->eviction.stage, "evicted");
  EXPECT_EQ(ev[2]->eviction.pod, "sre/infras-logstash-d484d57fc-rkx95");
}

TEST(KubeletSamples, Log07EventEvicted) {
  auto all_ev = parse_sample("kubelet/logs/log-07.log");  // the events outlive the pointers into them
  auto ev = evictions(all_ev);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]->eviction.stage, "ranked");
  EXPECT_EQ(ev[0]->eviction.ranked,
            (std::vector<std::string>{"e2e-tests-inode-eviction-test-827vc/container-inode-hog-pod",
                                      "e2e-tests-inode-eviction-test-827vc/normal-memory-usage-pod"}));
  EXPECT_EQ(ev[1]->eviction.stage, "evicted");
  EXPECT_EQ(ev[1]->eviction.pod, "e2e-tests-inode-eviction-test-827vc/container-inode-hog-pod");
  EXPECT_EQ(ev[1]->eviction.pod_uid, "17eed503-f948-11e6-92ea-42010a80000b");
  EXPECT_EQ(ev[1]->eviction.resource, "nodefsInodes");
}

TEST(KubeletSamples, Log09Imagefs) {
  auto all_ev = parse_sample("kubelet/logs/log-09.log");  // the events outlive the pointers into them
  auto ev = evictions(all_ev);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]->eviction.stage, "threshold_met");
  EXPECT_EQ(ev[0]->eviction.resource, "imagefs");
  EXPECT_EQ(ev[1]->eviction.stage, "must_evict");
  EXPECT_EQ(ev[1]->eviction.resource, "imagefs");
}

TEST(KubeletSamples, Status01YamlFolded) {
  auto all_ev = parse_sample("kubelet/status/status-01.yaml");  // the events outlive the pointers into them
  auto ev = evictions(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const Eviction& v = ev[0]->eviction;
  EXPECT_EQ(v.stage, "status");
  EXPECT_EQ(v.resource, "memory");
  ASSERT_EQ(v.containers.size(), 1u);
  EXPECT_EQ(v.containers[0].name, "node");
  EXPECT_EQ(v.containers[0].usage, "35505620Ki");
  EXPECT_EQ(v.containers[0].request, "12Gi");
}

TEST(KubeletSamples, Status03OneLine) {
  auto all_ev = parse_sample("kubelet/status/status-03.txt");  // the events outlive the pointers into them
  auto ev = evictions(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_EQ(ev[0]->eviction.containers.size(), 1u);
  EXPECT_EQ(ev[0]->eviction.containers[0].name, "kilo");
  EXPECT_EQ(ev[0]->eviction.containers[0].usage, "30332Ki");
  EXPECT_EQ(ev[0]->eviction.containers[0].request, "0");
}

TEST(KubeletSamples, Status05NewestFormatTwoLines) {
  auto all_ev = parse_sample("kubelet/status/status-05.txt");  // the events outlive the pointers into them
  auto ev = evictions(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  const Eviction& v = ev[0]->eviction;
  EXPECT_EQ(v.resource, "memory");
  EXPECT_EQ(v.threshold, "100Mi");
  EXPECT_EQ(v.observed, "87608Ki");
  ASSERT_EQ(v.containers.size(), 1u);
  EXPECT_EQ(v.containers[0].name, "dptp-controller-manager");
  EXPECT_EQ(v.containers[0].usage, "48458972Ki");
  EXPECT_EQ(v.containers[0].request, "15Gi");
}

TEST(KubeletSamples, Status07NodeEvents) {
  auto all_ev = parse_sample("kubelet/status/status-07.txt");  // the events outlive the pointers into them
  auto ev = evictions(all_ev);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]->eviction.stage, "memory_pressure");
  EXPECT_EQ(ev[1]->eviction.stage, "threshold_met");
  EXPECT_EQ(ev[1]->eviction.resource, "memory");
}

TEST(KubeletSamples, Status09ConditionRow) {
  auto all_ev = parse_sample("kubelet/status/status-09.txt");  // the events outlive the pointers into them
  auto ev = evictions(all_ev);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->eviction.stage, "memory_pressure");
}

TEST(KubeletSamples, NoOomInKubeletFiles) {
  for (const char* f : {"kubelet/logs/log-01.log", "kubelet/logs/log-05.log", "kubelet/status/status-05.txt"})
    EXPECT_TRUE(ooms(parse_sample(f)).empty()) << f;
}
