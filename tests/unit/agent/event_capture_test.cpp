// The recorder's event capture: kubelet text logs followed like `tail -F` (rotation, truncation,
// partial lines), eviction lines turned into one stored eviction per pod eviction, tied to the pod;
// OOM kills from a kmsg stream tied to their cgroup's owner.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agent/event_capture.hpp"
#include "attribution/classify.hpp"
#include "probe/log_tail.hpp"
#include "util/units.hpp"

using namespace ms;
using namespace ms::agent;

namespace {

struct TempDir {
  std::string dir;
  TempDir() {
    char tmpl[] = "/tmp/ms-capture-test-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(dir); }
};

void append(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f << text;
}

// Real lines: tests/data/kubelet/logs/log-05.log (journald prefix, structured klog) and the
// "Evicting pod" V(3) form with the newest message format (status-05).
constexpr const char* kRanked =
    "May 28 16:05:50 192-168-250-5 kubelet[2269385]: I0528 16:05:50.514706 2269385 eviction_manager.go:405] "
    "\"Eviction manager: pods ranked for eviction\" pods=[\"sre/infras-logstash-d484d57fc-rkx95\","
    "\"sre/admin-api-server-847868d7b-7sqdm\"]\n";
constexpr const char* kEvicting =
    "I0528 16:05:51.000001 2269385 eviction_manager.go:612] \"Evicting pod\" pod=\"sre/infras-logstash-d484d57fc-rkx95\" "
    "podUID=\"0b3c1d2e-1111-2222-3333-444455556666\" message=\"The node was low on resource: memory. Threshold "
    "quantity: 100Mi, available: 87608Ki. Container infras-logstash was using 1536Mi, request is 0, has larger "
    "consumption of memory. \"\n";
constexpr const char* kEvicted =
    "May 28 16:05:54 192-168-250-5 kubelet[2269385]: I0528 16:05:54.802914 2269385 eviction_manager.go:627] "
    "\"Eviction manager: pod is evicted successfully\" pod=\"sre/infras-logstash-d484d57fc-rkx95\"\n";
constexpr const char* kOtherPod =
    "I0528 16:07:01.100000 2269385 eviction_manager.go:627] \"Eviction manager: pod is evicted successfully\" "
    "pod=\"scrm/portal-h5-7c46694b8f-bkz95\"\n";

}  // namespace

TEST(LogTail, FollowsAppendsPartialLinesRotationAndTruncation) {
  TempDir d;
  std::string path = d.dir + "/kubelet.log";
  LogTail t(path);
  EXPECT_TRUE(t.poll().empty());  // not there yet: waits quietly
  append(path, "one\ntw");
  auto a = t.poll();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], "one");
  append(path, "o\nthree\n");
  auto b = t.poll();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0], "two");
  EXPECT_EQ(b[1], "three");
  // logrotate: the old file is renamed (its last lines still read), a new one takes the name.
  append(path, "last of old\n");
  std::filesystem::rename(path, path + ".1");
  append(path, "first of new\n");
  auto c = t.poll();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0], "last of old");
  EXPECT_EQ(c[1], "first of new");
  EXPECT_EQ(t.rotations(), 1u);
  // copytruncate: the same file shrinks, reading restarts at its beginning.
  { std::ofstream f(path, std::ios::trunc); f << "cut\n"; }
  auto e = t.poll();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], "cut");
}

TEST(LogTail, BacklogStartsAtALineBoundary) {
  TempDir d;
  std::string path = d.dir + "/syslog";
  std::string big;
  for (int i = 0; i < 1000; ++i) big += "line " + std::to_string(i) + "\n";
  append(path, big);
  LogTail::Options o;
  o.backlog_bytes = 100;
  LogTail t(path, o);
  auto a = t.poll();
  ASSERT_FALSE(a.empty());
  EXPECT_LT(a.size(), 20u);
  EXPECT_EQ(a.back(), "line 999");
  EXPECT_EQ(a.front().rfind("line ", 0), 0u);  // never a cut line
}

TEST(EventCapture, EvictionLinesArePreFiltered) {
  EXPECT_TRUE(is_eviction_line(kRanked));
  EXPECT_TRUE(is_eviction_line(kEvicting));
  EXPECT_FALSE(is_eviction_line("May 28 16:05:50 h kubelet[1]: I0528 16:05:50.5 1 kubelet.go:1] \"SyncLoop ADD\""));
  EXPECT_FALSE(is_eviction_line("Out of memory: Killed process 1 (x)"));
}

// Polled as lines arrive; "Evicting pod" and "evicted successfully" of one pod are one eviction,
// tied to the pod, counted once; a second pod is a second eviction; lines read again are not new.
TEST(EventCapture, EvictionsFromKubeletLogStoredOncePerPod) {
  TempDir d;
  HostPaths hp;
  hp.rootfs = d.dir;
  std::filesystem::create_directories(d.dir + "/var/log");
  std::string log = d.dir + "/var/log/kubelet.log";
  EventCaptureOptions o;
  o.kmsg = false;
  o.kubelet_logs = {"/var/log/kubelet.log"};
  EventCapture cap(hp, o, [](std::string_view p) { return classify_cgroup(p); }, [](const std::string&) {});
  cap.open();
  int64_t now = now_unix();
  EXPECT_TRUE(cap.poll(now).empty());
  append(log, kRanked);
  EXPECT_TRUE(cap.poll(now).empty());  // ranking is not an eviction
  append(log, kEvicting);
  auto a = cap.poll(now);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, "eviction");
  EXPECT_EQ(a[0].owner_kind, "pod");
  EXPECT_EQ(a[0].namespace_, "sre");
  EXPECT_EQ(a[0].pod, "infras-logstash-d484d57fc-rkx95");
  EXPECT_EQ(a[0].container, "infras-logstash");
  EXPECT_EQ(a[0].bytes, int64_t{1536} << 20);
  EXPECT_EQ(a[0].source, "kubelet-log:/var/log/kubelet.log");
  EXPECT_NE(a[0].detail.find("\"threshold\":\"100Mi\""), std::string::npos) << a[0].detail;
  append(log, kEvicted);
  auto b = cap.poll(now);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].dedupe_key, a[0].dedupe_key);  // the same eviction: stored once
  append(log, kOtherPod);
  auto c = cap.poll(now);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NE(c[0].dedupe_key, a[0].dedupe_key);
  EXPECT_EQ(c[0].namespace_, "scrm");
  EXPECT_EQ(cap.log_paths_open(), std::vector<std::string>{"/var/log/kubelet.log"});
}

// A kernel OOM report in kmsg records: captured, tied to the victim cgroup's owner, keyed by the
// kernel record so a re-read ring is stored once.
TEST(EventCapture, OomKillFromKmsgTiedToOwner) {
  TempDir d;
  HostPaths hp;
  hp.rootfs = d.dir;
  std::string kmsg = d.dir + "/kmsg";
  const std::string memcg = "/kubepods/burstable/pod0b3c1d2e-1111-2222-3333-444455556666/"
                            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  append(kmsg, "4,100,5000000,-;stress invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n");
  append(kmsg, "6,101,5000001,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
               "oom_memcg=/kubepods/burstable/pod0b3c1d2e-1111-2222-3333-444455556666,task_memcg=" +
                   memcg + ",task=stress,pid=4242,uid=0\n");
  append(kmsg, "3,102,5000002,-;Memory cgroup out of memory: Killed process 4242 (stress) total-vm:10000kB, "
               "anon-rss:5000kB, file-rss:100kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:0\n");
  append(kmsg, "6,103,5000100,-;oom_reaper: reaped process 4242 (stress), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n");
  EventCaptureOptions o;
  o.kmsg_path = kmsg;
  o.kubelet_logs = {"off"};
  EventCapture cap(hp, o, [](std::string_view p) { return classify_cgroup(p); }, [](const std::string&) {});
  cap.open();
  ASSERT_TRUE(cap.kmsg_open());
  auto a = cap.poll(now_unix());
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, "oom_kill");
  EXPECT_EQ(a[0].pid, 4242);
  EXPECT_EQ(a[0].comm, "stress");
  EXPECT_EQ(a[0].cgroup, memcg);
  EXPECT_EQ(a[0].owner_kind, "pod");
  EXPECT_EQ(a[0].bytes, int64_t{5100} * 1024);
  EXPECT_NE(a[0].detail.find("\"scope\":\"memcg\""), std::string::npos) << a[0].detail;
  EXPECT_TRUE(cap.poll(now_unix()).empty());
}
