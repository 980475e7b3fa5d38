#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/report_builder.hpp"
#include "store/history.hpp"
#include "store/writer.hpp"

#include "../temp_db.hpp"

using namespace ms;
using ms::test_support::TempDb;
using namespace ms::store;

namespace {

constexpr uint64_t kGi = 1ull << 30, kMi = 1ull << 20;

Cgroup cg(const char* path, uint64_t inode, uint64_t usage, std::optional<uint64_t> limit, uint64_t inactive) {
  Cgroup c;
  c.path = path;
  c.inode = inode;
  c.usage_bytes = usage;
  c.limit_known = true;
  c.limit_bytes = limit;
  c.stat.items = {{"total_inactive_file", inactive}, {"total_rss", usage - inactive}};
  return c;
}

Process proc(int pid, const char* comm, uint64_t rss, const char* cgroup) {
  Process p;
  p.pid = pid;
  p.ppid = 1;
  p.start_time = 1000 + static_cast<uint64_t>(pid);
  p.comm = comm;
  p.cmdline = {comm};
  p.rss_bytes = rss;
  p.memory_cgroup = cgroup;
  return p;
}

// A 16 GiB v1 node: root usage `used`, of which 1 GiB inactive file; `mem_available` per the kernel.
Snapshot node(int64_t t, uint64_t used, uint64_t mem_available, uint64_t updatedb_rss) {
  Snapshot s;
  s.time = t;
  s.boot_time = 1700000000;
  s.cgroup_version = CgroupVersion::kV1;
  s.meminfo.items = {{"MemTotal", 16 * kGi}, {"MemFree", mem_available / 2}, {"MemAvailable", mem_available},
                     {"SReclaimable", 300 * kMi}, {"SUnreclaim", 100 * kMi}, {"Shmem", 10 * kMi}};
  s.cgroups = {cg("/", 1, used, std::nullopt, kGi), cg("/kubepods", 2, 2 * kGi, 15 * kGi, kMi),
               cg("/kubepods/burstable/podabc/ctr", 5, 900 * kMi, kGi, 0),
               cg("/system.slice", 3, updatedb_rss + kGi, std::nullopt, 0),
               cg("/system.slice/cron.service", 4, updatedb_rss, std::nullopt, 0)};
  s.processes = {proc(4242, "updatedb", updatedb_rss, "/system.slice/cron.service"),
                 proc(77, "java", 900 * kMi, "/kubepods/burstable/podabc/ctr"),
                 proc(9, "sshd", 64 * kMi, "/")};
  return s;
}

void record(StoreWriter& w, const Snapshot& s) {
  SampleInput in;
  in.snapshot = &s;
  for (size_t i = 0; i < s.processes.size(); ++i) in.processes.push_back(i);
  for (size_t i = 0; i < s.cgroups.size(); ++i) in.cgroups.push_back(i);
  in.process_owner = [](const Process& p) {
    Owner o;
    if (p.comm == "updatedb") {
      o.kind = OwnerKind::kCron;
      o.unit = "cron.service";
    } else if (p.comm == "sshd") {
      o.kind = OwnerKind::kUnconfined;
    } else {
      o.kind = OwnerKind::kPod;
      o.in_kubepods = true;
      o.namespace_ = "shop";
      o.pod = "cart-7d9f";
    }
    return o;
  };
  in.process_provenance = [](const Process& p) {
    return p.comm == "updatedb"
               ? std::string(R"({"source":{"file":"/etc/crontab","line":3,"script":"/etc/cron.daily/locate"}})")
               : std::string("{}");
  };
  ASSERT_TRUE(w.write_sample(in));
}

// Three samples: calm, the night's worst (kernel nearly out, kubelet still sees > 500Mi), recovered.
void record_night(const std::string& path, bool with_oom) {
  auto w = StoreWriter::open(path);
  ASSERT_TRUE(w) << w.error().describe();
  record(**w, node(1800000000, 6 * kGi, 9 * kGi, 1 * kGi));
  // Working set 15.5 GiB - 1 GiB inactive: kubelet sees 1.5 GiB; the kernel 180 MiB.
  record(**w, node(1800000600, 15 * kGi + 512 * kMi, 180 * kMi, 11 * kGi));
  record(**w, node(1800001200, 5 * kGi, 10 * kGi, 0));
  if (with_oom) {
    RecordedEvent e;
    e.time = 1800001000;
    e.kind = "oom_kill";
    e.source = "kmsg";
    e.dedupe_key = "boot:1";
    e.pid = 88;  // a java no sample stored: it grew and died between two
    e.comm = "java";
    e.cgroup = "/kubepods/burstable/podabc/ctr";
    e.owner_kind = "pod";
    e.bytes = static_cast<int64_t>(kGi);
    e.message = "Memory cgroup out of memory";
    e.detail = R"({"scope":"memcg","limit_memcg":"/kubepods/burstable/podabc/ctr","constraint":"CONSTRAINT_MEMCG",)"
               R"("memcg_usage_bytes":1073741824,"memcg_limit_bytes":1073741824})";
    // The recorder's last reading of the victim, 10 s before the kill.
    RecordedVictim v;
    v.seen_at = 1800000990;
    v.boot_time = 1700000000;
    v.process = proc(88, "java", 1000 * kMi, "/kubepods/burstable/podabc/ctr");
    v.process.cmdline = {"java", "-Xmx2g"};
    v.owner.kind = OwnerKind::kPod;
    v.provenance = R"({"ancestry":[{"pid":60,"comm":"containerd-shim"},{"pid":1,"comm":"systemd"}]})";
    e.victim = v;
    ASSERT_TRUE((*w)->write_events({e}));
  }
}

// The node's files for the findings: an empty tree (no host file is read).
ReportOptions options(const TempDb& t, bool kubelet = true) {
  ReportOptions o;
  o.node = "node-1";
  o.now = 1800002000;
  o.paths = HostPaths{t.dir + "/proc", t.dir + "/sys", t.dir};
  o.diagnosis.db_path = t.path;
  if (kubelet) o.diagnosis.kubelet_flags = "--eviction-hard=memory.available<500Mi";
  return o;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

std::string incident_text(const ReportIncident& i) {
  std::string out = i.headline + "\n";
  for (const auto& f : i.facts) out += f.label + ": " + f.value + "\n";
  return out;
}

}  // namespace

TEST(ReportWindow, WorstMomentIsTheLowestViewWithoutIncidents) {
  TempDb t;
  record_night(t.path, false);
  auto h = store::History::open(t.path);
  ASSERT_TRUE(h);
  auto w = choose_window(**h, options(t));
  ASSERT_TRUE(w) << w.error().describe();
  EXPECT_EQ(w->worst, 1800000600);
  EXPECT_EQ(w->worst_reason, "the lowest available memory");
  EXPECT_EQ(w->since, 1800000000);  // clipped to what the store holds
  EXPECT_EQ(w->until, 1800001200);
}

TEST(ReportWindow, LatestOomKillWinsAndGivenWindowIsKept) {
  TempDb t;
  record_night(t.path, true);
  auto h = store::History::open(t.path);
  ASSERT_TRUE(h);
  auto w = choose_window(**h, options(t));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->worst, 1800001000);
  EXPECT_EQ(w->worst_reason, "the latest OOM kill");
  auto o = options(t);
  o.since = 1800000500;
  o.until = 1800000700;
  auto given = choose_window(**h, o);
  ASSERT_TRUE(given);
  EXPECT_EQ(given->since, 1800000500);
  EXPECT_EQ(given->until, 1800000700);
  EXPECT_EQ(given->worst, 1800000600);  // no OOM inside the given window: the lowest view there
}

TEST(ReportBuilder, StoryNamesTheUnboundedCronWalkerAndTheBlindThreshold) {
  TempDb t;
  record_night(t.path, false);
  auto h = store::History::open(t.path);
  ASSERT_TRUE(h);
  auto d = build_report(**h, options(t));
  ASSERT_TRUE(d) << d.error().describe();
  // No kill or eviction: the incident says so, and names the closest moment.
  EXPECT_EQ(d->incident.kind, "");
  EXPECT_NE(d->incident.headline.find("No OOM kill or eviction was recorded"), std::string::npos)
      << d->incident.headline;
  std::string story = joined(d->summary);
  // Kubelet: 16 GiB - (15.5 GiB - 1 GiB) = 1.5 GiB; kernel MemAvailable 180 MiB.
  EXPECT_NE(story.find("the kubelet saw 1.50Gi available while the kernel had 180Mi"), std::string::npos) << story;
  EXPECT_NE(story.find("hard eviction threshold is 500Mi"), std::string::npos) << story;
  EXPECT_NE(story.find("saw no reason to evict"), std::string::npos) << story;
  EXPECT_NE(story.find("updatedb (pid 4242) holding 11.0Gi"), std::string::npos) << story;
  EXPECT_NE(story.find("outside any pod"), std::string::npos) << story;
  EXPECT_NE(story.find("with no memory limit"), std::string::npos) << story;
  EXPECT_NE(story.find("/etc/crontab:3 -> /etc/cron.daily/locate"), std::string::npos) << story;
  EXPECT_NE(story.find("No OOM kill or eviction"), std::string::npos) << story;
  EXPECT_EQ(story.find('`'), std::string::npos) << story;  // prose, not markdown

  ASSERT_FALSE(d->charts.empty());
  const auto& avail = d->charts.front();
  EXPECT_EQ(avail.id, "available");
  ASSERT_EQ(avail.times.size(), 3u);
  ASSERT_GE(avail.series.size(), 3u);
  EXPECT_EQ(avail.series[0].values[1], static_cast<double>(kGi + 512 * kMi));  // kubelet view at the worst
  EXPECT_EQ(avail.series[1].values[1], static_cast<double>(180 * kMi));         // kernel view
  bool threshold_line = false;
  for (const auto& s : avail.series)
    if (s.dashed && s.values.at(0) == static_cast<double>(500 * kMi)) threshold_line = true;
  EXPECT_TRUE(threshold_line);

  ASSERT_FALSE(d->top_consumers.rows.empty());
  EXPECT_EQ(d->top_consumers.rows[0][0], "4242");
  ASSERT_EQ(d->top_consumers.rows.size(), 3u);
  EXPECT_EQ(d->top_consumers.rows[0][3], "cron.service (cron)");
  EXPECT_EQ(d->top_consumers.rows[1][3], "shop/cart-7d9f (pod)");
  EXPECT_EQ(d->top_consumers.rows[2][3], "unconfined");  // the kind once, not "unconfined (unconfined)"
  EXPECT_EQ(d->top_consumers.rows[0][4], "no");          // in a pod
  EXPECT_EQ(d->top_consumers.rows[0][5], "none");        // effective limit
  EXPECT_FALSE(d->findings.empty());                     // the doctor ran on the recorded moment
  EXPECT_EQ(d->findings_time, 1800000600);
}

// Issue 16 item 3: without a kubelet the report says nothing of what a kubelet saw or would do.
TEST(ReportBuilder, NoKubeletSentenceWithoutAKubelet) {
  TempDb t;
  record_night(t.path, false);
  auto h = store::History::open(t.path);
  ASSERT_TRUE(h);
  auto d = build_report(**h, options(t, false));
  ASSERT_TRUE(d) << d.error().describe();
  std::string story = joined(d->summary) + incident_text(d->incident);
  EXPECT_EQ(story.find("kubelet saw"), std::string::npos) << story;
  EXPECT_EQ(story.find("eviction threshold"), std::string::npos) << story;
  EXPECT_NE(story.find("no kubelet runs on this node"), std::string::npos) << story;
  for (const auto& s : d->charts.front().series) EXPECT_EQ(s.name.find("kubelet"), std::string::npos) << s.name;
}

// Issue 16 items 2-4: a memory-cgroup OOM kill is the first thing the report says, with the victim, its
// cgroup and limit, what started it (from the victim's last reading), a chart of that cgroup against its
// limit, and the findings `doctor --db --at` gives for the same moment.
TEST(ReportBuilder, OomKillIsTheIncidentWithItsCgroupLimitAndTheDoctorsFindings) {
  TempDb t;
  record_night(t.path, true);
  auto h = store::History::open(t.path);
  ASSERT_TRUE(h);
  auto d = build_report(**h, options(t));
  ASSERT_TRUE(d) << d.error().describe();
  const ReportIncident& in = d->incident;
  EXPECT_EQ(in.kind, "oom_kill");
  EXPECT_EQ(in.pid, 88);
  EXPECT_EQ(in.comm, "java");
  EXPECT_EQ(in.cgroup, "/kubepods/burstable/podabc/ctr");
  EXPECT_EQ(in.limit_bytes, 1 * kGi);
  EXPECT_EQ(in.usage_bytes, 1 * kGi);
  std::string text = incident_text(in);
  EXPECT_NE(in.headline.find("java (pid 88) was OOM-killed"), std::string::npos) << in.headline;
  EXPECT_NE(in.headline.find("hit its 1.00Gi limit"), std::string::npos) << in.headline;
  EXPECT_NE(text.find("java -Xmx2g, started by containerd-shim <- systemd"), std::string::npos) << text;
  EXPECT_EQ(text.find('`'), std::string::npos) << text;
  // The node's largest process (updatedb) is a bystander to a cgroup at its own limit.
  EXPECT_EQ(joined(d->summary).find("largest process"), std::string::npos) << joined(d->summary);

  ASSERT_FALSE(d->charts.empty());
  const ReportChart& cg = d->charts.front();
  EXPECT_EQ(cg.id, "victim-cgroup");
  ASSERT_EQ(cg.series.size(), 2u);
  EXPECT_EQ(cg.series[0].name, "usage");
  EXPECT_EQ(cg.series[1].name, "limit");
  EXPECT_TRUE(cg.series[1].dashed);
  EXPECT_EQ(cg.series[1].values.front(), static_cast<double>(kGi));

  // The findings are those of the first sample after the kill, as `doctor --db --at @T` computes them.
  ASSERT_EQ(d->findings_time, 1800001200);
  EXPECT_NE(d->findings_command.find("--at @1800001200"), std::string::npos) << d->findings_command;
  auto m = (*h)->at(1800001200);
  ASSERT_TRUE(m && *m);
  auto doctor = diagnosis::diagnose_recorded(options(t).paths, **h, **m, options(t).diagnosis);
  ASSERT_TRUE(doctor) << doctor.error().describe();
  ASSERT_EQ(d->findings.size(), doctor->report.findings.size());
  bool kill = false;
  for (size_t i = 0; i < d->findings.size(); ++i) {
    EXPECT_EQ(d->findings[i].id, doctor->report.findings[i].id);
    EXPECT_EQ(d->findings[i].subject.pid, doctor->report.findings[i].subject.pid);
    EXPECT_EQ(d->findings[i].subject.cgroup, doctor->report.findings[i].subject.cgroup);
    kill |= d->findings[i].id == "recent-memcg-oom" && d->findings[i].subject.pid == 88;
  }
  EXPECT_TRUE(kill);  // the report's doctor sees the recorded kill (it said "No findings" before)
}

TEST(ReportBuilder, EmptyStoreIsAClearError) {
  TempDb t;
  { ASSERT_TRUE(StoreWriter::open(t.path)); }
  auto h = store::History::open(t.path);
  ASSERT_TRUE(h);
  auto d = build_report(**h, options(t));
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().describe().find("no samples"), std::string::npos);
}

// The report is made to be shared: command lines recorded as they were (record --no-redact, or a
// database from before redaction) are redacted in it unless report --no-redact is given.
TEST(Report, RedactsSecretsInCommandLines) {
  TempDb t;
  {
    WriterOptions wo;
    wo.redact_secrets = false;
    auto w = StoreWriter::open(t.path, wo);
    ASSERT_TRUE(w);
    for (int64_t at : {1800000000, 1800000600}) {
      Snapshot s = node(at, 15 * kGi, 180 * kMi, 11 * kGi);
      s.processes[0].cmdline = {"updatedb", "--token=tok-hunter2"};
      s.processes[1].cmdline = {"java", "-Ddb.password=hunter2", "-jar", "x.jar"};
      SampleInput in;
      in.snapshot = &s;
      for (size_t i = 0; i < s.processes.size(); ++i) in.processes.push_back(i);
      for (size_t i = 0; i < s.cgroups.size(); ++i) in.cgroups.push_back(i);
      in.process_provenance = [](const Process& p) {
        return p.comm == "java"
                   ? std::string(
                         R"({"ancestry":[{"pid":1,"comm":"sh","cmdline":"/bin/sh -c mysqldump -phunter2 db /cron"}]})")
                   : std::string("{}");
      };
      ASSERT_TRUE((*w)->write_sample(in));
    }
  }
  auto h = store::History::open(t.path);
  ASSERT_TRUE(h);
  auto o = options(t);
  auto d = build_report(**h, o);
  ASSERT_TRUE(d) << d.error().describe();
  std::string html = render_report_html(*d);
  EXPECT_EQ(html.find("hunter2"), std::string::npos);
  EXPECT_NE(html.find("updatedb --token="), std::string::npos);  // the argv
  EXPECT_NE(html.find("mysqldump -p"), std::string::npos);       // an ancestor's, in the provenance
  EXPECT_NE(html.find("redacted"), std::string::npos);
  o.redact = false;
  auto raw = build_report(**h, o);
  ASSERT_TRUE(raw);
  EXPECT_NE(render_report_html(*raw).find("hunter2"), std::string::npos);
}
