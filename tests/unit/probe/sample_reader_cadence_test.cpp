// SampleReader's cadences (probe/sample_reader.hpp): what a regular sample does not re-read when a
// cheaper signal says nothing changed, that it does re-read when the signal moves, and that the
// cadence re-reads it anyway. On a copy of a fixture tree whose /proc/loadavg the test writes as the
// kernel would (the tree is trusted as our own pid namespace's).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>

#include "probe/sample_reader.hpp"
#include "sample_tree.hpp"

using namespace ms;
using namespace ms::testing;

namespace {

constexpr int kContainerPid = 1010;  // in the burstable pod's container a1b2..., with pid 1011
const char* kContainerCg = "kubepods/burstable/pod1f6c3b0e-7a2d-4c1e-9b8a-3d4e5f607182/"
                           "a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4";
const char* kDockerCg = "docker/5dace3de5dace3de5dace3de5dace3de5dace3de5dace3de5dace3de5dace3de";

struct Tree {
  TempTree t{"v1-cgroupfs-docker"};
  Tree() {
    whole_pages(t);
    loadavg(100, 5000);
  }
  void loadavg(uint64_t tasks, uint64_t last_pid) {
    write(t.proc("loadavg"), "0.10 0.20 0.30 2/" + std::to_string(tasks) + " " + std::to_string(last_pid) + "\n");
  }
  void cg(const char* rel, const std::string& file, const std::string& text) { write(t.memcg(rel) / file, text); }
};

// Everything on a cadence of k samples, liveness from loadavg, no rolling identity refresh.
SampleReaderOptions cadence(uint32_t k) {
  SampleReaderOptions o;
  o.pid_counter = SampleReaderOptions::PidCounter::kTrusted;
  o.rss_refresh_samples = k;
  o.settings_refresh_samples = k;
  o.slab_refresh_samples = k;
  o.stat_refresh_samples = k;
  o.identity_refresh_per_sample = 0;
  o.always_detail = [](const std::string&) { return true; };
  return o;
}

Snapshot* sample(SampleReader& r) {
  auto s = r.read();
  EXPECT_TRUE(s) << (s ? "" : s.error().describe());
  return s ? *s : nullptr;
}

const Process* proc(const Snapshot& s, int pid) {
  for (const auto& p : s.processes)
    if (p.pid == pid) return &p;
  return nullptr;
}

const Cgroup* cgroup(const Snapshot& s, const std::string& rel) {
  for (const auto& c : s.cgroups)
    if (c.path == "/" + rel) return &c;
  return nullptr;
}

uint64_t rss_of(SampleReader& r, int pid) {
  Snapshot* s = sample(r);
  const Process* p = s ? proc(*s, pid) : nullptr;
  EXPECT_NE(p, nullptr) << pid;
  return p && p->rss_bytes ? *p->rss_bytes : 0;
}

}  // namespace

// A process's RSS moves with its cgroup's usage: not re-read while the usage stands still, re-read
// in the sample the usage moved.
TEST(SampleReaderCadence, RssFollowsTheCgroupUsage) {
  Tree tr;
  SampleReader r(tr.t.paths(), cadence(1000));
  uint64_t before = rss_of(r, kContainerPid);
  sample(r);
  set_rss(tr.t, kContainerPid, 777);
  EXPECT_EQ(rss_of(r, kContainerPid), before) << "read although its cgroup's usage did not move";
  tr.cg(kContainerCg, "memory.usage_in_bytes", "300000000\n");
  EXPECT_EQ(rss_of(r, kContainerPid), 777u * 4096);
}

// The cadence re-reads every process within k samples even when nothing signals a change (pages
// mapped from another cgroup's cache move RSS without a charge).
TEST(SampleReaderCadence, RssReReadWithinTheCadence) {
  Tree tr;
  const uint32_t k = 4;
  SampleReader r(tr.t.paths(), cadence(k));
  sample(r);
  sample(r);
  set_rss(tr.t, kContainerPid, 888);
  uint32_t n = 0;
  while (n < k && rss_of(r, kContainerPid) != 888u * 4096) ++n;
  EXPECT_LT(n, k) << "not re-read within " << k << " samples";
}

// /proc is listed only when loadavg's last pid or task count moved.
TEST(SampleReaderCadence, ListsProcOnlyWhenThePidCounterMoves) {
  Tree tr;
  SampleReader r(tr.t.paths(), cadence(1000));
  sample(r);
  spawn(tr.t, 1990, 4000);
  Snapshot* s = sample(r);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(proc(*s, 4000), nullptr) << "listed /proc with the pid counter unchanged";
  tr.loadavg(101, 4000);  // wrapped around pid_max since 5000
  s = sample(r);
  ASSERT_NE(s, nullptr);
  ASSERT_NE(proc(*s, 4000), nullptr);
  EXPECT_EQ(proc(*s, 4000)->start_time, proc(*s, 1990)->start_time + 777);

  // An exit: the task count falls, the pid is gone from the listing.
  std::filesystem::remove_all(tr.t.proc("2200"));
  tr.loadavg(100, 4000);
  s = sample(r);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(proc(*s, 2200), nullptr);
}

// A pid the allocator handed out since the last sample is read again even when its RSS is not due:
// its kept fd reads nothing once its process is gone, and the new holder is read at first sight.
TEST(SampleReaderCadence, ReusedPidReadAgain) {
  Tree tr;
  tr.loadavg(100, 2150);
  SampleReader r(tr.t.paths(), cadence(1000));
  Snapshot* s = sample(r);
  ASSERT_NE(s, nullptr);
  ASSERT_NE(proc(*s, 2200), nullptr);
  uint64_t old_start = proc(*s, 2200)->start_time;
  sample(r);
  // 2200 exits (a dead task's statm reads nothing) and 2200 is handed out again.
  write(tr.t.proc("2200/statm"), "");
  std::filesystem::remove_all(tr.t.proc("2200"));
  spawn(tr.t, 1990, 2200);
  tr.loadavg(100, 2250);
  s = sample(r);
  ASSERT_NE(s, nullptr);
  ASSERT_NE(proc(*s, 2200), nullptr);
  EXPECT_NE(proc(*s, 2200)->start_time, old_start);
  EXPECT_EQ(proc(*s, 2200)->start_time, proc(*s, 1990)->start_time + 777);
}

// Limits on their cadence, at once when v1's hierarchical limit in memory.stat moved.
TEST(SampleReaderCadence, LimitsOnTheirCadenceOrAtOnce) {
  Tree tr;
  SampleReader r(tr.t.paths(), cadence(1000));
  sample(r);
  sample(r);
  tr.cg(kDockerCg, "memory.limit_in_bytes", "134217728\n");
  Snapshot* s = sample(r);
  ASSERT_NE(s, nullptr);
  ASSERT_NE(cgroup(*s, kDockerCg), nullptr);
  EXPECT_EQ(cgroup(*s, kDockerCg)->limit_bytes, 67108864u) << "read off its cadence without a sign";
  std::string stat = slurp(tr.t.memcg(kDockerCg) / "memory.stat");
  auto at = stat.find("hierarchical_memory_limit 67108864");
  ASSERT_NE(at, std::string::npos);
  stat.replace(at, 34, "hierarchical_memory_limit 134217728");
  tr.cg(kDockerCg, "memory.stat", stat);
  tr.cg(kDockerCg, "memory.usage_in_bytes", "2097152\n");  // memory.stat is read when usage moved
  s = sample(r);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(cgroup(*s, kDockerCg)->limit_bytes, 134217728u);

  // Without a sign, within the cadence.
  const uint32_t k = 3;
  SampleReader c(tr.t.paths(), cadence(k));
  sample(c);
  tr.cg(kDockerCg, "memory.limit_in_bytes", "268435456\n");
  uint32_t n = 0;
  for (; n < k; ++n) {
    s = sample(c);
    ASSERT_NE(s, nullptr);
    if (cgroup(*s, kDockerCg)->limit_bytes == 268435456u) break;
  }
  EXPECT_LT(n, k);
}

namespace {
// Sets inactive_file in a cgroup's memory.stat (v1 fixture: "inactive_file N" and the total_ line).
void set_inactive_file(Tree& tr, const char* rel, uint64_t v) {
  std::string stat = slurp(tr.t.memcg(rel) / "memory.stat"), out;
  std::istringstream in(stat);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("inactive_file ", 0) == 0) line = "inactive_file " + std::to_string(v);
    out += line + "\n";
  }
  tr.cg(rel, "memory.stat", out);
}

std::optional<uint64_t> inactive_file(SampleReader& r, const char* rel) {
  Snapshot* s = sample(r);
  const Cgroup* c = s ? cgroup(*s, rel) : nullptr;
  EXPECT_NE(c, nullptr) << rel;
  return c ? c->stat.get("inactive_file") : std::nullopt;
}
}  // namespace

// memory.stat follows the cgroup's usage: not re-read while the usage stands still to the byte,
// re-read in the sample it moved.
TEST(SampleReaderCadence, StatFollowsTheUsage) {
  Tree tr;
  SampleReader r(tr.t.paths(), cadence(1000));
  auto before = inactive_file(r, kDockerCg);
  ASSERT_TRUE(before);
  sample(r);
  set_inactive_file(tr, kDockerCg, *before + 4096);
  EXPECT_EQ(inactive_file(r, kDockerCg), before) << "read although the usage did not move";
  tr.cg(kDockerCg, "memory.usage_in_bytes", "2097152\n");
  EXPECT_EQ(inactive_file(r, kDockerCg), *before + 4096);
}

// LRU aging moves the working set without moving usage: the cadence re-reads every stat within k
// samples; near the limit, every sample.
TEST(SampleReaderCadence, StatReReadWithinTheCadenceAndNearTheLimit) {
  Tree tr;
  const uint32_t k = 4;
  SampleReader r(tr.t.paths(), cadence(k));
  sample(r);
  sample(r);
  set_inactive_file(tr, kDockerCg, 12345 * 4096);
  uint32_t n = 0;
  while (n < k && inactive_file(r, kDockerCg) != uint64_t{12345 * 4096}) ++n;
  EXPECT_LT(n, k) << "not re-read within " << k << " samples";

  SampleReader near(tr.t.paths(), cadence(1000));
  tr.cg(kDockerCg, "memory.usage_in_bytes", "66000000\n");  // 98% of 64 MiB
  sample(near);
  sample(near);
  set_inactive_file(tr, kDockerCg, 54321 * 4096);
  EXPECT_EQ(inactive_file(near, kDockerCg), uint64_t{54321 * 4096}) << "not read every sample near the limit";
}

// A cadence of k samples spreads its cgroups evenly: with k = the number of cgroups, each sample
// reads exactly one cgroup's limit, and k samples read every one once.
TEST(SampleReaderCadence, CadenceSpreadOverTheSamples) {
  Tree tr;
  std::vector<std::string> rels;
  {
    SampleReader probe(tr.t.paths(), cadence(1000));
    Snapshot* s = sample(probe);
    ASSERT_NE(s, nullptr);
    for (const auto& c : s->cgroups)
      if (c.path != "/") rels.push_back(c.path.substr(1));
  }
  ASSERT_GE(rels.size(), 3u);
  const auto k = static_cast<uint32_t>(rels.size() + 1);  // the root too
  SampleReader r(tr.t.paths(), cadence(k));
  sample(r);
  for (const auto& rel : rels) tr.cg(rel.c_str(), "memory.limit_in_bytes", "123456789\n");
  size_t seen = 0;
  for (uint32_t n = 0; n < k; ++n) {
    Snapshot* s = sample(r);
    ASSERT_NE(s, nullptr);
    size_t now = 0;
    for (const auto& rel : rels) now += cgroup(*s, rel)->limit_bytes == 123456789u;
    EXPECT_LE(now - seen, 1u) << "sample " << n << ": several cgroups due in one sample";
    seen = now;
  }
  EXPECT_EQ(seen, rels.size()) << "not every cgroup read within the cadence";
}

// failcnt (a counter) every sample while usage is within 10% of the limit, on the cadence otherwise.
TEST(SampleReaderCadence, FailcntEverySampleNearTheLimit) {
  Tree tr;
  SampleReader r(tr.t.paths(), cadence(1000));
  sample(r);
  tr.cg(kDockerCg, "memory.failcnt", "5\n");
  tr.cg(kDockerCg, "memory.usage_in_bytes", "1048576\n");
  Snapshot* s = sample(r);
  ASSERT_NE(s, nullptr);
  EXPECT_NE(cgroup(*s, kDockerCg)->failcnt, 5u) << "read far from the limit, off its cadence";
  tr.cg(kDockerCg, "memory.usage_in_bytes", "66000000\n");  // 98% of 64 MiB
  s = sample(r);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(cgroup(*s, kDockerCg)->failcnt, 5u);
}

// A regular sample counts a cgroup's processes from the process list; complete_cgroups reads
// cgroup.procs.
TEST(SampleReaderCadence, NrProcsFromTheProcessList) {
  Tree tr;
  tr.cg(kContainerCg, "cgroup.procs", "1010\n1011\n4242\n");  // 4242: not in this /proc
  SampleReader r(tr.t.paths(), cadence(1000));
  Snapshot* s = sample(r);
  ASSERT_NE(s, nullptr);
  for (const auto& c : s->cgroups) {
    ASSERT_TRUE(c.nr_procs_known) << c.path;
    auto n = std::count_if(s->processes.begin(), s->processes.end(),
                           [&](const Process& p) { return p.memory_cgroup == c.path; });
    EXPECT_EQ(c.nr_procs, static_cast<uint32_t>(n)) << c.path;
  }
  EXPECT_EQ(cgroup(*s, kContainerCg)->nr_procs, 2u);
  std::vector<size_t> all(s->cgroups.size());
  std::iota(all.begin(), all.end(), 0);
  r.complete_cgroups(all);
  EXPECT_EQ(cgroup(*s, kContainerCg)->nr_procs, 3u);
}

// slabinfo on its cadence; complete_node reads it afresh.
TEST(SampleReaderCadence, SlabOnItsCadence) {
  Tree tr;
  auto slabinfo = [&](uint64_t active) {
    write(tr.t.proc("slabinfo"),
          "slabinfo - version: 2.1\n"
          "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> "
          "<batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
          "dentry            " +
              std::to_string(active) + " 200000    192   21    1 : tunables    0    0    0 : slabdata   9524   9524      0\n");
  };
  slabinfo(100000);
  SampleReader r(tr.t.paths(), cadence(1000));
  Snapshot* s = sample(r);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->slab_readable);
  ASSERT_EQ(s->slab.size(), 1u);
  uint64_t first = s->slab[0].active_objs;
  slabinfo(150000);
  s = sample(r);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->slab.size(), 1u) << "the last reading stands between readings";
  EXPECT_EQ(s->slab[0].active_objs, first);
  r.complete_node();
  EXPECT_EQ(s->slab[0].active_objs, 150000u);
}
