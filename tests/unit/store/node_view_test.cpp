// The store keeps raw readings and recomputes the kubelet's views and thresholds on read through the
// k8s/ functions: a sample of a fixture tree read back from the database gives exactly what the live
// `available` computes from the tree (cgroup v2 anon+file root rule for kubelet >= 1.29, configured
// thresholds), on v1 and on v2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/views.hpp"
#include "k8s/kubelet_config.hpp"
#include "k8s/kubelet_view.hpp"
#include "k8s/thresholds.hpp"
#include "probe/snapshot_reader.hpp"
#include "store/history.hpp"
#include "store/kubelet_config_json.hpp"
#include "store/node_view.hpp"
#include "store/timeline.hpp"
#include "store/writer.hpp"

#include "../temp_db.hpp"
#include "../../support/fixture_paths.hpp"

using namespace ms;
using ms::test_fixtures::fixture_paths;
using ms::test_support::TempDb;
using namespace ms::store;

namespace {


Snapshot read_fixture(const HostPaths& p) {
  SnapshotOptions o;
  o.statvfs_tmpfs = false;
  auto s = read_snapshot(p, o);
  EXPECT_TRUE(s) << s.error().describe();
  return s ? std::move(*s) : Snapshot{};
}

struct Expected {
  k8s::KubeletView view;
  std::optional<int64_t> kubelet_threshold, allocatable_threshold;
};

// What `memsleuth available` computes live from the tree.
Expected live(const HostPaths& p, const Snapshot& s) {
  auto cfg = k8s::discover_kubelet_config(p, s);
  std::optional<std::string> pods;
  if (cfg.kubelet_found && s.find_cgroup(cfg.pods_cgroup())) pods = cfg.pods_cgroup();
  Expected e;
  e.view = k8s::compute_kubelet_view(s, k8s::V2RootUsage::kAnonFile, pods);
  for (const auto& t : k8s::resolve_thresholds(cfg, e.view)) {
    if (t.kind != "hard") continue;
    if (t.signal == "memory.available") e.kubelet_threshold = t.bytes;
    if (t.signal == "allocatableMemory.available") e.allocatable_threshold = t.bytes;
  }
  return e;
}

// Records one sample of the tree the way the recorder does, reads the timeline back.
TimelinePoint recorded_point(const HostPaths& p, const Snapshot& s, const std::string& db) {
  agent::ViewContext views(p);
  agent::NodeViews nv = views.compute(s);
  SampleInput in;
  in.snapshot = &s;
  for (size_t i = 0; i < s.cgroups.size(); ++i) in.cgroups.push_back(i);
  in.kubelet_config_json = nv.kubelet_config_json;
  in.pods_cgroup = nv.pods_cgroup;
  {
    auto w = StoreWriter::open(db);
    EXPECT_TRUE(w) << w.error().describe();
    auto id = (*w)->write_sample(in);
    EXPECT_TRUE(id) << id.error().describe();
  }
  auto h = History::open(db);
  EXPECT_TRUE(h);
  auto t = build_timeline(**h, {0, INT64_MAX});
  EXPECT_TRUE(t);
  EXPECT_EQ(t->points.size(), 1u);
  return t->points.empty() ? TimelinePoint{} : t->points[0];
}

}  // namespace

TEST(NodeView, V2RecordedMatchesLiveAnonFileRuleAndConfiguredThreshold) {
  auto p = fixture_paths("kubelet-v2");
  Snapshot s = read_fixture(p);
  ASSERT_TRUE(s.memory_on_v2);
  ASSERT_TRUE(s.find_cgroup("/")->usage_from_meminfo);  // no memory.current at the v2 root
  Expected e = live(p, s);
  ASSERT_EQ(e.view.root_usage_rule, k8s::kRuleV2AnonFile);
  EXPECT_EQ(*e.view.memory_available_bytes, 11350016000);  // anon + file, not MemTotal - MemFree
  ASSERT_EQ(e.kubelet_threshold, int64_t{1} << 30);       // --eviction-hard=memory.available<1Gi

  TempDb db;
  TimelinePoint pt = recorded_point(p, s, db.path);
  EXPECT_EQ(pt.kubelet_available, e.view.memory_available_bytes);
  EXPECT_EQ(pt.allocatable_available, e.view.allocatable_available_bytes);
  EXPECT_EQ(pt.kubelet_threshold, e.kubelet_threshold);
  EXPECT_EQ(pt.allocatable_threshold, e.allocatable_threshold);
  ASSERT_TRUE(pt.allocatable_threshold);
}

TEST(NodeView, V2ContainerdFixtureRecordedMatchesLive) {
  auto p = fixture_paths("v2-systemd-containerd-crio");
  Snapshot s = read_fixture(p);
  ASSERT_TRUE(s.memory_on_v2);
  Expected e = live(p, s);
  ASSERT_TRUE(e.view.memory_available_bytes);
  TempDb db;
  TimelinePoint pt = recorded_point(p, s, db.path);
  EXPECT_EQ(pt.kubelet_available, e.view.memory_available_bytes);
  EXPECT_EQ(pt.allocatable_available, e.view.allocatable_available_bytes);
  EXPECT_EQ(pt.kubelet_threshold, e.kubelet_threshold);
}

TEST(NodeView, V1RecordedMatchesLiveWithFlagThreshold) {
  auto p = fixture_paths("v1-cgroupfs-docker");
  Snapshot s = read_fixture(p);
  ASSERT_FALSE(s.memory_on_v2);
  Expected e = live(p, s);
  ASSERT_EQ(e.view.root_usage_rule, k8s::kRuleV1);
  ASSERT_EQ(e.kubelet_threshold, int64_t{500} << 20);  // --eviction-hard=memory.available<500Mi
  TempDb db;
  TimelinePoint pt = recorded_point(p, s, db.path);
  EXPECT_EQ(pt.kubelet_available, e.view.memory_available_bytes);
  EXPECT_EQ(pt.allocatable_available, e.view.allocatable_available_bytes);
  EXPECT_EQ(pt.kubelet_threshold, e.kubelet_threshold);
}

// The recorder's live views (/metrics, triggers) use the same functions.
TEST(NodeView, AgentViewsUseKubeletFunctions) {
  auto p = fixture_paths("kubelet-v2");
  Snapshot s = read_fixture(p);
  Expected e = live(p, s);
  agent::ViewContext views(p);
  agent::NodeViews v = views.compute(s);
  EXPECT_EQ(v.kubelet_available, e.view.memory_available_bytes);
  EXPECT_EQ(v.allocatable_available, e.view.allocatable_available_bytes);
  EXPECT_EQ(v.kubelet_threshold, e.kubelet_threshold);
  EXPECT_EQ(v.allocatable_threshold, e.allocatable_threshold);
  EXPECT_EQ(v.pods_cgroup, "/kubepods.slice");
}

// A v2 root without memory.current is stored raw (no usage) and completed on read; a frame written
// before raw storage (usage = MemTotal - MemFree) is recognised as the stand-in.
TEST(NodeView, V2RootUsageStoredRawAndCompletedOnRead) {
  Cgroup root;
  root.path = "/";
  KeyValues mi;
  mi.items = {{"MemTotal", 1000}, {"MemFree", 400}};
  complete_root_usage(root, mi, true);
  EXPECT_EQ(root.usage_bytes, 600u);
  EXPECT_TRUE(root.usage_from_meminfo);
  Cgroup legacy;
  legacy.path = "/";
  legacy.usage_bytes = 600;
  complete_root_usage(legacy, mi, true);
  EXPECT_TRUE(legacy.usage_from_meminfo);
  Cgroup current;
  current.path = "/";
  current.usage_bytes = 700;  // a kernel with memory.current at the root
  complete_root_usage(current, mi, true);
  EXPECT_FALSE(current.usage_from_meminfo);
  Cgroup v1;
  v1.path = "/";
  complete_root_usage(v1, mi, false);
  EXPECT_FALSE(v1.usage_bytes);
}

TEST(NodeView, KubeletConfigJsonRoundTrip) {
  auto p = fixture_paths("kubelet-v2");
  Snapshot s = read_fixture(p);
  auto cfg = k8s::discover_kubelet_config(p, s);
  auto back = kubelet_config_from_json(kubelet_config_to_json(cfg));
  EXPECT_EQ(kubelet_config_to_json(back), kubelet_config_to_json(cfg));
  EXPECT_EQ(back.eviction_hard.at("memory.available").value, "1Gi");
  EXPECT_EQ(back.eviction_hard.at("memory.available").source, k8s::Source::kFlag);
  EXPECT_EQ(back.pods_cgroup(), cfg.pods_cgroup());
  auto bad = kubelet_config_from_json("{not json");
  EXPECT_FALSE(bad.errors.empty());
  EXPECT_EQ(bad.eviction_hard.at("memory.available").value, "100Mi");
}
