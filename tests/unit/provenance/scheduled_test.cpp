#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "probe/parsers.hpp"
#include "provenance/scheduled.hpp"

using namespace ms;
namespace fs = std::filesystem;

namespace {

std::string shared(const std::string& rel) {
  std::ifstream f(std::string(MEMSLEUTH_TEST_DATA) + "/updatedb/" + rel);
  EXPECT_TRUE(f.good()) << rel;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A throwaway --rootfs with the real cron scripts and configs from tests/data/updatedb.
class FakeRoot {
 public:
  FakeRoot() {
    root_ = fs::temp_directory_path() / ("ms-sched-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~FakeRoot() { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text, bool exec = false) {
    fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    if (exec) fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  }
  void mkdir(const std::string& rel) { fs::create_directories(root_ / rel); }
  HostPaths paths() const {
    HostPaths h;
    h.rootfs = root_.string();
    return h;
  }

 private:
  fs::path root_;
};

constexpr const char* kCrontab =
    "SHELL=/bin/sh\n"
    "17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n"
    "25 6\t* * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }\n"
    "30 2 * * 0 root rsync -a / backup:/n1\n";

std::vector<Mount> mounts() {
  return *parse_mountinfo(
      "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "43 22 0:52 / /mnt/cephfs rw - ceph 10.0.0.1:/ rw\n");
}

const ScheduledCulprit* find(const std::vector<ScheduledCulprit>& v, std::string_view script_or_file) {
  for (const auto& s : v)
    if ((s.script && *s.script == script_or_file) || (!s.script && s.file == script_or_file)) return &s;
  return nullptr;
}

}  // namespace

TEST(Scheduled, CronDailyScriptsFromRealSamples) {
  FakeRoot r;
  r.write("etc/crontab", kCrontab);
  r.write("etc/updatedb.conf", shared("conf/uc-05-debian-ubuntu-etc-yusuke-saiki-etckeeper-updatedb.conf"));
  r.write("etc/cron.daily/mlocate", shared("cron-timer/ct-01-ubuntu-16.04-etc-cron.daily-mlocate-from-aks-engine-2971.sh"), true);
  r.write("etc/cron.daily/plocate", shared("cron-timer/ct-02-debian-ubuntu-etc-cron.daily-plocate-auwsom-dotfiles.sh"), true);
  r.write("etc/cron.weekly/mlocate-el7", shared("cron-timer/ct-03-centos7-etc-cron.daily-mlocate-hoidn-etckeeper.sh"), true);
  r.write("etc/cron.daily/mlocate.dpkg-old", shared("cron-timer/ct-04-centos7-etc-cron.daily-mlocate-tradefurniturecompany-server.sh"), true);
  r.write("etc/cron.daily/man-db", "#!/bin/sh\nstart-stop-daemon --start --pidfile /dev/null --startas /usr/bin/mandb --oknodo --chuid man -- --quiet\n", false);
  r.write("etc/cron.daily/logrotate", "#!/bin/sh\n/usr/sbin/logrotate /etc/logrotate.conf\n", true);
  r.write("etc/cron.daily/dpkg", "#!/bin/sh\n# nothing to see: updatedb is only mentioned here\n/usr/libexec/dpkg/dpkg-db-backup\n", true);
  r.mkdir("run/systemd/system");
  r.mkdir("var/lib/kubelet");
  auto found = find_scheduled_culprits(r.paths(), mounts());

  const auto* ml = find(found, "/etc/cron.daily/mlocate");
  ASSERT_TRUE(ml);
  EXPECT_EQ(ml->rule, "updatedb");
  EXPECT_EQ(ml->kind, "cron");
  EXPECT_EQ(ml->file, "/etc/crontab");
  EXPECT_EQ(ml->line, 3);
  EXPECT_EQ(ml->schedule, "25 6 * * *");
  EXPECT_EQ(ml->script_line, 21);  // the flock line, not the `[ -x ... ]` test on line 5
  EXPECT_TRUE(ml->active);
  ASSERT_TRUE(ml->culprit.crawl);
  bool kube = false, ceph_pruned = false;
  for (const auto& c : ml->culprit.crawl->crawled) kube = kube || c.path == "/var/lib/kubelet";
  for (const auto& p : ml->culprit.crawl->pruned) ceph_pruned = ceph_pruned || (p.path == "/mnt/cephfs" && p.line == 4);
  EXPECT_TRUE(kube);
  EXPECT_TRUE(ceph_pruned);
  bool chmod = false;
  for (const auto& f : ml->culprit.fixes) chmod = chmod || f.find("chmod -x /etc/cron.daily/mlocate") != std::string::npos;
  EXPECT_TRUE(chmod);

  // Debian's plocate script runs $UPDATEDB (expanded) but exits on systemd hosts.
  const auto* pl = find(found, "/etc/cron.daily/plocate");
  ASSERT_TRUE(pl);
  EXPECT_EQ(pl->script_line, 35);
  EXPECT_FALSE(pl->active);
  EXPECT_NE(pl->inactive_reason->find("systemd"), std::string::npos);

  // EL7: -f "$nodevs" is noted; weekly has no crontab line here.
  const auto* el7 = find(found, "/etc/cron.weekly/mlocate-el7");
  ASSERT_TRUE(el7);
  EXPECT_TRUE(el7->culprit.crawl->prunefs_unknown);
  EXPECT_TRUE(el7->file.empty());

  // run-parts skips names with dots; non-executable scripts are inactive.
  const auto* old = find(found, "/etc/cron.daily/mlocate.dpkg-old");
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->active);
  const auto* man = find(found, "/etc/cron.daily/man-db");
  ASSERT_TRUE(man);
  EXPECT_EQ(man->rule, "man-db");
  EXPECT_FALSE(man->active);
  ASSERT_TRUE(find(found, "/etc/cron.daily/logrotate"));
  EXPECT_FALSE(find(found, "/etc/cron.daily/dpkg"));

  // A crontab line that runs a culprit directly.
  const auto* rs = find(found, "/etc/crontab");
  ASSERT_TRUE(rs);
  EXPECT_EQ(rs->rule, "rsync-backup");
  EXPECT_EQ(rs->line, 4);
}

TEST(Scheduled, AnacronSchedulesCronDailyWhenCrontabDefers) {
  FakeRoot r;
  r.write("etc/crontab", kCrontab);
  r.write("etc/anacrontab", "1\t5\tcron.daily\trun-parts --report /etc/cron.daily\n");
  r.write("usr/sbin/anacron", "", true);
  r.write("etc/cron.daily/mlocate", shared("cron-timer/ct-01-ubuntu-16.04-etc-cron.daily-mlocate-from-aks-engine-2971.sh"), true);
  auto found = find_scheduled_culprits(r.paths(), {});
  const auto* ml = find(found, "/etc/cron.daily/mlocate");
  ASSERT_TRUE(ml);
  EXPECT_EQ(ml->kind, "anacron");
  EXPECT_EQ(ml->file, "/etc/anacrontab");
  EXPECT_NE(ml->schedule_text.find("every day"), std::string::npos);
  // no updatedb.conf at all: said so
  bool missing = false;
  for (const auto& e : ml->culprit.evidence) missing = missing || e.find("is missing") != std::string::npos;
  EXPECT_TRUE(missing);
}

TEST(Scheduled, TimersAndMalformedCronFiles) {
  ScheduledSources src;
  src.cron.add_file("/etc/cron.d/broken", CronFileKind::kSystem, "61 * * * * root updatedb\n0 1 * * * root /usr/bin/updatedb\n");
  TimerJob t;
  t.timer = "plocate-updatedb.timer";
  t.timer_path = "/usr/lib/systemd/system/plocate-updatedb.timer";
  t.service = "plocate-updatedb.service";
  t.on_calendar = {"daily"};
  t.randomized_delay = "12h";
  t.persistent = true;
  t.enabled = true;
  t.exec_start = {"@sbindir@/updatedb"};  // ct-06 as shipped, before substitution
  src.timers.push_back(t);
  TimerJob rh = t;
  rh.timer = "mlocate-updatedb.timer";
  rh.enabled = false;
  rh.exec_start = {"/usr/libexec/mlocate-run-updatedb"};
  rh.exec_scripts = {{"/usr/libexec/mlocate-run-updatedb", "#!/bin/sh\nnodevs=$(x)\n/usr/bin/updatedb -f \"$nodevs\"\n"}};
  src.timers.push_back(rh);
  TimerJob other = t;
  other.timer = "fstrim.timer";
  other.exec_start = {"/sbin/fstrim -av"};
  other.exec_scripts.clear();
  src.timers.push_back(other);
  CulpritInputs in;
  auto found = find_scheduled_culprits(src, in);
  ASSERT_EQ(src.cron.problems.size(), 1u);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].file, "/etc/cron.d/broken");
  EXPECT_EQ(found[0].line, 2);
  EXPECT_EQ(found[1].kind, "timer");
  EXPECT_EQ(found[1].timer, "plocate-updatedb.timer");
  EXPECT_EQ(found[1].schedule, "OnCalendar=daily");
  EXPECT_NE(found[1].schedule_text.find("RandomizedDelaySec=12h"), std::string::npos);
  EXPECT_TRUE(found[1].active);
  bool disable = false;
  for (const auto& f : found[1].culprit.fixes) disable = disable || f.find("systemctl disable --now plocate-updatedb.timer") != std::string::npos;
  EXPECT_TRUE(disable);
  EXPECT_EQ(found[2].timer, "mlocate-updatedb.timer");
  EXPECT_FALSE(found[2].active);
  EXPECT_NE(found[2].command.find("mlocate-run-updatedb:3"), std::string::npos);
}

TEST(Scheduled, SystemdTimersUnderRootfs) {
  FakeRoot r;
  // upstream plocate units (ct-05, ct-06 with @sbindir@ substituted as the build does)
  r.write("usr/lib/systemd/system/plocate-updatedb.timer", shared("cron-timer/ct-05-plocate-upstream-plocate-updatedb.timer"));
  std::string svc = shared("cron-timer/ct-06-plocate-upstream-plocate-updatedb.service.in");
  svc.replace(svc.find("@sbindir@"), 9, "/usr/sbin");
  r.write("usr/lib/systemd/system/plocate-updatedb.service", svc);
  r.mkdir("etc/systemd/system/timers.target.wants");
  fs::create_symlink("/usr/lib/systemd/system/plocate-updatedb.timer",
                     r.paths().root("/etc/systemd/system/timers.target.wants/plocate-updatedb.timer"));
  // mlocate's upstream-branch service (ct-07) runs a wrapper script that runs updatedb; not enabled.
  r.write("usr/lib/systemd/system/mlocate-updatedb.timer", "[Timer]\nOnBootSec=15min\nOnUnitActiveSec=1d\n");
  r.write("usr/lib/systemd/system/mlocate-updatedb.service",
          shared("cron-timer/ct-07-mlocate-msekletar-systemd-updatedb.service"));
  r.write("usr/libexec/run-updatedb.sh", "#!/bin/sh\nexec /usr/bin/updatedb -f \"$(awk x /proc/filesystems)\"\n", true);
  r.write("etc/updatedb.conf", shared("conf/uc-01-rhel9-openela-mlocate-SOURCES-updatedb.conf"));
  auto found = find_scheduled_culprits(r.paths(), mounts());
  const ScheduledCulprit *pl = nullptr, *ml = nullptr;
  for (const auto& s : found) {
    if (s.timer == "plocate-updatedb.timer") pl = &s;
    if (s.timer == "mlocate-updatedb.timer") ml = &s;
  }
  ASSERT_TRUE(pl);
  EXPECT_EQ(pl->kind, "timer");
  EXPECT_EQ(pl->rule, "updatedb");
  EXPECT_EQ(pl->unit, "plocate-updatedb.service");
  EXPECT_EQ(pl->schedule, "OnCalendar=daily");
  EXPECT_NE(pl->schedule_text.find("RandomizedDelaySec=12h"), std::string::npos);
  EXPECT_NE(pl->schedule_text.find("Persistent=true"), std::string::npos);
  EXPECT_TRUE(pl->active);
  EXPECT_EQ(pl->command, "ExecStart=/usr/sbin/updatedb");
  ASSERT_TRUE(ml);
  EXPECT_FALSE(ml->active);
  EXPECT_NE(ml->schedule_text.find("OnBootSec=15min"), std::string::npos);
  EXPECT_NE(ml->command.find("/usr/libexec/run-updatedb.sh:2"), std::string::npos);
  // uc-01 prunes ceph by type: the evidence quotes the line.
  bool ceph = false;
  for (const auto& e : ml->culprit.evidence) ceph = ceph || e.find("skips /mnt/cephfs") != std::string::npos;
  EXPECT_TRUE(ceph);
}
