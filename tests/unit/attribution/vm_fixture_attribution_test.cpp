// Attribution over the cgroup v2 fixture trees a real kernel wrote in QEMU (tests/fixtures/vm-6.1,
// vm-6.12: systemd driver, containerd, three QoS classes, updatedb in cron.service). Expected values
// come from each tree's scenario.env, so a regenerated fixture keeps the test honest.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "attribution/attribution.hpp"
#include "attribution/top_query.hpp"
#include "probe/snapshot_reader.hpp"

#include "../../support/fixture_paths.hpp"

namespace ms {
namespace {

std::map<std::string, std::string> read_env(const std::string& path) {
  std::map<std::string, std::string> env;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

class VmFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(VmFixture, OwnersQosAndEffectiveLimits) {
  std::string dir = std::string(MEMSLEUTH_SOURCE_DIR) + "/tests/fixtures/" + GetParam();
  auto env = read_env(dir + "/scenario.env");
  ASSERT_FALSE(env.empty());
  HostPaths hp = ms::test_fixtures::fixture_paths(GetParam());
  SnapshotOptions so;
  so.statvfs_tmpfs = false;
  auto snap = read_snapshot(hp, so);
  ASSERT_TRUE(snap) << snap.error().describe();
  ASSERT_TRUE(snap->memory_on_v2);
  Attribution a = attribute(*snap, hp);
  auto u64 = [&](const char* k) { return std::stoull(env.at(k)); };
  auto pid = [&](const char* k) { return std::stoi(env.at(k)); };

  const ProcessAttribution* bu = a.process(pid("BU_PID"));
  ASSERT_TRUE(bu);
  EXPECT_EQ(bu->owner.kind, OwnerKind::kPod);
  EXPECT_EQ(bu->owner.qos, QosClass::kBurstable);
  EXPECT_EQ(bu->owner.pod_uid, env.at("BU_UID"));
  EXPECT_EQ(bu->owner.container_id, env.at("BU_CID"));
  EXPECT_EQ(bu->owner.runtime, "containerd");
  EXPECT_TRUE(bu->owner.pod.has_value());  // the fixture's var/log/pods names it
  // The smallest limit on the path: container 64Mi < pod 160Mi < kubepods 320Mi.
  uint64_t want = std::min({u64("BU_CTR_MAX"), u64("BU_POD_MAX"), u64("KP_MAX")});
  EXPECT_EQ(bu->limit.limit_bytes, want);

  const ProcessAttribution* gu = a.process(pid("GU_PID"));
  ASSERT_TRUE(gu);
  EXPECT_EQ(gu->owner.qos, QosClass::kGuaranteed);
  EXPECT_EQ(gu->limit.limit_bytes, std::min(u64("GU_MAX"), u64("KP_MAX")));

  const ProcessAttribution* be = a.process(pid("BE_PID"));
  ASSERT_TRUE(be);
  EXPECT_EQ(be->owner.qos, QosClass::kBestEffort);
  EXPECT_EQ(be->limit.limit_bytes, u64("KP_MAX"));  // only the node-allocatable limit bounds it
  EXPECT_EQ(be->limit.limiting_cgroup, "/" + env.at("KP"));

  // The incident's shape: updatedb in cron.service, no limit anywhere.
  const ProcessAttribution* hog = a.process(pid("HOG_PID"));
  ASSERT_TRUE(hog);
  EXPECT_EQ(hog->owner.kind, OwnerKind::kCron);
  EXPECT_EQ(hog->owner.unit, "cron.service");
  EXPECT_FALSE(hog->limit.bounded());
  EXPECT_TRUE(hog->unbounded_outside_kubepods());

  // Pods: three, each with its pod cgroup.
  EXPECT_EQ(a.pods.size(), 3u);
  for (const auto& p : a.pods) EXPECT_FALSE(p.pod_cgroup.empty()) << *p.owner.pod_uid;

  // top: the unbounded cron row is marked; the by-owner view has a cron owner.
  TopQuery q;
  q.limit = 0;
  TopResult r = select_top(a, q);
  bool marked = false;
  for (const auto& row : r.rows)
    if (row.process && row.process->pid == pid("HOG_PID")) marked = row.unbounded_outside_kubepods;
  EXPECT_TRUE(marked);
  q.by = TopBy::kOwner;
  q.owner = OwnerKind::kCron;
  EXPECT_EQ(select_top(a, q).rows.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Kernels, VmFixture, ::testing::Values("vm-6.1", "vm-6.12"),
                         [](const auto& info) { return info.param == "vm-6.1" ? std::string("v6_1") : std::string("v6_12"); });

}  // namespace
}  // namespace ms
