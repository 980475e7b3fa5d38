#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "k8s/kubelet_config.hpp"
#include "k8s/thresholds.hpp"
#include "probe/snapshot_reader.hpp"

#include "../../support/fixture_paths.hpp"

using namespace ms;
using namespace ms::k8s;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string shared(const std::string& rel) { return slurp(std::string(MEMSLEUTH_TEST_DATA) + "/kubelet/" + rel); }

KubeletConfig from(const std::string& yaml, const std::vector<std::string>& flags = {}) {
  KubeletConfig c = default_kubelet_config();
  if (!yaml.empty()) {
    c.config_file = "/etc/kubernetes/kubelet.yaml";
    apply_config_text(c, yaml, *c.config_file);
  }
  apply_flags(c, flags);
  return c;
}

std::string errors_text(const KubeletConfig& c, const std::vector<Error>& more = {}) {
  std::string s;
  for (const auto& e : c.errors) s += e.describe() + "\n";
  for (const auto& e : more) s += e.describe() + "\n";
  return s;
}

const Threshold* find(const std::vector<Threshold>& v, const std::string& signal, bool hard) {
  for (const auto& t : v)
    if (t.signal == signal && t.hard == hard && !t.derived) return &t;
  return nullptr;
}

// A view with only a memory.available observation.
KubeletView view_with(uint64_t capacity, int64_t available) {
  KubeletView v;
  MemoryObservation o;
  o.cgroup = "/";
  o.capacity_bytes = capacity;
  o.working_set_bytes = capacity - static_cast<uint64_t>(available);
  o.usage_bytes = o.working_set_bytes;
  o.available_bytes = available;
  v.node = o;
  v.capacity_bytes = capacity;
  v.mem_total_bytes = capacity;
  v.memory_available_bytes = available;
  return v;
}

constexpr const char* kHead = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

}  // namespace

TEST(KubeletConfig, DefaultsWithoutFileOrFlags) {
  auto c = default_kubelet_config();
  EXPECT_EQ(c.eviction_hard.size(), 5u);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "100Mi");
  EXPECT_EQ(c.eviction_hard.at("memory.available").source, Source::kDefault);
  EXPECT_DOUBLE_EQ(c.eviction_pressure_transition_period_seconds.value, 300);
  EXPECT_EQ(c.enforce_node_allocatable.value, std::vector<std::string>{"pods"});
  EXPECT_EQ(c.pods_cgroup(), "/kubepods");
  auto t = parse_thresholds(c);
  // 5 hard defaults + the allocatableMemory.available copy of memory.available.
  EXPECT_EQ(t.size(), 6u);
  EXPECT_EQ(t[0].signal, "memory.available");
  EXPECT_EQ(t[1].signal, "allocatableMemory.available");
  EXPECT_TRUE(t[1].derived);
}

TEST(KubeletConfig, FlagsReplaceTheWholeMapOfTheFile) {
  auto c = from(std::string(kHead) + "evictionHard:\n  memory.available: 500Mi\n  nodefs.available: 10%\n",
                {"--eviction-hard=memory.available<1Gi"});
  ASSERT_EQ(c.eviction_hard.size(), 1u) << errors_text(c);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "1Gi");
  EXPECT_EQ(c.eviction_hard.at("memory.available").source, Source::kFlag);
  // A second occurrence adds keys instead of clearing again.
  c = from("", {"--eviction-hard=memory.available<1Gi", "--eviction-hard", "nodefs.available<5%"});
  EXPECT_EQ(c.eviction_hard.size(), 2u);
  // Scalars: the flag wins over the file.
  c = from(std::string(kHead) + "evictionPressureTransitionPeriod: 2m\n", {"--eviction-pressure-transition-period=30s"});
  EXPECT_DOUBLE_EQ(c.eviction_pressure_transition_period_seconds.value, 30);
  EXPECT_EQ(c.eviction_pressure_transition_period_seconds.source, Source::kFlag);
}

TEST(KubeletConfig, DefaultsTrapAndMergeDefaultEvictionSettings) {
  // Naming one signal drops every other default: nodefs/imagefs have no threshold at all.
  auto c = from(std::string(kHead) + "evictionHard:\n  memory.available: 200Mi\n");
  EXPECT_EQ(c.eviction_hard.size(), 1u);
  // mergeDefaultEvictionSettings fills the missing defaults in, keeping the file's value.
  c = from(std::string(kHead) + "mergeDefaultEvictionSettings: true\nevictionHard:\n  memory.available: 200Mi\n");
  EXPECT_EQ(c.eviction_hard.size(), 5u);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "200Mi");
  EXPECT_EQ(c.eviction_hard.at("memory.available").source, Source::kConfig);
  EXPECT_EQ(c.eviction_hard.at("nodefs.available").source, Source::kDefault);
  // The merge happens when the file is loaded; a map flag afterwards still replaces everything.
  c = from(std::string(kHead) + "mergeDefaultEvictionSettings: true\nevictionHard:\n  memory.available: 200Mi\n",
           {"--eviction-hard=memory.available<300Mi"});
  EXPECT_EQ(c.eviction_hard.size(), 1u);
  // A file without evictionHard (nil) gets the defaults.
  c = from(std::string(kHead) + "maxPods: 10\n");
  EXPECT_EQ(c.eviction_hard.size(), 5u);
  EXPECT_EQ(c.eviction_hard.at("memory.available").source, Source::kDefault);
}

TEST(KubeletConfig, ZeroAndHundredPercentDisableButZeroPointZeroDoesNot) {
  auto c = from(std::string(kHead) +
                "evictionHard:\n  memory.available: \"0%\"\n  nodefs.available: \"100%\"\n  imagefs.available: "
                "\"0.0%\"\n");
  std::vector<Error> errs;
  auto t = parse_thresholds(c, &errs);
  EXPECT_TRUE(errs.empty()) << errors_text(c, errs);
  EXPECT_FALSE(find(t, "memory.available", true));
  EXPECT_FALSE(find(t, "nodefs.available", true));
  ASSERT_TRUE(find(t, "imagefs.available", true));
  EXPECT_EQ(*find(t, "imagefs.available", true)->value.percentage, 0.0f);
}

TEST(KubeletConfig, PercentageTableThroughResolve) {
  struct Row {
    const char* pct;
    uint64_t capacity;
    int64_t expected;
  } rows[] = {{"10%", 17179869184, 1717986944}, {"5%", 17179869184, 858993472}, {"15%", 17179869184, 2576980480},
              {"1%", 17179869184, 171798688},   {"7.5%", 8201580544, 615118565}};
  for (const auto& r : rows) {
    auto c = from("", {std::string("--eviction-hard=memory.available<") + r.pct});
    auto res = resolve_thresholds(c, view_with(r.capacity, 1000));
    ASSERT_FALSE(res.empty());
    EXPECT_EQ(res[0].signal, "memory.available");
    EXPECT_EQ(res[0].bytes, r.expected) << r.pct;
  }
}

TEST(KubeletConfig, MetIsStrictAndMarginsAreSigned) {
  auto c = from("", {"--eviction-hard=memory.available<1000", "--enforce-node-allocatable="});
  auto r = resolve_thresholds(c, view_with(100000, 1000));
  ASSERT_EQ(r.size(), 1u);  // pods not enforced: no allocatable copy
  EXPECT_EQ(r[0].met, false);  // 1000 > 1000 is false
  EXPECT_EQ(r[0].margin_bytes, 0);
  r = resolve_thresholds(c, view_with(100000, 999));
  EXPECT_EQ(r[0].met, true);
  EXPECT_EQ(r[0].margin_bytes, -1);
  EXPECT_NEAR(*r[0].margin_percent, -0.001, 1e-9);
  // A fractional quantity compares exactly: 999.5 > 999.
  c = from("", {"--eviction-hard=memory.available<999.5", "--enforce-node-allocatable=none"});
  r = resolve_thresholds(c, view_with(100000, 999));
  EXPECT_EQ(r[0].met, true);
  r = resolve_thresholds(c, view_with(100000, 1000));
  EXPECT_EQ(r[0].met, false);
}

TEST(KubeletConfig, SoftThresholdsGracePeriodsAndMinReclaim) {
  auto c = from("", {"--eviction-soft=memory.available<1.5Gi", "--eviction-soft-grace-period=memory.available=1m30s",
                     "--eviction-minimum-reclaim=memory.available=500Mi", "--eviction-hard=memory.available<100Mi"});
  auto t = parse_thresholds(c);
  auto* soft = find(t, "memory.available", false);
  ASSERT_TRUE(soft);
  EXPECT_DOUBLE_EQ(soft->grace_period_seconds, 90);
  EXPECT_EQ(soft->value.quantity->value, 1610612736);
  ASSERT_TRUE(soft->min_reclaim);
  EXPECT_EQ(soft->min_reclaim->quantity->value, 524288000);
  ASSERT_TRUE(find(t, "memory.available", true)->min_reclaim);  // min-reclaim attaches to hard too
}

TEST(KubeletConfig, MalformedInputsNameFileFlagAndValueAndTheRestResolves) {
  // Broken YAML: error names the file and line.
  auto c = from(std::string(kHead) + "evictionHard:\n  memory.available: [1\n");
  ASSERT_FALSE(c.errors.empty());
  EXPECT_NE(c.errors[0].describe().find("/etc/kubernetes/kubelet.yaml"), std::string::npos);
  EXPECT_EQ(c.eviction_hard.size(), 5u);  // defaults still apply
  // Not a KubeletConfiguration.
  c = from("kind: Pod\nevictionHard:\n  memory.available: 1Gi\n");
  ASSERT_FALSE(c.errors.empty());
  EXPECT_NE(c.errors[0].describe().find("KubeletConfiguration"), std::string::npos);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "100Mi");
  // Malformed flag pair and bad duration: the flag and value are named; good pairs are kept.
  c = from("", {"--eviction-hard=memory.available<1Gi,nodefs.available", "--eviction-pressure-transition-period=5"});
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_NE(c.errors[0].describe().find("--eviction-hard=memory.available<1Gi,nodefs.available"), std::string::npos);
  EXPECT_NE(c.errors[1].describe().find("--eviction-pressure-transition-period=5"), std::string::npos);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "1Gi");
  // Bad values inside thresholds.
  c = from(std::string(kHead) +
           "evictionHard:\n  memory.available: 0Mi\n  nodefs.available: abc%\n  bogus.signal: 1Gi\n  "
           "imagefs.available: 15%\nevictionSoft:\n  memory.available: 2Gi\n");
  std::vector<Error> errs;
  auto t = parse_thresholds(c, &errs);
  std::string all = errors_text(c, errs);
  EXPECT_NE(all.find("must be positive: 0Mi"), std::string::npos) << all;
  EXPECT_NE(all.find("'abc%'"), std::string::npos) << all;
  EXPECT_NE(all.find("unsupported eviction signal 'bogus.signal'"), std::string::npos) << all;
  EXPECT_NE(all.find("grace period must be specified"), std::string::npos) << all;
  EXPECT_NE(all.find("evictionHard in /etc/kubernetes/kubelet.yaml"), std::string::npos) << all;
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].signal, "imagefs.available");
  // Wrong types in the file.
  c = from(std::string(kHead) + "evictionHard: 100Mi\nkernelMemcgNotification: maybe\n");
  EXPECT_EQ(c.errors.size(), 2u) << errors_text(c);
}

TEST(KubeletConfig, PflagForms) {
  auto c = from("", {"--kube-reserved", "cpu=200m,memory=512M", "--system_reserved=memory=1Gi", "--cgroups-per-qos",
                     "--cgroup-root=/mst", "--experimental-kernel-memcg-notification", "--v", "2"});
  EXPECT_TRUE(c.errors.empty()) << errors_text(c);
  EXPECT_EQ(c.kube_reserved.at("memory").value, "512M");
  EXPECT_EQ(c.system_reserved.at("memory").value, "1Gi");
  EXPECT_TRUE(c.kernel_memcg_notification.value);
  EXPECT_EQ(c.pods_cgroup(), "/mst/kubepods");
  EXPECT_EQ(config_flag({"--config", "/a.yaml", "--config=/b.yaml"}), "/b.yaml");
  EXPECT_EQ(split_shell_words("--a='x y' \"--b=1 2\" c\\ d"), (std::vector<std::string>{"--a=x y", "--b=1 2", "c d"}));
}

// ------------------------------------------------------------------ real configs in tests/data

TEST(RealKubeletConfigs, Eks03BootstrapWritesPartialEvictionHard) {
  std::string sh = shared("config/config-03-eks-bootstrap.sh.excerpt");
  size_t a = sh.find(R"({"evictionHard": )");
  ASSERT_NE(a, std::string::npos);
  a += 17;
  size_t b = sh.find('}', a);
  ASSERT_NE(b, std::string::npos);
  // The JSON the script merges into kubelet-config.json (JSON is YAML).
  auto c = from(R"({"kind": "KubeletConfiguration", "apiVersion": "kubelet.config.k8s.io/v1beta1", "evictionHard": )" +
                sh.substr(a, b - a + 1) +
                R"(, "kubeReserved": {"cpu": "70m", "ephemeral-storage": "1Gi", "memory": "574Mi"}})");
  ASSERT_TRUE(c.errors.empty()) << errors_text(c);
  EXPECT_EQ(c.eviction_hard.size(), 3u);  // the trap: imagefs.available / imagefs.inodesFree are gone
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "100Mi");
  EXPECT_EQ(c.eviction_hard.at("nodefs.available").value, "10%");
  EXPECT_EQ(c.eviction_hard.at("nodefs.inodesFree").value, "5%");
  EXPECT_FALSE(c.eviction_hard.count("imagefs.available"));
  EXPECT_EQ(c.kube_reserved.at("memory").value, "574Mi");  // (11*29+255)Mi for maxPods 29
}

TEST(RealKubeletConfigs, OpenShift04SystemReservedAndDefaultEviction) {
  std::string doc = shared("config/config-04-openshift-mco-kubelet.yaml");
  // The KubeletConfiguration is the block scalar under contents.inline, indented by 4.
  size_t at = doc.find("inline: |\n");
  ASSERT_NE(at, std::string::npos);
  std::string inner;
  std::istringstream in(doc.substr(at + 10));
  for (std::string line; std::getline(in, line);) inner += (line.size() >= 4 ? line.substr(4) : "") + "\n";
  // The file is an MCO template: fill in its one Go-template value as the operator would.
  auto tpl = inner.find("{{.ClusterDNSIP}}");
  ASSERT_NE(tpl, std::string::npos);
  inner.replace(tpl, 17, "172.30.0.10");
  auto c = from(inner);
  ASSERT_TRUE(c.errors.empty()) << errors_text(c);
  EXPECT_EQ(c.system_reserved.at("memory").value, "1Gi");
  EXPECT_EQ(c.system_reserved.at("cpu").value, "768m");
  EXPECT_EQ(c.eviction_hard.size(), 5u);
  EXPECT_EQ(c.eviction_hard.at("memory.available").source, Source::kDefault);
  EXPECT_EQ(c.cgroup_driver.value, "systemd");
  EXPECT_EQ(c.pods_cgroup(), "/kubepods.slice");
}

TEST(RealKubeletConfigs, K3s06ZeroPercentAndNoMemoryThreshold) {
  std::string doc = shared("config/config-06-k3s-issue-7578.txt");
  size_t a = doc.find("`apiVersion:");
  ASSERT_NE(a, std::string::npos);
  size_t b = doc.find('`', a + 1);
  auto c = from(doc.substr(a + 1, b - a - 1));
  ASSERT_TRUE(c.errors.empty()) << errors_text(c);
  EXPECT_EQ(c.eviction_hard.size(), 3u);
  std::vector<Error> errs;
  auto t = parse_thresholds(c, &errs);
  EXPECT_TRUE(errs.empty());
  EXPECT_TRUE(t.empty());  // every entry is "0%" and memory.available is not named: no eviction at all
  // The k3s unit passes the file as --kubelet-arg=config=...: the kubelet sees --config=.
  EXPECT_NE(doc.find("--kubelet-arg=config=/etc/rancher/k3s/kubelet.config"), std::string::npos);
}

TEST(RealKubeletConfigs, Kubeadm07EnvironmentFlags) {
  std::string doc = shared("config/config-07-kubeadm-dropin-issue-58541.txt");
  // Environment="NAME=value": the values are the kubelet flags.
  std::string args;
  for (size_t at = doc.find("Environment=\""); at != std::string::npos; at = doc.find("Environment=\"", at + 1)) {
    size_t eq = doc.find('=', at + 13);
    size_t end = doc.find('"', eq);
    args += doc.substr(eq + 1, end - eq - 1) + " ";
  }
  auto c = from("", split_shell_words(args));
  ASSERT_TRUE(c.errors.empty()) << errors_text(c);
  EXPECT_EQ(c.eviction_hard.size(), 3u);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "3000Mi");
  EXPECT_EQ(c.eviction_soft.at("memory.available").value, "3500Mi");
  auto t = parse_thresholds(c);
  auto* soft = find(t, "memory.available", false);
  ASSERT_TRUE(soft);
  EXPECT_DOUBLE_EQ(soft->grace_period_seconds, 90);
  EXPECT_EQ(find(t, "memory.available", true)->value.quantity->value, 3145728000);
  EXPECT_EQ(find(t, "imagefs.available", false)->grace_period_seconds, 300);
}

namespace {
// Gist pages: keep the --flags, drop the " \ | |" table artefacts.
std::vector<std::string> gist_flags(const std::string& doc) {
  std::vector<std::string> out;
  for (const auto& w : split_shell_words(doc))
    if (w.rfind("--", 0) == 0) out.push_back(w);
  return out;
}
}  // namespace

TEST(RealKubeletConfigs, Gist10MinimumReclaimAndReservations) {
  auto c = from("", gist_flags(shared("config/config-10-gist-alinetskyi.txt")));
  ASSERT_TRUE(c.errors.empty()) << errors_text(c);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "2Gi");
  EXPECT_EQ(c.eviction_minimum_reclaim.at("memory.available").value, "1Gi");
  EXPECT_EQ(c.system_reserved.at("memory").value, "4Gi");
  EXPECT_EQ(c.kube_reserved.at("memory").value, "2Gi");
  auto v = view_with(uint64_t{64} << 30, int64_t{10} << 30);
  Snapshot s;
  s.meminfo.items = {{"MemTotal", uint64_t{64} << 30}};
  auto na = compute_node_allocatable(c, v, s);
  EXPECT_EQ(na.allocatable_bytes, (int64_t{64} << 30) - (int64_t{8} << 30));  // 64 - 4 - 2 - 2 Gi
  EXPECT_EQ(na.expected_kubepods_limit_bytes, (int64_t{58} << 30));           // eviction not subtracted
  auto r = resolve_thresholds(c, v);
  EXPECT_EQ(r[0].min_reclaim_bytes, int64_t{1} << 30);
}

TEST(RealKubeletConfigs, Gist11ExtraArgs) {
  std::string doc = shared("config/config-11-gist-peihsinsu.txt");
  size_t a = doc.find("KUBELET_EXTRA_ARGS=");
  ASSERT_NE(a, std::string::npos);
  a += 19;
  size_t b = doc.find('"', a);
  auto c = from("", split_shell_words(doc.substr(a, b - a)));
  ASSERT_TRUE(c.errors.empty()) << errors_text(c);
  EXPECT_EQ(c.eviction_hard.size(), 1u);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "500Mi");
  EXPECT_EQ(c.system_reserved.at("memory").value, "1Gi");
}

TEST(RealKubeletConfigs, Rke2_14KubeletArgMap) {
  std::string doc = shared("config/config-14-rke2-issue-k8s-home-lab-5.txt");
  std::vector<std::string> args;
  std::istringstream in(doc);
  for (std::string line; std::getline(in, line);) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string k = line.substr(line.find_first_not_of(' '), colon - line.find_first_not_of(' '));
    std::string v = line.substr(colon + 1);
    auto words = split_shell_words(v);  // strips quotes
    args.push_back("--" + k + "=" + (words.empty() ? "" : words[0]));
  }
  auto c = from("", args);
  ASSERT_TRUE(c.errors.empty()) << errors_text(c);
  auto t = parse_thresholds(c);
  EXPECT_EQ(find(t, "memory.available", true)->value.quantity->value, 104857600);
  EXPECT_EQ(find(t, "memory.available", false)->value.quantity->value, 524288000);
  EXPECT_DOUBLE_EQ(find(t, "memory.available", false)->grace_period_seconds, 120);
  EXPECT_EQ(c.kube_reserved.at("memory").value, "100Mi");
  EXPECT_EQ(c.system_reserved.at("memory").value, "100Mi");
}

TEST(RealKubeletConfigs, Qke16SpaceSeparatedFlagsAndDecimalM) {
  std::string doc = shared("config/config-16-qke-issue-100.txt");
  size_t a = doc.find('`'), b = doc.rfind('`');
  ASSERT_LT(a, b);
  auto c = from("", split_shell_words(doc.substr(a + 1, b - a - 1)));
  ASSERT_TRUE(c.errors.empty()) << errors_text(c);
  EXPECT_EQ(c.kube_reserved.at("memory").value, "512M");
  Snapshot s;
  s.meminfo.items = {{"MemTotal", uint64_t{8} << 30}};
  auto na = compute_node_allocatable(c, view_with(uint64_t{8} << 30, 1 << 30), s);
  EXPECT_EQ(na.system_reserved_bytes, 512000000);  // M is 10^6, not Mi
  EXPECT_EQ(na.kube_reserved_bytes, 512000000);
}

// ------------------------------------------------------------------ discovery on a fixture tree

TEST(KubeletDiscovery, FixtureKubeletFlagsWinOverItsConfigFile) {
  HostPaths p = ms::test_fixtures::fixture_paths("kubelet-v2");
  SnapshotOptions o;
  o.statvfs_tmpfs = false;
  auto snap = read_snapshot(p, o);
  ASSERT_TRUE(snap);
  auto c = discover_kubelet_config(p, *snap);
  ASSERT_TRUE(c.kubelet_found);
  EXPECT_EQ(c.pid, 4242);
  EXPECT_EQ(c.config_file, "/etc/kubernetes/kubelet.yaml");
  EXPECT_TRUE(c.errors.empty()) << errors_text(c);
  ASSERT_EQ(c.config_sources.size(), 2u);
  EXPECT_NE(c.config_sources[0].find("/etc/kubernetes/kubelet.yaml"), std::string::npos);
  EXPECT_NE(c.config_sources[1].find("/proc/4242/cmdline"), std::string::npos);
  // --eviction-hard on the command line replaced the file's whole evictionHard map.
  ASSERT_EQ(c.eviction_hard.size(), 1u);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "1Gi");
  EXPECT_EQ(c.eviction_hard.at("memory.available").source, Source::kFlag);
  EXPECT_EQ(c.kube_reserved.at("memory").source, Source::kFlag);
  EXPECT_EQ(c.system_reserved.at("memory").source, Source::kConfig);
  EXPECT_TRUE(c.kernel_memcg_notification.value);
  EXPECT_DOUBLE_EQ(c.eviction_pressure_transition_period_seconds.value, 120);
  EXPECT_EQ(c.pods_cgroup(), "/kubepods.slice");

  auto view = compute_kubelet_view(*snap);
  auto r = resolve_thresholds(c, view);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].signal, "memory.available");
  EXPECT_EQ(r[0].kind, "hard");
  EXPECT_EQ(r[0].source, "flag");
  EXPECT_EQ(r[0].bytes, 1073741824);
  EXPECT_EQ(r[0].met, false);
  EXPECT_EQ(r[0].margin_bytes, 11350016000 - 1073741824);
  EXPECT_EQ(r[1].signal, "memory.available");
  EXPECT_EQ(r[1].kind, "soft");
  EXPECT_EQ(r[1].source, "config");
  EXPECT_DOUBLE_EQ(r[1].grace_period_seconds, 90);
  EXPECT_EQ(r[1].bytes, percentage_of(0.1f, 16777216000));
  EXPECT_EQ(r[1].min_reclaim_bytes, 209715200);
  EXPECT_EQ(r[2].signal, "allocatableMemory.available");
  EXPECT_EQ(r[2].observed_capacity_bytes, 12884901888);
  EXPECT_EQ(r[2].margin_bytes, 9663676416 - 1073741824);

  // Offline overrides replace discovery.
  KubeletOverrides ov;
  ov.flags = "kubelet --eviction-hard=memory.available<2Gi";
  c = discover_kubelet_config(p, *snap, ov);
  EXPECT_TRUE(c.kubelet_found);
  EXPECT_FALSE(c.config_file);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "2Gi");
  ov = {};
  ov.config_file = p.rootfs + "/etc/kubernetes/kubelet.yaml";
  ov.flags = "";
  c = discover_kubelet_config(p, *snap, ov);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "500Mi");
  EXPECT_EQ(c.eviction_hard.at("memory.available").source, Source::kConfig);
  // A missing --config file is an error naming it; the flags still apply.
  ov = {};
  ov.flags = "--config=/nope.yaml --eviction-hard=memory.available<3Gi";
  c = discover_kubelet_config(p, *snap, ov);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_NE(c.errors[0].describe().find("/nope.yaml"), std::string::npos);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "3Gi");
}

TEST(KubeletDiscovery, ConfigDirDropInsMergeLikeAJsonMergePatch) {
  HostPaths p = ms::test_fixtures::fixture_paths("kubelet-v2");
  Snapshot snap;  // no processes: everything comes from the overrides
  KubeletOverrides ov;
  ov.flags = "--config=/etc/kubernetes/kubelet.yaml --config-dir=/etc/kubernetes/kubelet.conf.d";
  auto c = discover_kubelet_config(p, snap, ov);
  EXPECT_TRUE(c.errors.empty()) << errors_text(c);
  EXPECT_FALSE(c.kubelet_found);
  // Base file: memory 500Mi + nodefs 10%; 10-eviction.conf deletes nodefs and adds imagefs.
  ASSERT_EQ(c.eviction_hard.size(), 2u);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "500Mi");
  EXPECT_EQ(c.eviction_hard.at("imagefs.available").value, "20%");
  EXPECT_EQ(c.kube_reserved.size(), 2u);  // memory from the file, cpu from the drop-in
  EXPECT_DOUBLE_EQ(c.eviction_pressure_transition_period_seconds.value, 60);
  ASSERT_EQ(c.config_sources.size(), 4u);
  EXPECT_NE(c.config_sources[1].find("10-eviction.conf"), std::string::npos);
  EXPECT_NE(c.config_sources[2].find("20-transition.conf"), std::string::npos);
}
