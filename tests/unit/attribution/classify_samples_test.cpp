// Every real /proc/<pid>/cgroup sample in tests/data/cgroup/proc-pid-cgroup, classified, with the
// facts its index.md lists. A new sample without expectations here fails the test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "attribution/classify.hpp"

namespace ms {
namespace {

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Cgroup paths in a sample: "<n>:<controllers>:<path>" lines, absolutePath=/sys/fs/cgroup/... fields
// and the mountinfo root field; prompts and prose are skipped. (No std::regex: GCC 12 -O2 warns in it.)
std::vector<std::pair<std::string, std::string>> sample_paths(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;  // (controllers or source, path)
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
    if (c2 != std::string::npos && all_digits(std::string_view(line).substr(0, c1)) && c2 + 1 < line.size() &&
        line[c2 + 1] == '/') {
      out.emplace_back(line.substr(c1 + 1, c2 - c1 - 1), line.substr(c2 + 1));
      continue;
    }
    size_t a = line.find("absolutePath=/sys/fs/cgroup/");
    if (a != std::string::npos) {
      a += 13;
      out.emplace_back("absolutePath", line.substr(a, line.find(' ', a) - a));
      continue;
    }
    // mountinfo: "<id> <parent> <major:minor> <root> <mount point> ..."
    std::istringstream f(line);
    std::string id, parent, dev, root;
    if (f >> id >> parent >> dev >> root && all_digits(id) && all_digits(parent) && dev.find(':') != std::string::npos &&
        !root.empty() && root[0] == '/')
      out.emplace_back("mountinfo", root);
  }
  return out;
}

const std::string kDir = std::string(MEMSLEUTH_TEST_DATA) + "/cgroup/proc-pid-cgroup";

TEST(ClassifySamples, EverySampleHasExpectations) {
  std::set<std::string> known = {"pc-01-docker-cgroupfs-v1-hybrid-debian10.txt", "pc-02-docker-v1-ubuntu-moby-33352.txt",
                                 "pc-04-containerd-systemd-v1-otel-java-4507.txt", "pc-06-crio-systemd-v1-runc-4620.txt",
                                 "pc-08-docker-cgroupfs-kubepods-moby-34584.txt", "pc-10-v2-with-v1-netcls-clistat-25.txt",
                                 "pc-12-v2-crio-openshift-nri-227.txt", "pc-14-kubelet-process-and-cgls-pharos-440.txt"};
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(kDir)) {
    ++n;
    EXPECT_TRUE(known.count(e.path().filename().string())) << "no expectations for " << e.path();
  }
  EXPECT_EQ(n, static_cast<int>(known.size()));
}

TEST(ClassifySamples, Pc01DockerCgroupfsHybrid) {
  auto paths = sample_paths(slurp(kDir + "/pc-01-docker-cgroupfs-v1-hybrid-debian10.txt"));
  ASSERT_EQ(paths.size(), 13u);
  for (const auto& [ctl, p] : paths) {
    SCOPED_TRACE(p);
    Owner o = classify_cgroup(p);
    if (ctl == "rdma") {
      EXPECT_EQ(o.kind, OwnerKind::kUnconfined);
    } else if (ctl.empty()) {  // unified line: the host's containerd.service (no cgroupns)
      EXPECT_EQ(o.kind, OwnerKind::kNodeAgent);
      EXPECT_EQ(o.unit, "containerd.service");
    } else {
      EXPECT_EQ(o.kind, OwnerKind::kRuntime);
      EXPECT_EQ(o.runtime, "docker");
      EXPECT_EQ(o.container_id, "a2ffe0e97ac22657a2a023ad628e9df837c38a03b1ebc904d3f6d644eb1a1a81");
      EXPECT_FALSE(o.in_kubepods);
    }
  }
}

TEST(ClassifySamples, Pc02OldDocker) {
  auto paths = sample_paths(slurp(kDir + "/pc-02-docker-v1-ubuntu-moby-33352.txt"));
  ASSERT_EQ(paths.size(), 13u);
  int docker = 0;
  for (const auto& [ctl, p] : paths) {
    Owner o = classify_cgroup(p);
    if (p == "/") {
      EXPECT_EQ(o.kind, OwnerKind::kUnconfined);
    } else {
      EXPECT_EQ(o.kind, OwnerKind::kRuntime) << p;
      EXPECT_EQ(o.container_id, "5dace3de0735f73d2b5048f12d41a71741a02e49668de921fdae62f7e65dc498");
      ++docker;
    }
  }
  // index.md says "7 controllers"; the sample has 8 lines with the id (cpu and cpuacct are separate).
  EXPECT_EQ(docker, 8);
}

TEST(ClassifySamples, Pc04ContainerdSystemdUnexpandedSlice) {
  auto paths = sample_paths(slurp(kDir + "/pc-04-containerd-systemd-v1-otel-java-4507.txt"));
  ASSERT_EQ(paths.size(), 7u);
  for (const auto& [ctl, p] : paths) {
    SCOPED_TRACE(p);
    Owner o = classify_cgroup(p);
    EXPECT_EQ(o.kind, OwnerKind::kPod);
    EXPECT_TRUE(o.in_kubepods);
    EXPECT_EQ(o.qos, QosClass::kBestEffort);
    EXPECT_EQ(o.pod_uid, "0125ec2f-b64a-4868-8f5b-94b56cbab864");
    if (ctl == "pids") {  // cut mid-id: no container id is invented from the fragment
      EXPECT_FALSE(o.container_id);
    } else {
      EXPECT_EQ(o.container_id, "ee4b20e90ac7f42a10bd004d05646b13d8ab5e2c5e7cbc01abf8006bac016459");
      EXPECT_EQ(o.runtime, "containerd");
    }
    EXPECT_FALSE(o.pod);  // no names source given: unknown, never guessed
  }
}

TEST(ClassifySamples, Pc06CrioSystemd) {
  auto paths = sample_paths(slurp(kDir + "/pc-06-crio-systemd-v1-runc-4620.txt"));
  ASSERT_EQ(paths.size(), 4u);
  int containers = 0;
  for (const auto& [ctl, p] : paths) {
    Owner o = classify_cgroup(p);
    if (ctl == "files") {
      EXPECT_EQ(o.kind, OwnerKind::kUnconfined);
      continue;
    }
    if (ctl == "hugetlb") {  // cut inside the pod slice name: only the QoS tier is known
      EXPECT_TRUE(o.in_kubepods);
      EXPECT_FALSE(o.pod_uid);
      continue;
    }
    ++containers;
    EXPECT_EQ(o.kind, OwnerKind::kPod);
    EXPECT_EQ(o.qos, QosClass::kBurstable);
    EXPECT_EQ(o.pod_uid, "a5c1f8d5-1919-434d-add7-4afaafdaef89");
    EXPECT_EQ(o.container_id, "5eed917563583925ffdbd40a64efb2aaffe58638e57add8becaf460fe74f5b1c");
    EXPECT_EQ(o.runtime, "cri-o");
    EXPECT_FALSE(o.sandbox);
  }
  EXPECT_EQ(containers, 2);
}

TEST(ClassifySamples, Pc08DockerCgroupfsKubepods) {
  auto paths = sample_paths(slurp(kDir + "/pc-08-docker-cgroupfs-kubepods-moby-34584.txt"));
  ASSERT_EQ(paths.size(), 2u);  // mountinfo root and the cpu line
  const std::string id = "d28e0087cf8f3f0429f755d60b0de415b20fcf76736ded7bab6e30e7b739ee36";
  for (const auto& [ctl, p] : paths) {
    Owner o = classify_cgroup(p);
    EXPECT_EQ(o.kind, OwnerKind::kPod);
    EXPECT_EQ(o.qos, QosClass::kBestEffort);
    EXPECT_EQ(o.pod_uid, "9a18ffb8-8513-11e7-b26e-7e29fbe2a5a3");
    EXPECT_EQ(o.container_id, id);
    EXPECT_FALSE(o.runtime);  // plain hex under cgroupfs: containerd or docker, not said by the path
  }
  // The node's docker state directory settles it.
  ClassifySources src;
  src.runtime_ids.docker.insert(id);
  EXPECT_EQ(classify_cgroup(paths[1].second, &src).runtime, "docker");
}

TEST(ClassifySamples, Pc10RootOnly) {
  auto paths = sample_paths(slurp(kDir + "/pc-10-v2-with-v1-netcls-clistat-25.txt"));
  ASSERT_EQ(paths.size(), 2u);
  for (const auto& [ctl, p] : paths) EXPECT_EQ(classify_cgroup(p).kind, OwnerKind::kUnconfined);
}

TEST(ClassifySamples, Pc12CrioV2SandboxWithoutScope) {
  auto paths = sample_paths(slurp(kDir + "/pc-12-v2-crio-openshift-nri-227.txt"));
  ASSERT_EQ(paths.size(), 3u);
  Owner sandbox = classify_cgroup(paths[0].second);
  EXPECT_EQ(sandbox.kind, OwnerKind::kPod);
  EXPECT_TRUE(sandbox.sandbox);
  EXPECT_EQ(sandbox.pod_uid, "35550f44-f691-427e-b57d-ab6127d2cb65");
  EXPECT_EQ(sandbox.container_id, "468f848e2ebec7203ed55748d08337851af589ac42eb551c572446a5c68fe631");
  Owner app = classify_cgroup(paths[1].second);
  EXPECT_FALSE(app.sandbox);
  EXPECT_EQ(app.runtime, "cri-o");
  EXPECT_EQ(app.qos, QosClass::kBurstable);
  EXPECT_EQ(app.container_id, "805b902ed98fdc1409c76e9aa94964787a904c80f46fc3ee74283509108f5e73");
  Owner be = classify_cgroup(paths[2].second);
  EXPECT_EQ(be.qos, QosClass::kBestEffort);
  EXPECT_TRUE(be.sandbox);
  EXPECT_EQ(be.pod_uid, "38186edb-96bd-4383-baf7-3b4edf3b5937");
}

TEST(ClassifySamples, Pc14KubeletProcessAndCglsTree) {
  auto paths = sample_paths(slurp(kDir + "/pc-14-kubelet-process-and-cgls-pharos-440.txt"));
  ASSERT_EQ(paths.size(), 11u);
  Snapshot s;
  Process kubelet;
  kubelet.pid = 2215;
  kubelet.ppid = 1;
  kubelet.comm = "kubelet";
  for (const auto& [ctl, p] : paths) {
    EXPECT_EQ(p, "/system.slice");
    kubelet.cgroups.push_back({0, ctl, p});
  }
  kubelet.memory_cgroup = "/system.slice";
  s.processes = {kubelet};
  // The memory hierarchy stops at /system.slice; the process name makes it a node agent.
  EXPECT_EQ(classify_cgroup("/system.slice").kind, OwnerKind::kCgroup);  // no unit named: the cgroup itself
  EXPECT_EQ(classify_process(s.processes[0], s).kind, OwnerKind::kNodeAgent);

  // systemd-cgls tree of the same host: kube-proxy (pid 1676) and its pause (pid 1567).
  const std::string pod = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod9692aa0e_748e_11e8_8dfa_76d458035df6.slice";
  Process proxy;
  proxy.pid = 1676;
  proxy.comm = "kube-proxy";
  proxy.memory_cgroup = pod + "/docker-abddff03dfd7710c79a750ce3e730365cbb2c8247a974170c1062683bc3e9152.scope";
  Process pause;
  pause.pid = 1567;
  pause.comm = "pause";
  pause.memory_cgroup = pod + "/docker-f58c1c55e72c336d11c6af795260b57f7597d62e4d16951086f754d2e9ce5114.scope";
  Owner po = classify_process(proxy, s);
  EXPECT_EQ(po.kind, OwnerKind::kPod);
  EXPECT_EQ(po.runtime, "docker");
  EXPECT_EQ(po.qos, QosClass::kBestEffort);
  EXPECT_EQ(po.pod_uid, "9692aa0e-748e-11e8-8dfa-76d458035df6");
  EXPECT_FALSE(po.sandbox);
  EXPECT_TRUE(classify_process(pause, s).sandbox);
}

}  // namespace
}  // namespace ms
