#include <gtest/gtest.h>

#include "k8s/kubelet_config.hpp"
#include "rules/rules.hpp"
#include "synthetic.hpp"

using namespace ms;
using namespace ms::test;

namespace {

k8s::KubeletConfig config_from(const std::string& yaml) {
  auto c = k8s::default_kubelet_config();
  c.kubelet_found = true;
  c.config_file = "/etc/kubernetes/kubelet-config.yaml";
  k8s::apply_config_text(c, yaml, "/etc/kubernetes/kubelet-config.yaml");
  return c;
}

k8s::ResolvedThreshold hard(int64_t bytes, std::string text) {
  k8s::ResolvedThreshold t;
  t.signal = "memory.available";
  t.kind = "hard";
  t.value = std::move(text);
  t.bytes = bytes;
  t.source = "config";
  return t;
}

const Finding* by_id(const std::vector<Finding>& f, std::string_view id) {
  for (const auto& x : f)
    if (x.id == id) return &x;
  return nullptr;
}

constexpr const char* kIncident =
    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
    "evictionSoft:\n  memory.available: \"12%\"\nevictionSoftGracePeriod:\n  memory.available: \"1m30s\"\n"
    "evictionHard:\n  memory.available: \"500Mi\"\n";

}  // namespace

TEST(KubeletRules, SilentWithoutAKubelet) {
  auto s = healthy_node();
  auto in = input_for(s);
  EXPECT_TRUE(rules::eviction_config(in).empty());
  EXPECT_TRUE(rules::eviction_hard_too_small(in).empty());
  EXPECT_TRUE(rules::kubelet_blind_spot(in).empty());
}

TEST(EvictionHardTooSmall, AgainstCapacityMinFreeAndUnboundedProcesses) {
  auto s = healthy_node();  // 16 GiB
  auto c = config_from(kIncident);
  auto in = input_for(s);
  in.kubelet = &c;
  in.watermarks.min_free_bytes = 64 * kMi;
  in.watermarks.zone_high_bytes = 100 * kMi;
  in.thresholds = {hard(500 * kMi, "500Mi")};  // 3% of 16 GiB, above min_free and watermarks
  EXPECT_TRUE(rules::eviction_hard_too_small(in).empty());
  in.thresholds = {hard(150 * kMi, "150Mi")};  // 0.9% of capacity
  auto f = rules::eviction_hard_too_small(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_NE(f[0].title.find("memory.available<150Mi"), std::string::npos) << f[0].title;
  in.thresholds = {hard(64 * kMi, "64Mi")};  // == min_free_kbytes: never reached before the kernel OOMs
  f = rules::eviction_hard_too_small(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
}

TEST(EvictionHardTooSmall, GrowthTimesHousekeeping) {
  auto s = healthy_node();
  auto c = config_from(kIncident);
  History h;
  // available falls 40 MiB/s over a minute: 400 MiB per 10 s interval (+ 64 MiB min_free) < 500Mi: fine.
  h.points.push_back({.time = 100, .kubelet_available_bytes = 8 * kGi});
  h.points.push_back({.time = 160, .kubelet_available_bytes = 8 * kGi - 2400 * kMi});
  auto in = input_for(s);
  in.kubelet = &c;
  in.history = &h;
  in.watermarks.min_free_bytes = 64 * kMi;
  in.thresholds = {hard(500 * kMi, "500Mi")};
  EXPECT_TRUE(rules::eviction_hard_too_small(in).empty());
  h.points.push_back({.time = 220, .kubelet_available_bytes = 8 * kGi - 5400 * kMi});  // 50 MiB/s
  auto f = rules::eviction_hard_too_small(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
}

TEST(EvictionConfig, IncidentConfigDropsDefaultsHasNoReservedAndMemcgOff) {
  auto s = healthy_node();
  auto c = config_from(kIncident);
  auto in = input_for(s);
  in.kubelet = &c;
  auto f = rules::eviction_config(in);
  auto* d = by_id(f, "eviction-defaults-dropped");
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->title.find("nodefs.available<10%"), std::string::npos) << d->title;
  EXPECT_NE(by_id(f, "no-reserved-memory"), nullptr);
  auto* m = by_id(f, "memcg-notification-off");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->severity, Severity::kInfo);
  EXPECT_EQ(by_id(f, "eviction-soft-without-grace"), nullptr);
  EXPECT_EQ(by_id(f, "eviction-soft-without-hard"), nullptr);
  EXPECT_EQ(by_id(f, "enforce-node-allocatable-without-pods"), nullptr);
  s.memory_on_v2 = true;  // the notifier does not exist on cgroup v2
  s.cgroup_version = CgroupVersion::kV2;
  EXPECT_EQ(by_id(rules::eviction_config(in), "memcg-notification-off"), nullptr);
}

TEST(EvictionConfig, BothSidesOfEachConfigTrap) {
  auto s = healthy_node();
  auto in = input_for(s);
  auto good = config_from(
      "kind: KubeletConfiguration\nmergeDefaultEvictionSettings: true\nevictionHard:\n  memory.available: 1Gi\n"
      "systemReserved:\n  memory: 1Gi\nkernelMemcgNotification: true\n");
  in.kubelet = &good;
  EXPECT_TRUE(rules::eviction_config(in).empty());

  auto soft_only = config_from(
      "kind: KubeletConfiguration\nevictionHard:\n  memory.available: \"0%\"\nevictionSoft:\n  memory.available: 10%\n"
      "systemReserved:\n  memory: 1Gi\nkernelMemcgNotification: true\nenforceNodeAllocatable: [\"none\"]\n");
  in.kubelet = &soft_only;
  auto f = rules::eviction_config(in);
  ASSERT_NE(by_id(f, "eviction-soft-without-hard"), nullptr);
  auto* g = by_id(f, "eviction-soft-without-grace");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->severity, Severity::kCritical);
  EXPECT_NE(by_id(f, "enforce-node-allocatable-without-pods"), nullptr);
}

TEST(EvictionConfig, GraceTooLongForTheGrowthRate) {
  auto s = healthy_node();
  auto c = config_from(kIncident);
  auto in = input_for(s);
  in.kubelet = &c;
  k8s::ResolvedThreshold soft;
  soft.signal = "memory.available";
  soft.kind = "soft";
  soft.value = "12%";
  soft.bytes = 2 * kGi;
  soft.grace_period_seconds = 90;
  soft.source = "config";
  in.thresholds = {soft, hard(500 * kMi, "500Mi")};
  History h;
  // band = 2 GiB - 500 MiB = 1548 MiB; 10 MiB/s × 90 s = 900 MiB: the soft threshold still acts.
  h.points.push_back({.time = 0, .kubelet_available_bytes = 8 * kGi});
  h.points.push_back({.time = 60, .kubelet_available_bytes = 8 * kGi - 600 * kMi});
  in.history = &h;
  EXPECT_EQ(by_id(rules::eviction_config(in), "eviction-grace-too-long"), nullptr);
  h.points.push_back({.time = 120, .kubelet_available_bytes = 8 * kGi - 1800 * kMi});  // 20 MiB/s → 1800 MiB
  auto findings = rules::eviction_config(in);                                          // by_id points into it
  auto* f = by_id(findings, "eviction-grace-too-long");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->title.find("1m30s"), std::string::npos) << f->title;
}

TEST(KubeletBlindSpot, EitherDirectionAndCriticalWhenKernelIsBelowTheLine) {
  auto s = healthy_node();
  auto c = config_from(kIncident);
  k8s::KubeletView v;
  v.mem_total_bytes = 16 * kGi;
  v.memory_available_bytes = 8 * kGi;
  v.mem_available_bytes = 8 * kGi - 400 * kMi;  // 400 MiB apart: below 500Mi and below 10%
  v.difference = {{"active page cache", 300 * (int64_t)kMi, "the kubelet counts active_file as used"}};
  auto in = input_for(s);
  in.kubelet = &c;
  in.kubelet_view = &v;
  in.thresholds = {hard(500 * kMi, "500Mi")};
  EXPECT_TRUE(rules::kubelet_blind_spot(in).empty());
  v.mem_available_bytes = 8 * kGi - 600 * kMi;  // kubelet sees 600 MiB more than the kernel
  auto f = rules::kubelet_blind_spot(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kWarning);
  EXPECT_NE(f[0].title.find("more"), std::string::npos);
  v.memory_available_bytes = 4 * kGi;  // the other way: kubelet sees less
  v.mem_available_bytes = 4 * kGi + 2 * kGi;
  f = rules::kubelet_blind_spot(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find("less"), std::string::npos);
  v.memory_available_bytes = 900 * kMi;  // the incident: kubelet above 500Mi, kernel below it
  v.mem_available_bytes = 200 * kMi;
  f = rules::kubelet_blind_spot(in);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
}

TEST(EvictionConfig, ConfigurationTheKubeletRejectsIsReported) {
  auto s = healthy_node();
  auto c = config_from(kIncident);
  auto in = input_for(s);
  in.kubelet = &c;
  EXPECT_EQ(by_id(rules::eviction_config(in), "kubelet-config-invalid"), nullptr);
  c.errors.push_back(Error::malformed("/etc/kubernetes/kubelet-config.yaml", 7, "evictionHard memory.available: bad quantity \"5OOMi\""));
  auto f = rules::eviction_config(in);
  const Finding* bad = by_id(f, "kubelet-config-invalid");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->severity, Severity::kWarning);
  EXPECT_NE(bad->title.find("5OOMi"), std::string::npos) << bad->title;
}
