// The recorder's side of the kernel's exit and OOM reports, with fake records (no BPF needed):
// which exits are stored one by one and which are summed, the ancestry rebuilt at exit, one event per
// OOM kill whichever source saw it, and the recorder storing and exporting all of it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "../../support/fixture_paths.hpp"
#include "../temp_db.hpp"
#include "agent/exit_ledger.hpp"
#include "agent/oom_join.hpp"
#include "agent/recorder.hpp"
#include "probe/cgroup_ids.hpp"
#include "store/history.hpp"
#include "util/units.hpp"

using namespace ms;
using namespace ms::agent;
using ms::test_support::TempDb;

namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kSec = 1'000'000'000;

Process live(int pid, int ppid, uint64_t start_ticks, const char* comm) {
  Process p;
  p.pid = pid;
  p.ppid = ppid;
  p.start_time = start_ticks;
  p.comm = comm;
  p.cmdline = {comm};
  p.memory_cgroup = "/system.slice/cron.service";
  return p;
}

ExitRecord rec(int pid, int ppid, uint64_t parent_start_ns, uint64_t peak, uint64_t memcg, const char* comm = "job") {
  ExitRecord r;
  r.pid = pid;
  r.ppid = ppid;
  r.parent_start_ns = parent_start_ns;
  r.start_ns = 100 * kSec + static_cast<uint64_t>(pid);
  r.exit_ns = r.start_ns + 3 * kSec;
  r.peak_rss_bytes = peak;
  r.peak_exact = true;
  r.cpu_ns = 2 * kSec;
  r.comm = comm;
  r.parent_comm = "parent";
  r.memcg_id = memcg;
  return r;
}

struct World {
  Snapshot snap;
  ExitContext ctx;
  World() {
    snap.boot_time = 1'700'000'000;
    snap.clock_ticks = 100;
    // systemd (1) <- cron (100, started at 5 s) <- sh (300, born after the sample, read from procfs)
    snap.processes = {live(1, 0, 1, "systemd"), live(100, 1, 500, "cron")};
    ctx.snapshot = &snap;
    ctx.clock.wall_minus_boot_ns = static_cast<int64_t>(snap.boot_time * kSec);
    ctx.cgroup_path = [](uint64_t id, uint64_t, std::string_view) -> std::optional<std::string> {
      if (id == 7) return std::string("/jobs");
      if (id == 8) return std::string("/storm");
      return std::nullopt;
    };
    ctx.process_owner = [](const Process& p) {
      Owner o;
      o.kind = OwnerKind::kCron;
      o.unit = "cron.service:" + p.comm;
      return o;
    };
    ctx.cgroup_owner = [](std::string_view path) {
      Owner o;
      o.kind = OwnerKind::kSystemdUnit;
      o.unit = std::string(path);
      return o;
    };
    ctx.read_process = [](int pid) -> std::optional<Process> {
      if (pid != 300) return std::nullopt;
      return live(300, 100, 900, "sh");
    };
  }
};

std::vector<int> ancestry_pids(const std::string& prov) {
  std::vector<int> out;
  auto j = nlohmann::json::parse(prov);
  for (const auto& a : j["ancestry"]) out.push_back(a["pid"].get<int>());
  return out;
}

}  // namespace

TEST(ExitLedger, LargeOnesAloneWithAncestrySmallOnesSummedPerCgroup) {
  World w;
  ExitLedger ledger(ExitPolicy{32 * kMiB, 256});
  std::vector<ExitRecord> batch;
  // A 1 GiB job whose parent (sh, 300) was born after the last sample and is still alive.
  batch.push_back(rec(400, 300, 9 * kSec, 1024 * kMiB, 7));
  // A 2 GiB job whose shell (402) ended in the same batch, after it; the shell's parent is cron.
  batch.push_back(rec(401, 402, 100 * kSec + 402, 2048 * kMiB, 7));
  batch.push_back(rec(402, 100, 5 * kSec, 2 * kMiB, 7, "sh"));
  // A fork storm of small processes in one cgroup, one of them reported twice.
  for (int i = 0; i < 1000; ++i) batch.push_back(rec(10'000 + i, 100, 5 * kSec, (1 + i % 7) * kMiB, 8, "tiny"));
  batch.push_back(batch.back());
  ledger.add(batch, w.ctx);
  EXPECT_EQ(ledger.seen(), 1003u);
  EXPECT_EQ(ledger.duplicates(), 1u);

  auto exits = ledger.take_exits();
  ASSERT_EQ(exits.size(), 2u);
  const auto& a = exits[0];
  EXPECT_EQ(a.process.pid, 400);
  EXPECT_EQ(a.process.start_time, (100 * kSec + 400) / 10'000'000);  // /proc's ticks
  EXPECT_EQ(a.process.memory_cgroup, "/jobs");
  EXPECT_EQ(a.peak_rss_bytes, 1024 * kMiB);
  EXPECT_EQ(a.run_us, 3'000'000);
  EXPECT_EQ(a.cpu_us, 2'000'000);
  EXPECT_EQ(a.time, static_cast<int64_t>(w.snap.boot_time) + 103);
  EXPECT_EQ(a.owner.kind, OwnerKind::kCron);
  EXPECT_EQ(ancestry_pids(a.provenance), (std::vector<int>{300, 100, 1}));
  const auto& b = exits[1];
  EXPECT_EQ(b.process.pid, 401);
  EXPECT_EQ(ancestry_pids(b.provenance), (std::vector<int>{402, 100, 1}));
  EXPECT_TRUE(nlohmann::json::parse(b.provenance)["ancestry"][0].value("exited", false));

  auto groups = ledger.take_groups();
  ASSERT_EQ(groups.size(), 2u);  // /jobs (the shell) and /storm
  const auto& storm = groups[1];
  EXPECT_EQ(storm.cgroup, "/storm");
  EXPECT_EQ(storm.count, 1000u);
  EXPECT_EQ(storm.max_peak_bytes, 7 * kMiB);
  EXPECT_EQ(storm.max_comm, "tiny");
  EXPECT_EQ(storm.sum_run_us, int64_t{1000} * 3'000'000);
  EXPECT_EQ(storm.owner.kind, OwnerKind::kSystemdUnit);
  EXPECT_EQ(groups[0].cgroup, "/jobs");
  EXPECT_EQ(groups[0].count, 1u);
  EXPECT_TRUE(ledger.take_groups().empty());
  ASSERT_NE(ledger.recent(401), nullptr);
  EXPECT_EQ(ledger.recent(401)->peak_rss_bytes, 2048 * kMiB);
}

TEST(ExitLedger, AtMostNIndividualPerSampleTheRestSummed) {
  World w;
  ExitLedger ledger(ExitPolicy{32 * kMiB, 2});
  std::vector<ExitRecord> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(rec(500 + i, 100, 5 * kSec, 64 * kMiB, 7));
  ledger.add(batch, w.ctx);
  EXPECT_EQ(ledger.take_exits().size(), 2u);
  auto g = ledger.take_groups();
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].count, 3u);
  // The cap is per sample: after take_groups the next ones are stored alone again.
  ledger.add({rec(600, 100, 5 * kSec, 64 * kMiB, 7)}, w.ctx);
  EXPECT_EQ(ledger.take_exits().size(), 1u);
}

TEST(ExitLedger, AncestryStopsWhereTheKernelsWordEnds) {
  World w;
  ExitLedger ledger;
  // The parent is gone and unknown: only what the kernel said of it.
  ledger.add({rec(700, 650, 50 * kSec, 100 * kMiB, 99)}, w.ctx);
  auto ex = ledger.take_exits();
  ASSERT_EQ(ex.size(), 1u);
  auto j = nlohmann::json::parse(ex[0].provenance);
  ASSERT_EQ(j["ancestry"].size(), 1u);
  EXPECT_EQ(j["ancestry"][0]["pid"], 650);
  EXPECT_EQ(j["ancestry"][0]["comm"], "parent");
  EXPECT_EQ(j["ancestry_complete"], false);
  EXPECT_FALSE(ex[0].process.memory_cgroup.has_value());  // id 99 cannot be named
}

TEST(CgroupIdIndex, SampleParentAndName) {
  Snapshot s;
  Cgroup root, a;
  root.path = "/";
  root.inode = 1;
  a.path = "/system.slice";
  a.inode = 20;
  s.cgroups = {root, a};
  CgroupIdIndex idx;
  idx.update(s);
  EXPECT_EQ(idx.path_of(20, 1, "system.slice", 0), "/system.slice");
  // A scope created after the sample, under a known parent.
  EXPECT_EQ(idx.path_of(31, 20, "run-r1.scope", 0), "/system.slice/run-r1.scope");
  EXPECT_EQ(idx.path_of(31, 0, "", 0), "/system.slice/run-r1.scope");
  EXPECT_FALSE(idx.path_of(32, 999, "x", 0).has_value());
  EXPECT_FALSE(idx.path_of(33, 20, "../evil", 0).has_value());
  EXPECT_EQ(join_cgroup_path("/", "a"), "/a");
}

namespace {

store::RecordedEvent kmsg_kill(int pid, int64_t t, bool header) {
  store::RecordedEvent k;
  k.time = t;
  k.kind = "oom_kill";
  k.source = "kmsg";
  k.dedupe_key = "boot:" + std::to_string(t) + ":oom_kill:" + std::to_string(pid);
  k.pid = pid;
  k.comm = "hog";
  k.bytes = 50 * kMiB;
  if (header) {
    k.cgroup = "/kubepods/burstable/podx/c";
    k.owner_kind = "pod";
  }
  k.message = "Memory cgroup out of memory";
  k.detail = header ? R"({"scope":"memcg","limit_memcg":"/kubepods/burstable/podx","report":"full"})"
                    : R"({"scope":"unknown","report":"kill line only"})";
  return k;
}

store::RecordedEvent bpf_kill(int pid, int64_t t) {
  OomRecord r;
  r.pid = pid;
  r.time_ns = static_cast<uint64_t>(t - 1'700'000'000) * kSec;
  r.victim_known = true;
  r.start_ns = 42 * kSec;
  r.comm = "hog";
  r.memcg_id = 77;
  r.oom_memcg_known = true;
  r.oom_memcg_id = 76;
  r.anon_bytes = 60 * kMiB;
  r.file_bytes = 4 * kMiB;
  OomNames n;
  n.cgroup = "/kubepods/burstable/podx/c";
  n.oom_cgroup = "/kubepods/burstable/podx";
  Owner o;
  o.kind = OwnerKind::kPod;
  o.namespace_ = "shop";
  o.pod = "web";
  n.owner = o;
  n.boot_time = 1'700'000'000;
  BootClock clock;
  clock.wall_minus_boot_ns = static_cast<int64_t>(1'700'000'000 * kSec);
  return oom_record_to_event(r, n, clock);
}

nlohmann::json detail(const store::RecordedEvent& e) {
  return nlohmann::json::parse(e.detail);
}

}  // namespace

TEST(OomJoin, KillLineWithoutItsRateLimitedReportGetsTheCgroupFromBpf) {
  OomJoiner j;
  j.add_bpf(bpf_kill(42, 1'700'001'000), 1'700'001'000);
  auto out = j.add_kmsg(kmsg_kill(42, 1'700'001'002, false));
  EXPECT_EQ(j.held(), 0u);
  EXPECT_EQ(out.source, "kmsg+bpf");
  EXPECT_EQ(out.dedupe_key, "boot:1700001002:oom_kill:42");  // kmsg's key: a restart re-reading the ring dedupes
  EXPECT_EQ(out.cgroup, "/kubepods/burstable/podx/c");
  EXPECT_EQ(out.owner_kind, "pod");
  EXPECT_EQ(out.namespace_, "shop");
  EXPECT_EQ(out.bytes, static_cast<int64_t>(50 * kMiB));  // kmsg's own number wins
  auto d = detail(out);
  EXPECT_EQ(d["report"], "kill line only");
  EXPECT_EQ(d["limit_memcg"], "/kubepods/burstable/podx");
  EXPECT_EQ(d["scope"], "memcg");
  EXPECT_EQ(d["bpf"]["memcg_id"], 77);
  EXPECT_TRUE(j.release(1'700'009'999).empty());
}

TEST(OomJoin, FullReportKeepsItsOwnFacts) {
  OomJoiner j;
  j.add_bpf(bpf_kill(42, 1'700'001'000), 1'700'001'000);
  auto out = j.add_kmsg(kmsg_kill(42, 1'700'001'001, true));
  EXPECT_EQ(out.source, "kmsg+bpf");
  EXPECT_EQ(detail(out)["report"], "full");
  EXPECT_EQ(out.owner_kind, "pod");
  EXPECT_FALSE(out.namespace_.has_value());  // kmsg's attribution is kept as it was
}

TEST(OomJoin, BpfOnlyKillIsStoredAsSuppressedAndALateReportJoinsItsRow) {
  OomJoiner j;
  auto b = bpf_kill(43, 1'700'002'000);
  EXPECT_EQ(b.dedupe_key, "bpf:1700000000:oom_kill:43:4200");
  j.add_bpf(b, 1'700'002'000);
  EXPECT_TRUE(j.release(1'700'002'005).empty());  // still waiting for its kmsg report
  auto out = j.release(1'700'002'012);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].source, "bpf");
  EXPECT_EQ(detail(out[0])["report"], "suppressed");
  EXPECT_NE(out[0].message.find("kmsg report suppressed"), std::string::npos);
  EXPECT_EQ(out[0].bytes, static_cast<int64_t>(64 * kMiB));
  // Its report turns up after all: it takes the stored event's key, so the store keeps one row.
  auto late = j.add_kmsg(kmsg_kill(43, 1'700'002'020, false));
  EXPECT_EQ(late.dedupe_key, b.dedupe_key);
  // A kill BPF never saw (before it attached) passes unchanged.
  auto other = j.add_kmsg(kmsg_kill(44, 1'700'002'000, true));
  EXPECT_EQ(other.source, "kmsg");
  EXPECT_EQ(other.dedupe_key, "boot:1700002000:oom_kill:44");
}

TEST(OomJoin, PidOnlyRecordWaitsForItsVictimsFacts) {
  OomRecord r;
  r.pid = 9;
  r.time_ns = 5 * kSec;
  OomNames n;
  n.boot_time = 1;
  auto e = oom_record_to_event(r, n, BootClock{});
  EXPECT_FALSE(e.bytes.has_value());
  EXPECT_FALSE(e.cgroup.has_value());
  EXPECT_EQ(detail(e)["scope"], "unknown");
  EXPECT_EQ(e.dedupe_key, "bpf:1:oom_kill:9:t5000");
  OomJoiner j;
  j.add_bpf(e, 0);
  ASSERT_EQ(j.incomplete().size(), 1u);
  j.incomplete()[0]->cgroup = "/x";
  j.incomplete()[0]->bytes = 1;
  EXPECT_TRUE(j.incomplete().empty());
}

// --- the recorder, with a fake kernel source over a fixture tree ---------------------------------

namespace {

class FakeKernel final : public KernelEventSource {
 public:
  std::vector<ExitRecord> exits;
  std::vector<OomRecord> ooms;
  int wait_fd() const override { return -1; }
  void drain(std::vector<ExitRecord>& e, std::vector<OomRecord>& o) override {
    for (auto& x : exits) e.push_back(x);
    for (auto& x : ooms) o.push_back(x);
    exits.clear();
    ooms.clear();
  }
  uint64_t exits_dropped() const override { return 3; }
  uint64_t ooms_dropped() const override { return 0; }
  bool exits_attached() const override { return true; }
  bool ooms_attached() const override { return true; }
  std::string describe() const override { return "fake"; }
};

uint64_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

TEST(RecorderKernelEvents, ExitsAndBpfOnlyKillsAreStoredAndExported) {
  TempDb db;
  HostPaths paths = test_fixtures::fixture_paths("v1-cgroupfs-docker");
  std::string cron_dir = paths.sysfs + "/fs/cgroup/memory/system.slice/cron.service";
  uint64_t cron_id = inode_of(cron_dir);
  ASSERT_NE(cron_id, 0u);
  RecorderOptions o;
  o.db_path = db.path;
  o.interval_ms = 100;
  o.listen = "";
  o.kmsg = false;
  o.kubelet_logs = {"off"};
  o.kubelet_units = {"off"};
  o.max_samples = 3;
  o.quiet = true;
  BootClock clock = BootClock::now();
  uint64_t now_boot =
      static_cast<uint64_t>(static_cast<int64_t>(now_unix()) * 1'000'000'000 - clock.wall_minus_boot_ns);
  o.open_kernel_events = [&](const KernelEventOptions& ko) -> Result<std::unique_ptr<KernelEventSource>> {
    EXPECT_TRUE(ko.exits && ko.ooms);
    auto k = std::make_unique<FakeKernel>();
    ExitRecord big = rec(4242, 1, 0, 2048 * kMiB, cron_id, "bigjob");
    // Ends a few seconds ahead (a fake may): the samples of the run are all before its end.
    big.start_ns = now_boot - 3 * kSec;
    big.exit_ns = now_boot + 5 * kSec;
    big.parent_comm = "systemd";
    k->exits.push_back(big);
    ExitRecord small = rec(4243, 1, 0, kMiB, cron_id, "tiny");
    small.start_ns = now_boot - kSec;
    small.exit_ns = now_boot;
    k->exits.push_back(small);
    OomRecord kill;
    kill.pid = 4244;
    kill.time_ns = now_boot;
    kill.victim_known = true;
    kill.comm = "victim";
    kill.start_ns = now_boot - kSec;
    kill.memcg_id = cron_id;
    kill.anon_bytes = 10 * kMiB;
    k->ooms.push_back(kill);
    return std::unique_ptr<KernelEventSource>(std::move(k));
  };
  std::atomic<bool> stop{false};
  Recorder r(paths, o);
  ASSERT_EQ(r.run(stop), 0);
  AgentStatus st = r.status();
  EXPECT_TRUE(st.exit_capture);
  EXPECT_EQ(st.exits_individual, 1u);
  EXPECT_EQ(st.exits_summed, 1u);
  EXPECT_EQ(st.exits_dropped, 3u);
  EXPECT_EQ(st.oom_kmsg_suppressed, 1u);
  std::string m = r.metrics_text();
  EXPECT_NE(m.find("memsleuth_bpf_ring_dropped_total{ring=\"exits\"} 3\n"), std::string::npos) << m;
  EXPECT_NE(m.find("memsleuth_bpf_capture_up{program=\"exits\"} 1\n"), std::string::npos);

  auto h = store::History::open(db.path);
  ASSERT_TRUE(h) << h.error().describe();
  auto ex = (*h)->exits({0, INT64_MAX});
  ASSERT_TRUE(ex);
  ASSERT_EQ(ex->size(), 1u);
  EXPECT_EQ((*ex)[0].process.pid, 4242);
  EXPECT_EQ((*ex)[0].process.comm, "bigjob");
  EXPECT_EQ((*ex)[0].process.memory_cgroup, "/system.slice/cron.service");
  EXPECT_EQ((*ex)[0].peak_rss_bytes, 2048 * kMiB);
  EXPECT_EQ(ancestry_pids((*ex)[0].provenance).front(), 1);
  auto g = (*h)->exit_groups({0, INT64_MAX});
  ASSERT_TRUE(g);
  ASSERT_EQ(g->size(), 1u);
  EXPECT_EQ((*g)[0].count, 1u);
  EXPECT_EQ((*g)[0].max_comm, "tiny");
  auto ev = (*h)->events({0, INT64_MAX}, "oom_kill");
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1u);  // released at stop, with no kmsg report
  EXPECT_EQ((*ev)[0].pid, 4244);
  EXPECT_EQ((*ev)[0].source, "bpf");
  EXPECT_EQ((*ev)[0].cgroup, "/system.slice/cron.service");
  // The moment replays what lived between its sample and the next.
  auto at = (*h)->at(now_unix() + 6);
  ASSERT_TRUE(at && *at);
  bool found = false;
  for (const auto& e : (*at)->exited) found |= e.process.pid == 4242;
  auto first = (*h)->samples({0, INT64_MAX});
  ASSERT_TRUE(first && !first->empty());
  // (at() picks the last sample; the job ended around the first one)
  auto m0 = (*h)->at(first->front().time);
  ASSERT_TRUE(m0 && *m0);
  for (const auto& e : (*m0)->exited) found |= e.process.pid == 4242;
  EXPECT_TRUE(found);
}

TEST(RecorderKernelEvents, WithoutTheProgramsItRunsAsBeforeAndSaysWhy) {
  TempDb db;
  RecorderOptions o;
  o.db_path = db.path;
  o.interval_ms = 100;
  o.listen = "";
  o.kmsg = false;
  o.kubelet_logs = {"off"};
  o.kubelet_units = {"off"};
  o.max_samples = 1;
  o.quiet = true;
  o.open_kernel_events = [](const KernelEventOptions&) -> Result<std::unique_ptr<KernelEventSource>> {
    return fail(Error::invalid("no BPF here"));
  };
  std::atomic<bool> stop{false};
  Recorder r(test_fixtures::fixture_paths("v1-cgroupfs-docker"), o);
  ASSERT_EQ(r.run(stop), 0);
  EXPECT_FALSE(r.status().exit_capture);
  EXPECT_EQ(r.status().samples_total, 1u);
  EXPECT_NE(r.metrics_text().find("memsleuth_bpf_capture_up{program=\"exits\"} 0\n"), std::string::npos);
}
