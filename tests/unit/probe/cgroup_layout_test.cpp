#include <gtest/gtest.h>

#include "probe/parsers.hpp"
#include "probe/snapshot_reader.hpp"

using namespace ms;

namespace {
CgroupLayout layout(const std::string& mountinfo) {
  auto m = parse_mountinfo(mountinfo);
  EXPECT_TRUE(m) << m.error().describe();
  HostPaths nowhere;
  nowhere.procfs = nowhere.sysfs = nowhere.rootfs = "/nonexistent-memsleuth";
  return detect_cgroup_layout(m ? *m : std::vector<Mount>{}, nowhere);
}
}  // namespace

TEST(CgroupLayout, PureV1) {
  auto l = layout(
      "26 25 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
      "27 25 0:25 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
  EXPECT_EQ(l.version, CgroupVersion::kV1);
  EXPECT_FALSE(l.memory_on_v2);
  EXPECT_EQ(l.memory_mount, "/sys/fs/cgroup/memory");
  EXPECT_EQ(l.memory_mount_root, "/");
}

TEST(CgroupLayout, HybridSystemdUnifiedKeepsMemoryOnV1) {
  // This machine's layout: v1 controllers plus systemd's cgroup2 at /sys/fs/cgroup/unified.
  auto l = layout(
      "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
  EXPECT_EQ(l.version, CgroupVersion::kHybrid);
  EXPECT_FALSE(l.memory_on_v2);
  EXPECT_EQ(l.memory_mount, "/sys/fs/cgroup/memory");
}

TEST(CgroupLayout, V2RootWithOneV1ControllerIsHybridWithMemoryOnV2) {
  // pc-10 (coder/clistat#25): "1:net_cls:/" next to "0::/".
  auto l = layout(
      "25 24 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"
      "41 25 0:40 / /sys/fs/cgroup/net_cls rw - cgroup cgroup rw,net_cls\n");
  EXPECT_EQ(l.version, CgroupVersion::kHybrid);
  EXPECT_TRUE(l.memory_on_v2);
  EXPECT_EQ(l.memory_mount, "/sys/fs/cgroup");
}

TEST(CgroupLayout, PureV2) {
  auto l = layout("25 24 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n");
  EXPECT_EQ(l.version, CgroupVersion::kV2);
  EXPECT_TRUE(l.memory_on_v2);
}

TEST(CgroupLayout, CoMountedMemoryController) {
  auto l = layout("27 25 0:25 / /cg/cpu_mem rw - cgroup cgroup rw,cpu,memory\n");
  EXPECT_EQ(l.version, CgroupVersion::kV1);
  EXPECT_EQ(l.memory_mount, "/cg/cpu_mem");
}

TEST(CgroupLayout, ContainerSeesOnlyItsSubtree) {
  // Inside a docker container without a cgroup namespace (pc-08): the memory hierarchy is mounted
  // with root = the container's own cgroup; its paths in /proc/<pid>/cgroup are full paths.
  auto l = layout(
      "396 394 0:21 /kubepods/besteffort/pod9a18/d28e /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n");
  EXPECT_EQ(l.memory_mount, "/sys/fs/cgroup/memory");
  EXPECT_EQ(l.memory_mount_root, "/kubepods/besteffort/pod9a18/d28e");
}

TEST(CgroupLayout, PrefersTheFullHierarchyOverBindMounts) {
  auto l = layout(
      "500 22 0:25 /kubepods/x /var/lib/pod/cg rw - cgroup cgroup rw,memory\n"
      "27 25 0:25 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
  EXPECT_EQ(l.memory_mount, "/sys/fs/cgroup/memory");
  EXPECT_EQ(l.memory_mount_root, "/");
}

TEST(CgroupLayout, NoCgroupsAtAll) {
  auto l = layout("22 1 253:1 / / rw - ext4 /dev/vda1 rw\n");
  EXPECT_EQ(l.version, CgroupVersion::kNone);
  EXPECT_TRUE(l.memory_mount.empty());
}
