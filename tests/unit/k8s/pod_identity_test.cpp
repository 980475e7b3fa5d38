// Table-driven: every kubelet/runtime cgroup layout of design/kubelet-memory.md §6, both drivers,
// cgroup v1 (memory controller paths) and v2 (unified paths, also with the /sys/fs/cgroup prefix),
// three runtimes, and kubepods below a --cgroup-root prefix.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "k8s/pod_identity.hpp"
#include "k8s/pod_names.hpp"

namespace ms {
namespace {

const std::string kId = "d28e0087cf8f3f0429f755d60b0de415b20fcf76736ded7bab6e30e7b739ee36";
const std::string kUid = "9a18ffb8-8513-11e7-b26e-7e29fbe2a5a3";
const std::string kUidS = "9a18ffb8_8513_11e7_b26e_7e29fbe2a5a3";

struct Case {
  std::string path;
  bool in_kubepods;
  KubeLevel level;
  CgroupDriver driver;
  QosClass qos;
  std::optional<std::string> uid, id, runtime;
  bool sandbox = false, conmon = false;
};

std::vector<Case> layout_cases() {
  std::vector<Case> cs;
  const std::string sys_pod_b = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kUidS + ".slice";
  const std::string sys_pod_be = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kUidS + ".slice";
  const std::string sys_pod_g = "/kubepods.slice/kubepods-pod" + kUidS + ".slice";
  const std::string fs_pod_b = "/kubepods/burstable/pod" + kUid;
  const std::string fs_pod_be = "/kubepods/besteffort/pod" + kUid;
  const std::string fs_pod_g = "/kubepods/pod" + kUid;
  using L = KubeLevel;
  using D = CgroupDriver;
  using Q = QosClass;
  // kubelet-owned levels (§6.1 table).
  cs.push_back({"/kubepods", true, L::kKubepods, D::kCgroupfs, Q::kNone, {}, {}, {}});
  cs.push_back({"/kubepods.slice", true, L::kKubepods, D::kSystemd, Q::kNone, {}, {}, {}});
  cs.push_back({"/kubepods/burstable", true, L::kQosTier, D::kCgroupfs, Q::kBurstable, {}, {}, {}});
  cs.push_back({"/kubepods.slice/kubepods-besteffort.slice", true, L::kQosTier, D::kSystemd, Q::kBestEffort, {}, {}, {}});
  cs.push_back({fs_pod_g, true, L::kPod, D::kCgroupfs, Q::kGuaranteed, kUid, {}, {}});
  cs.push_back({sys_pod_g, true, L::kPod, D::kSystemd, Q::kGuaranteed, kUid, {}, {}});
  cs.push_back({fs_pod_b, true, L::kPod, D::kCgroupfs, Q::kBurstable, kUid, {}, {}});
  cs.push_back({sys_pod_b, true, L::kPod, D::kSystemd, Q::kBurstable, kUid, {}, {}});
  cs.push_back({fs_pod_be, true, L::kPod, D::kCgroupfs, Q::kBestEffort, kUid, {}, {}});
  cs.push_back({sys_pod_be, true, L::kPod, D::kSystemd, Q::kBestEffort, kUid, {}, {}});
  // Runtime-owned leaves (§6.2): containerd, CRI-O, docker under both drivers.
  cs.push_back({sys_pod_b + "/cri-containerd-" + kId + ".scope", true, L::kContainer, D::kSystemd, Q::kBurstable, kUid, kId, "containerd"});
  cs.push_back({fs_pod_b + "/" + kId, true, L::kContainer, D::kCgroupfs, Q::kBurstable, kUid, kId, std::nullopt});
  cs.push_back({sys_pod_be + "/crio-" + kId + ".scope", true, L::kContainer, D::kSystemd, Q::kBestEffort, kUid, kId, "cri-o"});
  cs.push_back({sys_pod_be + "/crio-" + kId, true, L::kContainer, D::kSystemd, Q::kBestEffort, kUid, kId, "cri-o", true});
  cs.push_back({sys_pod_be + "/crio-conmon-" + kId + ".scope", true, L::kContainer, D::kSystemd, Q::kBestEffort, kUid, kId, "cri-o", false, true});
  cs.push_back({fs_pod_be + "/crio-" + kId, true, L::kContainer, D::kCgroupfs, Q::kBestEffort, kUid, kId, "cri-o"});
  cs.push_back({sys_pod_g + "/docker-" + kId + ".scope", true, L::kContainer, D::kSystemd, Q::kGuaranteed, kUid, kId, "docker"});
  cs.push_back({fs_pod_g + "/" + kId, true, L::kContainer, D::kCgroupfs, Q::kGuaranteed, kUid, kId, std::nullopt});
  // Deeper than the container (CRI-O "crio-<id>.scope/container" on v2): still that container.
  cs.push_back({sys_pod_b + "/crio-" + kId + ".scope/container", true, L::kContainer, D::kSystemd, Q::kBurstable, kUid, kId, "cri-o"});
  // cgroup v2 absolute and kubelet --cgroup-root prefixes (kubepods at any depth).
  cs.push_back({"/sys/fs/cgroup" + sys_pod_b + "/cri-containerd-" + kId + ".scope", true, L::kContainer, D::kSystemd, Q::kBurstable, kUid, kId, "containerd"});
  cs.push_back({"/sys/fs/cgroup/memory" + fs_pod_b + "/" + kId, true, L::kContainer, D::kCgroupfs, Q::kBurstable, kUid, kId, std::nullopt});
  cs.push_back({"/mst-attrib-123" + fs_pod_be + "/" + kId, true, L::kContainer, D::kCgroupfs, Q::kBestEffort, kUid, kId, std::nullopt});
  cs.push_back({"/k8s.slice/k8s-kubepods.slice/k8s-kubepods-burstable.slice/k8s-kubepods-burstable-pod" + kUidS + ".slice/cri-containerd-" + kId + ".scope",
                true, L::kContainer, D::kSystemd, Q::kBurstable, kUid, kId, "containerd"});
  // Not pods.
  cs.push_back({"/", false, L::kNone, D::kUnknown, Q::kNone, {}, {}, {}});
  cs.push_back({"/system.slice/kubelet.service", false, L::kNone, D::kUnknown, Q::kNone, {}, {}, {}});
  cs.push_back({"/docker/" + kId, false, L::kNone, D::kUnknown, Q::kNone, {}, {}, {}});
  cs.push_back({"/user.slice/user-1000.slice/session-3.scope", false, L::kNone, D::kUnknown, Q::kNone, {}, {}, {}});
  // Not a container id (short hex, *.mount): the pod level, nothing invented.
  cs.push_back({fs_pod_b + "/abc123", true, L::kPod, D::kCgroupfs, Q::kBurstable, kUid, {}, {}});
  cs.push_back({sys_pod_b + "/run-containerd.mount", true, L::kPod, D::kSystemd, Q::kBurstable, kUid, {}, {}});
  return cs;
}

TEST(PodIdentity, LayoutsOfDesignSection6) {
  for (const auto& c : layout_cases()) {
    SCOPED_TRACE(c.path);
    KubeCgroup k = parse_kube_cgroup_path(c.path);
    EXPECT_EQ(k.in_kubepods, c.in_kubepods);
    EXPECT_EQ(k.level, c.level);
    EXPECT_EQ(k.driver, c.driver);
    EXPECT_EQ(k.qos, c.qos);
    EXPECT_EQ(k.pod_uid, c.uid);
    EXPECT_EQ(k.container_id, c.id);
    EXPECT_EQ(k.runtime, c.runtime);
    EXPECT_EQ(k.sandbox, c.sandbox);
    EXPECT_EQ(k.conmon, c.conmon);
  }
}

TEST(PodIdentity, PlainHexLeafSaysWhyRuntimeIsOpen) {
  KubeCgroup k = parse_kube_cgroup_path("/kubepods/burstable/pod" + kUid + "/" + kId);
  EXPECT_FALSE(k.runtime);
  EXPECT_NE(k.runtime_evidence.find("containerd and by docker"), std::string::npos);
  EXPECT_EQ(k.pod_path, "/kubepods/burstable/pod" + kUid);
  EXPECT_EQ(k.container_path, "/kubepods/burstable/pod" + kUid + "/" + kId);
  EXPECT_EQ(k.kubepods_path, "/kubepods");
}

TEST(PodIdentity, PrefixPathsAreKept) {
  KubeCgroup k = parse_kube_cgroup_path("/mst-attrib-7/kubepods/pod" + kUid + "/" + kId);
  EXPECT_EQ(k.kubepods_path, "/mst-attrib-7/kubepods");
  EXPECT_EQ(k.pod_path, "/mst-attrib-7/kubepods/pod" + kUid);
}

TEST(PodNames, ParsesLogDirAndSymlinkNames) {
  auto p = parse_pod_log_dir("kube-system_coredns-5d78c9869d-8xk2v_4b1e2c3d-aaaa-bbbb-cccc-ddddeeeeffff");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->namespace_, "kube-system");
  EXPECT_EQ(p->name, "coredns-5d78c9869d-8xk2v");
  EXPECT_EQ(p->uid, "4b1e2c3d-aaaa-bbbb-cccc-ddddeeeeffff");
  EXPECT_FALSE(parse_pod_log_dir("4b1e2c3d-aaaa-bbbb-cccc-ddddeeeeffff"));  // very old layout: no names
  EXPECT_FALSE(parse_pod_log_dir("a_b"));

  auto c = parse_container_log_link("coredns-5d78c9869d-8xk2v_kube-system_core-dns-" + kId + ".log",
                                    "/var/log/pods/kube-system_coredns-5d78c9869d-8xk2v_4b1e2c3d-aaaa-bbbb-cccc-ddddeeeeffff/core-dns/0.log");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->pod, "coredns-5d78c9869d-8xk2v");
  EXPECT_EQ(c->namespace_, "kube-system");
  EXPECT_EQ(c->container, "core-dns");  // dashes in container names survive
  EXPECT_EQ(c->container_id, kId);
  EXPECT_EQ(c->pod_uid, "4b1e2c3d-aaaa-bbbb-cccc-ddddeeeeffff");
  EXPECT_FALSE(parse_container_log_link("pod_ns_c-abcdef.log"));  // truncated: id not whole
  EXPECT_FALSE(parse_container_log_link("pod_ns_c-" + kId + ".txt"));
}

TEST(PodNames, LoadsFixtureTreeAndLeavesMissingNamesUnknown) {
  HostPaths hp;
  hp.rootfs = std::string(MEMSLEUTH_SOURCE_DIR) + "/tests/fixtures/attrib-names/root";
  PodNameIndex idx = PodNameIndex::load(hp);
  const PodNames* web = idx.pod("1f3a5c2e-0b6d-4e8f-9a1b-2c3d4e5f6a7b");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->namespace_, "shop");
  EXPECT_EQ(web->name, "web-7d4b9");
  EXPECT_EQ(web->containers, (std::vector<std::string>{"nginx", "sidecar"}));
  const ContainerNames* nginx = idx.container("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1");
  ASSERT_TRUE(nginx);
  EXPECT_EQ(nginx->container, "nginx");
  EXPECT_EQ(nginx->pod_uid, "1f3a5c2e-0b6d-4e8f-9a1b-2c3d4e5f6a7b");
  EXPECT_FALSE(idx.pod("0125ec2f-b64a-4868-8f5b-94b56cbab864"));       // no directory
  EXPECT_FALSE(idx.pod("6d3f0c1e-1111-2222-3333-444455556666"));       // old "<uid>" directory: no names
  EXPECT_EQ(idx.pod_count(), 2u);

  HostPaths none;
  none.rootfs = "/nonexistent-memsleuth-root";
  EXPECT_TRUE(PodNameIndex::load(none).empty());
}

}  // namespace
}  // namespace ms
