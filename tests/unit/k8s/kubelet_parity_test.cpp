// Cases derived from the kubelet's own parsing (pkg/kubelet/eviction/helpers.go ParseThresholdConfig,
// parseGracePeriods, parseMinimumReclaims; time.ParseDuration; the config decoder, sigs.k8s.io/yaml
// into map[string]string fields of staging/src/k8s.io/kubelet/config/v1beta1/types.go). Each case is
// what the kubelet accepts or refuses, and memsleuth must agree.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "k8s/kubelet_config.hpp"
#include "k8s/quantity.hpp"
#include "k8s/thresholds.hpp"
#include "rules/rules.hpp"

using namespace ms;
using namespace ms::k8s;

namespace {

constexpr const char* kHead = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

KubeletConfig from(const std::string& yaml, const std::vector<std::string>& flags = {}) {
  KubeletConfig c = default_kubelet_config();
  if (!yaml.empty()) {
    c.config_file = "/etc/kubernetes/kubelet.yaml";
    apply_config_text(c, std::string(kHead) + yaml, *c.config_file);
  }
  apply_flags(c, flags);
  return c;
}

// Every error of the config and of ParseThresholdConfig, one per line.
std::string problems(const KubeletConfig& c) {
  std::vector<Error> errs = c.errors;
  parse_thresholds(c, &errs);
  std::string s;
  for (const auto& e : errs) s += e.describe() + "\n";
  return s;
}

bool refused(const KubeletConfig& c, const std::string& needle) {
  return problems(c).find(needle) != std::string::npos;
}

}  // namespace

// parseGracePeriods runs on every entry, whether or not a soft threshold uses it.
TEST(KubeletParity, GracePeriodsAreCheckedWithoutASoftThreshold) {
  auto c = from("evictionSoftGracePeriod:\n  bogus.signal: 1m\n");
  EXPECT_TRUE(refused(c, "unsupported eviction signal 'bogus.signal'")) << problems(c);
  c = from("evictionSoftGracePeriod:\n  memory.available: 10x\n");
  EXPECT_TRUE(refused(c, "'10x' is not a valid duration")) << problems(c);
  c = from("evictionSoftGracePeriod:\n  memory.available: -1m\n");
  EXPECT_TRUE(refused(c, "-1m, must be a positive value")) << problems(c);
  c = from("", {"--eviction-soft-grace-period=nodefs.available=-30s"});
  EXPECT_TRUE(refused(c, "--eviction-soft-grace-period")) << problems(c);
  EXPECT_TRUE(refused(c, "-30s")) << problems(c);
  // Valid and unused: accepted, as by the kubelet.
  c = from("evictionSoftGracePeriod:\n  memory.available: 1m\n");
  EXPECT_EQ(problems(c), "");
}

// time.ParseDuration's error names the whole value; memsleuth's once named what was left of it ('').
TEST(KubeletParity, ABadGracePeriodIsNamedWhole) {
  auto c = from("", {"--eviction-soft=memory.available<1Gi", "--eviction-soft-grace-period=memory.available=1m30"});
  EXPECT_TRUE(refused(c, "'1m30'")) << problems(c);
  EXPECT_FALSE(refused(c, "''")) << problems(c);
  auto d = parse_go_duration("5x", "d");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().describe().find("'5x'"), std::string::npos) << d.error().describe();
}

TEST(KubeletParity, GoDurationsAsTimeParseDuration) {
  EXPECT_DOUBLE_EQ(*parse_go_duration("+1.5m"), 90);
  EXPECT_DOUBLE_EQ(*parse_go_duration(".5s"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_go_duration("1h1m1s1ms"), 3661.001);
  EXPECT_FALSE(parse_go_duration(" 1m"));       // no spaces
  EXPECT_FALSE(parse_go_duration("3000000h"));  // more than int64 nanoseconds (~2,562,047 h)
  EXPECT_TRUE(parse_go_duration("2562047h"));
  EXPECT_FALSE(parse_go_duration("1d"));  // no days
  EXPECT_FALSE(parse_go_duration("-"));
}

// The config's maps are map[string]string: the decoder refuses a YAML number or boolean there, the
// whole file with it. Quoted, or a quantity with a suffix, they are strings.
TEST(KubeletParity, AYamlNumberInAnEvictionMapIsADecodeError) {
  auto c = from("evictionHard:\n  memory.available: 1000000000\n");
  ASSERT_EQ(c.errors.size(), 1u) << problems(c);
  std::string e = c.errors[0].describe();
  EXPECT_NE(e.find("evictionHard.memory.available"), std::string::npos) << e;
  EXPECT_NE(e.find("1000000000"), std::string::npos) << e;
  EXPECT_NE(e.find("map[string]string"), std::string::npos) << e;
  EXPECT_NE(e.find("/etc/kubernetes/kubelet.yaml:4"), std::string::npos) << e;
  c = from("evictionHard:\n  memory.available: \"1000000000\"\n");
  EXPECT_EQ(problems(c), "");
  auto t = parse_thresholds(c);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t[0].value.quantity->value, 1000000000);
  // YAML 1.1 (goyaml.v2) numbers and booleans, in every map.
  for (const char* v : {"1e9", "0x10", "1_000", ".5", "+5", "-1", "yes", "off", "true", ".inf"}) {
    c = from(std::string("evictionMinimumReclaim:\n  memory.available: ") + v + "\n");
    EXPECT_TRUE(refused(c, "map[string]string")) << v << ": " << problems(c);
  }
  for (const char* v : {"100Mi", "10%", "1.5Gi", "5e", "0x", "1e3Mi"}) {
    c = from(std::string("systemReserved:\n  memory: ") + v + "\n");
    EXPECT_FALSE(refused(c, "map[string]string")) << v << ": " << problems(c);
  }
  // JSON config: a number is a number there too.
  KubeletConfig j = default_kubelet_config();
  apply_config_text(j, R"({"kind":"KubeletConfiguration","evictionHard":{"memory.available":500}})", "k.json");
  EXPECT_EQ(j.errors.size(), 1u);
}

// parseMinimumReclaims: a percentage must be above 0 and has no upper bound; a quantity must not be negative.
TEST(KubeletParity, MinimumReclaimBounds) {
  auto c = from("", {"--eviction-minimum-reclaim=memory.available=150%"});
  EXPECT_EQ(problems(c), "");
  auto t = parse_thresholds(c);
  ASSERT_FALSE(t.empty());
  ASSERT_TRUE(t[0].min_reclaim);
  EXPECT_FLOAT_EQ(*t[0].min_reclaim->percentage, 1.5f);
  c = from("", {"--eviction-minimum-reclaim=memory.available=0%"});
  EXPECT_TRUE(refused(c, "minimum reclaim memory.available must be positive: 0%")) << problems(c);
  c = from("", {"--eviction-minimum-reclaim=memory.available=-1Mi"});
  EXPECT_TRUE(refused(c, "negative eviction minimum reclaim")) << problems(c);
  c = from("", {"--eviction-minimum-reclaim=memory.available=0"});
  EXPECT_EQ(problems(c), "");
}

// A real config (tests/data/kubelet/config/config-06, k3s) with its nodefs.available and
// imagefs.available lines indented one level too shallow: the kubelet ignores those top-level
// keys, and doctor says where they sit.
TEST(KubeletParity, MisIndentedEvictionKeysAreNamedByAFinding) {
  std::ifstream file(std::string(MEMSLEUTH_TEST_DATA) + "/kubelet/config/config-06-k3s-issue-7578.txt");
  std::stringstream ss;
  ss << file.rdbuf();
  std::string doc = ss.str();
  size_t a = doc.find("`apiVersion:");
  size_t b = doc.find('`', a + 1);
  std::string yaml = doc.substr(a + 1, b - a - 1);
  // memory.available stays under evictionHard; the two lines move to column 0.
  size_t n = yaml.find("  nodefs.available: \"0%\"\n");
  ASSERT_NE(n, std::string::npos);
  yaml.replace(n, std::string("  nodefs.available: \"0%\"\n").size(), "  memory.available: 500Mi\n");
  yaml.replace(yaml.find("  imagefs.available"), 19, "imagefs.available");
  yaml += "nodefs.available: \"5%\"\n";
  KubeletConfig c = default_kubelet_config();
  c.config_file = "/etc/rancher/k3s/kubelet.config";
  apply_config_text(c, yaml, *c.config_file);
  ASSERT_TRUE(c.errors.empty()) << c.errors.front().describe();
  ASSERT_EQ(c.misplaced_eviction_keys.size(), 2u);
  EXPECT_EQ(c.misplaced_eviction_keys[0].key, "imagefs.available");
  EXPECT_EQ(c.misplaced_eviction_keys[0].meant_for, "evictionHard");
  EXPECT_EQ(c.misplaced_eviction_keys[1].key, "nodefs.available");
  EXPECT_FALSE(c.eviction_hard.count("imagefs.available"));  // not in force, as in the kubelet
  Snapshot s;
  DoctorInput in;
  in.snap = &s;
  in.kubelet = &c;
  const Finding* f = nullptr;
  auto findings = rules::eviction_config(in);
  for (const auto& x : findings)
    if (x.id == "eviction-keys-misplaced") f = &x;
  ASSERT_TRUE(f);
  EXPECT_NE(f->title.find("sit at the top level, not under evictionHard"), std::string::npos) << f->title;
  EXPECT_NE(f->title.find("imagefs.available"), std::string::npos);
  EXPECT_NE(f->title.find("nodefs.available"), std::string::npos);
  bool line = false;
  for (const auto& e : f->evidence) line |= e.source.find("/etc/rancher/k3s/kubelet.config:") != std::string::npos;
  EXPECT_TRUE(line);
  // Properly indented: no such finding.
  KubeletConfig ok = default_kubelet_config();
  apply_config_text(ok, std::string(kHead) + "evictionHard:\n  nodefs.available: 5%\n", "k.yaml");
  in.kubelet = &ok;
  for (const auto& x : rules::eviction_config(in)) EXPECT_NE(x.id, "eviction-keys-misplaced");
}
