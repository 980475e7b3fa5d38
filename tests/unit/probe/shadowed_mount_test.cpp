// A tmpfs mounted over another at the same point (a live host here has /dev/shm twice): the hidden
// one cannot be reached by any path, so it is skipped without a warning; only a point whose visible
// mount is not the filesystem the path leads to (a fixture tree) is reported.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../support/fixture_paths.hpp"
#include "probe/snapshot_reader.hpp"

namespace ms {
namespace {

namespace fs = std::filesystem;

struct TreeCopy {
  fs::path dir;
  HostPaths paths;
  TreeCopy() {
    dir = fs::temp_directory_path() / ("ms-shadowed-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    HostPaths src = test_fixtures::fixture_paths("v1-cgroupfs-docker");
    fs::path base = fs::path(src.procfs).parent_path();
    fs::copy(base, dir, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    paths.procfs = (dir / "proc").string();
    paths.sysfs = (dir / "sys").string();
    paths.rootfs = (dir / "root").string();
    fs::create_directories(dir / "root/dev/shm");
  }
  ~TreeCopy() { fs::remove_all(dir); }
  // Appends a tmpfs mount at /dev/shm, on top of the fixture's own (0:28).
  void mount_over_shm(const std::string& major_minor) {
    std::ofstream f(dir / "proc/1/mountinfo", std::ios::app);
    f << "90 22 " << major_minor << " / /dev/shm rw,nosuid,nodev - tmpfs tmpfs rw\n";
  }
  std::string device_of_shm() const {
    struct stat st {};
    EXPECT_EQ(::stat((dir / "root/dev/shm").c_str(), &st), 0);
    return std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
  }
};

std::string tmpfs_warning(const Snapshot& s) {
  for (const auto& w : s.warnings)
    if (w.find("tmpfs-like mount(s) not read") != std::string::npos) return w;
  return {};
}

TEST(ShadowedMount, HiddenMountIsSkippedAndTheVisibleOneRead) {
  TreeCopy t;
  t.mount_over_shm(t.device_of_shm());  // the visible /dev/shm is what the path leads to
  auto s = read_snapshot(t.paths);
  ASSERT_TRUE(s) << s.error().describe();
  std::string w = tmpfs_warning(*s);
  EXPECT_EQ(w.find("/dev/shm"), std::string::npos) << w;
  int shm = 0;
  for (const auto& m : s->mounts)
    if (m.mount_point == "/dev/shm" && m.size_bytes) ++shm;
  EXPECT_EQ(shm, 1);  // the top one, read by statvfs
}

TEST(ShadowedMount, AVisibleMountThatIsNotThereIsReportedOnce) {
  TreeCopy t;
  t.mount_over_shm("0:99");  // neither /dev/shm mount is the directory's filesystem
  auto s = read_snapshot(t.paths);
  ASSERT_TRUE(s) << s.error().describe();
  std::string w = tmpfs_warning(*s);
  ASSERT_NE(w.find("/dev/shm"), std::string::npos) << w;
  EXPECT_EQ(w.find("/dev/shm"), w.rfind("/dev/shm")) << "named twice: " << w;
}

}  // namespace
}  // namespace ms
