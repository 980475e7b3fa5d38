#include <gtest/gtest.h>

#include "probe/snapshot_reader.hpp"
#include "render/snapshot_json.hpp"
#include "render/snapshot_json_stream.hpp"

using namespace ms;

namespace {
Snapshot fixture_snapshot(const std::string& name, bool pss) {
  std::string base = std::string(MEMSLEUTH_SOURCE_DIR) + "/tests/fixtures/" + name;
  HostPaths p;
  p.procfs = base + "/proc";
  p.sysfs = base + "/sys";
  p.rootfs = base + "/root";
  SnapshotOptions o;
  o.pss = pss;
  auto s = read_snapshot(p, o);
  EXPECT_TRUE(s);
  return s ? *s : Snapshot{};
}

Json streamed(const Snapshot& s) {
  std::string out;
  append_snapshot_json(s, out);
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
