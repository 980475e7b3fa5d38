#include <gtest/gtest.h>

#include "probe/parsers.hpp"
#include "provenance/ancestry.hpp"
#include "provenance/cwd.hpp"

using namespace ms;

namespace {
constexpr const char* kUid = "e13c3afb-d0a2-425e-9296-50ae995d0603";

std::vector<Mount> mounts() {
  return *parse_mountinfo(
      "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "30 22 8:17 / /var/lib/kubelet rw - xfs /dev/sdb1 rw\n"
      "41 30 0:50 /v /var/lib/kubelet/pods/e13c3afb-d0a2-425e-9296-50ae995d0603/volumes/kubernetes.io~csi/pvc/mount "
      "rw - ceph 10.0.0.1:/v rw\n");
}

std::vector<CwdSample> samples(std::initializer_list<const char*> paths) {
  std::vector<CwdSample> out;
  int64_t t = 0;
  for (auto p : paths) out.push_back({t += 200, p ? std::optional<std::string>(p) : std::nullopt});
  return out;
}
}  // namespace

TEST(Cwd, PodUidInPath) {
  EXPECT_EQ(pod_uid_in_path(std::string("/var/lib/kubelet/pods/") + kUid + "/volumes/x"), kUid);
  EXPECT_EQ(pod_uid_in_path(std::string("/data/kubelet/pods/") + kUid), kUid);  // --root-dir
  EXPECT_EQ(pod_uid_in_path("/var/lib/kubelet/pods/E13C3AFB_D0A2_425E_9296_50AE995D0603/x"), kUid);
  EXPECT_FALSE(pod_uid_in_path("/var/lib/kubelet/pods/"));
  EXPECT_FALSE(pod_uid_in_path("/var/lib/kubelet/pods/not-a-uid/x"));
  EXPECT_FALSE(pod_uid_in_path("/home/u"));
}

TEST(Cwd, MountForPathLongestPrefix) {
  auto m = mounts();
  EXPECT_EQ(mount_for_path(m, "/var/lib/kubelet/pods")->fs_type, "xfs");
  EXPECT_EQ(mount_for_path(m, "/var/lib/kubeletx")->fs_type, "ext4");
  EXPECT_EQ(mount_for_path(m, std::string("/var/lib/kubelet/pods/") + kUid + "/volumes/kubernetes.io~csi/pvc/mount/a")
                ->fs_type,
            "ceph");
  EXPECT_FALSE(mount_for_path({}, "/"));
}

TEST(Cwd, WalkerInPodDirIsMisleading) {
  std::string a = std::string("/var/lib/kubelet/pods/") + kUid + "/volumes/kubernetes.io~csi/pvc/mount/d1";
  std::string b = std::string("/var/lib/kubelet/pods/") + kUid + "/volumes/kubernetes.io~csi/pvc/mount/d2";
  CwdContext ctx;
  ctx.owner_label = "cron.service";
  ctx.memory_cgroup = "/system.slice/cron.service";
  ctx.pod_name_of_dir = "prod/web-0";
  ctx.source_summary = "cron: /etc/crontab:25";
  auto t = analyze_cwd(samples({a.c_str(), a.c_str(), nullptr, b.c_str()}), mounts(), ctx);
  EXPECT_TRUE(t.moving);
  EXPECT_EQ(t.distinct, 2u);
  EXPECT_EQ(t.fs_type, "ceph");
  EXPECT_TRUE(t.network_fs);
  EXPECT_EQ(t.under_pod_uid, kUid);
  EXPECT_TRUE(t.misleading);
  ASSERT_TRUE(t.warning);
  EXPECT_NE(t.warning->find("cwd is NOT ownership"), std::string::npos);
  EXPECT_NE(t.warning->find("prod/web-0"), std::string::npos);
  EXPECT_NE(t.warning->find("real owner is cron.service (memory cgroup /system.slice/cron.service)"),
            std::string::npos);
  EXPECT_NE(t.warning->find("/etc/crontab:25"), std::string::npos);
}

TEST(Cwd, OwnPodDirIsNotMisleading) {
  std::string a = std::string("/var/lib/kubelet/pods/") + kUid + "/volumes";
  CwdContext ctx;
  ctx.process_pod_uid = "E13C3AFB-D0A2-425E-9296-50AE995D0603";
  auto t = analyze_cwd(samples({a.c_str(), a.c_str()}), mounts(), ctx);
  EXPECT_FALSE(t.moving);
  EXPECT_TRUE(t.under_pod_uid);
  EXPECT_FALSE(t.misleading);
  EXPECT_FALSE(t.warning);
  auto none = analyze_cwd(samples({nullptr}), mounts(), ctx);
  EXPECT_EQ(none.distinct, 0u);
  EXPECT_FALSE(none.mount);
}

namespace {
Process proc(int pid, int ppid, std::string comm, uint64_t start, std::vector<std::string> argv = {}) {
  Process p;
  p.pid = pid;
  p.ppid = ppid;
  p.comm = std::move(comm);
  p.start_time = start;
  p.cmdline = std::move(argv);
  p.uid = 0;
  p.memory_cgroup = "/system.slice/cron.service";
  return p;
}
}  // namespace

TEST(Ancestry, ChainToInitWithWallClockAndNotes) {
  Snapshot s;
  s.boot_time = 1700000000;
  s.clock_ticks = 100;
  s.processes = {proc(1, 0, "systemd", 1), proc(300, 1, "cron", 500, {"/usr/sbin/cron", "-f"}),
                 proc(400, 300, "cron", 9000), proc(500, 400, "sh", 9001, {"/bin/sh", "-c", "x"})};
  AncestryOptions o;
  o.user_name = [](uint32_t uid) { return uid == 0 ? std::optional<std::string>("root") : std::nullopt; };
  o.owner_of = [](const Process& p) {
    Owner w;
    w.kind = OwnerKind::kSystemdUnit;
    w.unit = p.comm == "systemd" ? "init.scope" : "cron.service";
    return w;
  };
  auto a = build_ancestry(s, 500, o);
  ASSERT_TRUE(a.complete);
  ASSERT_EQ(a.chain.size(), 4u);
  EXPECT_EQ(a.chain[0].pid, 500);
  EXPECT_EQ(a.chain[3].pid, 1);
  EXPECT_EQ(a.chain[0].start_unix, 1700000000 + 90);
  EXPECT_EQ(a.chain[0].user, "root");
  EXPECT_EQ(a.chain[0].owner.unit, "cron.service");
  EXPECT_TRUE(a.chain[2].parent_is_init);
  EXPECT_FALSE(a.chain[0].reparented);
  EXPECT_EQ(command_line(a.chain[0].cmdline, "sh"), "/bin/sh -c x");
  EXPECT_EQ(command_line({}, "kworker"), "[kworker]");
}

TEST(Ancestry, ReparentedToSubreaperAndShims) {
  Snapshot s;
  s.processes = {proc(1, 0, "systemd", 1), proc(50, 1, "containerd-shim", 100),
                 proc(60, 50, "tini", 200, {"/usr/bin/tini", "--", "app"}), proc(70, 60, "worker", 150)};
  auto a = build_ancestry(s, 70);
  ASSERT_EQ(a.chain.size(), 4u);
  EXPECT_TRUE(a.chain[0].parent_is_subreaper);  // tini
  EXPECT_TRUE(a.chain[0].reparented);           // tini started after it: adopted
  EXPECT_TRUE(a.chain[1].parent_is_subreaper);  // shim
  EXPECT_TRUE(a.chain[2].container_shim);
  EXPECT_TRUE(a.chain[2].parent_is_init);
}

TEST(Ancestry, MissingAncestorStopsTheChain) {
  Snapshot s;
  s.processes = {proc(70, 60, "orphan", 150)};
  auto a = build_ancestry(s, 70);
  EXPECT_FALSE(a.complete);
  EXPECT_EQ(a.missing_pid, 60);
  EXPECT_EQ(a.chain.size(), 1u);
  EXPECT_TRUE(build_ancestry(s, 12345).chain.empty());
}
