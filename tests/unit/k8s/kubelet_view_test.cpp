#include <gtest/gtest.h>

#include <numeric>

#include "k8s/kubelet_view.hpp"
#include "probe/snapshot_reader.hpp"

#include "../../support/fixture_paths.hpp"

using namespace ms;
using namespace ms::k8s;

namespace {

constexpr uint64_t kKi = 1024;

Snapshot read_fixture(const std::string& name) {
  HostPaths p = ms::test_fixtures::fixture_paths(name);
  SnapshotOptions o;
  o.statvfs_tmpfs = false;
  auto s = read_snapshot(p, o);
  EXPECT_TRUE(s) << s.error().describe();
  return s ? std::move(*s) : Snapshot{};
}

int64_t sum_of(const std::vector<LedgerItem>& v) {
  return std::accumulate(v.begin(), v.end(), int64_t{0}, [](int64_t a, const LedgerItem& i) { return a + i.bytes; });
}
int64_t sum_of(const std::vector<DifferenceItem>& v) {
  return std::accumulate(v.begin(), v.end(), int64_t{0},
                         [](int64_t a, const DifferenceItem& i) { return a + i.bytes; });
}
const LedgerItem* ledger_line(const KubeletView& v, const std::string& name) {
  for (const auto& l : v.ledger)
    if (l.name == name) return &l;
  return nullptr;
}

// A v1 node: root usage from memory.usage_in_bytes, total_inactive_file from memory.stat.
Snapshot v1_snapshot() {
  Snapshot s;
  s.cgroup_version = CgroupVersion::kV1;
  s.meminfo.items = {{"MemTotal", 8000000 * kKi}, {"MemFree", 2000000 * kKi},   {"MemAvailable", 5000000 * kKi},
                     {"Buffers", 50000 * kKi},    {"Cached", 3000000 * kKi},    {"Active(file)", 1500000 * kKi},
                     {"Shmem", 100000 * kKi},     {"SReclaimable", 200000 * kKi}, {"SUnreclaim", 50000 * kKi},
                     {"KernelStack", 8000 * kKi}, {"PageTables", 12000 * kKi}, {"VmallocUsed", 20000 * kKi},
                     {"Percpu", 3000 * kKi},      {"HugePages_Total", 2},       {"Hugepagesize", 2048 * kKi}};
  Cgroup root;
  root.path = "/";
  root.usage_bytes = 5600000 * kKi;
  root.stat.items = {{"total_inactive_file", 1400000 * kKi},
                     {"total_active_file", 1500000 * kKi},
                     {"total_shmem", 100000 * kKi}};
  s.cgroups.push_back(root);
  return s;
}

}  // namespace

TEST(KubeletView, V1RootMatchesTheMemoryAvailableScript) {
  auto v = compute_kubelet_view(v1_snapshot());
  EXPECT_EQ(v.root_usage_rule, kRuleV1);
  ASSERT_TRUE(v.memory_available_bytes);
  EXPECT_EQ(*v.capacity_bytes, 8000000 * kKi);
  EXPECT_EQ(*v.working_set_bytes, (5600000 - 1400000) * kKi);
  EXPECT_EQ(*v.memory_available_bytes, int64_t((8000000 - 4200000) * kKi));
  EXPECT_FALSE(v.allocatable_available_bytes);
  EXPECT_FALSE(v.kubepods_cgroup);
  EXPECT_EQ(*v.kernel_used_bytes, int64_t((8000000 - 2000000 - 50000 - 3000000) * kKi));
  // Ledger adds up to MemTotal exactly; hugepages come from HugePages_Total × Hugepagesize.
  EXPECT_EQ(sum_of(v.ledger), int64_t(8000000 * kKi));
  ASSERT_TRUE(ledger_line(v, "kernel: hugepages"));
  EXPECT_EQ(ledger_line(v, "kernel: hugepages")->bytes, int64_t(4096 * kKi));
  EXPECT_EQ(v.ledger.back().name, "unexplained");
  ASSERT_TRUE(v.difference_total_bytes);
  EXPECT_EQ(sum_of(v.difference), *v.difference_total_bytes);
  EXPECT_EQ(*v.difference_total_bytes, int64_t(*v.working_set_bytes) - *v.kernel_used_bytes);
  EXPECT_EQ(v.difference.front().name, "active page cache");
  EXPECT_EQ(v.difference.front().bytes, int64_t(1500000 * kKi));
  EXPECT_EQ(v.difference.back().name, "remainder");
}

TEST(KubeletView, WorkingSetClampsAtZeroAndMissingInactiveSubtractsNothing) {
  auto s = v1_snapshot();
  s.cgroups[0].stat.items = {{"total_inactive_file", 9000000 * kKi}};
  auto v = compute_kubelet_view(s);
  EXPECT_EQ(*v.working_set_bytes, 0u);
  EXPECT_EQ(*v.memory_available_bytes, int64_t(8000000 * kKi));
  s.cgroups[0].stat.items.clear();
  v = compute_kubelet_view(s);
  EXPECT_EQ(*v.working_set_bytes, 5600000 * kKi);
}

TEST(KubeletView, AllocatableGoesNegativeLikeTheKubelet) {
  auto s = v1_snapshot();
  Cgroup pods;
  pods.path = "/kubepods";
  pods.limit_bytes = 1000 * kKi;
  pods.limit_known = true;
  pods.usage_bytes = 5000 * kKi;
  pods.stat.items = {{"total_inactive_file", 1000 * kKi}};
  s.cgroups.push_back(pods);
  auto v = compute_kubelet_view(s);
  ASSERT_TRUE(v.allocatable_available_bytes);
  EXPECT_EQ(*v.allocatable_available_bytes, -int64_t(3000 * kKi));  // uint64 wrap, then int64
  EXPECT_EQ(v.allocatable->capacity_bytes, 1000 * kKi);
}

TEST(KubeletView, UnlimitedKubepodsMakesNoObservation) {
  auto s = v1_snapshot();
  Cgroup pods;
  pods.path = "/kubepods";
  pods.limit_known = true;  // limit_bytes nullopt: unlimited
  pods.usage_bytes = 5000;
  s.cgroups.push_back(pods);
  auto v = compute_kubelet_view(s);
  EXPECT_EQ(v.kubepods_cgroup, "/kubepods");
  EXPECT_FALSE(v.allocatable_available_bytes);
  EXPECT_FALSE(v.notes.empty());
}

TEST(KubeletView, KubepodsAtAnotherDepthShallowestFirst) {
  auto s = v1_snapshot();
  for (const char* p : {"/mst-x-1/a/b/kubepods", "/mst-x-1/kubepods", "/mst-x-1/kubepods/burstable",
                        "/mst-x-1/notkubepods"}) {
    Cgroup c;
    c.path = p;
    s.cgroups.push_back(c);
  }
  std::sort(s.cgroups.begin(), s.cgroups.end(), [](const Cgroup& a, const Cgroup& b) { return a.path < b.path; });
  auto* c = find_kubepods_cgroup(s);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->path, "/mst-x-1/kubepods");
  Cgroup top;
  top.path = "/kubepods.slice";
  s.cgroups.push_back(top);
  std::sort(s.cgroups.begin(), s.cgroups.end(), [](const Cgroup& a, const Cgroup& b) { return a.path < b.path; });
  EXPECT_EQ(find_kubepods_cgroup(s)->path, "/kubepods.slice");
}

TEST(KubeletView, NoMemoryCgroupLeavesTheKubeletViewUnknown) {
  Snapshot s;
  s.meminfo.items = {{"MemTotal", 1000}, {"MemFree", 10}, {"Buffers", 1}, {"Cached", 2}, {"MemAvailable", 20}};
  auto v = compute_kubelet_view(s);
  EXPECT_FALSE(v.memory_available_bytes);
  EXPECT_TRUE(v.root_usage_rule.empty());
  EXPECT_TRUE(v.ledger.empty());
  EXPECT_EQ(*v.mem_available_bytes, 20u);
  EXPECT_FALSE(v.notes.empty());
}

// Fixture tree: cgroup v2 root (no memory.current) + kubepods.slice with a limit.
TEST(KubeletViewFixture, V2RootAnonFileRule) {
  auto s = read_fixture("kubelet-v2");
  ASSERT_TRUE(s.memory_on_v2);
  auto v = compute_kubelet_view(s, V2RootUsage::kAnonFile);
  EXPECT_EQ(v.root_usage_rule, kRuleV2AnonFile);
  EXPECT_EQ(*v.capacity_bytes, 16777216000u);
  EXPECT_EQ(v.node->usage_bytes, uint64_t{3072000000} + uint64_t{4198400000});
  EXPECT_EQ(*v.working_set_bytes, 5427200000u);
  EXPECT_EQ(*v.memory_available_bytes, 11350016000);
  EXPECT_EQ(sum_of(v.ledger), 16777216000);
  EXPECT_EQ(sum_of(v.difference), *v.difference_total_bytes);
  // kubepods.slice: limit 12Gi read back, working set 4Gi - 1Gi inactive.
  EXPECT_EQ(v.kubepods_cgroup, "/kubepods.slice");
  ASSERT_TRUE(v.allocatable_available_bytes);
  EXPECT_EQ(v.allocatable->capacity_bytes, 12884901888u);
  EXPECT_EQ(v.allocatable->working_set_bytes, 3221225472u);
  EXPECT_EQ(*v.allocatable_available_bytes, 9663676416);
}

TEST(KubeletViewFixture, V2RootMeminfoRule) {
  auto s = read_fixture("kubelet-v2");
  auto v = compute_kubelet_view(s, V2RootUsage::kMeminfo);
  EXPECT_EQ(v.root_usage_rule, kRuleV2Meminfo);
  EXPECT_EQ(v.node->usage_bytes, 16777216000u - 8388608000u);
  EXPECT_EQ(*v.working_set_bytes, 6545408000u);
  EXPECT_EQ(*v.memory_available_bytes, 10231808000);
  // Kernel memory is inside the working set under this rule: the ledger has no kernel lines and
  // nothing is unexplained.
  EXPECT_EQ(sum_of(v.ledger), 16777216000);
  EXPECT_EQ(*v.unexplained_bytes, 0);
  for (const auto& l : v.ledger) EXPECT_EQ(l.name.rfind("kernel:", 0), std::string::npos) << l.name;
  EXPECT_EQ(sum_of(v.difference), *v.difference_total_bytes);
}
