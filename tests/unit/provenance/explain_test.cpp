#include <gtest/gtest.h>

#include "probe/parsers.hpp"
#include "provenance/explain.hpp"
#include "render/explain_json.hpp"
#include "render/explain_text.hpp"

using namespace ms;

namespace {

constexpr const char* kUid = "e13c3afb-d0a2-425e-9296-50ae995d0603";

Process proc(int pid, int ppid, std::string comm, std::vector<std::string> argv, uint64_t start,
             std::string cg = "/system.slice/cron.service") {
  Process p;
  p.pid = pid;
  p.ppid = ppid;
  p.comm = std::move(comm);
  p.cmdline = std::move(argv);
  p.start_time = start;
  p.uid = 0;
  p.rss_bytes = uint64_t{1} << 20;
  p.memory_cgroup = cg;
  p.cgroups = {{12, "memory", cg}, {1, "name=systemd", cg}};
  return p;
}

Cgroup cgroup(std::string path, std::optional<uint64_t> limit) {
  Cgroup c;
  c.path = std::move(path);
  c.limit_bytes = limit;
  c.limit_known = true;
  c.usage_bytes = uint64_t{18} << 30;
  return c;
}

// The seed incident as a snapshot: cron → sh -c → run-parts → cron.daily/mlocate → updatedb, all in
// cron.service, no limit anywhere, cwd inside a pod's volume on CephFS.
struct Incident {
  Snapshot snap;
  CronSources cron;
  ClassifySources sources;
  ExplainInputs in;
  Incident() {
    snap.time = 1700000000;
    snap.boot_time = 1699990000;
    snap.clock_ticks = 100;
    snap.processes = {
        proc(1, 0, "systemd", {"/sbin/init"}, 1, "/init.scope"),
        proc(300, 1, "cron", {"/usr/sbin/cron", "-f"}, 500),
        proc(400, 300, "cron", {"/usr/sbin/cron", "-f"}, 90000),
        proc(500, 400, "sh", {"/bin/sh", "-c", "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }"}, 90001),
        proc(600, 500, "run-parts", {"run-parts", "--report", "/etc/cron.daily"}, 90002),
        proc(700, 600, "mlocate", {"/bin/bash", "/etc/cron.daily/mlocate"}, 90003),
        proc(800, 700, "updatedb.mlocat", {"/usr/bin/updatedb.mlocate"}, 90004),
    };
    snap.cgroups = {cgroup("/", std::nullopt), cgroup("/system.slice", std::nullopt),
                    cgroup("/system.slice/cron.service", std::nullopt)};
    snap.mounts = *parse_mountinfo(
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
        "30 22 8:17 / /var/lib/kubelet rw - xfs /dev/sdb1 rw\n"
        "41 30 0:50 /v /var/lib/kubelet/pods/e13c3afb-d0a2-425e-9296-50ae995d0603/volumes/kubernetes.io~csi/pvc/mount "
        "rw - ceph 10.0.0.1:/v rw\n");
    cron.add_file("/etc/crontab", CronFileKind::kSystem,
                  "SHELL=/bin/sh\n25 6\t* * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report "
                  "/etc/cron.daily; }\n");
    in.snapshot = &snap;
    in.sources = &sources;
    in.cron = &cron;
    std::string base = std::string("/var/lib/kubelet/pods/") + kUid + "/volumes/kubernetes.io~csi/pvc/mount/";
    in.cwd_samples = {{0, base + "a"}, {200, base + "a/b"}, {400, base + "c"}};
    in.cgroup_pids = std::vector<int>{300, 400, 500, 600, 700, 800};
    in.cgroup_pids_file = "/sys/fs/cgroup/memory/system.slice/cron.service/cgroup.procs";
    in.culprit_base.updatedb_conf = parse_updatedb_conf(
        "PRUNE_BIND_MOUNTS=\"yes\"\nPRUNEPATHS=\"/tmp /var/spool /media\"\nPRUNEFS=\"NFS nfs nfs4 tmpfs\"\n");
    in.culprit_base.k8s_dirs = {"/var/lib/kubelet"};
  }
};

}  // namespace

TEST(Explain, SeedIncidentEndToEndOnASnapshot) {
  Incident x;
  auto e = build_explanation(x.in, 800);
  EXPECT_EQ(e.process.pid, 800);
  EXPECT_EQ(e.start_unix, 1699990000 + 900);
  ASSERT_EQ(e.ancestry.chain.size(), 7u);
  EXPECT_EQ(e.ancestry.chain.back().pid, 1);
  EXPECT_FALSE(e.owner.in_kubepods);
  EXPECT_NE(e.owner.label().find("cron.service"), std::string::npos) << e.owner.label();
  EXPECT_TRUE(e.effective.known);
  EXPECT_FALSE(e.effective.bounded());
  EXPECT_EQ(e.cgroups.size(), 2u);
  EXPECT_EQ(e.siblings.size(), 5u);
  EXPECT_EQ(e.source.kind, "cron");
  EXPECT_EQ(e.source.file, "/etc/crontab");
  EXPECT_EQ(e.source.line, 2);
  EXPECT_EQ(e.source.schedule, "25 6 * * *");
  EXPECT_EQ(e.source.script, "/etc/cron.daily/mlocate");
  EXPECT_TRUE(e.cwd.moving);
  EXPECT_EQ(e.cwd.fs_type, "ceph");
  EXPECT_TRUE(e.cwd.misleading);
  ASSERT_TRUE(e.cwd.warning);
  EXPECT_NE(e.cwd.warning->find("cron.service"), std::string::npos);
  EXPECT_NE(e.cwd.warning->find("/etc/crontab:2"), std::string::npos);
  ASSERT_EQ(e.culprits.size(), 1u);
  EXPECT_EQ(e.culprits[0].pid, 800);
  EXPECT_EQ(e.culprits[0].culprit.rule, "updatedb");
  bool ceph = false, chmod = false;
  for (const auto& ev : e.culprits[0].culprit.evidence) ceph = ceph || ev.find("ceph is not in PRUNEFS") != std::string::npos;
  for (const auto& f : e.culprits[0].culprit.fixes) chmod = chmod || f.find("chmod -x /etc/cron.daily/mlocate") != std::string::npos;
  EXPECT_TRUE(ceph);
  EXPECT_TRUE(chmod);
}

TEST(Explain, JsonContract) {
  Incident x;
  auto j = explain_to_json(build_explanation(x.in, 800, ExplainOptions{}));
  EXPECT_EQ(j["schema"], "memsleuth.explain/v1");
  for (auto k : {"process", "ancestry", "cgroups", "siblings", "owner", "effective_limit_bytes", "source", "cwd",
                 "culprits"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_TRUE(j["effective_limit_bytes"].is_null());
  EXPECT_EQ(j["source"]["kind"], "cron");
  EXPECT_EQ(j["source"]["line"], 2);
  EXPECT_EQ(j["source"]["script"], "/etc/cron.daily/mlocate");
  for (auto k : {"file", "line", "schedule", "script", "unit", "timer"}) EXPECT_TRUE(j["source"].contains(k)) << k;
  for (auto k : {"samples", "moving", "fs_type", "mount", "under_pod_uid", "misleading"})
    EXPECT_TRUE(j["cwd"].contains(k)) << k;
  EXPECT_EQ(j["cwd"]["under_pod_uid"], kUid);
  EXPECT_EQ(j["cwd"]["misleading"], true);
  EXPECT_EQ(j["culprits"][0]["rule"], "updatedb");
  EXPECT_EQ(j["ancestry"][0]["pid"], 800);
  EXPECT_EQ(j["process"]["start_time"], "2023-11-14T19:41:40Z");
}

TEST(Explain, TextIsOwnerFirstAndEscaped) {
  Incident x;
  x.snap.processes[6].comm = "evil\x1b[31m";
  auto t = render_explain_text(build_explanation(x.in, 800));
  auto at = [&](const char* s) { return t.find(s); };
  ASSERT_NE(at("\nOWNER "), std::string::npos);
  EXPECT_LT(at("\nOWNER "), at("\nBOUND "));
  EXPECT_LT(at("\nBOUND "), at("\nSOURCE "));
  EXPECT_LT(at("\nSOURCE "), at("\nWARNING "));
  EXPECT_LT(at("\nWARNING "), at("\nCULPRIT "));
  EXPECT_LT(at("\nCULPRIT "), at("\nEVIDENCE"));
  EXPECT_NE(at("effective limit: NONE"), std::string::npos);
  EXPECT_NE(at("cron: /etc/crontab:2"), std::string::npos);
  EXPECT_EQ(t.find('\x1b'), std::string::npos);
}

TEST(Explain, PodProcessInItsOwnDirIsNotMisleading) {
  Incident x;
  std::string cg = std::string("/kubepods/burstable/pod") + kUid + "/" + std::string(64, 'a');
  x.snap.processes[6] = proc(800, 1, "app", {"/app"}, 90004, cg);
  x.snap.cgroups.push_back(cgroup("/kubepods", std::nullopt));
  x.snap.cgroups.push_back(cgroup("/kubepods/burstable", std::nullopt));
  x.snap.cgroups.push_back(cgroup(std::string("/kubepods/burstable/pod") + kUid, uint64_t{256} << 20));
  x.snap.cgroups.push_back(cgroup(cg, std::nullopt));
  std::sort(x.snap.cgroups.begin(), x.snap.cgroups.end(), [](const Cgroup& a, const Cgroup& b) { return a.path < b.path; });
  auto e = build_explanation(x.in, 800);
  EXPECT_EQ(e.source.kind, "pod");
  EXPECT_EQ(e.source.pod_uid, kUid);
  EXPECT_TRUE(e.effective.bounded());
  EXPECT_EQ(*e.effective.limit_bytes, uint64_t{256} << 20);
  EXPECT_FALSE(e.cwd.misleading);
  EXPECT_TRUE(e.culprits.empty());
}

TEST(Explain, WatchDuration) {
  EXPECT_EQ(parse_watch_duration("2s")->count(), 2000);
  EXPECT_EQ(parse_watch_duration("500ms")->count(), 500);
  EXPECT_EQ(parse_watch_duration("1.5s")->count(), 1500);
  EXPECT_EQ(parse_watch_duration("1m")->count(), 60000);
  EXPECT_EQ(parse_watch_duration("0")->count(), 0);
  EXPECT_FALSE(parse_watch_duration("soon"));
  EXPECT_FALSE(parse_watch_duration("-1s"));
}

// issue 16 item 11: `explain 1` listed 50 kernel threads as siblings; a kernel thread got a SOURCE
// and a limit analysis.
Snapshot with_kernel_threads() {
  Incident x;
  Snapshot s = x.snap;
  Process kthreadd = proc(2, 0, "kthreadd", {}, 2, "/");
  kthreadd.kernel_thread = true;
  kthreadd.rss_bytes.reset();
  s.processes.push_back(kthreadd);
  for (int pid : {10, 11, 12}) {
    Process k = proc(pid, 2, "kworker/0:" + std::to_string(pid), {}, 3, "/");
    k.kernel_thread = pid != 12;  // 12: flags unread, known by its parent
    k.rss_bytes.reset();
    s.processes.push_back(k);
  }
  s.processes.push_back(proc(900, 1, "sshd", {"/usr/sbin/sshd", "-D"}, 40, "/"));
  std::sort(s.processes.begin(), s.processes.end(), [](const Process& a, const Process& b) { return a.pid < b.pid; });
  return s;
}

TEST(Explain, SiblingsLeaveKernelThreadsOutUnlessAsked) {
  Incident x;
  x.snap = with_kernel_threads();
  x.snap.processes[0].memory_cgroup = "/";  // pid 1 in the root cgroup, with every kernel thread
  x.in.cgroup_pids = std::vector<int>{1, 2, 10, 11, 12, 900};
  auto e = build_explanation(x.in, 1);
  ASSERT_EQ(e.siblings.size(), 1u);
  EXPECT_EQ(e.siblings[0].pid, 900);
  EXPECT_EQ(e.siblings_kernel_threads, 4u);
  EXPECT_NE(render_explain_text(e).find("4 kernel thread(s) not listed (--kernel-threads lists them)"),
            std::string::npos);
  ExplainOptions all;
  all.kernel_threads = true;
  EXPECT_EQ(build_explanation(x.in, 1, all).siblings.size(), 5u);
}

TEST(Explain, AKernelThreadGetsAShortAnswer) {
  Incident x;
  x.snap = with_kernel_threads();
  for (int pid : {2, 12}) {
    auto e = build_explanation(x.in, pid);
    EXPECT_TRUE(e.kernel_thread) << pid;
    EXPECT_EQ(e.source.kind, "kernel");
    std::string t = render_explain_text(e);
    EXPECT_NE(t.find("is a kernel thread"), std::string::npos) << t;
    EXPECT_EQ(t.find("SOURCE"), std::string::npos) << t;
    EXPECT_EQ(t.find("effective limit"), std::string::npos) << t;
    EXPECT_EQ(explain_to_json(e)["kernel_thread"], true);
  }
  EXPECT_FALSE(build_explanation(x.in, 900).kernel_thread);
}
