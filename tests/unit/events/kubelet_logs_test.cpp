// The kubelet's evictions read once from a node's logs (live `oom` and `doctor`): the text logs
// under --rootfs and the binary journal, the same line in two of them counted once.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "events/kubelet_logs.hpp"
#include "probe/journal_tail.hpp"
#include "util/units.hpp"
#include "../../support/journal_writer.hpp"

using namespace ms;
using namespace ms::test_support;

namespace {

// Real message forms (tests/data/kubelet/status-05 and log-05).
const std::string kEvicting =
    "I1127 03:12:01.000001 2269385 eviction_manager.go:612] \"Evicting pod\" pod=\"sre/logstash-0\" "
    "podUID=\"0b3c1d2e-1111-2222-3333-444455556666\" message=\"The node was low on resource: memory. Threshold "
    "quantity: 100Mi, available: 87608Ki. Container app was using 1536Mi, request is 0, has larger consumption of "
    "memory. \"";

std::string klog_now(int64_t t, const std::string& rest) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "I%m%d %H:%M:%S.000000", &tm);
  return std::string(buf) + " 4242 " + rest;
}

// rsyslog's copy of a journal line: "Nov 27 03:12:01 node-1 kubelet[2269385]: <message>".
std::string syslog_line(int64_t t, const std::string& message) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%b %e %H:%M:%S", &tm);
  return std::string(buf) + " node-1 kubelet[2269385]: " + message + "\n";
}

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST(KubeletLogs, JournalSyslogAndKubeletLogMergedOneEventPerLine) {
  if (!JournalTail::supported() || !have_journal_remote()) GTEST_SKIP() << "needs libsystemd and " << kJournalRemote;
  TempRoot r;
  HostPaths hp;
  hp.rootfs = r.dir;
  int64_t now = now_unix();
  int64_t t1 = now - 600;
  write_journal(r, "system", {{(now - 30 * 3600) * 1'000'000, "kubelet.service", "kubelet",
                               "eviction manager: must evict pod(s) to reclaim memory (outside the 24 h window)"},
                              {t1 * 1'000'000 + 250'000, "kubelet.service", "kubelet", kEvicting}});
  // The same line in rsyslog's copy, and noise that must not reach the parser.
  write(r.dir + "/var/log/syslog", syslog_line(t1 - 5, "Started Session 12 of user root.") + syslog_line(t1, kEvicting));
  // A file-logging kubelet with another eviction.
  write(r.dir + "/var/log/kubelet.log",
        klog_now(now - 60, "eviction_manager.go:627] \"Eviction manager: pod is evicted successfully\" "
                           "pod=\"scrm/portal-1\"") + "\n");
  auto got = read_kubelet_evictions(hp, KubeletLogOptions{}, now * 1'000'000);
  EXPECT_TRUE(got.problems.empty()) << got.problems.front();
  EXPECT_EQ(got.sources, (std::vector<std::string>{"/var/log/kubelet.log", "/var/log/syslog", "journal:kubelet.service"}));
  ASSERT_EQ(got.events.size(), 2u);
  EXPECT_EQ(got.events[0].eviction.pod, "sre/logstash-0");
  EXPECT_EQ(got.events[0].eviction.stage, "evicting");
  EXPECT_EQ(*got.events[0].time_us / 1'000'000, t1);
  EXPECT_EQ(got.events[1].eviction.pod, "scrm/portal-1");
  EXPECT_EQ(got.events[1].eviction.stage, "evicted");
}

TEST(KubeletLogs, OffReadsNothingAndAMissingNodeLogIsNoProblem) {
  TempRoot r;
  HostPaths hp;
  hp.rootfs = r.dir;
  KubeletLogOptions off;
  off.text_logs = {"off"};
  off.units = {"off"};
  write(r.dir + "/var/log/kubelet.log", kEvicting + "\n");
  auto none = read_kubelet_evictions(hp, off, now_unix() * 1'000'000);
  EXPECT_TRUE(none.sources.empty());
  EXPECT_TRUE(none.events.empty());
  KubeletLogOptions only_text;
  only_text.units = {"off"};
  auto text = read_kubelet_evictions(hp, only_text, now_unix() * 1'000'000);
  EXPECT_TRUE(text.problems.empty());
  EXPECT_EQ(text.sources, std::vector<std::string>{"/var/log/kubelet.log"});  // syslog, messages: absent
  ASSERT_EQ(text.events.size(), 1u);
}

TEST(KubeletLogs, PreFilterKeepsEvictionManagerLinesOnly) {
  EXPECT_TRUE(is_eviction_line(kEvicting));
  EXPECT_TRUE(is_eviction_line("eviction manager: must evict pod(s) to reclaim memory"));
  EXPECT_FALSE(is_eviction_line("Started Session 12 of user root."));
}
