#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "store/codec.hpp"
#include "store/exited.hpp"
#include "store/frame.hpp"
#include "store/history.hpp"
#include "store/owner_json.hpp"
#include "store/schema.hpp"
#include "store/timeline.hpp"
#include "store/writer.hpp"
#include "util/units.hpp"

#include "../temp_db.hpp"

using namespace ms;
using ms::test_support::TempDb;
using namespace ms::store;

namespace {

Process proc(int pid, uint64_t start, const char* comm, uint64_t rss) {
  Process p;
  p.pid = pid;
  p.ppid = 1;
  p.start_time = start;
  p.comm = comm;
  p.cmdline = {comm, "--flag"};
  p.rss_bytes = rss;
  p.rss_anon_bytes = rss - 4096;
  p.rss_file_bytes = 4096;
  p.state = 'S';
  p.threads = 3;
  p.memory_cgroup = "/kubepods/burstable/podabc/ctr";
  return p;
}

Cgroup cg(const char* path, uint64_t inode, uint64_t usage, std::optional<uint64_t> limit, uint64_t inactive) {
  Cgroup c;
  c.path = path;
  c.inode = inode;
  c.usage_bytes = usage;
  c.limit_known = true;
  c.limit_bytes = limit;
  c.stat.items = {{"total_inactive_file", inactive}, {"total_rss", usage - inactive}, {"pgfault", 7}};
  c.nr_procs = 2;
  return c;
}

Snapshot snap(int64_t t, uint64_t free_bytes) {
  Snapshot s;
  s.time = t;
  s.boot_time = 1700000000;
  s.cgroup_version = CgroupVersion::kV1;
  s.meminfo.items = {{"MemTotal", 8ull << 30}, {"MemFree", free_bytes}, {"MemAvailable", free_bytes + (1ull << 30)},
                     {"HugePages_Total", 3}};
  s.vmstat.items = {{"pgmajfault", 12}, {"nr_dirty", 5}, {"oom_kill", 1}};
  Psi psi;
  psi.some = {1.25, 0.5, 0.01, 12345};
  psi.full = PsiLine{0.1, 0, 0, 77};
  s.psi = psi;
  s.cgroups = {cg("/", 1, 4ull << 30, std::nullopt, 1ull << 30), cg("/kubepods", 2, 2ull << 30, 6ull << 30, 1 << 20),
               cg("/kubepods/burstable/podabc", 3, 1ull << 30, 1ull << 30, 4096)};
  s.slab_readable = true;
  s.slab = {{"dentry", 10, 20, 192, 3840}};
  return s;
}

SampleInput all_of(const Snapshot& s) {
  SampleInput in;
  in.snapshot = &s;
  for (size_t i = 0; i < s.processes.size(); ++i) in.processes.push_back(i);
  for (size_t i = 0; i < s.cgroups.size(); ++i) in.cgroups.push_back(i);
  return in;
}

}  // namespace

TEST(Codec, VarintsAndBytesRoundTrip) {
  Packer p;
  p.u(0);
  p.u(300);
  p.u(UINT64_MAX);
  p.i(-5);
  p.bytes(4096);
  p.bytes(4097);
  p.opt_bytes(std::nullopt);
  p.opt_bytes(uint64_t{0});
  p.opt_bytes(uint64_t{1} << 40);
  p.str("a\0b");
  Unpacker u(p.data());
  EXPECT_EQ(u.u(), 0u);
  EXPECT_EQ(u.u(), 300u);
  EXPECT_EQ(u.u(), UINT64_MAX);
  EXPECT_EQ(u.i(), -5);
  EXPECT_EQ(u.bytes(), 4096u);
  EXPECT_EQ(u.bytes(), 4097u);
  EXPECT_EQ(u.opt_bytes(), std::nullopt);
  EXPECT_EQ(u.opt_bytes(), uint64_t{0});
  EXPECT_EQ(u.opt_bytes(), uint64_t{1} << 40);
  EXPECT_EQ(u.str(), "a");
  EXPECT_TRUE(u.ok());
  // Reading past the end is reported, never a crash.
  Unpacker v("\x80");
  v.u();
  EXPECT_FALSE(v.ok());
}

TEST(Codec, DeflateRoundTripAndCorruption) {
  std::string raw(5000, 'x');
  auto packed = deflate_frame(raw);
  EXPECT_LT(packed.size(), raw.size());
  auto back = inflate_frame(packed);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, raw);
  packed[packed.size() / 2] ^= 0x55;
  EXPECT_FALSE(inflate_frame(packed));
  EXPECT_FALSE(inflate_frame("ab"));
}

TEST(Frame, NodeKeepsMeminfoPsiAndKeyCgroups) {
  auto s = snap(100, 1ull << 30);
  std::vector<std::string> names;
  KeyIdFn key = [&](std::string_view n) {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == n) return i;
    names.emplace_back(n);
    return names.size() - 1;
  };
  auto f = encode_node(s, false, key);
  auto n = decode_node(f, names);
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(n->meminfo.get("MemFree"), 1ull << 30);
  EXPECT_EQ(n->meminfo.get("HugePages_Total"), 3u);
  EXPECT_EQ(n->vmstat.get("pgmajfault"), 12u);
  EXPECT_FALSE(n->vmstat.get("nr_dirty"));  // not a core key in a regular sample
  ASSERT_TRUE(n->psi && n->psi->full);
  EXPECT_DOUBLE_EQ(n->psi->some.avg10, 1.25);
  EXPECT_EQ(n->psi->full->total_us, 77u);
  ASSERT_TRUE(n->root && n->kubepods);
  EXPECT_EQ(n->kubepods->path, "/kubepods");
  EXPECT_EQ(n->kubepods->limit_bytes, 6ull << 30);
  EXPECT_FALSE(n->root->limit_bytes);
  EXPECT_TRUE(n->root->limit_known);
  EXPECT_FALSE(n->root->stat.get("pgfault"));  // regular samples keep the analyses' keys only
  auto full = decode_node(encode_node(s, true, key), names);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->vmstat.get("nr_dirty"), 5u);
  EXPECT_FALSE(decode_node(f.substr(0, f.size() / 2), names));
}

TEST(Frame, KubepodsAtAnyDepth) {
  Snapshot s;
  s.cgroups = {cg("/", 1, 10, std::nullopt, 0), cg("/custom/kubepods.slice", 2, 5, 100, 0),
               cg("/custom/kubepods.slice/x/kubepods", 3, 5, 100, 0)};
  auto* k = find_kubepods(s);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->path, "/custom/kubepods.slice");
}

TEST(OwnerJson, RoundTrip) {
  Owner o;
  o.kind = OwnerKind::kPod;
  o.qos = QosClass::kBurstable;
  o.namespace_ = "ns";
  o.pod = "web-\xff";
  o.container = "app";
  o.in_kubepods = true;
  auto back = owner_from_json(owner_to_json(o));
  EXPECT_EQ(back.kind, OwnerKind::kPod);
  EXPECT_EQ(back.qos, QosClass::kBurstable);
  EXPECT_EQ(back.namespace_, "ns");
  EXPECT_EQ(back.pod, "web-\xff");  // the bytes, not an escaped copy (render escapes them)
  EXPECT_TRUE(back.in_kubepods);
  EXPECT_EQ(owner_from_json("garbage").kind, OwnerKind::kUnconfined);
}

TEST(Store, RecordsAndReplaysIncludingExitedProcess) {
  TempDb t;
  auto w = StoreWriter::open(t.path);
  ASSERT_TRUE(w) << w.error().describe();
  int owner_calls = 0;
  auto owner_fn = [&](const Process& p) {
    ++owner_calls;
    Owner o;
    o.kind = p.comm == "updatedb" ? OwnerKind::kCron : OwnerKind::kPod;
    o.unit = "cron.service";
    return o;
  };
  // t=100: two processes; t=110: updatedb exited.
  auto s1 = snap(100, 2ull << 30);
  s1.processes = {proc(10, 500, "java", 300 << 20), proc(20, 900, "updatedb", 1ull << 30)};
  auto in1 = all_of(s1);
  in1.process_owner = owner_fn;
  in1.process_provenance = [](const Process&) { return std::string(R"({"ancestry":["cron","sh"]})"); };
  ASSERT_TRUE((*w)->write_sample(in1));
  auto s2 = snap(110, 3ull << 30);
  s2.processes = {proc(10, 500, "java", 310 << 20)};
  auto in2 = all_of(s2);
  in2.process_owner = owner_fn;
  ASSERT_TRUE((*w)->write_sample(in2));
  EXPECT_EQ(owner_calls, 2);  // java's owner was computed once, at first sight

  auto h = History::open(t.path);
  ASSERT_TRUE(h) << h.error().describe();
  auto m = (*h)->at(105);
  ASSERT_TRUE(m && *m);
  const auto& snap_then = (*m)->snapshot;
  ASSERT_EQ(snap_then.processes.size(), 2u);
  const Process* u = snap_then.find_process(20);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->comm, "updatedb");
  EXPECT_EQ(u->rss_bytes, 1ull << 30);
  EXPECT_EQ(u->start_time, 900u);
  size_t ui = static_cast<size_t>(u - snap_then.processes.data());
  EXPECT_EQ((*m)->process_owners[ui].kind, OwnerKind::kCron);
  EXPECT_EQ((*m)->process_provenance[ui], R"({"ancestry":["cron","sh"]})");
  EXPECT_EQ(snap_then.meminfo.get("MemFree"), 2ull << 30);
  ASSERT_EQ(snap_then.cgroups.size(), 3u);
  EXPECT_EQ(snap_then.cgroups[0].path, "/");
  EXPECT_EQ(snap_then.slab.at(0).name, "dentry");

  auto later = (*h)->at(115);
  ASSERT_TRUE(later && *later);
  EXPECT_EQ((*later)->snapshot.processes.size(), 1u);
  EXPECT_FALSE((*h)->at(99).value());  // before the first sample

  auto nodes = (*h)->node_series({0, 200});
  ASSERT_TRUE(nodes);
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[1].meminfo.get("MemFree"), 3ull << 30);
  EXPECT_EQ(working_set(*(*nodes)[0].root), (4ull << 30) - (1ull << 30));

  auto series = (*h)->process_series(1700000000, 10, 500, {0, 200});
  ASSERT_TRUE(series);
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[1].second.rss_bytes, uint64_t{310} << 20);

  auto cs = (*h)->cgroup_series("/kubepods/burstable/podabc", {0, 200});
  ASSERT_TRUE(cs);
  EXPECT_EQ(cs->times.size(), 2u);
  EXPECT_EQ(cs->values[0].limit_bytes, 1ull << 30);
}

TEST(Store, ProcessIdentityIsPidAndStartTime) {
  TempDb t;
  auto w = StoreWriter::open(t.path);
  ASSERT_TRUE(w);
  auto s1 = snap(100, 1);
  s1.processes = {proc(42, 1000, "old", 1 << 20)};
  ASSERT_TRUE((*w)->write_sample(all_of(s1)));
  auto s2 = snap(110, 1);
  s2.processes = {proc(42, 2000, "new", 2 << 20)};  // pid reused
  ASSERT_TRUE((*w)->write_sample(all_of(s2)));
  auto h = History::open(t.path);
  ASSERT_TRUE(h);
  EXPECT_EQ((*h)->at(100).value()->snapshot.processes.at(0).comm, "old");
  EXPECT_EQ((*h)->at(110).value()->snapshot.processes.at(0).comm, "new");
}

TEST(Store, ExecRefreshesTheStoredNameButKeepsFirstSightProvenance) {
  TempDb t;
  auto w = StoreWriter::open(t.path);
  ASSERT_TRUE(w);
  int prov_calls = 0;
  auto s1 = snap(100, 1);
  s1.processes = {proc(42, 1000, "bash", 1 << 20)};  // the forked shell, just before exec
  auto in1 = all_of(s1);
  in1.process_provenance = [&](const Process&) { ++prov_calls; return std::string(R"({"ancestry":["cron"]})"); };
  ASSERT_TRUE((*w)->write_sample(in1));
  auto s2 = snap(110, 1);
  s2.processes = {proc(42, 1000, "updatedb", 900 << 20)};  // same pid and start time: it exec'd
  auto in2 = all_of(s2);
  in2.process_provenance = in1.process_provenance;
  ASSERT_TRUE((*w)->write_sample(in2));
  EXPECT_EQ(prov_calls, 1);
  auto h = History::open(t.path);
  ASSERT_TRUE(h);
  auto m = (*h)->at(110).value();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->snapshot.processes.at(0).comm, "updatedb");
  EXPECT_EQ(m->snapshot.processes.at(0).cmdline.at(0), "updatedb");
  EXPECT_EQ(m->process_provenance.at(0), R"({"ancestry":["cron"]})");
}

// The exit capture's rows: a process the samples stored ends on its own identity row; one they never
// saw gets a row of its own; the moment replays what lived between two samples; retention drops both.
TEST(Store, ExitsOnTheProcessIdentityAndBetweenSamples) {
  TempDb t;
  WriterOptions wo;
  wo.retain_seconds = 1000;
  auto w = StoreWriter::open(t.path, wo);
  ASSERT_TRUE(w) << w.error().describe();
  auto s1 = snap(100, 1);
  s1.processes = {proc(10, 500, "java", 300 << 20)};
  ASSERT_TRUE((*w)->write_sample(all_of(s1)));

  ExitBatch b;
  b.boot_time = 1700000000;
  ProcessExit sampled;
  sampled.process = proc(10, 500, "java", 0);
  sampled.time = 104;
  sampled.start = 5;
  sampled.peak_rss_bytes = 400 << 20;
  sampled.exit_code = 9;
  b.exits.push_back(sampled);
  ProcessExit job;
  job.process = proc(77, 10'300, "bigjob", 0);
  job.process.cmdline.clear();
  job.process.memory_cgroup = "/jobs/x";
  job.owner.kind = OwnerKind::kCron;
  job.owner.unit = "cron.service";
  job.provenance = R"({"ancestry":[{"pid":76,"comm":"sh"}]})";
  job.time = 106;
  job.start = 103;
  job.peak_rss_bytes = 2ull << 30;
  job.run_us = 3'000'000;
  job.parent_pid = 76;
  job.parent_comm = "sh";
  b.exits.push_back(job);
  ExitGroup g;
  g.since = 101;
  g.time = 108;
  g.cgroup = "/storm";
  g.count = 5000;
  g.failed = 2;
  g.max_peak_bytes = 3 << 20;
  g.max_comm = "tiny";
  g.owner.kind = OwnerKind::kSystemdUnit;
  g.owner.unit = "storm.service";
  b.groups.push_back(g);
  auto n = (*w)->write_exits(b);
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(*n, 2);
  b.groups.clear();
  EXPECT_EQ((*w)->write_exits(b).value(), 0);  // the same exits again: stored once

  auto s2 = snap(110, 1);
  ASSERT_TRUE((*w)->write_sample(all_of(s2)));

  auto h = History::open(t.path);
  ASSERT_TRUE(h);
  auto ex = (*h)->exits({0, 200});
  ASSERT_TRUE(ex);
  ASSERT_EQ(ex->size(), 2u);
  EXPECT_EQ((*ex)[0].process.comm, "java");
  EXPECT_EQ((*ex)[0].exit_code, 9);
  EXPECT_EQ((*ex)[1].process.comm, "bigjob");
  EXPECT_EQ((*ex)[1].owner.kind, OwnerKind::kCron);
  EXPECT_EQ((*ex)[1].process.memory_cgroup, "/jobs/x");
  EXPECT_EQ((*ex)[1].peak_rss_bytes, 2ull << 30);
  EXPECT_EQ((*ex)[1].run_us, 3'000'000);
  EXPECT_EQ((*ex)[1].provenance, job.provenance);
  EXPECT_EQ((*h)->exits({0, 200}, 77)->size(), 1u);
  // The sample at 100 replays both as having lived before the next sample; java was stored by it,
  // so only the job is listed apart.
  auto m = (*h)->at(100);
  ASSERT_TRUE(m && *m);
  ASSERT_EQ((*m)->exited.size(), 1u);
  EXPECT_EQ((*m)->exited[0].process.pid, 77);
  EXPECT_TRUE((*h)->at(110).value()->exited.empty());
  auto gs = (*h)->exit_groups({0, 200});
  ASSERT_TRUE(gs);
  ASSERT_EQ(gs->size(), 1u);
  EXPECT_EQ((*gs)[0].count, 5000u);
  EXPECT_EQ((*gs)[0].owner.unit, "storm.service");
  // java's life ends at its exit, not at the next sweep.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(t.path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT last_seen FROM processes WHERE pid=10", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 104);
  sqlite3_finalize(st);
  sqlite3_close(db);

  ASSERT_TRUE((*w)->enforce_retention(1110));
  auto h2 = History::open(t.path);
  EXPECT_TRUE((*h2)->exits({0, 2000})->empty());
  EXPECT_TRUE((*h2)->exit_groups({0, 2000})->empty());
}

TEST(Store, EventsAreStoredOnce) {
  TempDb t;
  auto w = StoreWriter::open(t.path);
  ASSERT_TRUE(w);
  RecordedEvent e;
  e.time = 100;
  e.kind = "oom_kill";
  e.source = "kmsg";
  e.dedupe_key = "boot:17";
  e.pid = 5;
  e.comm = "stress";
  e.message = "Out of memory: Killed process 5 (stress)";
  auto a = (*w)->write_events({e});
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 1);
  auto b = (*w)->write_events({e});
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, 0);
  auto h = History::open(t.path);
  auto ev = (*h)->events({0, 200}, "oom_kill");
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ(ev->at(0).comm, "stress");
  EXPECT_TRUE((*h)->events({0, 200}, "eviction")->empty());
}

// Issue 16 item 4: an OOM kill stored with its victim's last reading keeps the victim, even one no
// sample stored; `find_exited` gives it back, as last read, with the kill.
TEST(Store, OomVictimIsStoredWithTheKillAndFoundAfterItsDeath) {
  TempDb t;
  auto w = StoreWriter::open(t.path);
  ASSERT_TRUE(w);
  auto s = snap(100, 2ull << 30);
  s.processes = {proc(7, 70, "big", 300 << 20)};
  ASSERT_TRUE((*w)->write_sample(all_of(s)));
  // pid 9 grew and died between the samples at 100 and 110: no sample stored it.
  RecordedEvent e;
  e.time = 105;
  e.kind = "oom_kill";
  e.source = "kmsg";
  e.dedupe_key = "boot:105:9";
  e.pid = 9;
  e.comm = "hog";
  e.cgroup = "/kubepods/burstable/podabc";
  e.bytes = 200 << 20;
  e.message = "Memory cgroup out of memory";
  e.detail = R"({"scope":"memcg","limit_memcg":"/kubepods/burstable/podabc","memcg_limit_bytes":1073741824})";
  RecordedVictim v;
  v.seen_at = 103;
  v.boot_time = s.boot_time;
  v.process = proc(9, 90, "hog", 150 << 20);
  v.owner.kind = OwnerKind::kCgroup;
  v.owner.cgroup = "/kubepods/burstable/podabc";
  v.provenance = R"({"ancestry":[{"pid":1,"comm":"systemd"}]})";
  e.victim = v;
  ASSERT_TRUE((*w)->write_events({e}));
  auto s2 = snap(110, 2ull << 30);
  s2.processes = {proc(7, 70, "big", 300 << 20)};
  ASSERT_TRUE((*w)->write_sample(all_of(s2)));

  auto h = History::open(t.path);
  ASSERT_TRUE(h);
  auto ev = (*h)->events({0, 200}, "oom_kill");
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1u);
  ASSERT_TRUE(ev->front().victim);
  const RecordedVictim& back = *ev->front().victim;
  EXPECT_EQ(back.seen_at, 103);
  EXPECT_EQ(back.process.start_time, 90u);
  EXPECT_EQ(back.process.rss_bytes, 150u << 20);
  EXPECT_EQ(back.process.cmdline, (std::vector<std::string>{"hog", "--flag"}));
  EXPECT_EQ(back.owner.label(), "/kubepods/burstable/podabc");
  EXPECT_NE(back.provenance.find("systemd"), std::string::npos);

  // The sample at 110 does not hold pid 9; the recorder's last reading does.
  auto gone = find_exited(**h, 9, 110);
  ASSERT_TRUE(gone);
  ASSERT_TRUE(*gone);
  const ExitedProcess& x = **gone;
  ASSERT_LT(x.index, x.moment.snapshot.processes.size());
  EXPECT_EQ(x.moment.snapshot.processes[x.index].comm, "hog");
  EXPECT_EQ(x.moment.snapshot.processes[x.index].rss_bytes, 150u << 20);
  EXPECT_EQ(x.last_read, 103);
  ASSERT_TRUE(x.exit);
  EXPECT_EQ(x.exit->time, 105);
  EXPECT_EQ(x.exit->scope, "memcg");
  EXPECT_EQ(x.exit->limit_bytes, 1ull << 30);
  // Before the kill there is nothing to say of pid 9; pid 7 was never killed but was stored.
  auto before = find_exited(**h, 9, 104);
  ASSERT_TRUE(before);
  EXPECT_FALSE(*before);
  auto stored = find_exited(**h, 7, 200);
  ASSERT_TRUE(stored && *stored);
  EXPECT_FALSE((*stored)->exit);
  EXPECT_EQ((*stored)->moment.snapshot.processes[(*stored)->index].comm, "big");
}

// A victim some sample stored keeps that row (its first sight), not a second one.
TEST(Store, OomVictimAlreadyStoredKeepsItsIdentityRow) {
  TempDb t;
  auto w = StoreWriter::open(t.path);
  ASSERT_TRUE(w);
  auto s = snap(100, 2ull << 30);
  s.processes = {proc(7, 70, "big", 300 << 20)};
  auto in = all_of(s);
  in.process_provenance = [](const Process&) { return std::string(R"({"exe":"/first/sight"})"); };
  ASSERT_TRUE((*w)->write_sample(in));
  RecordedEvent e;
  e.time = 105;
  e.kind = "oom_kill";
  e.dedupe_key = "boot:105:7";
  e.pid = 7;
  e.comm = "big";
  RecordedVictim v;
  v.seen_at = 104;
  v.boot_time = s.boot_time;
  v.process = proc(7, 70, "big", 400 << 20);
  v.provenance = R"({"exe":"/later"})";
  e.victim = v;
  ASSERT_TRUE((*w)->write_events({e}));
  auto h = History::open(t.path);
  auto ev = (*h)->events({0, 200});
  ASSERT_TRUE(ev && ev->size() == 1u && ev->front().victim);
  EXPECT_EQ(ev->front().victim->provenance, R"({"exe":"/first/sight"})");
  EXPECT_EQ(ev->front().victim->first_seen, 100);
  EXPECT_EQ(ev->front().victim->process.rss_bytes, 400u << 20);  // the last reading's memory
}

TEST(Store, RetentionByAge) {
  TempDb t;
  WriterOptions o;
  o.retain_seconds = 100;
  auto w = StoreWriter::open(t.path, o);
  ASSERT_TRUE(w);
  for (int64_t ts : {1000, 1050, 1100, 1150}) {
    auto s = snap(ts, 1);
    s.processes = {proc(static_cast<int>(ts), 1, "p", 1 << 20)};
    ASSERT_TRUE((*w)->write_sample(all_of(s)));
  }
  auto r = (*w)->enforce_retention(1160);
  ASSERT_TRUE(r) << r.error().describe();
  auto h = History::open(t.path);
  auto all = (*h)->samples({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->front().time, 1100);
}

TEST(Store, RetentionBySize) {
  TempDb t;
  WriterOptions o;
  o.max_db_bytes = 96 * 1024;
  auto w = StoreWriter::open(t.path, o);
  ASSERT_TRUE(w);
  for (int i = 0; i < 300; ++i) {
    auto s = snap(1000 + i, static_cast<uint64_t>(i) * 4096);
    for (int p = 0; p < 40; ++p) s.processes.push_back(proc(p + 100, 7, "filler", static_cast<uint64_t>(i * 7919 + p) * 4096));
    ASSERT_TRUE((*w)->write_sample(all_of(s)));
    ASSERT_TRUE((*w)->enforce_retention(1000 + i));
  }
  EXPECT_LE(std::filesystem::file_size(t.path), 2 * o.max_db_bytes);  // pages given back by the vacuum
  auto h = History::open(t.path);
  auto all = (*h)->samples({});
  ASSERT_TRUE(all);
  EXPECT_LT(all->size(), 300u);
  EXPECT_EQ(all->back().time, 1299);  // newest kept
}

TEST(Store, RefusesNewerSchema) {
  TempDb t;
  {
    auto w = StoreWriter::open(t.path);
    ASSERT_TRUE(w);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(t.path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_FALSE(StoreWriter::open(t.path));
  EXPECT_FALSE(History::open(t.path));
}

TEST(Store, ReaderRejectsNonDatabase) {
  TempDb t;
  EXPECT_FALSE(History::open(t.path + "-missing"));
}

// Schema v1 (before the kubelet settings table): a reader opens it read-only as it is, the writer
// migrates it to the current version in place and keeps every sample.
TEST(Store, MigratesV1DatabaseAndReadsItBeforeAndAfter) {
  TempDb t;
  {
    auto w = StoreWriter::open(t.path);
    ASSERT_TRUE(w);
    auto s = snap(100, 2ull << 30);
    ASSERT_TRUE((*w)->write_sample(all_of(s)));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(t.path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "ALTER TABLE samples DROP COLUMN kubelet_config_id; DROP TABLE kubelet_configs; "
                         "ALTER TABLE events DROP COLUMN process_id; ALTER TABLE events DROP COLUMN victim; "
                         "DROP TABLE exits; DROP TABLE exit_groups; PRAGMA user_version=1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  {
    auto h = History::open(t.path);
    ASSERT_TRUE(h) << h.error().describe();
    auto nodes = (*h)->node_series({0, 1000});
    ASSERT_TRUE(nodes);
    ASSERT_EQ(nodes->size(), 1u);
    EXPECT_FALSE(nodes->front().kubelet_config_id);
    EXPECT_EQ((*h)->kubelet_config(std::nullopt).eviction_hard.at("memory.available").value, "100Mi");
    // No exit tables before v3: none read, no error.
    EXPECT_TRUE((*h)->exits({0, 1000}).value().empty());
    EXPECT_TRUE((*h)->exit_groups({0, 1000}).value().empty());
    EXPECT_TRUE((*h)->at(100).value()->exited.empty());
  }
  {
    auto w = StoreWriter::open(t.path);
    ASSERT_TRUE(w) << w.error().describe();
    auto s = snap(110, 2ull << 30);
    auto in = all_of(s);
    in.kubelet_config_json = R"({"kubelet_found":true,"eviction_hard":{"memory.available":{"value":"1Gi","source":"flag"}}})";
    ASSERT_TRUE((*w)->write_sample(in));
  }
  auto h = History::open(t.path);
  ASSERT_TRUE(h);
  auto nodes = (*h)->node_series({0, 1000});
  ASSERT_TRUE(nodes);
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_FALSE((*nodes)[0].kubelet_config_id);
  ASSERT_TRUE((*nodes)[1].kubelet_config_id);
  EXPECT_EQ((*h)->kubelet_config((*nodes)[1].kubelet_config_id).eviction_hard.at("memory.available").value, "1Gi");
  sqlite3* d2 = nullptr;
  ASSERT_EQ(sqlite3_open(t.path.c_str(), &d2), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(d2, "PRAGMA user_version", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), kSchemaVersion);
  sqlite3_finalize(st);
  sqlite3_close(d2);
}

// Stored frames that cannot be decoded are left out of the timeline, but counted and named: the
// audit saw `history` drop 44 of 134 samples without a word.
TEST(Store, CorruptSamplesAreCountedAndNamed) {
  TempDb t;
  {
    auto w = StoreWriter::open(t.path);
    ASSERT_TRUE(w);
    for (int64_t ts : {1000, 1010, 1020, 1030}) {
      auto s = snap(ts, 1ull << 30);
      ASSERT_TRUE((*w)->write_sample(all_of(s)));
    }
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(t.path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE samples SET node=x'00ff00ff' WHERE time IN (1010,1020); "
                         "UPDATE samples SET detail=x'ffff' WHERE time=1030",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto h = History::open(t.path);
  ASSERT_TRUE(h);
  auto tl = build_timeline(**h, {0, 2000});
  ASSERT_TRUE(tl) << tl.error().describe();
  EXPECT_EQ(tl->samples, 2u);          // 1000 and 1030 decode
  EXPECT_EQ(tl->corrupt_samples, 2u);  // 1010 and 1020 do not, and are counted
  std::string all;
  for (const auto& w : tl->warnings) all += w + "\n";
  EXPECT_NE(all.find("node frame unreadable"), std::string::npos) << all;
  EXPECT_NE(all.find(rfc3339_utc(1010)), std::string::npos) << all;
  EXPECT_NE(all.find(rfc3339_utc(1020)), std::string::npos) << all;
  EXPECT_NE(all.find(rfc3339_utc(1030) + ": detail frame"), std::string::npos) << all;
}
