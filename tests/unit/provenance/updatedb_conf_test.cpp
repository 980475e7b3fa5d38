#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "provenance/updatedb_conf.hpp"

using namespace ms;

namespace {

std::string conf_sample(const std::string& name) {
  std::ifstream f(std::string(MEMSLEUTH_TEST_DATA) + "/updatedb/conf/" + name);
  EXPECT_TRUE(f.good()) << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

UpdatedbConf sample(const std::string& name) { return parse_updatedb_conf(conf_sample(name), name); }

}  // namespace

// Facts from tests/data/updatedb/index.md, one sample at a time.
TEST(UpdatedbConf, Rhel9PackageDefault) {
  auto c = sample("uc-01-rhel9-openela-mlocate-SOURCES-updatedb.conf");
  EXPECT_TRUE(c.problems.empty());
  EXPECT_TRUE(c.prune_bind_mounts_on());
  EXPECT_EQ(c.prune_bind_mounts->raw, "PRUNE_BIND_MOUNTS = \"yes\"");
  auto fs = c.prunefs_list();
  EXPECT_EQ(fs.size(), 48u);
  for (auto t : {"nfs", "nfs4", "ceph", "fuse.ceph", "fuse", "fuse.sshfs", "tmpfs", "gpfs", "lustre", "cgroup"})
    EXPECT_TRUE(c.prunes_fs(t)) << t;
  for (auto t : {"overlay", "fuse.glusterfs", "cgroup2"}) EXPECT_FALSE(c.prunes_fs(t)) << t;
  EXPECT_EQ(c.prunenames_list().size(), 7u);
  auto paths = c.prunepaths_list();
  EXPECT_EQ(paths.size(), 16u);
  EXPECT_TRUE(has(paths, "/var/lib/ceph"));
  EXPECT_TRUE(has(paths, "/sysroot/ostree/deploy"));
  EXPECT_EQ(c.prunepaths->line, 4);
  for (auto p : {"/var/lib/kubelet", "/var/lib/docker", "/var/lib/containerd"}) EXPECT_FALSE(c.pruning_path(p)) << p;
}

TEST(UpdatedbConf, Rhel6AndCentos) {
  auto c = sample("uc-02-rhel6-gooselinux-mlocate-updatedb.conf");
  EXPECT_EQ(c.prunefs_list().size(), 44u);
  EXPECT_TRUE(c.prunes_fs("fuse"));
  EXPECT_FALSE(c.prunes_fs("ceph"));
  EXPECT_FALSE(c.prunes_fs("fuse.sshfs"));  // plain "fuse" does not cover fuse.* subtypes
  EXPECT_FALSE(c.pruning_path("/mnt/cephfs"));
  EXPECT_EQ(c.prunepaths_list().size(), 10u);
  auto c4 = sample("uc-04-centos-etc-optionalg-centos_local-updatedb.conf");
  EXPECT_EQ(c4.prunefs_list().size(), 45u);
  EXPECT_TRUE(c4.prunes_fs("vmhgfs"));
}

TEST(UpdatedbConf, Rhel7Etckeeper) {
  auto c = sample("uc-03-rhel7-family-etc-hoidn-etckeeper-updatedb.conf");
  EXPECT_EQ(c.prunefs_list().size(), 46u);
  EXPECT_TRUE(c.prunes_fs("gpfs"));
  EXPECT_FALSE(c.prunes_fs("ceph"));
  EXPECT_FALSE(c.prunes_fs("fuse.ceph"));
  EXPECT_EQ(c.pruning_path("/var/lib/ceph/osd/ceph-0"), "/var/lib/ceph");
  EXPECT_FALSE(c.pruning_path("/media/usb"));
}

TEST(UpdatedbConf, DebianUbuntuNewer) {
  auto c = sample("uc-05-debian-ubuntu-etc-yusuke-saiki-etckeeper-updatedb.conf");
  EXPECT_TRUE(c.problems.empty());
  EXPECT_TRUE(c.prune_bind_mounts_on());
  EXPECT_EQ(c.prune_bind_mounts->raw, "PRUNE_BIND_MOUNTS=\"yes\"");
  EXPECT_FALSE(c.prunenames);  // commented out
  EXPECT_EQ(c.prunepaths_list().size(), 7u);
  EXPECT_FALSE(c.pruning_path("/mnt"));
  EXPECT_FALSE(c.pruning_path("/var/tmp"));
  EXPECT_EQ(c.prunefs_list().size(), 51u);
  for (auto t : {"NFS", "nfs", "nfs4", "ceph", "fuse.ceph", "fuse.glusterfs", "fuse.sshfs", "tmpfs", "cgroup2"})
    EXPECT_TRUE(c.prunes_fs(t)) << t;
  EXPECT_FALSE(c.prunes_fs("fuse"));
  EXPECT_FALSE(c.prunes_fs("overlay"));
  EXPECT_FALSE(c.prunes_fs("fuse.ceph-fuse"));  // ceph-fuse's real type is not "fuse.ceph"
  EXPECT_EQ(c.prunefs->line, 4);
}

TEST(UpdatedbConf, DebianBindMountsNotPruned) {
  auto c = sample("uc-06-debian-etc-lucaswerkmeister-server-etc-updatedb.conf");
  EXPECT_FALSE(c.prune_bind_mounts_on());
  EXPECT_EQ(c.prunefs_list().size(), 52u);
  EXPECT_TRUE(c.prunes_fs("fuse.gocryptfs"));
}

TEST(UpdatedbConf, OldUbuntuAndSiteCustomised) {
  auto c = sample("uc-07-ubuntu-12.04-rootfs-lucchouina-updatedb.conf");
  EXPECT_EQ(c.prunefs_list().size(), 30u);
  EXPECT_FALSE(c.prunes_fs("ceph"));
  EXPECT_FALSE(c.prunes_fs("cgroup"));
  EXPECT_TRUE(c.prunes_fs("lustre_lite"));
  EXPECT_EQ(c.prunepaths_list().size(), 4u);
  auto b = sample("uc-08-ubuntu-site-fredhutch-beegfs-updatedb.conf");
  EXPECT_EQ(b.pruning_path("/fh/fast/lab1"), "/fh/fast");
  EXPECT_TRUE(b.prunes_fs("beegfs"));
  EXPECT_EQ(b.prunefs_list().size(), 33u);
}

TEST(UpdatedbConf, IssueThreadLastAssignmentWins) {
  auto c = sample("uc-09-k8s-node-rhel-like-fluid-issue-2058.txt");
  // "before" and "after" are both pasted; mlocate keeps the last assignment.
  EXPECT_EQ(c.pruning_path("/runtime-mnt/x"), "/runtime-mnt");
  EXPECT_FALSE(c.pruning_path("/var/lib/kubelet"));
  EXPECT_TRUE(c.prunes_fs("fuse.glusterfs"));
  EXPECT_TRUE(c.problems.empty());
}

TEST(UpdatedbConf, TruncatedPasteIsFlagged) {
  auto c = sample("uc-10-arch-mlocate-and-older-ubuntu-prunefs-keybase-issue-2417.txt");
  ASSERT_TRUE(c.prunefs);
  EXPECT_EQ(c.prunefs_list().size(), 53u);  // the Arch config, pasted after the Ubuntu line
  EXPECT_TRUE(c.prunes_fs("fuse"));
  ASSERT_TRUE(c.prunepaths);
  EXPECT_TRUE(c.prunepaths->truncated);
  EXPECT_EQ(c.prunepaths_list().back(), "/var/lib/pacman/loca");
  ASSERT_FALSE(c.problems.empty());
  EXPECT_NE(c.problems.back().message.find("closing quote"), std::string::npos);
}

TEST(UpdatedbConf, ArchDefaultInPullRequest) {
  auto c = sample("uc-11-arch-mlocate-default-axiom-firmware-pr-211.txt");
  EXPECT_EQ(c.prunefs_list().size(), 54u);
  EXPECT_TRUE(c.prunes_fs("fuse.s3fs"));
  EXPECT_EQ(c.prunepaths_list().size(), 13u);
  EXPECT_EQ(c.pruning_path("/var/cache/pacman/pkg"), "/var/cache");
}

TEST(UpdatedbConf, BulletsAndTypographicQuotes) {
  auto c = sample("uc-12-ubuntu-18.04-like-prunefs-with-fuse-azure-storage-fuse-issue-362.txt");
  EXPECT_EQ(c.prunefs_list().size(), 33u);
  EXPECT_TRUE(c.prunes_fs("fuse"));
  EXPECT_EQ(c.prunepaths_list().size(), 8u);
  EXPECT_EQ(c.pruning_path("/mnt/blob"), "/mnt");
  auto q = parse_updatedb_conf("PRUNEPATHS=\xE2\x80\x9C/tmp /mnt\xE2\x80\x9D\n");
  EXPECT_EQ(q.prunepaths_list().size(), 2u);
}

TEST(UpdatedbConf, PuppetYamlData) {
  auto u = sample("uc-13-puppet-mlocate-data-Ubuntu-24.04.yaml");
  EXPECT_TRUE(u.from_yaml);
  EXPECT_EQ(u.prunefs_list().size(), 52u);
  EXPECT_EQ(u.prunepaths_list().size(), 7u);
  auto d = sample("uc-14-puppet-mlocate-data-Debian-11.yaml");
  EXPECT_EQ(d.prunefs_list().size(), 49u);
  EXPECT_EQ(d.prunepaths_list().size(), 5u);
  auto r8 = sample("uc-15-puppet-mlocate-data-RedHat-8.yaml");
  EXPECT_EQ(r8.prunefs_list().size(), 48u);
  EXPECT_EQ(r8.prunepaths_list().size(), 16u);
  EXPECT_TRUE(has(r8.prunenames_list(), "{arch}"));
  auto r7 = sample("uc-16-puppet-mlocate-data-RedHat-7.yaml");
  EXPECT_EQ(r7.prunefs_list().size(), 4u);
  EXPECT_EQ(r7.prunepaths_list().size(), 3u);
}

TEST(UpdatedbConf, MalformedAndUnknown) {
  auto c = parse_updatedb_conf("PRUNEFS = \"nfs\nBOGUS_VAR = \"1\"\n= \"x\"\nPRUNEPATHS /tmp\nPRUNEPATHS = '/srv'\n",
                               "/etc/updatedb.conf");
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(c.problems[0].line, 1);
  EXPECT_EQ(c.problems[1].line, 2);
  EXPECT_NE(c.problems[1].message.find("BOGUS_VAR"), std::string::npos);
  EXPECT_TRUE(c.prunes_fs("NFS"));
  EXPECT_EQ(c.pruning_path("/srv/a"), "/srv");
  EXPECT_FALSE(c.prune_bind_mounts_on());  // absent: mlocate's default is no
  EXPECT_TRUE(parse_updatedb_conf("").prunefs_list().empty());
  EXPECT_TRUE(parse_updatedb_conf(std::string("\0\0\xff", 3)).problems.empty());
}

TEST(UpdatedbConf, PrunePathsAreExact) {
  auto c = parse_updatedb_conf("PRUNEPATHS=\"/var/lib/kubelet/ /var/lib/docker /\"\n");
  EXPECT_FALSE(c.pruning_path("/var/lib/kubelet/pods"));  // trailing slash never matches
  EXPECT_EQ(c.pruning_path("/var/lib/docker/overlay2"), "/var/lib/docker");
  EXPECT_FALSE(c.pruning_path("/var/lib/dockerd"));
  EXPECT_EQ(c.pruning_path("/"), "/");
}

TEST(UpdatedbArgs, MlocatePlocateAndFindutils) {
  auto a = parse_updatedb_args({"/usr/sbin/updatedb.plocate", "-U", "/srv/tree", "-o", "/tmp/db", "-e", "/a /b",
                                "--add-prunefs=nfs", "--prune-bind-mounts", "no"});
  EXPECT_EQ(a.database_root, "/srv/tree");
  EXPECT_EQ(a.output, "/tmp/db");
  EXPECT_EQ(a.add_prunepaths, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(a.add_prunefs, (std::vector<std::string>{"nfs"}));
  EXPECT_EQ(a.prune_bind_mounts, false);
  EXPECT_FALSE(a.findutils);
  // EL7 cron.daily: -f "$nodevs" (the words of a script line, wrappers first)
  auto el7 = parse_updatedb_args({"flock", "-n", "/run/x.lock", "/usr/bin/updatedb", "-f", "$nodevs"});
  EXPECT_TRUE(el7.prunefs_from_shell);
  EXPECT_EQ(el7.database_root, "/");
  auto fu = parse_updatedb_args({"updatedb.findutils", "--localpaths=/home /srv", "--prunepaths=/tmp"});
  EXPECT_TRUE(fu.findutils);
  EXPECT_EQ(fu.database_root, "/home");
  EXPECT_EQ(fu.add_prunepaths, (std::vector<std::string>{"/tmp"}));
}
