#include <gtest/gtest.h>

#include <set>

#include "probe/parsers.hpp"
#include "provenance/culprits.hpp"
#include "provenance/shell_words.hpp"

using namespace ms;

namespace {

CulpritInputs node_inputs() {
  CulpritInputs in;
  auto m = parse_mountinfo(
      "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "43 22 0:52 / /mnt/cephfs rw - ceph 10.0.0.1:/ rw\n");
  in.mounts = *m;
  in.updatedb_conf = parse_updatedb_conf("PRUNE_BIND_MOUNTS=\"yes\"\nPRUNEFS=\"nfs nfs4 tmpfs\"\nPRUNEPATHS=\"/tmp\"\n");
  in.k8s_dirs = {"/var/lib/kubelet"};
  in.disable = {"chmod -x /etc/cron.daily/mlocate"};
  return in;
}

bool contains(const std::vector<std::string>& v, std::string_view needle) {
  for (const auto& s : v)
    if (s.find(needle) != std::string::npos) return true;
  return false;
}

std::optional<Culprit> cmd(std::string_view line, const CulpritInputs& in) {
  return match_command_culprit(shell_words(line), in);
}

}  // namespace

TEST(CulpritRules, TableIsWellFormed) {
  std::set<std::string_view> ids;
  for (const auto& r : culprit_rules()) {
    EXPECT_FALSE(r.id.empty());
    EXPECT_FALSE(r.programs.empty()) << r.id;
    EXPECT_TRUE(r.analyze) << r.id;
    ids.insert(r.id);
  }
  for (auto id : {"updatedb", "find", "du", "rsync-backup", "tar-backup", "man-db", "logrotate", "apt-refresh",
                  "dnf-makecache"})
    EXPECT_TRUE(ids.count(id)) << id;
}

TEST(CulpritRules, UpdatedbProcessEvidenceAndFix) {
  auto in = node_inputs();
  auto c = match_process_culprit({"/usr/sbin/updatedb.plocate"}, "updatedb.plocat", in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rule, "updatedb");
  ASSERT_TRUE(c->crawl);
  EXPECT_TRUE(contains(c->evidence, "/etc/updatedb.conf:2: PRUNEFS=\"nfs nfs4 tmpfs\""));
  EXPECT_TRUE(contains(c->evidence, "WILL CRAWL /mnt/cephfs [network-fs] (ceph, 10.0.0.1:/): ceph is not in PRUNEFS"));
  EXPECT_TRUE(contains(c->evidence, "WILL CRAWL /var/lib/kubelet [kubernetes-state]"));
  EXPECT_TRUE(contains(c->fixes, "edit /etc/updatedb.conf line 2 (PRUNEFS) to read: PRUNEFS=\"nfs nfs4 tmpfs ceph\""));
  EXPECT_TRUE(contains(c->fixes, "line 3 (PRUNEPATHS) to read: PRUNEPATHS=\"/tmp /var/lib/kubelet\""));
  EXPECT_TRUE(contains(c->fixes, "stop the schedule: chmod -x /etc/cron.daily/mlocate"));
}

TEST(CulpritRules, UpdatedbWithoutConfig) {
  auto in = node_inputs();
  in.updatedb_conf.reset();
  auto c = match_process_culprit({"updatedb", "-U", "/var/lib/kubelet/pods"}, "updatedb", in);
  ASSERT_TRUE(c);
  EXPECT_TRUE(contains(c->evidence, "is missing"));
  EXPECT_TRUE(contains(c->evidence, "database root (-U): /var/lib/kubelet/pods"));
  EXPECT_TRUE(contains(c->fixes, "add to /etc/updatedb.conf: PRUNEPATHS=\"/var/lib/kubelet\""));
}

TEST(CulpritRules, CommOnlyWhenArgvIsRewritten) {
  // exec -a, or a kernel thread-like empty cmdline: comm decides.
  auto c = match_process_culprit({}, "mandb", node_inputs());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rule, "man-db");
  EXPECT_FALSE(match_process_culprit({"vim", "/tmp/find"}, "vim", node_inputs()));
}

TEST(CulpritRules, FindAndDu) {
  auto in = node_inputs();
  auto f = match_process_culprit({"find", "/", "-name", "*.log"}, "find", in);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rule, "find");
  EXPECT_TRUE(contains(f->evidence, "walks the whole filesystem tree from /"));
  EXPECT_TRUE(contains(f->evidence, "walks ceph mount /mnt/cephfs"));
  EXPECT_TRUE(contains(f->evidence, "walks Kubernetes state /var/lib/kubelet"));
  auto fx = match_process_culprit({"find", "/", "-xdev", "-name", "x"}, "find", in);
  EXPECT_FALSE(contains(fx->evidence, "ceph mount"));
  // Scheduled: tmp cleaning is not a culprit, walking / is.
  EXPECT_FALSE(cmd("find /tmp -mtime +7 -delete", in));
  EXPECT_TRUE(cmd("find / -name core -delete", in));
  EXPECT_TRUE(cmd("find /var/lib/kubelet/pods -type f", in));
  auto d = cmd("nice du -sh /mnt/cephfs/projects", in);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->rule, "du");
  EXPECT_TRUE(contains(d->evidence, "walks ceph mount /mnt/cephfs"));
  EXPECT_FALSE(cmd("du -sh /srv/app", in));
}

TEST(CulpritRules, Backups) {
  auto in = node_inputs();
  auto r = cmd("rsync -aH --delete / backup:/nodes/n1", in);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rule, "rsync-backup");
  EXPECT_TRUE(contains(r->fixes, "--one-file-system"));
  auto t = cmd("tar czf /backup/root.tgz /", in);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->rule, "tar-backup");
  EXPECT_FALSE(cmd("tar xzf /tmp/a.tgz -C /", in));  // extracting walks nothing
  auto b = match_process_culprit({"restic", "backup", "/"}, "restic", in);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->rule, "backup-agent");
}

TEST(CulpritRules, ManDbLogrotatePackageCaches) {
  auto in = node_inputs();
  // Debian's /etc/cron.daily/man-db runs mandb through start-stop-daemon.
  auto m = cmd("start-stop-daemon --start --pidfile /dev/null --startas /usr/bin/mandb --oknodo --chuid man -- --quiet", in);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->rule, "man-db");
  auto l = cmd("/usr/sbin/logrotate /etc/logrotate.conf", in);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->rule, "logrotate");
  EXPECT_TRUE(contains(l->evidence, "config: /etc/logrotate.conf"));
  EXPECT_EQ(cmd("apt-get -qq update", in)->rule, "apt-refresh");
  EXPECT_FALSE(cmd("apt-get install -y curl", in));
  EXPECT_EQ(cmd("/usr/lib/apt/apt.systemd.daily update", in)->rule, "apt-refresh");
  EXPECT_EQ(cmd("/usr/bin/dnf makecache --timer", in)->rule, "dnf-makecache");
  EXPECT_EQ(cmd("yum -q makecache fast", in)->rule, "dnf-makecache");
  EXPECT_FALSE(cmd("dnf install -y vim", in));
  EXPECT_EQ(cmd("zypper --non-interactive refresh", in)->rule, "zypper-refresh");
  EXPECT_EQ(match_process_culprit({"/usr/libexec/packagekitd"}, "packagekitd", in)->rule, "packagekit");
}

TEST(CulpritRules, TestsAndAssignmentsNeverMatch) {
  auto in = node_inputs();
  EXPECT_FALSE(cmd("[ -x /usr/bin/updatedb.mlocate ]", in));
  EXPECT_FALSE(cmd("UPDATEDB=/usr/sbin/updatedb.plocate", in));
  EXPECT_FALSE(cmd("test -x /usr/bin/updatedb", in));
  auto u = cmd("flock --nonblock /run/mlocate.daily.lock /usr/bin/ionice -c3 /usr/bin/updatedb.mlocate", in);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->rule, "updatedb");
  EXPECT_EQ(u->matched, "/usr/bin/updatedb.mlocate");
}
