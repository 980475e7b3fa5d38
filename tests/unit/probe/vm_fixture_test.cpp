// Snapshot over the trees that real cgroup v2 kernels wrote inside the test VM (tests/vm/run.sh
// --save-fixtures; tests/fixtures/vm-<kernel>/SOURCE.md). The layout facts (paths, limits) are the
// scenario's; the numbers are compared with the saved files themselves, so re-capturing a tree keeps
// the test exact.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "probe/fs.hpp"
#include "probe/parsers.hpp"
#include "probe/snapshot_reader.hpp"
#include "util/text.hpp"

using namespace ms;

namespace {

std::string tree(const std::string& kernel) {
  return std::string(MEMSLEUTH_SOURCE_DIR) + "/tests/fixtures/vm-" + kernel;
}

// scenario.env: the VM scenario's KEY=value lines (pids, cgroup paths, limits, awk results).
std::map<std::string, std::string> scenario(const std::string& dir) {
  std::map<std::string, std::string> m;
  auto text = read_file(dir + "/scenario.env", FileKind::kConfig);
  if (!text) return m;
  for_each_line(*text, [&](std::string_view line, int) {
    auto eq = line.find('=');
    if (eq != std::string_view::npos) m.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  });
  return m;
}

uint64_t file_u64(const std::string& path) {
  auto t = read_file(path, FileKind::kLog);
  if (!t) return 0;
  return parse_u64(trim(*t)).value_or(0);
}

std::optional<uint64_t> stat_key(const std::string& path, std::string_view key) {
  auto t = read_file(path, FileKind::kLog);
  if (!t) return std::nullopt;
  auto kv = parse_flat_keyed(*t, path);
  if (!kv) return std::nullopt;
  return kv->get(key);
}

class VmTree : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir = tree(GetParam());
    env = scenario(dir);
    ASSERT_FALSE(env.empty()) << dir << "/scenario.env missing: run tests/vm/run.sh --save-fixtures";
    HostPaths paths{dir + "/proc", dir + "/sys", dir + "/root"};
    SnapshotOptions opts;
    opts.links = false;  // exe/cwd links are not part of a saved tree
    opts.statvfs_tmpfs = false;
    auto r = read_snapshot(paths, opts);
    ASSERT_TRUE(r) << r.error().describe();
    snap = std::move(*r);
  }
  const Cgroup& cg(const std::string& key) {
    const Cgroup* c = snap.find_cgroup("/" + env.at(key));
    if (!c) throw std::runtime_error("no cgroup for " + key);
    return *c;
  }
  uint64_t env_u64(const std::string& key) { return parse_u64(env.at(key)).value_or(0); }
  std::string cgfile(const std::string& key, const std::string& file) {
    return dir + "/sys/fs/cgroup/" + env.at(key) + "/" + file;
  }

  std::string dir;
  std::map<std::string, std::string> env;
  Snapshot snap;
};

TEST_P(VmTree, MemoryControllerIsV2AndRootUsageFromMeminfo) {
  EXPECT_EQ(snap.cgroup_version, CgroupVersion::kV2);
  EXPECT_TRUE(snap.memory_on_v2);
  const Cgroup* root = snap.find_cgroup("/");
  ASSERT_NE(root, nullptr);
  // The v2 root has neither memory.current nor memory.max: usage comes from meminfo (MemTotal -
  // MemFree, as runc < 1.1.9 computes it), the limit is none.
  EXPECT_TRUE(root->usage_from_meminfo);
  EXPECT_EQ(root->usage_bytes, snap.meminfo.get("MemTotal").value_or(0) - snap.meminfo.get("MemFree").value_or(0));
  EXPECT_FALSE(root->limit_bytes);
  EXPECT_TRUE(root->limit_known);
  EXPECT_EQ(root->stat.get("anon"), stat_key(dir + "/sys/fs/cgroup/memory.stat", "anon"));
  EXPECT_EQ(root->stat.get("inactive_file"), stat_key(dir + "/sys/fs/cgroup/memory.stat", "inactive_file"));
}

TEST_P(VmTree, SystemdDriverLayoutWithLimits) {
  EXPECT_EQ(cg("KP").limit_bytes, env_u64("KP_MAX"));
  EXPECT_EQ(cg("BU_POD").limit_bytes, env_u64("BU_POD_MAX"));
  EXPECT_EQ(cg("BU_CTR").limit_bytes, uint64_t{64} << 20);
  EXPECT_EQ(cg("GU_POD").limit_bytes, env_u64("GU_MAX"));
  EXPECT_FALSE(cg("BE_CTR").limit_bytes);
  EXPECT_TRUE(cg("BE_CTR").limit_known);  // "max" is known unlimited, not unreadable
  EXPECT_FALSE(cg("CRON").limit_bytes);
  EXPECT_EQ(cg("BU_CTR").usage_bytes, file_u64(cgfile("BU_CTR", "memory.current")));
  EXPECT_EQ(cg("CRON").usage_bytes, file_u64(cgfile("CRON", "memory.current")));
  EXPECT_GE(cg("CRON").usage_bytes.value_or(0), env_u64("HOG_MIB") << 20);
  EXPECT_EQ(cg("BU_CTR").stat.get("anon"), stat_key(cgfile("BU_CTR", "memory.stat"), "anon"));
}

TEST_P(VmTree, OomKilledScopeCountsTheKill) {
  EXPECT_EQ(env.at("oom_victim_rc"), "137");
  EXPECT_EQ(cg("OOM_CTR").events.get("oom_kill"), 1u);
  EXPECT_EQ(cg("OOM_CTR").nr_procs, 0u);
  // memory.events is hierarchical: the pod slice saw the same kill.
  EXPECT_EQ(cg("BU_POD").events.get("oom_kill"), 1u);
}

TEST_P(VmTree, ProcessesLandInTheirCgroups) {
  auto proc = [&](const std::string& key) {
    const Process* p = snap.find_process(static_cast<int>(env_u64(key)));
    if (!p) throw std::runtime_error("no process for " + key);
    return *p;
  };
  EXPECT_EQ(proc("BU_PID").memory_cgroup, "/" + env.at("BU_CTR"));
  EXPECT_EQ(proc("GU_PID").memory_cgroup, "/" + env.at("GU_CTR"));
  EXPECT_EQ(proc("BE_PID").memory_cgroup, "/" + env.at("BE_CTR"));
  auto hog = proc("HOG_PID");
  EXPECT_EQ(hog.memory_cgroup, "/system.slice/cron.service");
  EXPECT_EQ(hog.comm, "updatedb");
  EXPECT_GE(hog.rss_anon_bytes.value_or(0), (env_u64("HOG_MIB") << 20) * 9 / 10);
  EXPECT_EQ(proc("BU_PID").cmdline, (std::vector<std::string>{"/bin/memhog", env.at("BU_MIB")}));
}

TEST_P(VmTree, MeminfoMatchesTheScenarioAwk) {
  EXPECT_EQ(snap.meminfo.get("MemTotal"), env_u64("capacity"));
}

TEST_P(VmTree, KmsgHoldsTheMemcgOomRecord) {
  auto kmsg = read_file(dir + "/root/dev/kmsg", FileKind::kLog);
  ASSERT_TRUE(kmsg);
  EXPECT_NE(kmsg->find(";Memory cgroup out of memory: Killed process"), std::string::npos);
  EXPECT_NE(kmsg->find(",oom_memcg=/" + env.at("OOM_CTR") + ","), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Kernels, VmTree, ::testing::Values("6.1", "6.12"),
                         [](const auto& info) { return "linux_" + std::string(info.param == "6.1" ? "6_1" : "6_12"); });

}  // namespace
