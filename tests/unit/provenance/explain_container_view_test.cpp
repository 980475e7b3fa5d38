// explain inside a container (a DaemonSet without a cgroup namespace of the host's): the memory
// hierarchy's mount shows only a subtree ("root" field of mountinfo), so a process's cgroup path must be
// mapped through Snapshot::cgroup_dir, not joined to the mount point.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "provenance/explain.hpp"

using namespace ms;
namespace fs = std::filesystem;

TEST(ExplainContainerView, SiblingsReadThroughTheMountsOwnRoot) {
  const fs::path src = fs::path(MEMSLEUTH_SOURCE_DIR) / "tests/fixtures/v2-systemd-containerd-crio";
  char tmpl[] = "/tmp/ms-explain-view-XXXXXX";
  const fs::path tmp = mkdtemp(tmpl);
  // The fixture as a container sees it: /sys/fs/cgroup is the host's kubepods.slice.
  fs::copy(src / "proc", tmp / "proc", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::copy(src / "root", tmp / "root", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::create_directories(tmp / "sys/fs/cgroup");
  fs::copy(src / "sys/fs/cgroup/kubepods.slice", tmp / "sys/fs/cgroup", fs::copy_options::recursive);
  {
    std::ifstream in(tmp / "proc/1/mountinfo");
    std::stringstream text;
    text << in.rdbuf();
    std::string m = text.str();
    auto at = m.find("0:23 / /sys/fs/cgroup ");
    ASSERT_NE(at, std::string::npos) << m;
    m.replace(at, std::string("0:23 / ").size(), "0:23 /kubepods.slice ");
    std::ofstream(tmp / "proc/1/mountinfo", std::ios::trunc) << m;
  }
  HostPaths paths;
  paths.procfs = (tmp / "proc").string();
  paths.sysfs = (tmp / "sys").string();
  paths.rootfs = (tmp / "root").string();
  ExplainOptions o;
  o.watch = std::chrono::milliseconds(0);
  auto e = explain_process(paths, 620, o);  // in cri-containerd-4f1c….scope of a burstable pod
  ASSERT_TRUE(e) << e.error().describe();
  const std::string scope =
      "kubepods-burstable.slice/kubepods-burstable-pod0d8f4b2e_6c1a_4b7e_9f3a_2c5d7e8f9a01.slice/"
      "cri-containerd-4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e.scope";
  EXPECT_EQ(e->siblings_file, (tmp / "sys/fs/cgroup" / scope / "cgroup.procs").string());
  EXPECT_EQ(e->siblings_total, 0u);  // 620 is alone in its scope, and that file was read
  fs::remove_all(tmp);
}
