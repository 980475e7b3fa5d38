// Parsers on the real samples in tests/data (read in place, never edited). The facts asserted are
// the ones each folder's index.md lists; the v2-vm logs have no index, their facts are read off the
// log's own sections.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "probe/parsers.hpp"

using namespace ms;

namespace {

std::string shared(const std::string& rel) { return std::string(MEMSLEUTH_TEST_DATA) + "/" + rel; }

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing sample " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Samples pasted from terminals carry prompt lines ("$ cat /proc/meminfo", "root@pod:/# cat x",
// "[root@host ~]# cat x") and blank lines; the kernel's text is what lies between them.
bool is_prompt(std::string_view line) {
  return line.rfind("$ ", 0) == 0 || line.find("# cat ") != std::string_view::npos || line.rfind("cat ", 0) == 0 ||
         line.find("]# ") != std::string_view::npos;
}

// The lines following the prompt that contains `after` (or the file's start) up to the next prompt.
std::string block(const std::string& text, std::string_view after = {}) {
  std::string out;
  bool on = after.empty();
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (is_prompt(line)) {
      if (on && !out.empty()) break;
      on = after.empty() || line.find(after) != std::string::npos;
      continue;
    }
    if (on && !line.empty()) out += line + "\n";
  }
  return out;
}

// "===== name =====" sections of the v2-vm results logs.
std::string section(const std::string& text, std::string_view name) {
  std::string head = "===== " + std::string(name) + " =====\n";
  size_t b = text.find(head);
  EXPECT_NE(b, std::string::npos) << name;
  if (b == std::string::npos) return {};
  b += head.size();
  size_t e = text.find("\n=====", b);
  std::string s = text.substr(b, e == std::string::npos ? std::string::npos : e - b + 1);
  while (s.size() >= 2 && s[s.size() - 1] == '\n' && s[s.size() - 2] == '\n') s.pop_back();
  return s;
}

}  // namespace

TEST(SampleMeminfo, OldKernel500MBVmCut) {
  const std::string p = shared("cgroup/meminfo/mi-01-cadvisor-685-500MB-vm.txt");
  auto r = parse_meminfo(block(slurp(p)), p);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->get("MemTotal"), 501800u * 1024);
  EXPECT_FALSE(r->get("MemAvailable"));  // old kernel: no MemAvailable line
  EXPECT_EQ(r->get("SwapTotal"), 2097148u * 1024);
  EXPECT_EQ(r->get("Slab"), 102416u * 1024);
}

TEST(SampleMeminfo, Centos7BigSlab) {
  const std::string p = shared("cgroup/meminfo/mi-03-perf-tools-78-centos7-big-slab.txt");
  auto r = parse_meminfo(slurp(p), p);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->get("MemTotal"), uint64_t{24592560} * 1024);
  EXPECT_EQ(r->get("Slab"), uint64_t{14876100} * 1024);
  EXPECT_EQ(r->get("SReclaimable"), uint64_t{14810428} * 1024);
  EXPECT_EQ(r->get("MemFree"), 532324u * 1024);
  EXPECT_FALSE(r->get("MemAvailable"));
  EXPECT_EQ(r->get("AnonHugePages"), 2250752u * 1024);
  EXPECT_EQ(r->get("HugePages_Total"), 0u);  // a count, not kB
  EXPECT_EQ(r->get("VmallocTotal"), uint64_t{34359738367} * 1024);
}

TEST(SampleMemoryStat, V1PodJob) {
  const std::string p = shared("cgroup/memory.stat/ms-01-v1-pod-job-k8s-43916.txt");
  auto r = parse_flat_keyed(slurp(p), p);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->get("hierarchical_memory_limit"), 1073741824u);
  EXPECT_EQ(r->get("hierarchical_memsw_limit"), 2147483648u);
  EXPECT_EQ(r->get("rss"), 3411968u);
  EXPECT_EQ(r->get("cache"), 139264u);
  EXPECT_EQ(r->get("total_inactive_file"), 16384u);
  EXPECT_EQ(r->get("inactive_file"), 24576u);  // local differs from total_
  EXPECT_EQ(r->get("pgmajfault"), 46033u);
}

TEST(SampleMemoryStat, V2InsidePod) {
  const std::string p = shared("cgroup/memory.stat/ms-04-v2-pod-container-sysinfo-1219.txt");
  std::string text = slurp(p);
  auto max = parse_cgroup_limit(block(text, "memory.max"), p);
  ASSERT_TRUE(max) << max.error().describe();
  EXPECT_EQ(*max, std::optional<uint64_t>(7864320000));
  auto cur = parse_single_u64(block(text, "memory.current"), p);
  ASSERT_TRUE(cur) << cur.error().describe();
  EXPECT_EQ(*cur, 2481475584u);
  auto r = parse_flat_keyed(block(text, "memory.stat"), p);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->get("anon"), 2472849408u);
  EXPECT_EQ(r->get("file"), 57344u);
  EXPECT_EQ(r->get("slab"), 806672u);
  EXPECT_EQ(r->get("inactive_file"), 4096u);
  EXPECT_FALSE(r->get("zswap"));
  EXPECT_FALSE(r->get("sec_pagetables"));
}

TEST(SampleProcCgroup, DockerCgroupfsHybrid) {
  const std::string p = shared("cgroup/proc-pid-cgroup/pc-01-docker-cgroupfs-v1-hybrid-debian10.txt");
  auto r = parse_proc_cgroup(slurp(p), p);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->size(), 13u);
  const std::string id = "/docker/a2ffe0e97ac22657a2a023ad628e9df837c38a03b1ebc904d3f6d644eb1a1a81";
  for (const auto& l : *r) {
    if (l.hierarchy_id >= 2 && l.hierarchy_id <= 11) {
      EXPECT_EQ(l.path, id) << l.controllers;
    }
  }
  EXPECT_EQ(memory_cgroup_of(*r, false), id);
  // The unified line shows the host's containerd.service (no cgroup namespace).
  EXPECT_EQ(memory_cgroup_of(*r, true), "/system.slice/containerd.service");
}

TEST(SampleProcCgroup, OldDockerUbuntu) {
  const std::string p = shared("cgroup/proc-pid-cgroup/pc-02-docker-v1-ubuntu-moby-33352.txt");
  auto r = parse_proc_cgroup(slurp(p), p);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(memory_cgroup_of(*r, false), "/docker/5dace3de0735f73d2b5048f12d41a71741a02e49668de921fdae62f7e65dc498");
  int with_id = 0;
  for (const auto& l : *r) {
    if (l.path != "/") ++with_id;
    if (l.controllers == "name=systemd") {
      EXPECT_EQ(l.path, "/");
    }
  }
  // index.md says "on 7 controllers"; the file has 8 lines with the id because cpu and cpuacct are
  // separate hierarchies (3:cpu, 4:cpuacct) on that host.
  EXPECT_EQ(with_id, 8);
  EXPECT_FALSE(memory_cgroup_of(*r, true));  // no unified line on this host
}

TEST(SampleProcCgroup, ContainerdSystemdV1CutLastLine) {
  const std::string p = shared("cgroup/proc-pid-cgroup/pc-04-containerd-systemd-v1-otel-java-4507.txt");
  auto r = parse_proc_cgroup(block(slurp(p)), p);
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_GE(r->size(), 7u);
  EXPECT_EQ((*r)[0].path,
            "/kubepods-besteffort-pod0125ec2f_b64a_4868_8f5b_94b56cbab864.slice:cri-containerd:"
            "ee4b20e90ac7f42a10bd004d05646b13d8ab5e2c5e7cbc01abf8006bac016459");
  EXPECT_EQ((*r)[1].path.rfind("/system.slice/containerd.service/", 0), 0u);
  EXPECT_EQ((*r)[2].controllers, "cpuacct,cpu");
}

TEST(SampleProcCgroup, CrioSystemdV1CustomController) {
  const std::string p = shared("cgroup/proc-pid-cgroup/pc-06-crio-systemd-v1-runc-4620.txt");
  auto r = parse_proc_cgroup(block(slurp(p), "/cgroup"), p);
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_GE(r->size(), 3u);
  EXPECT_EQ((*r)[0].path,
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-poda5c1f8d5_1919_434d_add7_4afaafdaef89.slice/"
            "crio-5eed917563583925ffdbd40a64efb2aaffe58638e57add8becaf460fe74f5b1c.scope");
  EXPECT_EQ((*r)[2].controllers, "files");
  EXPECT_EQ((*r)[2].path, "/");
}

TEST(SampleProcCgroup, MountRootEqualsCgroupPathInContainer) {
  const std::string p = shared("cgroup/proc-pid-cgroup/pc-08-docker-cgroupfs-kubepods-moby-34584.txt");
  std::string text = slurp(p);
  std::string mi_line, cg_line;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(" - cgroup ") != std::string::npos) mi_line = line;
    if (line.rfind("2:cpu:", 0) == 0) cg_line = line;
  }
  auto mi = parse_mountinfo(mi_line, p);
  ASSERT_TRUE(mi) << mi.error().describe();
  auto cg = parse_proc_cgroup(cg_line, p);
  ASSERT_TRUE(cg) << cg.error().describe();
  ASSERT_EQ(mi->size(), 1u);
  const std::string want = "/kubepods/besteffort/pod9a18ffb8-8513-11e7-b26e-7e29fbe2a5a3/"
                           "d28e0087cf8f3f0429f755d60b0de415b20fcf76736ded7bab6e30e7b739ee36";
  EXPECT_EQ((*mi)[0].root, want);
  EXPECT_EQ((*mi)[0].mount_point, "/sys/fs/cgroup/cpu");
  EXPECT_EQ((*cg)[0].path, want);
}

TEST(SampleProcCgroup, V2WithOneV1Controller) {
  const std::string p = shared("cgroup/proc-pid-cgroup/pc-10-v2-with-v1-netcls-clistat-25.txt");
  auto r = parse_proc_cgroup(slurp(p), p);
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(memory_cgroup_of(*r, true), "/");
  EXPECT_FALSE(memory_cgroup_of(*r, false));  // net_cls is not memory
}

TEST(SampleProcCgroup, KubeletOwnCgroup) {
  const std::string p = shared("cgroup/proc-pid-cgroup/pc-14-kubelet-process-and-cgls-pharos-440.txt");
  auto r = parse_proc_cgroup(block(slurp(p), "/proc/2215/cgroup"), p);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->size(), 11u);
  for (const auto& l : *r) EXPECT_EQ(l.path, "/system.slice");
  EXPECT_EQ(memory_cgroup_of(*r, false), "/system.slice");
}

TEST(SampleSlab, SlabtopOutputIsNotSlabinfo) {
  // slabtop's table is not /proc/slabinfo: the parser must refuse it naming file and line 1.
  const std::string p = shared("cgroup/slab/slabtop-01-coreos-bugs-2637.txt");
  auto r = parse_slabinfo(slurp(p), p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 1);
  EXPECT_NE(r.error().describe().find("slabtop-01"), std::string::npos);
}

class V2VmLog : public ::testing::TestWithParam<const char*> {};

TEST_P(V2VmLog, EverySectionParses) {
  const std::string p = shared(std::string("v2-vm/") + GetParam());
  std::string log = slurp(p);
  auto mi = parse_meminfo(section(log, "/proc/meminfo"), p);
  ASSERT_TRUE(mi) << mi.error().describe();
  EXPECT_TRUE(mi->get("MemAvailable"));
  EXPECT_TRUE(mi->get("SecPageTables"));
  for (const char* s : {"scope memory.stat", "root memory.stat"}) {
    auto st = parse_flat_keyed(section(log, s), p);
    ASSERT_TRUE(st) << s << ": " << st.error().describe();
    EXPECT_TRUE(st->get("anon")) << s;
    EXPECT_TRUE(st->get("sec_pagetables")) << s;
  }
  auto ev = parse_flat_keyed(section(log, "scope memory.events"), p);
  ASSERT_TRUE(ev) << ev.error().describe();
  EXPECT_EQ(ev->get("oom_kill"), 0u);
  auto ev_after = parse_flat_keyed(section(log, "scope memory.events after OOM"), p);
  ASSERT_TRUE(ev_after) << ev_after.error().describe();
  EXPECT_GE(ev_after->get_or("oom_kill", 0), 1u);
  auto psi = parse_psi(section(log, "scope memory.pressure"), p);
  ASSERT_TRUE(psi) << psi.error().describe();
  EXPECT_TRUE(psi->full);
  auto max = parse_cgroup_limit(section(log, "scope memory.max"), p);
  ASSERT_TRUE(max);
  EXPECT_EQ(*max, std::optional<uint64_t>(67108864));
  EXPECT_EQ(*parse_cgroup_limit(section(log, "pod memory.max"), p), std::optional<uint64_t>(134217728));
  auto init = parse_proc_cgroup(section(log, "/proc/self/cgroup of init"), p);
  ASSERT_TRUE(init);
  EXPECT_EQ(memory_cgroup_of(*init, true), "/");
}

INSTANTIATE_TEST_SUITE_P(Kernels, V2VmLog, ::testing::Values("debian-6.1-results.log", "debian-6.12-results.log"));

TEST(SampleV2Vm, Debian61Facts) {
  const std::string p = shared("v2-vm/debian-6.1-results.log");
  std::string log = slurp(p);
  auto mi = parse_meminfo(section(log, "/proc/meminfo"), p);
  ASSERT_TRUE(mi);
  EXPECT_EQ(mi->get("MemTotal"), 466396u * 1024);
  EXPECT_EQ(mi->get("MemAvailable"), 395748u * 1024);
  EXPECT_EQ(mi->get("Shmem"), 10216u * 1024);
  EXPECT_EQ(mi->get("VmallocTotal"), uint64_t{13743895347199} * 1024);
  auto root = parse_flat_keyed(section(log, "root memory.stat"), p);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->get("anon"), 33857536u);
  EXPECT_EQ(root->get("shmem"), 10461184u);
  auto cg = parse_proc_cgroup(section(log, "/proc/100/cgroup"), p);
  ASSERT_TRUE(cg);
  EXPECT_EQ(memory_cgroup_of(*cg, true),
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0d8f4b2e_6c1a_4b7e_9f3a_2c5d7e8f9a01.slice/"
            "cri-containerd-4f1c2d3e5a6b7c8d9e0f11223344556677889900aabbccddeeff001122334455.scope");
  EXPECT_EQ(*parse_single_u64(section(log, "pod memory.current"), p), 34070528u);
}

TEST(SampleV2Vm, Debian612StatusAndScope) {
  const std::string p = shared("v2-vm/debian-6.12-results.log");
  std::string log = slurp(p);
  auto st = parse_proc_status(section(log, "/proc/149/status (Vm/Rss lines)"), p);
  ASSERT_TRUE(st) << st.error().describe();
  EXPECT_EQ(st->vm_rss, 33604u * 1024);
  EXPECT_EQ(st->rss_anon, 32952u * 1024);
  EXPECT_EQ(st->rss_file, 4u * 1024);
  EXPECT_EQ(st->rss_shmem, 648u * 1024);
  EXPECT_EQ(*parse_single_u64(section(log, "scope memory.current"), p), 34062336u);
  auto stat = parse_flat_keyed(section(log, "scope memory.stat"), p);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->get("anon"), 33742848u);
  EXPECT_EQ(stat->get("numa_hint_faults"), 0u);  // last key of the 6.12 file
}
