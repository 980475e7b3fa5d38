#include <gtest/gtest.h>

#include "provenance/crontab.hpp"

using namespace ms;

// Debian 12's /etc/crontab as the cron package installs it.
constexpr const char* kDebianCrontab = R"(# /etc/crontab: system-wide crontab
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

# Example of job definition:
# .---------------- minute (0 - 59)
# m h dom mon dow user	command
17 *	* * *	root	cd / && run-parts --report /etc/cron.hourly
25 6	* * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }
47 6	* * 7	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }
52 6	1 * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.monthly; }
#
)";

TEST(Crontab, DebianSystemCrontab) {
  auto t = parse_crontab(kDebianCrontab, CrontabFlavor::kSystem, "/etc/crontab");
  EXPECT_TRUE(t.problems.empty()) << t.problems.front().describe();
  ASSERT_EQ(t.entries.size(), 4u);
  ASSERT_EQ(t.env.size(), 2u);
  EXPECT_EQ(t.env[0].name, "SHELL");
  EXPECT_EQ(t.env[1].line, 3);
  const auto& daily = t.entries[1];
  EXPECT_EQ(daily.line, 9);
  EXPECT_EQ(daily.schedule, "25 6 * * *");
  EXPECT_EQ(daily.user, "root");
  EXPECT_EQ(daily.command, "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }");
  EXPECT_EQ(describe_cron_schedule(daily.schedule), "daily at 06:25");
  EXPECT_EQ(describe_cron_schedule(t.entries[0].schedule), "hourly at minute 17");
}

TEST(Crontab, UserCrontabKeywordsPercentAndNames) {
  auto t = parse_crontab(
      "MAILTO=\"ops@example.com\"\n@daily /usr/bin/updatedb\n0 3 * jan-mar mon,fri tar czf /b/$(date +\\%F).tgz /srv "
      "% stdin text\n*/15 * * * * du -sh /data\n",
      CrontabFlavor::kUser, "/var/spool/cron/crontabs/alice");
  EXPECT_TRUE(t.problems.empty());
  ASSERT_EQ(t.entries.size(), 3u);
  EXPECT_EQ(t.env[0].value, "ops@example.com");
  EXPECT_EQ(t.entries[0].schedule, "@daily");
  EXPECT_FALSE(t.entries[0].user);
  EXPECT_EQ(t.entries[0].command, "/usr/bin/updatedb");
  // \% is a literal %, the first bare % ends the command (the rest is stdin).
  EXPECT_EQ(t.entries[1].command, "tar czf /b/$(date +%F).tgz /srv");
  EXPECT_EQ(t.entries[1].schedule, "0 3 * jan-mar mon,fri");
  EXPECT_EQ(t.entries[2].schedule, "*/15 * * * *");
}

TEST(Crontab, MalformedLinesAreReportedAndSkipped) {
  auto t = parse_crontab(
      "61 * * * * root echo bad-minute\n"
      "0 25 * * * root echo bad-hour\n"
      "@sometimes root echo bad-keyword\n"
      "0 1 * *\n"
      "0 1 * * * root\n"
      "this is not cron\n"
      "0 1 * * *\n"
      "5 4 * * sun root echo good\r\n",
      CrontabFlavor::kSystem, "/etc/cron.d/broken");
  ASSERT_EQ(t.entries.size(), 1u);
  EXPECT_EQ(t.entries[0].line, 8);
  EXPECT_EQ(t.entries[0].command, "echo good");
  ASSERT_EQ(t.problems.size(), 7u);
  EXPECT_EQ(t.problems[0].line, 1);
  EXPECT_NE(t.problems[0].describe().find("/etc/cron.d/broken:1"), std::string::npos);
  EXPECT_NE(t.problems[0].message.find("minute"), std::string::npos);
  EXPECT_NE(t.problems[1].message.find("hour"), std::string::npos);
  EXPECT_NE(t.problems[2].message.find("keyword"), std::string::npos);
  EXPECT_NE(t.problems[3].message.find("day-of-week"), std::string::npos);
  EXPECT_NE(t.problems[4].message.find("no command"), std::string::npos);
  EXPECT_EQ(t.problems[5].line, 6);
  EXPECT_NE(t.problems[6].message.find("user"), std::string::npos);
}

TEST(Crontab, EmptyAndBinaryInputDoNotCrash) {
  EXPECT_TRUE(parse_crontab("", CrontabFlavor::kSystem).entries.empty());
  std::string junk("\x00\xff\xfe* * * * *", 12);
  auto t = parse_crontab(junk, CrontabFlavor::kUser);
  EXPECT_TRUE(t.entries.empty());
  EXPECT_FALSE(t.problems.empty());
}

// Debian 12's /etc/anacrontab.
constexpr const char* kDebianAnacrontab = R"(# /etc/anacrontab: configuration file for anacron
SHELL=/bin/sh
HOME=/root
LOGNAME=root

# These replace cron's entries
1	5	cron.daily	run-parts --report /etc/cron.daily
7	10	cron.weekly	run-parts --report /etc/cron.weekly
@monthly	15	cron.monthly	run-parts --report /etc/cron.monthly
)";

TEST(Anacrontab, DebianDefault) {
  auto t = parse_anacrontab(kDebianAnacrontab, "/etc/anacrontab");
  EXPECT_TRUE(t.problems.empty());
  ASSERT_EQ(t.jobs.size(), 3u);
  EXPECT_EQ(t.jobs[0].line, 7);
  EXPECT_EQ(t.jobs[0].period_days, 1);
  EXPECT_EQ(t.jobs[0].delay_minutes, 5);
  EXPECT_EQ(t.jobs[0].job_id, "cron.daily");
  EXPECT_EQ(t.jobs[0].command, "run-parts --report /etc/cron.daily");
  EXPECT_EQ(t.jobs[2].period, "@monthly");
  EXPECT_EQ(t.jobs[2].period_days, 30);
  EXPECT_EQ(describe_anacron_schedule(t.jobs[0], t), "anacron: every day, 5 min after anacron starts");
}

TEST(Anacrontab, CronieWithRangeAndRandomDelay) {
  auto t = parse_anacrontab(
      "RANDOM_DELAY=45\nSTART_HOURS_RANGE=3-22\n1\t5\tcron.daily\t\tnice run-parts /etc/cron.daily\n");
  ASSERT_EQ(t.jobs.size(), 1u);
  EXPECT_EQ(t.jobs[0].command, "nice run-parts /etc/cron.daily");
  auto d = describe_anacron_schedule(t.jobs[0], t);
  EXPECT_NE(d.find("3-22"), std::string::npos);
  EXPECT_NE(d.find("45 min"), std::string::npos);
}

TEST(Anacrontab, Malformed) {
  auto t = parse_anacrontab("x 5 job cmd\n1 soon job cmd\n1 5\n1 5 a/b cmd\n1 5 job\n2 0 ok echo fine\n", "/etc/anacrontab");
  ASSERT_EQ(t.jobs.size(), 1u);
  EXPECT_EQ(t.jobs[0].job_id, "ok");
  ASSERT_EQ(t.problems.size(), 5u);
  EXPECT_EQ(t.problems[0].line, 1);  // "x" is NAME-less text, not a job
  EXPECT_NE(t.problems[1].message.find("delay"), std::string::npos);
  EXPECT_NE(t.problems[2].message.find("job identifier"), std::string::npos);
  EXPECT_NE(t.problems[3].message.find("'/'"), std::string::npos);
  EXPECT_NE(t.problems[4].message.find("no command"), std::string::npos);
}
