#include <gtest/gtest.h>

#include "attribution/attribution.hpp"
#include "attribution/snapshot_owners.hpp"
#include "probe/snapshot_reader.hpp"
#include "render/owner_json.hpp"
#include "render/snapshot_json.hpp"
#include "render/snapshot_json_stream.hpp"
#include "../../support/fixture_paths.hpp"

using namespace ms;
using ms::test_fixtures::fixture_paths;

namespace {
Snapshot fixture_snapshot(const std::string& name, bool pss) {
  HostPaths p = fixture_paths(name);
  SnapshotOptions o;
  o.pss = pss;
  auto s = read_snapshot(p, o);
  EXPECT_TRUE(s);
  return s ? *s : Snapshot{};
}

Json streamed(const Snapshot& s, const SnapshotOwners* owners = nullptr) {
  std::string out;
  append_snapshot_json(s, out, owners);
  return Json::parse(out);  // throws (fails the test) on invalid JSON
}
}  // namespace

TEST(SnapshotJsonStream, SameDocumentAsTheTree) {
  for (const char* name : {"v1-cgroupfs-docker", "v2-systemd-containerd-crio"}) {
    for (bool pss : {false, true}) {
      Snapshot s = fixture_snapshot(name, pss);
      EXPECT_EQ(streamed(s), snapshot_to_json(s)) << name << " pss=" << pss;
    }
  }
}

TEST(SnapshotJsonStream, HostileStringsStayValidAndEqual) {
  Snapshot s;
  s.meminfo.items = {{"MemTotal", 1}, {"we\"ird\\key", 2}};
  Process p;
  p.pid = 7;
  p.state = 'S';
  p.comm = std::string("a\"b\\c\x01\x1b[31m\x7f\n\t", 13);
  p.cmdline = {"\xff\xfeinvalid", "caf\xc3\xa9", std::string("nul\0in", 6), "\r\b\f"};
  p.exe = "/bin/\xe2\x82";  // truncated UTF-8 sequence
  p.rss_bytes = 0;
  s.processes.push_back(p);
  Cgroup c;
  c.path = "/x\"y";
  c.stat.items = {{"anon", 5}};
  s.cgroups.push_back(c);
  s.psi = Psi{{0.0, 1.25, 100.0, 7}, std::nullopt};
  s.warnings = {"bad \x1b file"};
  Json j = streamed(s);
  EXPECT_EQ(j, snapshot_to_json(s));
  EXPECT_EQ(j["processes"][0]["comm"], std::string("a\"b\\c\x01\x1b[31m\x7f\n\t", 13));
  EXPECT_EQ(j["processes"][0]["cmdline"][1], "caf\xc3\xa9");
  EXPECT_EQ(j["processes"][0]["rss_bytes"], 0);
  EXPECT_TRUE(j["processes"][0]["uid"].is_null());
  EXPECT_EQ(j["meminfo"]["we\"ird\\key"], 2);
  EXPECT_TRUE(j["psi"]["full"].is_null());
}

TEST(SnapshotJson, UnknownIsNullNeverZero) {
  Snapshot s;
  Cgroup c;
  c.path = "/";
  s.cgroups.push_back(c);  // nothing readable
  Process p;
  p.pid = 2;
  p.kernel_thread = true;
  s.processes.push_back(p);
  Json j = snapshot_to_json(s);
  EXPECT_TRUE(j["cgroups"][0]["usage_bytes"].is_null());
  EXPECT_TRUE(j["cgroups"][0]["limit_bytes"].is_null());
  EXPECT_FALSE(j["cgroups"][0]["limit_known"]);
  EXPECT_TRUE(j["cgroups"][0]["nr_procs"].is_null());
  for (const char* k : {"rss_bytes", "rss_anon_bytes", "rss_file_bytes", "rss_shmem_bytes", "swap_bytes", "uid",
                        "memory_cgroup", "exe", "cwd"})
    EXPECT_TRUE(j["processes"][0][k].is_null()) << k;
  EXPECT_EQ(streamed(s), j);
}

TEST(SnapshotJson, SaysWhereTheProcessesCameFrom) {
  Snapshot s;
  Json j = snapshot_to_json(s);
  EXPECT_EQ(j["process_source"], "procfs");
  EXPECT_TRUE(j["process_source_note"].is_null());
  EXPECT_EQ(streamed(s), j);
  s.process_source_note = "no pinned task iterator at /sys/fs/bpf/memsleuth/tasks_cmdline \"x\"";
  j = snapshot_to_json(s);
  EXPECT_EQ(j["process_source_note"], s.process_source_note);
  EXPECT_EQ(streamed(s), j);
  s.process_source = "bpf";
  s.process_source_note.clear();
  j = snapshot_to_json(s);
  EXPECT_EQ(j["process_source"], "bpf");
  EXPECT_EQ(streamed(s), j);
}

TEST(SnapshotJson, SaysWhereTheCgroupCountersCameFrom) {
  Snapshot s;
  Json j = snapshot_to_json(s);
  EXPECT_EQ(j["cgroup_source"], "files");
  EXPECT_EQ(streamed(s), j);
  s.cgroup_source = "bpf";
  j = snapshot_to_json(s);
  EXPECT_EQ(j["cgroup_source"], "bpf");
  EXPECT_EQ(streamed(s), j);
}

namespace {
// What `snapshot -o json` reads: no cgroup lines but for processes outside kubepods (v1).
Snapshot cli_snapshot(const HostPaths& p) {
  SnapshotOptions o;
  o.cgroup_lines = false;
  o.swap_limits = false;
  o.cgroup_lines_outside_kubepods = true;
  auto s = read_snapshot(p, o);
  EXPECT_TRUE(s);
  return s ? *s : Snapshot{};
}
const Json* find_row(const Json& rows, const char* key, const Json& value) {
  for (const auto& r : rows)
    if (r[key] == value) return &r;
  return nullptr;
}
}  // namespace

// snapshot -o json carries `owner` on every process and cgroup: the object top -o json writes
// (owner_json), from the same classification as attribute().
TEST(SnapshotJsonOwners, EveryRowHasTheOwnerTopGives) {
  for (const char* name : {"v1-cgroupfs-docker", "v2-systemd-containerd-crio"}) {
    HostPaths paths = fixture_paths(name);
    Snapshot s = cli_snapshot(paths);
    ClassifySources src = ClassifySources::load(paths);
    SnapshotOwners owners = classify_snapshot(s, src);
    Json j = streamed(s, &owners);
    EXPECT_EQ(j, snapshot_to_json(s, &owners)) << name;
    // Same owners as attribute() on a snapshot with every cgroup line (what top reads).
    SnapshotOptions full;
    auto fs = read_snapshot(paths, full);
    ASSERT_TRUE(fs);
    Attribution a = attribute(*fs, src);
    ASSERT_EQ(j["processes"].size(), a.processes.size()) << name;
    for (const auto& pa : a.processes) {
      const Json* row = find_row(j["processes"], "pid", pa.process->pid);
      ASSERT_NE(row, nullptr) << name << " pid " << pa.process->pid;
      EXPECT_EQ((*row)["owner"], owner_json(pa.owner)) << name << " pid " << pa.process->pid;
    }
    ASSERT_EQ(j["cgroups"].size(), a.cgroups.size()) << name;
    for (const auto& ca : a.cgroups) {
      const Json* row = find_row(j["cgroups"], "path", ca.cgroup->path);
      ASSERT_NE(row, nullptr) << name << " " << ca.cgroup->path;
      EXPECT_EQ((*row)["owner"], owner_json(ca.owner)) << name << " " << ca.cgroup->path;
    }
  }
}

TEST(SnapshotJsonOwners, PodsUnitsCronAndKernelInTheFixtures) {
  HostPaths v1 = fixture_paths("v1-cgroupfs-docker");
  Snapshot s = cli_snapshot(v1);
  SnapshotOwners owners = classify_snapshot(s, ClassifySources::load(v1));
  Json j = streamed(s, &owners);
  auto owner_of = [&](int pid) {
    const Json* r = find_row(j["processes"], "pid", pid);
    return r ? (*r)["owner"] : Json();
  };
  Json nginx = owner_of(1010);
  EXPECT_EQ(nginx["kind"], "pod");
  EXPECT_EQ(nginx["qos"], "burstable");
  EXPECT_EQ(nginx["pod_uid"], "1f6c3b0e-7a2d-4c1e-9b8a-3d4e5f607182");
  EXPECT_EQ(nginx["container_id"], "a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4");
  EXPECT_EQ(nginx["in_kubepods"], true);
  EXPECT_TRUE(nginx["label"].is_string());
  EXPECT_EQ(owner_of(1000)["sandbox"], true);  // pause
  EXPECT_EQ(owner_of(2000)["kind"], "cron");   // updatedb under cron
  EXPECT_EQ(owner_of(2000)["in_kubepods"], false);
  EXPECT_EQ(owner_of(2)["kind"], "kernel");
  EXPECT_EQ(owner_of(410)["kind"], "node-agent");  // kubelet
  const Json* pod = find_row(j["cgroups"], "path", "/kubepods/burstable/pod1f6c3b0e-7a2d-4c1e-9b8a-3d4e5f607182");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ((*pod)["owner"]["kind"], "pod");
  EXPECT_EQ((*pod)["owner"]["qos"], "burstable");
  EXPECT_TRUE((*pod)["owner"]["container_id"].is_null());
  const Json* sandbox = find_row(
      j["cgroups"], "path",
      "/kubepods/burstable/pod1f6c3b0e-7a2d-4c1e-9b8a-3d4e5f607182/"
      "0f0e0d0c0f0e0d0c0f0e0d0c0f0e0d0c0f0e0d0c0f0e0d0c0f0e0d0c0f0e0d0c");
  ASSERT_NE(sandbox, nullptr);
  EXPECT_EQ((*sandbox)["owner"]["sandbox"], true);
  const Json* cron = find_row(j["cgroups"], "path", "/system.slice/cron.service");
  ASSERT_NE(cron, nullptr);
  EXPECT_EQ((*cron)["owner"]["unit"], "cron.service");

  // v2 with the systemd driver: namespace/pod names are unknown there (no /var/log/pods): null.
  HostPaths v2 = fixture_paths("v2-systemd-containerd-crio");
  Snapshot s2 = cli_snapshot(v2);
  SnapshotOwners o2 = classify_snapshot(s2, ClassifySources::load(v2));
  Json j2 = streamed(s2, &o2);
  const Json* java = find_row(j2["processes"], "pid", 620);
  ASSERT_NE(java, nullptr);
  EXPECT_EQ((*java)["owner"]["kind"], "pod");
  EXPECT_EQ((*java)["owner"]["pod_uid"], "0d8f4b2e-6c1a-4b7e-9f3a-2c5d7e8f9a01");
  EXPECT_EQ((*java)["owner"]["runtime"], "containerd");
  // Without owners the document is the v1 contract as before: no `owner` key anywhere.
  Json bare = streamed(s2);
  EXPECT_FALSE(bare["processes"][0].contains("owner"));
  EXPECT_FALSE(bare["cgroups"][0].contains("owner"));
}

TEST(SnapshotJsonOwners, HostileNamesEscapedAndEqual) {
  Snapshot s;
  Process p;
  p.pid = 7;
  p.state = 'S';
  s.processes.push_back(p);
  Cgroup c;
  c.path = "/";
  s.cgroups.push_back(c);
  SnapshotOwners o;
  Owner ow;
  ow.kind = OwnerKind::kPod;
  ow.qos = QosClass::kBestEffort;
  ow.namespace_ = std::string("ns\"\x1b[31m", 8);
  ow.pod = "p\xff\xfe";
  ow.container = "c\\d\n";
  o.processes.push_back(ow);
  o.cgroups.push_back(Owner{});
  Json j = streamed(s, &o);
  EXPECT_EQ(j, snapshot_to_json(s, &o));
  EXPECT_EQ(j["processes"][0]["owner"]["namespace"], std::string("ns\"\x1b[31m", 8));
  EXPECT_EQ(j["cgroups"][0]["owner"]["kind"], "unconfined");
}

// Written in chunks (snapshot -o json drains to stdout every 64 KiB), the document is the same.
TEST(SnapshotJsonStream, DrainedInChunksSameDocument) {
  HostPaths paths = fixture_paths("v1-cgroupfs-docker");
  Snapshot one = cli_snapshot(paths);
  Snapshot s;
  s = one;
  // Enough rows for several chunks.
  for (int k = 1; k <= 400; ++k)
    for (const Process& p : one.processes) {
      Process q = p;
      q.pid = p.pid + k * 100000;
      s.processes.push_back(q);
    }
  SnapshotOwners owners = classify_snapshot(s, ClassifySources::load(paths));
  std::string whole;
  append_snapshot_json(s, whole, &owners);
  std::string chunked, out;
  size_t drains = 0;
  append_snapshot_json(s, out, &owners, [&](std::string& c) {
    EXPECT_GE(c.size(), size_t{64 * 1024});
    chunked += c;
    ++drains;
  });
  chunked += out;
  EXPECT_GT(drains, 2u);
  EXPECT_EQ(chunked, whole);
}
