#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "probe/parsers.hpp"
#include "provenance/updatedb_crawl.hpp"

using namespace ms;

namespace {

std::string conf_sample(const std::string& name) {
  std::ifstream f(std::string(MEMSLEUTH_TEST_DATA) + "/updatedb/conf/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A Kubernetes node: / on ext4, /var/lib/kubelet on its own xfs, a CephFS PVC (kernel client) with its
// CSI globalmount and the pod's bind of it, a ceph-fuse mount, an NFS share, a containerd rootfs, a
// hostPath-style bind of /data into a pod and tmpfs secrets.
constexpr const char* kNodeMountinfo =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "23 22 0:21 / /proc rw shared:2 - proc proc rw\n"
    "30 22 8:17 / /var/lib/kubelet rw shared:10 - xfs /dev/sdb1 rw\n"
    "40 30 0:50 /volumes/csi/pvc-1 /var/lib/kubelet/plugins/kubernetes.io/csi/pv/pvc-1/globalmount rw shared:20 - "
    "ceph 10.0.0.1:6789:/volumes/csi/pvc-1 rw,name=admin\n"
    "41 30 0:50 /volumes/csi/pvc-1 "
    "/var/lib/kubelet/pods/e13c3afb-d0a2-425e-9296-50ae995d0603/volumes/kubernetes.io~csi/pvc-1/mount rw shared:20 - "
    "ceph 10.0.0.1:6789:/volumes/csi/pvc-1 rw,name=admin\n"
    "42 22 0:51 / /mnt/cephfuse rw shared:21 - fuse.ceph-fuse ceph-fuse rw\n"
    "43 22 0:52 / /mnt/share rw shared:22 - nfs4 nas:/export rw\n"
    "44 22 0:53 / /run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw - overlay overlay rw\n"
    "45 30 8:17 /data /var/lib/kubelet/pods/e13c3afb-d0a2-425e-9296-50ae995d0603/volumes/kubernetes.io~hp/x rw - "
    "xfs /dev/sdb1 rw\n"
    "46 30 0:54 / /var/lib/kubelet/pods/e13c3afb-d0a2-425e-9296-50ae995d0603/volumes/kubernetes.io~secret/t rw - "
    "tmpfs tmpfs rw\n";

std::vector<Mount> node_mounts() {
  auto m = parse_mountinfo(kNodeMountinfo);
  EXPECT_TRUE(m) << m.error().describe();
  return *m;
}

const std::vector<std::string> kK8s = {"/var/lib/kubelet", "/var/lib/containerd", "/var/log/pods"};

bool crawled(const CrawlPlan& p, std::string_view path) {
  for (const auto& f : p.crawled)
    if (f.path == path) return true;
  return false;
}
const PruneEvidence* pruned(const CrawlPlan& p, std::string_view path) {
  for (const auto& e : p.pruned)
    if (e.path == path) return &e;
  return nullptr;
}

}  // namespace

TEST(BindMounts, MlocateRuleSameDeviceAndParent) {
  auto b = bind_mount_points(node_mounts());
  // Only the xfs bind below its own xfs parent counts; the ceph pod mount's parent is xfs, so
  // to updatedb it is not a bind mount at all.
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].find("kubernetes.io~hp"), std::string::npos);
}

TEST(UpdatedbCrawl, DebianDefaultOnKubernetesNode) {
  auto conf = parse_updatedb_conf(conf_sample("uc-05-debian-ubuntu-etc-yusuke-saiki-etckeeper-updatedb.conf"));
  auto plan = plan_updatedb_crawl(conf, UpdatedbArgs{}, node_mounts(), kK8s);
  // ceph (kernel) is pruned by type, with the exact line that does it.
  const auto* ceph = pruned(plan, "/var/lib/kubelet/plugins/kubernetes.io/csi/pv/pvc-1/globalmount");
  ASSERT_TRUE(ceph);
  EXPECT_EQ(ceph->by, "PRUNEFS");
  EXPECT_EQ(ceph->line, 4);
  EXPECT_EQ(ceph->raw.substr(0, 13), "PRUNEFS=\"NFS ");
  ASSERT_TRUE(pruned(plan, "/mnt/share"));
  EXPECT_EQ(pruned(plan, "/mnt/share")->by, "PRUNEFS");
  // ceph-fuse's type is fuse.ceph-fuse: not in the list, so it is walked.
  EXPECT_TRUE(crawled(plan, "/mnt/cephfuse"));
  EXPECT_TRUE(crawled(plan, "/var/lib/kubelet"));
  EXPECT_TRUE(crawled(plan, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs"));
  ASSERT_TRUE(plan.prunefs_fix);
  EXPECT_NE(plan.prunefs_fix->find(" fuse.ceph-fuse\""), std::string::npos);
  EXPECT_EQ(plan.prunefs_fix->substr(0, 9), "PRUNEFS=\"");
  ASSERT_TRUE(plan.prunepaths_fix);
  EXPECT_EQ(*plan.prunepaths_fix,
            "PRUNEPATHS=\"/tmp /var/spool /media /var/lib/os-prober /var/lib/ceph /home/.ecryptfs /var/lib/schroot "
            "/var/lib/kubelet /var/lib/containerd /var/log/pods /run/containerd\"");
}

TEST(UpdatedbCrawl, Rhel6DefaultWalksCeph) {
  auto conf = parse_updatedb_conf(conf_sample("uc-02-rhel6-gooselinux-mlocate-updatedb.conf"));
  auto plan = plan_updatedb_crawl(conf, UpdatedbArgs{}, node_mounts(), kK8s);
  EXPECT_TRUE(crawled(plan, "/var/lib/kubelet/plugins/kubernetes.io/csi/pv/pvc-1/globalmount"));
  EXPECT_TRUE(crawled(plan, "/var/lib/kubelet/pods/e13c3afb-d0a2-425e-9296-50ae995d0603/volumes/kubernetes.io~csi/pvc-1/mount"));
  EXPECT_NE(plan.prunefs_fix->find("ceph"), std::string::npos);
  // spaced style kept
  EXPECT_EQ(plan.prunefs_fix->substr(0, 11), "PRUNEFS = \"");
  // fuse.ceph-fuse is not pruned by plain "fuse"
  EXPECT_TRUE(crawled(plan, "/mnt/cephfuse"));
}

TEST(UpdatedbCrawl, PrunedPathsAndBindMountsAndParents) {
  auto conf = parse_updatedb_conf("PRUNE_BIND_MOUNTS=\"yes\"\nPRUNEFS=\"ceph nfs4 fuse.ceph-fuse overlay xfs\"\n"
                                  "PRUNEPATHS=\"/var/lib/kubelet /var/lib/containerd /var/log/pods /run\"\n");
  auto plan = plan_updatedb_crawl(conf, UpdatedbArgs{}, node_mounts(), kK8s);
  EXPECT_TRUE(plan.crawled.empty()) << plan.crawled.front().path;
  EXPECT_FALSE(plan.prunefs_fix);
  EXPECT_FALSE(plan.prunepaths_fix);
  auto* k = pruned(plan, "/var/lib/kubelet");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->by, "PRUNEPATHS");
  EXPECT_EQ(k->line, 3);
}

TEST(UpdatedbCrawl, DatabaseRootInsidePodDirAndCommandLinePrunes) {
  auto conf = parse_updatedb_conf(conf_sample("uc-01-rhel9-openela-mlocate-SOURCES-updatedb.conf"));
  UpdatedbArgs a;
  a.database_root = "/var/lib/kubelet/pods/e13c3afb-d0a2-425e-9296-50ae995d0603/volumes/";
  auto plan = plan_updatedb_crawl(conf, a, node_mounts(), kK8s);
  EXPECT_EQ(plan.database_root, "/var/lib/kubelet/pods/e13c3afb-d0a2-425e-9296-50ae995d0603/volumes");
  EXPECT_TRUE(crawled(plan, plan.database_root));  // starts inside Kubernetes state
  EXPECT_FALSE(crawled(plan, "/mnt/share"));       // outside the root
  UpdatedbArgs b;
  b.add_prunepaths = {"/var/lib/kubelet"};
  b.add_prunefs = {"fuse.ceph-fuse"};
  auto plan2 = plan_updatedb_crawl(conf, b, node_mounts(), kK8s);
  EXPECT_EQ(pruned(plan2, "/var/lib/kubelet")->by, "command line");
  EXPECT_EQ(pruned(plan2, "/mnt/cephfuse")->by, "PRUNEPATHS");  // uc-01 prunes /mnt before -f counts
}

TEST(UpdatedbCrawl, FindutilsIgnoresConfig) {
  auto conf = parse_updatedb_conf("PRUNEPATHS=\"/var/lib/kubelet\"\n");
  UpdatedbArgs a;
  a.findutils = true;
  auto plan = plan_updatedb_crawl(conf, a, node_mounts(), kK8s);
  EXPECT_TRUE(plan.config_ignored);
  EXPECT_TRUE(crawled(plan, "/var/lib/kubelet"));
  EXPECT_FALSE(plan.prunepaths_fix);  // nothing to write into a file it does not read
}

TEST(UpdatedbCrawl, NoMountsNoConfig) {
  auto plan = plan_updatedb_crawl(UpdatedbConf{}, UpdatedbArgs{}, {}, {"/var/lib/kubelet"});
  ASSERT_EQ(plan.crawled.size(), 1u);
  EXPECT_EQ(plan.crawled[0].risk, CrawlRisk::kKubernetesState);
  EXPECT_EQ(*plan.prunepaths_fix, "PRUNEPATHS=\"/var/lib/kubelet\"");
}

TEST(UpdatedbCrawl, PrunePathAboveTheDatabaseRootPrunesNothing) {
  // `updatedb -U /tmp/x` with PRUNEPATHS="/tmp": the walk never visits /tmp itself.
  auto conf = parse_updatedb_conf("PRUNEPATHS=\"/tmp /tmp/x/var/lib/kubelet/skip\"\n");
  EXPECT_EQ(conf.pruning_path("/tmp/x/var/lib/kubelet"), "/tmp");
  EXPECT_FALSE(conf.pruning_path("/tmp/x/var/lib/kubelet", "/tmp/x"));
  EXPECT_EQ(conf.pruning_path("/tmp/x/var/lib/kubelet/skip/a", "/tmp/x"), "/tmp/x/var/lib/kubelet/skip");
  UpdatedbArgs a;
  a.database_root = "/tmp/x/var/lib/kubelet/pods";
  auto plan = plan_updatedb_crawl(conf, a, node_mounts(), {"/var/lib/kubelet", "/tmp/x/var/lib/kubelet"});
  EXPECT_TRUE(crawled(plan, "/tmp/x/var/lib/kubelet/pods"));
}
