// Evictions from the systemd journal: real binary journal files, written by systemd's own
// systemd-journal-remote from export-format entries (scripts/deps.sh installs it), under a fake
// rootfs's /var/log/journal; read by JournalTail (libsystemd) and stored by EventCapture.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "agent/event_capture.hpp"
#include "attribution/classify.hpp"
#include "probe/journal_tail.hpp"
#include "util/units.hpp"
#include "../../support/journal_writer.hpp"

using namespace ms;
using namespace ms::agent;

namespace {

using namespace ms::test_support;
using Entry = JournalRecord;

bool have_journal_tools() { return JournalTail::supported() && have_journal_remote(); }

// Real eviction lines of the current kubelet format (tests/data/kubelet/status-05 message form).
std::string evicting(const std::string& pod) {
  return "I1127 03:12:01.000001 2269385 eviction_manager.go:612] \"Evicting pod\" pod=\"" + pod +
         "\" podUID=\"0b3c1d2e-1111-2222-3333-444455556666\" message=\"The node was low on resource: memory. "
         "Threshold quantity: 100Mi, available: 87608Ki. Container app was using 1536Mi, request is 0, has larger "
         "consumption of memory. \"";
}
std::string evicted(const std::string& pod) {
  return "I1127 03:12:04.802914 2269385 eviction_manager.go:627] \"Eviction manager: pod is evicted successfully\" "
         "pod=\"" + pod + "\"";
}

}  // namespace

TEST(JournalTail, ReadsOnlyTheUnitsEntriesWithinTheBacklogThenWhatComesNext) {
  if (!have_journal_tools()) GTEST_SKIP() << "needs libsystemd and " << kJournalRemote << " (scripts/deps.sh)";
  TempRoot r;
  int64_t now = now_unix() * 1'000'000;
  write_journal(r, "system", {{now - 7200LL * 1'000'000, "kubelet.service", "kubelet", "two hours ago"},
                              {now - 60LL * 1'000'000, "kubelet.service", "kubelet", "a minute ago"},
                              {now - 50LL * 1'000'000, "cron.service", "CRON", "not the kubelet"},
                              {now - 40LL * 1'000'000, "", "kubelet", "kubelet by identifier"}});
  auto t = JournalTail::open(r.dir, {"kubelet.service"}, {"kubelet"}, JournalTail::Options{}, now);
  ASSERT_TRUE(t) << t.error().describe();
  auto a = t->poll();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].message, "a minute ago");
  EXPECT_EQ(a[0].unit, "kubelet.service");
  EXPECT_EQ(a[0].realtime_us, now - 60LL * 1'000'000);
  EXPECT_EQ(a[1].message, "kubelet by identifier");
  EXPECT_EQ(a[1].identifier, "kubelet");
  EXPECT_TRUE(t->poll().empty());
  // journald rotates into a new file: the tail notices it.
  write_journal(r, "system@2", {{now + 1'000'000, "kubelet.service", "kubelet", "after rotation"}});
  auto b = t->poll();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].message, "after rotation");
}

// libsystemd is loaded at run time (dlopen): where systemd-journal-remote is installed (it needs
// libsystemd0), it must load, or the journal tests above would skip instead of failing.
TEST(JournalTail, LoadsLibsystemdWhereItIsInstalled) {
  if (!have_journal_remote()) GTEST_SKIP() << "no " << kJournalRemote << " (scripts/deps.sh)";
  EXPECT_TRUE(JournalTail::supported());
  auto t = JournalTail::open("/nonexistent-root", {"kubelet.service"}, {}, JournalTail::Options{}, 0);
  if (!t) {
    EXPECT_EQ(t.error().describe().find("cannot be read: "), std::string::npos) << t.error().describe();
  }
}

TEST(JournalTail, NoJournalIsNotAnError) {
  if (!JournalTail::supported()) GTEST_SKIP() << "built without libsystemd";
  TempRoot r;
  std::filesystem::remove_all(r.dir + "/var");
  auto t = JournalTail::open(r.dir, {"kubelet.service"}, {"kubelet"}, JournalTail::Options{}, now_unix() * 1'000'000);
  if (t) EXPECT_TRUE(t->poll().empty());
  else EXPECT_FALSE(t.error().describe().empty());
}

TEST(EventCapture, EvictionsFromTheJournalStoredOncePerPodWithTheJournalsTime) {
  if (!have_journal_tools()) GTEST_SKIP() << "needs libsystemd and " << kJournalRemote << " (scripts/deps.sh)";
  TempRoot r;
  HostPaths hp;
  hp.rootfs = r.dir;
  int64_t now = now_unix();
  int64_t t1 = (now - 30) * 1'000'000 + 123;
  write_journal(r, "system", {{t1, "kubelet.service", "kubelet", evicting("sre/logstash-0")},
                              {t1 + 3'000'000, "kubelet.service", "kubelet", evicted("sre/logstash-0")},
                              {t1 + 4'000'000, "kubelet.service", "kubelet", "eviction manager: no resources are starved"}});
  EventCaptureOptions o;
  o.kmsg = false;
  o.kubelet_logs = {"off"};
  std::vector<std::string> logged;
  EventCapture cap(hp, o, [](std::string_view p) { return classify_cgroup(p); },
                   [&](const std::string& m) { logged.push_back(m); });
  cap.open();
  ASSERT_TRUE(cap.journal_open()) << (logged.empty() ? "" : logged.front());
  auto a = cap.poll(now);
  ASSERT_EQ(a.size(), 2u);  // both lines of the one eviction, with one key: the store keeps one
  EXPECT_EQ(a[0].dedupe_key, a[1].dedupe_key);
  EXPECT_EQ(a[0].kind, "eviction");
  EXPECT_EQ(a[0].source, "journal:kubelet.service");
  EXPECT_EQ(a[0].namespace_, "sre");
  EXPECT_EQ(a[0].pod, "logstash-0");
  EXPECT_EQ(a[0].bytes, int64_t{1536} << 20);
  EXPECT_EQ(a[0].time, t1 / 1'000'000);  // the journal's clock, not the yearless klog header
  // Another pod evicted later, in a file journald started meanwhile.
  write_journal(r, "system@2", {{(now + 1) * 1'000'000, "kubelet.service", "kubelet", evicting("scrm/portal-1")}});
  auto b = cap.poll(now + 2);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].pod, "portal-1");
  EXPECT_NE(b[0].dedupe_key, a[0].dedupe_key);
}

TEST(EventCapture, JournalOffReadsNoJournal) {
  TempRoot r;
  HostPaths hp;
  hp.rootfs = r.dir;
  EventCaptureOptions o;
  o.kmsg = false;
  o.kubelet_logs = {"off"};
  o.kubelet_units = {"off"};
  EventCapture cap(hp, o, [](std::string_view p) { return classify_cgroup(p); }, [](const std::string&) {});
  cap.open();
  EXPECT_FALSE(cap.journal_open());
}
