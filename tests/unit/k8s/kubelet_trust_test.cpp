// Which process is the kubelet and which of its files are believed (k8s/kubelet_trust.hpp).
#include "k8s/kubelet_trust.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../../support/hang_guard.hpp"
#include "k8s/kubelet_config.hpp"

using namespace ms;
using namespace ms::k8s;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct TempHost {
  std::string base;
  HostPaths paths;
  TempHost() {
    char tmpl[] = "/tmp/ms-trust-XXXXXX";
    base = ::mkdtemp(tmpl);
    paths.procfs = base + "/proc";
    paths.sysfs = base + "/sys";
    paths.rootfs = base + "/root";
    fs::create_directories(paths.procfs);
    fs::create_directories(paths.rootfs);
    ::chmod(paths.rootfs.c_str(), 0755);
  }
  ~TempHost() { fs::remove_all(base); }
  std::string put(const std::string& host_path, const std::string& text, mode_t mode = 0644) const {
    std::string p = paths.root(host_path);
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
};

Process kubelet(int pid, uint32_t uid, int ppid, std::string cgroup,
                std::vector<std::string> argv = {"/usr/bin/kubelet"}) {
  Process p;
  p.pid = pid;
  p.ppid = ppid;
  p.uid = uid;
  p.comm = "kubelet";
  p.cmdline = std::move(argv);
  p.start_time = static_cast<uint64_t>(pid);
  p.memory_cgroup = cgroup;
  p.cgroups = {CgroupLine{0, "", cgroup}};
  return p;
}

bool has(const std::vector<std::string>& notes, const std::string& a, const std::string& b) {
  for (const auto& n : notes)
    if (n.find(a) != std::string::npos && n.find(b) != std::string::npos) return true;
  return false;
}

std::string all(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

constexpr const char* kConfig =
    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nevictionHard:\n  memory.available: 700Mi\n";

}  // namespace

TEST(KubeletTrust, LookAlikesAreRefusedAndTheHostsKubeletIsChosenNotTheLowestPid) {
  TempHost h;
  Snapshot s;
  s.processes = {
      kubelet(100, 65534, 1, "/user.slice/user-65534.slice/session-3.scope"),  // a user's program named kubelet
      kubelet(200, 0, 150,
              "/kubepods/besteffort/pod1f6c3b0e-7a2d-4c1e-9b8a-3d4e5f607182/"
              "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),  // uid 0 in a pod
      kubelet(300, 0, 290,
              "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope"),
      kubelet(400, 0, 1, "/system.slice/kubelet.service"),              // the host's kubelet
      kubelet(350, 0, 77, "/user.slice/user-0.slice/session-1.scope"),  // root's, started by hand
  };
  auto c = choose_kubelet_process(h.paths, s);
  ASSERT_TRUE(c.process);
  EXPECT_EQ(c.process->pid, 400) << all(c.notes);
  EXPECT_TRUE(has(c.notes, "chose pid 400", "started by PID 1")) << all(c.notes);
  EXPECT_TRUE(has(c.notes, "chose pid 400", "kubelet.service")) << all(c.notes);
  EXPECT_TRUE(has(c.notes, "refused pid 100", "uid 65534")) << all(c.notes);
  EXPECT_TRUE(has(c.notes, "refused pid 200", "a pod's")) << all(c.notes);
  EXPECT_TRUE(has(c.notes, "refused pid 300", "a container's")) << all(c.notes);
  EXPECT_TRUE(has(c.notes, "not chosen pid 350", "preferred")) << all(c.notes);
  // Alone, the user's look-alike is still refused: no kubelet rather than a false one.
  s.processes = {kubelet(100, 65534, 1, "/user.slice")};
  c = choose_kubelet_process(h.paths, s);
  EXPECT_FALSE(c.process);
  EXPECT_TRUE(has(c.notes, "refused pid 100", "not root"));
}

TEST(KubeletTrust, AnotherMountNamespaceThanPid1IsAContainer) {
  TempHost h;
  fs::create_directories(h.paths.proc("1/ns"));
  fs::create_directories(h.paths.proc("400/ns"));
  fs::create_directories(h.paths.proc("500/ns"));
  fs::create_symlink("mnt:[4026531841]", h.paths.proc("1/ns/mnt"));
  fs::create_symlink("mnt:[4026531841]", h.paths.proc("400/ns/mnt"));
  fs::create_symlink("mnt:[4026532999]", h.paths.proc("500/ns/mnt"));
  Snapshot s;
  s.processes = {kubelet(400, 0, 1, "/system.slice/kubelet.service"),
                 kubelet(500, 0, 1, "/system.slice/kubelet.service")};
  s.processes[1].start_time = 1;  // older: it would win if the namespace were not checked
  auto c = choose_kubelet_process(h.paths, s);
  ASSERT_TRUE(c.process);
  EXPECT_EQ(c.process->pid, 400);
  EXPECT_TRUE(has(c.notes, "refused pid 500", "another mount namespace")) << all(c.notes);
  EXPECT_TRUE(has(c.notes, "chose pid 400", "PID 1's mount namespace")) << all(c.notes);
}

TEST(KubeletTrust, FilesAreTrustedAsStrictModesTrustsThem) {
  TempHost h;
  h.put("/etc/kubernetes/kubelet.yaml", kConfig);
  auto ok = trusted_host_file(h.paths, "/etc/kubernetes/kubelet.yaml");
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(*ok, h.paths.root("/etc/kubernetes/kubelet.yaml"));
  // Writable by others, by its group; in a directory others can write to (as /tmp).
  h.put("/etc/kubernetes/open.yaml", kConfig, 0666);
  auto r = trusted_host_file(h.paths, "/etc/kubernetes/open.yaml");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("writable by others"), std::string::npos) << r.error().describe();
  h.put("/etc/kubernetes/group.yaml", kConfig, 0664);
  EXPECT_FALSE(trusted_host_file(h.paths, "/etc/kubernetes/group.yaml"));
  h.put("/tmp/f.yaml", kConfig);
  ::chmod(h.paths.root("/tmp").c_str(), 01777);
  r = trusted_host_file(h.paths, "/tmp/f.yaml");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("/tmp is writable by others"), std::string::npos) << r.error().describe();
  // A FIFO is not a regular file.
  ASSERT_EQ(::mkfifo(h.paths.root("/etc/kubernetes/fifo").c_str(), 0600), 0);
  r = trusted_host_file(h.paths, "/etc/kubernetes/fifo");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("not a regular file"), std::string::npos);
  // Symbolic links resolve inside --rootfs (an absolute target is the node's path), checked in turn.
  fs::create_symlink("/etc/kubernetes/kubelet.yaml", h.paths.root("/etc/kubernetes/link.yaml"));
  ok = trusted_host_file(h.paths, "/etc/kubernetes/link.yaml");
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(*ok, h.paths.root("/etc/kubernetes/kubelet.yaml"));
  fs::create_symlink("/tmp/f.yaml", h.paths.root("/etc/kubernetes/totmp.yaml"));
  EXPECT_FALSE(trusted_host_file(h.paths, "/etc/kubernetes/totmp.yaml"));
  // Owned by another user (needs root to chown).
  if (::geteuid() == 0) {
    std::string p = h.put("/etc/kubernetes/nobody.yaml", kConfig);
    ASSERT_EQ(::chown(p.c_str(), 65534, 65534), 0);
    r = trusted_host_file(h.paths, "/etc/kubernetes/nobody.yaml");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().describe().find("owned by uid 65534"), std::string::npos) << r.error().describe();
  }
}

// The audit's scenario: nobody runs "kubelet --config=/tmp/f", /tmp/f a FIFO. Discovery neither takes
// that process nor opens its file, and says why.
TEST(KubeletTrust, APlantedKubeletWithAFifoConfigIsRefusedWithoutReadingIt) {
  TempHost h;
  fs::create_directories(h.paths.root("/tmp"));
  ::chmod(h.paths.root("/tmp").c_str(), 01777);
  ASSERT_EQ(::mkfifo(h.paths.root("/tmp/f").c_str(), 0666), 0);
  int w = ::open(h.paths.root("/tmp/f").c_str(), O_RDWR | O_NONBLOCK);  // a blocking read would never end
  Snapshot s;
  s.processes = {kubelet(100, 65534, 1, "/user.slice", {"kubelet", "--config=/tmp/f"})};
  ASSERT_TRUE(test_support::finishes_within(10s, [&] { (void)discover_kubelet_config(h.paths, s); }));
  auto c = discover_kubelet_config(h.paths, s);
  EXPECT_FALSE(c.kubelet_found);
  EXPECT_TRUE(has(c.trust, "refused pid 100", "not root")) << all(c.trust);
  // Even run by root, the FIFO in /tmp is refused before it is opened.
  s.processes = {kubelet(100, 0, 1, "/system.slice/kubelet.service", {"kubelet", "--config=/tmp/f"})};
  ASSERT_TRUE(test_support::finishes_within(10s, [&] { (void)discover_kubelet_config(h.paths, s); }));
  c = discover_kubelet_config(h.paths, s);
  EXPECT_TRUE(c.kubelet_found);
  EXPECT_TRUE(has(c.trust, "refused kubelet config /tmp/f", "writable by others")) << all(c.trust);
  ASSERT_FALSE(c.errors.empty());
  EXPECT_NE(c.errors[0].describe().find("/tmp/f"), std::string::npos);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "100Mi");  // the defaults, not the file
  ::close(w);
  // A root-only config file is read, and that is said too.
  h.put("/var/lib/kubelet/config.yaml", kConfig);
  s.processes = {
      kubelet(100, 0, 1, "/system.slice/kubelet.service", {"kubelet", "--config=/var/lib/kubelet/config.yaml"})};
  c = discover_kubelet_config(h.paths, s);
  EXPECT_TRUE(c.errors.empty()) << c.errors.front().describe();
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "700Mi");
  EXPECT_TRUE(has(c.trust, "read kubelet config /var/lib/kubelet/config.yaml", "root-owned")) << all(c.trust);
  EXPECT_TRUE(has(c.trust, "chose pid 100", "uid 0")) << all(c.trust);
}

TEST(KubeletTrust, ADropInDirectoryOthersCanWriteIsRefused) {
  TempHost h;
  h.put("/etc/kubernetes/kubelet.yaml", kConfig);
  h.put("/etc/kubernetes/conf.d/10-x.conf",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nevictionHard:\n  memory.available: "
        "1Gi\n");
  ::chmod(h.paths.root("/etc/kubernetes/conf.d").c_str(), 0777);
  Snapshot s;
  s.processes = {kubelet(100, 0, 1, "/system.slice/kubelet.service",
                         {"kubelet", "--config=/etc/kubernetes/kubelet.yaml", "--config-dir=/etc/kubernetes/conf.d"})};
  auto c = discover_kubelet_config(h.paths, s);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "700Mi");
  EXPECT_TRUE(has(c.trust, "refused kubelet --config-dir /etc/kubernetes/conf.d", "writable by others"))
      << all(c.trust);
  ::chmod(h.paths.root("/etc/kubernetes/conf.d").c_str(), 0755);
  c = discover_kubelet_config(h.paths, s);
  EXPECT_EQ(c.eviction_hard.at("memory.available").value, "1Gi") << all(c.trust);
  EXPECT_TRUE(has(c.trust, "read kubelet config drop-in", "10-x.conf")) << all(c.trust);
}
