// Doctor's history rules on a database this test records itself: the store's raw readings become the
// rules' points (kubelet memory.available recomputed from the stored root cgroup), and the growth they
// show makes the eviction rules fire.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "k8s/kubelet_config.hpp"
#include "rules/engine.hpp"
#include "rules/rules.hpp"
#include "store/doctor_history.hpp"
#include "store/writer.hpp"

#include "../temp_db.hpp"

using namespace ms;
using ms::test_support::TempDb;

namespace {

constexpr uint64_t kMi = uint64_t{1} << 20;
constexpr uint64_t kGi = uint64_t{1} << 30;

// A 16 GiB v1 node whose root cgroup holds `used` bytes (none of it inactive file).
Snapshot node_at(int64_t t, uint64_t used) {
  Snapshot s;
  s.time = t;
  s.boot_time = 1'700'000'000;
  s.cgroup_version = CgroupVersion::kV1;
  s.meminfo.items = {{"MemTotal", 16 * kGi}, {"MemFree", 16 * kGi - used}, {"MemAvailable", 16 * kGi - used},
                     {"SReclaimable", 200 * kMi}, {"SUnreclaim", 50 * kMi}, {"Shmem", 10 * kMi}};
  s.vmstat.items = {{"pswpin", 0}, {"pswpout", 0}};
  Cgroup root;
  root.path = "/";
  root.inode = 1;
  root.usage_bytes = used;
  root.limit_known = true;
  root.stat.items = {{"total_inactive_file", 0}, {"total_rss", used}};
  s.cgroups = {root};
  return s;
}

void record(store::StoreWriter& w, const Snapshot& s) {
  store::SampleInput in;
  in.snapshot = &s;
  in.cgroups = {0};
  ASSERT_TRUE(w.write_sample(in));
}

k8s::ResolvedThreshold threshold(std::string kind, int64_t bytes, double grace = 0) {
  k8s::ResolvedThreshold t;
  t.signal = k8s::kSignalMemoryAvailable;
  t.kind = std::move(kind);
  t.value = std::to_string(bytes >> 20) + "Mi";
  t.bytes = bytes;
  t.grace_period_seconds = grace;
  t.source = "flag";
  return t;
}

const Finding* by_id(const std::vector<Finding>& f, std::string_view id) {
  for (const auto& x : f)
    if (x.id == id) return &x;
  return nullptr;
}

}  // namespace

TEST(DoctorHistory, RecordedGrowthDrivesTheEvictionRules) {
  TempDb db;
  {
    auto w = store::StoreWriter::open(db.path);
    ASSERT_TRUE(w) << w.error().describe();
    // 2 GiB used, steady; then 60 MiB/s for two minutes; then steady again at the worst moment.
    // (Rates are judged over a minute or more: the samples are a minute apart.)
    record(**w, node_at(1000, 2 * kGi));
    record(**w, node_at(1060, 2 * kGi));
    record(**w, node_at(1120, 2 * kGi + 3600 * kMi));
    record(**w, node_at(1180, 2 * kGi + 7200 * kMi));
    record(**w, node_at(1240, 2 * kGi + 7200 * kMi));
    record(**w, node_at(5000, 1 * kGi));  // outside the window below
  }
  auto h = store::History::open(db.path);
  ASSERT_TRUE(h) << h.error().describe();
  auto hist = store::load_doctor_history(**h, {1000 - 3600, 1240});
  ASSERT_TRUE(hist) << hist.error().describe();
  ASSERT_EQ(hist->points.size(), 5u);
  EXPECT_EQ(hist->since, 1000 - 3600);
  EXPECT_EQ(hist->until, 1240);
  // memory.available recomputed from the stored root cgroup: capacity - (usage - inactive_file).
  EXPECT_EQ(hist->points[0].kubelet_available_bytes, 14 * kGi);
  EXPECT_EQ(hist->points[3].kubelet_available_bytes, 14 * kGi - 7200 * kMi);
  EXPECT_EQ(hist->points[3].mem_available_bytes, 14 * kGi - 7200 * kMi);
  EXPECT_EQ(hist->points[0].slab_reclaimable_bytes, 200 * kMi);
  EXPECT_EQ(hist->points[0].pswpin, 0u);

  HistorySummary sum = summarize_history(*hist);
  EXPECT_EQ(sum.samples, 5u);
  ASSERT_TRUE(sum.lowest_kubelet_available);
  EXPECT_EQ(sum.lowest_kubelet_available->time, 1180);  // the first time it was that low
  EXPECT_EQ(sum.lowest_kubelet_available->bytes, 14 * kGi - 7200 * kMi);
  ASSERT_TRUE(sum.fastest_decline_bytes_per_s);
  EXPECT_DOUBLE_EQ(*sum.fastest_decline_bytes_per_s, 60.0 * kMi);
  EXPECT_EQ(sum.fastest_decline_at, 1120);

  // The kubelet of the incident: hard 500Mi, soft 2Gi with a 90 s grace.
  auto snap = node_at(1240, 2 * kGi + 7200 * kMi);
  auto cfg = k8s::default_kubelet_config();
  cfg.kubelet_found = true;
  DoctorInput in;
  in.snap = &snap;
  in.kubelet = &cfg;
  in.watermarks.min_free_bytes = 64 * kMi;
  in.thresholds = {threshold("hard", 500 * kMi), threshold("soft", 2 * kGi, 90)};
  // Without history the 500Mi threshold is 3% of RAM, above min_free: nothing to say about growth.
  EXPECT_TRUE(rules::eviction_hard_too_small(in).empty());
  EXPECT_EQ(by_id(rules::eviction_config(in), "eviction-grace-too-long"), nullptr);
  // With it: 60 MiB/s × 10 s = 600 MiB (+ 64 MiB min_free) > 500Mi, and 90 s at 60 MiB/s crosses the
  // 1.5 GiB between soft and hard.
  in.history = &*hist;
  auto hard = rules::eviction_hard_too_small(in);
  ASSERT_EQ(hard.size(), 1u);
  EXPECT_EQ(hard[0].severity, Severity::kCritical);
  bool rate_evidence = false;
  for (const auto& e : hard[0].evidence) rate_evidence |= e.what == "fastest decline of available memory" && e.number == 60.0 * kMi;
  EXPECT_TRUE(rate_evidence);
  auto cfg_findings = rules::eviction_config(in);
  const Finding* grace = by_id(cfg_findings, "eviction-grace-too-long");
  ASSERT_NE(grace, nullptr);
  EXPECT_NE(grace->title.find("1m30s"), std::string::npos) << grace->title;

  // The report carries the worst moment; a window with one sample has no rate.
  auto report = make_doctor_report(in, "node-1");
  ASSERT_TRUE(report.node.history);
  EXPECT_EQ(report.node.history->lowest_kubelet_available->time, 1180);
  auto one = store::load_doctor_history(**h, {4000, 6000});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->points.size(), 1u);
  EXPECT_FALSE(summarize_history(*one).fastest_decline_bytes_per_s);
}
