#include <gtest/gtest.h>

#include "provenance/cron_match.hpp"

using namespace ms;

namespace {

constexpr const char* kCrontab =
    "SHELL=/bin/sh\n"
    "17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n"
    "25 6\t* * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }\n"
    "0 2 * * * root /usr/local/bin/backup.sh --full\n";
constexpr const char* kAnacrontab = "1\t5\tcron.daily\trun-parts --report /etc/cron.daily\n";

CronSources sources(bool anacron_installed = false) {
  CronSources s;
  s.add_file("/etc/crontab", CronFileKind::kSystem, kCrontab);
  s.add_file("/etc/anacrontab", CronFileKind::kAnacron, kAnacrontab);
  s.add_file("/var/spool/cron/crontabs/alice", CronFileKind::kUser, "*/5 * * * * /home/alice/bin/poll --fast\n", "alice");
  CronScript sc;
  sc.dir = "/etc/cron.daily";
  sc.path = "/etc/cron.daily/plocate";
  sc.text = "#!/bin/sh\nflock --nonblock /run/plocate.daily.lock nice /usr/sbin/updatedb.plocate\n";
  sc.executable = sc.runnable_name = true;
  s.scripts.push_back(sc);
  s.anacron_installed = anacron_installed;
  return s;
}

Ancestor node(int pid, int ppid, std::string comm, std::vector<std::string> argv) {
  Ancestor a;
  a.pid = pid;
  a.ppid = ppid;
  a.comm = std::move(comm);
  a.cmdline = std::move(argv);
  return a;
}

// Target first, as build_ancestry returns it.
Ancestry debian_daily_chain(std::string rootfs_prefix = "") {
  Ancestry a;
  a.chain = {
      node(900, 800, "updatedb.plocat", {"/usr/sbin/updatedb.plocate"}),
      node(800, 700, "flock", {"flock", "--nonblock", "/run/plocate.daily.lock", "nice", "/usr/sbin/updatedb.plocate"}),
      node(700, 600, "plocate", {"/bin/sh", rootfs_prefix + "/etc/cron.daily/plocate"}),
      node(600, 500, "run-parts", {"run-parts", "--report", rootfs_prefix + "/etc/cron.daily"}),
      node(500, 400, "sh",
           {"/bin/sh", "-c",
            "test -x /usr/sbin/anacron || { cd / && run-parts --report " + rootfs_prefix + "/etc/cron.daily; }"}),
      node(400, 300, "cron", {"/usr/sbin/cron", "-f"}),
      node(300, 1, "cron", {"/usr/sbin/cron", "-f"}),
      node(1, 0, "systemd", {"/sbin/init"}),
  };
  return a;
}

}  // namespace

TEST(CronMatch, DebianDailyThroughRunParts) {
  auto m = match_cron_source(debian_daily_chain(), sources());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->file, "/etc/crontab");
  EXPECT_EQ(m->line, 3);
  EXPECT_EQ(m->schedule, "25 6 * * *");
  EXPECT_EQ(m->schedule_text, "daily at 06:25");
  EXPECT_EQ(m->run_parts_dir, "/etc/cron.daily");
  EXPECT_EQ(m->script, "/etc/cron.daily/plocate");
  EXPECT_EQ(m->user, "root");
  EXPECT_TRUE(m->via_ancestry);
  EXPECT_NE(m->how.find("sh -c"), std::string::npos);
}

TEST(CronMatch, RootfsPrefixIsRemoved) {
  auto m = match_cron_source(debian_daily_chain("/host"), sources(), "/host/");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->line, 3);
  EXPECT_EQ(m->script, "/etc/cron.daily/plocate");
}

TEST(CronMatch, AnacronJob) {
  Ancestry a;
  a.chain = {
      node(70, 60, "plocate", {"/bin/sh", "/etc/cron.daily/plocate"}),
      node(60, 50, "run-parts", {"run-parts", "--report", "/etc/cron.daily"}),
      node(50, 40, "sh", {"/bin/sh", "-c", "run-parts --report /etc/cron.daily"}),
      node(40, 1, "anacron", {"/usr/sbin/anacron", "-d", "-q"}),
      node(1, 0, "systemd", {"/sbin/init"}),
  };
  auto m = match_cron_source(a, sources(true));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->file, "/etc/anacrontab");
  EXPECT_EQ(m->line, 1);
  EXPECT_TRUE(m->anacron);
  EXPECT_NE(m->schedule_text.find("every day"), std::string::npos);
  EXPECT_EQ(m->script, "/etc/cron.daily/plocate");
}

TEST(CronMatch, RunPartsWithoutShellPrefersAnacronWhenCrontabDefers) {
  // busybox-style: the cron child execs run-parts without a shell in between.
  Ancestry a;
  a.chain = {node(70, 60, "job", {"/bin/sh", "/etc/cron.daily/job"}),
             node(60, 50, "run-parts", {"run-parts", "/etc/cron.daily/"}), node(50, 1, "crond", {"crond"})};
  auto with = match_cron_source(a, sources(true));
  ASSERT_TRUE(with);
  EXPECT_EQ(with->file, "/etc/anacrontab");
  auto without = match_cron_source(a, sources(false));
  ASSERT_TRUE(without);
  EXPECT_EQ(without->file, "/etc/crontab");
  EXPECT_EQ(without->line, 3);
}

TEST(CronMatch, DirectLineAndUserCrontab) {
  Ancestry a;
  a.chain = {node(70, 60, "backup.sh", {"/bin/bash", "/usr/local/bin/backup.sh", "--full"}),
             node(60, 50, "sh", {"/bin/sh", "-c", "/usr/local/bin/backup.sh   --full"}),
             node(50, 40, "cron", {"cron"}), node(40, 1, "cron", {"cron"})};
  auto m = match_cron_source(a, sources());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->line, 4);
  EXPECT_FALSE(m->script);
  a.chain[1].cmdline = {"/bin/sh", "-c", "/home/alice/bin/poll --fast"};
  m = match_cron_source(a, sources());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->file, "/var/spool/cron/crontabs/alice");
  EXPECT_EQ(m->user, "alice");
}

TEST(CronMatch, CronAncestorButNoLine) {
  Ancestry a;
  a.chain = {node(60, 50, "sh", {"/bin/sh", "-c", "something-else"}), node(50, 1, "cron", {"cron"})};
  auto m = match_cron_source(a, sources());
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->file.empty());
  EXPECT_NE(m->how.find("no crontab line matched"), std::string::npos);
}

TEST(CronMatch, ReparentedFallsBackToCommandText) {
  Ancestry a;
  a.chain = {node(900, 1, "updatedb.plocat", {"/usr/sbin/updatedb.plocate"}), node(1, 0, "systemd", {"/sbin/init"})};
  auto m = match_cron_source(a, sources());
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->via_ancestry);
  EXPECT_EQ(m->script, "/etc/cron.daily/plocate");
  EXPECT_EQ(m->line, 3);
  // Nothing names a plain shell: no guess.
  a.chain[0] = node(900, 1, "sh", {"/bin/sh"});
  EXPECT_FALSE(match_cron_source(a, sources()));
}

TEST(CronMatch, ReparentedPeriodicScript) {
  Ancestry a;
  a.chain = {node(900, 1, "plocate", {"/bin/sh", "/host/etc/cron.daily/plocate"}), node(1, 0, "systemd", {"/sbin/init"})};
  auto m = match_cron_source(a, sources(), "/host");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->via_ancestry);
  EXPECT_EQ(m->script, "/etc/cron.daily/plocate");
  EXPECT_EQ(m->file, "/etc/crontab");
  EXPECT_EQ(m->line, 3);
}
