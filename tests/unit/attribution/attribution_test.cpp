// Process/cgroup classification with process facts and the node's names (fixture tree
// tests/fixtures/attrib-names/root), effective limits, rollups and residual memory.
#include <gtest/gtest.h>

#include "attribution/attribution.hpp"
#include "attribution/classify.hpp"
#include "attribution/systemd_units.hpp"

namespace ms {
namespace {

const std::string kWebUid = "1f3a5c2e-0b6d-4e8f-9a1b-2c3d4e5f6a7b";
const std::string kNginx = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
const std::string kPause = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
const std::string kProxy = "abddff03dfd7710c79a750ce3e730365cbb2c8247a974170c1062683bc3e9152";
const std::string kUnknownUid = "0125ec2f-b64a-4868-8f5b-94b56cbab864";
const std::string kGiB = "1073741824";

HostPaths fixture() {
  HostPaths hp;
  hp.rootfs = std::string(MEMSLEUTH_SOURCE_DIR) + "/tests/fixtures/attrib-names/root";
  return hp;
}

Process proc(int pid, int ppid, std::string comm, std::string cg, uint64_t rss, std::optional<uint32_t> uid = 0) {
  Process p;
  p.pid = pid;
  p.ppid = ppid;
  p.comm = std::move(comm);
  p.memory_cgroup = cg;
  p.cgroups.push_back({0, "", cg});
  p.rss_bytes = rss;
  p.uid = uid;
  return p;
}

Cgroup cgroup(std::string path, std::optional<uint64_t> limit, std::optional<uint64_t> usage = std::nullopt) {
  Cgroup c;
  c.path = std::move(path);
  c.limit_bytes = limit;
  c.limit_known = true;
  c.usage_bytes = usage;
  return c;
}

// A cgroupfs v1 node: a burstable pod whose pod limit (256Mi) is below its container's (1Gi),
// a besteffort pod with no names on disk, cron → sh → updatedb in cron.service, a timer service,
// a login session, a kernel thread, and an unconfined process in the root cgroup.
Snapshot node() {
  Snapshot s;
  s.cgroup_version = CgroupVersion::kV1;
  const std::string web = "/kubepods/burstable/pod" + kWebUid;
  const std::string unk = "/kubepods/besteffort/pod" + kUnknownUid;
  s.cgroups = {cgroup("/", std::nullopt, 8ull << 30),
               cgroup("/kubepods", 6ull << 30, 3ull << 30),
               cgroup("/kubepods/besteffort", std::nullopt),
               cgroup(unk, std::nullopt, 100 << 20),
               cgroup(unk + "/" + kProxy, std::nullopt, 90 << 20),
               cgroup("/kubepods/burstable", std::nullopt),
               cgroup(web, 256ull << 20, 200ull << 20),
               cgroup(web + "/" + kNginx, 1ull << 30, 150ull << 20),
               cgroup(web + "/" + kPause, std::nullopt, 1 << 20),
               cgroup("/system.slice", std::nullopt),
               cgroup("/system.slice/cron.service", std::nullopt, 3ull << 30),
               cgroup("/system.slice/plocate-updatedb.service", std::nullopt),
               cgroup("/user.slice", std::nullopt),
               cgroup("/user.slice/user-1000.slice", std::nullopt),
               cgroup("/user.slice/user-1000.slice/session-3.scope", std::nullopt)};
  s.cgroups[1].stat.items = {{"total_cache", 1ull << 30}};
  s.cgroups[6].stat.items = {{"total_rss", 150ull << 20}, {"total_inactive_file", 20ull << 20}};
  std::sort(s.cgroups.begin(), s.cgroups.end(), [](const Cgroup& a, const Cgroup& b) { return a.path < b.path; });
  s.processes = {proc(1, 0, "systemd", "/init.scope", 10 << 20),
                 proc(2, 0, "kthreadd", "/", 0),
                 proc(400, 1, "cron", "/system.slice/cron.service", 2 << 20),
                 proc(401, 400, "sh", "/system.slice/cron.service", 1 << 20),
                 proc(402, 401, "updatedb.plocat", "/system.slice/cron.service", 3000ull << 20),
                 proc(500, 1, "updatedb", "/system.slice/plocate-updatedb.service", 50 << 20),
                 proc(600, 1, "bash", "/user.slice/user-1000.slice/session-3.scope", 5 << 20, 1000),
                 proc(700, 1, "kubelet", "/system.slice/kubelet.service", 80 << 20),
                 proc(800, 1, "containerd-shim", "/system.slice/containerd.service", 9 << 20),
                 proc(801, 800, "nginx", web + "/" + kNginx, 120 << 20),
                 proc(802, 800, "pause", web + "/" + kPause, 1 << 20),
                 proc(900, 1, "kube-proxy", unk + "/" + kProxy, 40 << 20),
                 proc(950, 1, "hog", "/", 700 << 20)};
  s.processes[1].kernel_thread = true;
  s.processes[1].rss_bytes.reset();
  s.processes[8].cmdline = {"/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", kPause};
  s.meminfo.items = {{"MemTotal", 8ull << 30}, {"Cached", 3ull << 30}, {"Shmem", 300 << 20}, {"Slab", 500 << 20},
                     {"SReclaimable", 400 << 20}, {"SUnreclaim", 100 << 20}};
  Mount shm;
  shm.major_minor = "0:25";
  shm.root = "/";
  shm.mount_point = "/dev/shm";
  shm.fs_type = "tmpfs";
  shm.used_bytes = 64 << 20;
  Mount ed;
  ed.major_minor = "0:90";
  ed.root = "/";
  ed.mount_point = "/var/lib/kubelet/pods/" + kWebUid + "/volumes/kubernetes.io~empty-dir/cache";
  ed.fs_type = "tmpfs";
  ed.used_bytes = 200 << 20;
  Mount ext4;
  ext4.major_minor = "8:1";
  ext4.mount_point = "/";
  ext4.fs_type = "ext4";
  s.mounts = {shm, ed, ext4};
  s.slab = {{"dentry", 1, 1, 192, 300 << 20}, {"ext4_inode_cache", 1, 1, 1000, 100 << 20}};
  return s;
}

TEST(Classify, PodNamesFromNodeFilesAndUnknownWhenMissing) {
  ClassifySources src = ClassifySources::load(fixture());
  Owner o = classify_cgroup("/kubepods/burstable/pod" + kWebUid + "/" + kNginx, &src);
  EXPECT_EQ(o.kind, OwnerKind::kPod);
  EXPECT_EQ(o.namespace_, "shop");
  EXPECT_EQ(o.pod, "web-7d4b9");
  EXPECT_EQ(o.container, "nginx");
  EXPECT_EQ(o.label(), "shop/web-7d4b9/nginx");
  // Missing /var/log/pods directory: names unknown, not guessed; the uid and QoS still known.
  Owner u = classify_cgroup("/kubepods/besteffort/pod" + kUnknownUid + "/" + kNginx.substr(0, 63) + "9", &src);
  EXPECT_FALSE(u.namespace_);
  EXPECT_FALSE(u.pod);
  EXPECT_FALSE(u.container);
  EXPECT_EQ(u.pod_uid, kUnknownUid);
  // Names via the container's symlink alone (its pod directory gone): still from the node.
  Owner kp = classify_cgroup("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod9692aa0e_748e_11e8_8dfa_76d458035df6.slice/" + kProxy, &src);
  EXPECT_EQ(kp.namespace_, "kube-system");
  EXPECT_EQ(kp.container, "kube-proxy");
  EXPECT_EQ(kp.runtime, "docker");  // /var/lib/docker/containers/<id> exists in the fixture
}

TEST(Classify, CgroupKindsOutsideKubepods) {
  ClassifySources src = ClassifySources::load(fixture());
  struct C {
    std::string path;
    OwnerKind kind;
    std::optional<std::string> unit, session, user, timer;
  };
  std::vector<C> cases = {
      {"/", OwnerKind::kUnconfined, {}, {}, {}, {}},
      {"/system.slice/ssh.service", OwnerKind::kSystemdUnit, "ssh.service", {}, {}, {}},
      {"/system.slice/system-getty.slice/getty@tty1.service", OwnerKind::kSystemdUnit, "getty@tty1.service", {}, {}, {}},
      {"/init.scope", OwnerKind::kSystemdUnit, "init.scope", {}, {}, {}},
      {"/system.slice/kubelet.service", OwnerKind::kNodeAgent, "kubelet.service", {}, {}, {}},
      {"/system.slice/crio.service", OwnerKind::kNodeAgent, "crio.service", {}, {}, {}},
      {"/system.slice/cron.service", OwnerKind::kCron, "cron.service", {}, {}, {}},
      {"/system.slice/crond.service", OwnerKind::kCron, "crond.service", {}, {}, {}},
      {"/system.slice/plocate-updatedb.service", OwnerKind::kTimer, "plocate-updatedb.service", {}, {}, "plocate-updatedb.timer"},
      {"/system.slice/do-backup.service", OwnerKind::kTimer, "do-backup.service", {}, {}, "backup-nightly.timer"},
      {"/user.slice/user-1000.slice/session-3.scope", OwnerKind::kSession, {}, "session-3", "alice", {}},
      {"/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service", OwnerKind::kSession, {}, "user@1000.service", "alice", {}},
      {"/user.slice/user-4242.slice/session-9.scope", OwnerKind::kSession, {}, "session-9", "4242", {}},
      {"/mst-attrib-1/unconfined", OwnerKind::kCgroup, {}, {}, {}, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    Owner o = classify_cgroup(c.path, &src);
    EXPECT_EQ(o.kind, c.kind);
    EXPECT_EQ(o.unit, c.unit);
    EXPECT_EQ(o.session, c.session);
    EXPECT_EQ(o.user, c.user);
    EXPECT_EQ(o.timer, c.timer);
    EXPECT_FALSE(o.in_kubepods);
  }
}

// systemd's slices below a prefix (kubelet --cgroup-root style, a nested systemd, a test's own tree)
// are units and sessions as at the root; a pod's own nested system.slice stays the pod's.
TEST(Classify, SystemdSlicesAtAnyDepth) {
  ClassifySources src = ClassifySources::load(fixture());
  struct C {
    std::string path;
    OwnerKind kind;
    std::optional<std::string> unit, session, user;
  };
  std::vector<C> cases = {
      {"/mst-doctor-42/system.slice/leaky.service", OwnerKind::kSystemdUnit, "leaky.service", {}, {}},
      {"/a/b/system.slice/system-getty.slice/getty@tty1.service", OwnerKind::kSystemdUnit, "getty@tty1.service", {}, {}},
      {"/mst-doctor-42/system.slice/cron.service", OwnerKind::kCron, "cron.service", {}, {}},
      {"/node/system.slice/kubelet.service", OwnerKind::kNodeAgent, "kubelet.service", {}, {}},
      {"/node/user.slice/user-1000.slice/session-7.scope", OwnerKind::kSession, {}, "session-7", "alice"},
      {"/node/user.slice/user-1000.slice/user@1000.service/app.slice/x.service", OwnerKind::kSession, {},
       "user@1000.service", "alice"},
      // A unit-looking segment above system.slice is not the unit; the one below it is.
      {"/machine.slice/machine-c1.scope/system.slice/ssh.service", OwnerKind::kSystemdUnit, "ssh.service", {}, {}},
      // The slice itself (per-unit accounting off) and a unit with no slice above it: no unit known,
      // the cgroup is its own owner.
      {"/mst-doctor-42/system.slice", OwnerKind::kCgroup, {}, {}, {}},
      {"/mst-doctor-42/leaky.service", OwnerKind::kCgroup, {}, {}, {}},
      {"/mst-doctor-42/system.slice.d/leaky.service", OwnerKind::kCgroup, {}, {}, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    Owner o = classify_cgroup(c.path, &src);
    EXPECT_EQ(o.kind, c.kind);
    EXPECT_EQ(o.unit, c.unit);
    EXPECT_EQ(o.session, c.session);
    EXPECT_EQ(o.user, c.user);
    EXPECT_FALSE(o.in_kubepods);
  }
  // A pod that runs systemd (or anything naming its cgroups system.slice/user.slice) is still a pod,
  // under both drivers and under a --cgroup-root prefix.
  const std::string uid = "0b5c4e1a-2d3f-4a6b-8c7d-9e0f1a2b3c4d";
  const std::string cid(64, 'a');
  for (const std::string& p :
       {"/kubepods/burstable/pod" + uid + "/" + cid + "/system.slice/cron.service",
        "/mst-doctor-42/kubepods/besteffort/pod" + uid + "/" + cid + "/user.slice/user-0.slice/session-1.scope",
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b5c4e1a_2d3f_4a6b_8c7d_9e0f1a2b3c4d.slice/"
        "cri-containerd-" + cid + ".scope/system.slice/leaky.service"}) {
    SCOPED_TRACE(p);
    Owner o = classify_cgroup(p, &src);
    EXPECT_EQ(o.kind, OwnerKind::kPod);
    EXPECT_TRUE(o.in_kubepods);
    EXPECT_EQ(o.pod_uid, uid);
    EXPECT_EQ(o.container_id, cid);
    EXPECT_FALSE(o.unit);
    EXPECT_FALSE(o.session);
  }
  // A process in a prefixed cron.service is cron's; in a prefixed leaking service, the unit's.
  Snapshot s;
  s.processes = {proc(1, 0, "systemd", "/init.scope", 1), proc(10, 1, "python3", "/t/system.slice/leaky.service", 1200ull << 20)};
  Owner leak = classify_process(*s.find_process(10), s, &src);
  EXPECT_EQ(leak.kind, OwnerKind::kSystemdUnit);
  EXPECT_EQ(leak.unit, "leaky.service");
  EXPECT_EQ(leak.label(), "leaky.service");
}

TEST(Classify, ProcessFacts) {
  ClassifySources src = ClassifySources::load(fixture());
  Snapshot s = node();
  auto kind = [&](int pid) { return classify_process(*s.find_process(pid), s, &src).kind; };
  EXPECT_EQ(kind(2), OwnerKind::kKernel);
  EXPECT_EQ(kind(1), OwnerKind::kSystemdUnit);
  EXPECT_EQ(kind(400), OwnerKind::kCron);
  std::string why;
  Owner upd = classify_process(*s.find_process(402), s, &src, &why);
  EXPECT_EQ(upd.kind, OwnerKind::kCron);
  EXPECT_FALSE(upd.in_kubepods);
  EXPECT_EQ(kind(500), OwnerKind::kTimer);
  EXPECT_EQ(kind(600), OwnerKind::kSession);
  EXPECT_EQ(kind(700), OwnerKind::kNodeAgent);
  EXPECT_EQ(kind(800), OwnerKind::kNodeAgent);
  EXPECT_EQ(kind(950), OwnerKind::kUnconfined);
  Owner pause = classify_process(*s.find_process(802), s, &src);
  EXPECT_EQ(pause.kind, OwnerKind::kPod);
  EXPECT_TRUE(pause.sandbox);
  EXPECT_EQ(pause.runtime, "containerd");  // its shim runs with -namespace k8s.io
  EXPECT_EQ(pause.namespace_, "shop");
  EXPECT_FALSE(pause.container);  // a sandbox has no log symlink: no container name is made up

  // A cron job that pam_systemd put into a session scope (RHEL crond) is still cron's.
  Snapshot r = s;
  r.processes[4].memory_cgroup = "/user.slice/user-0.slice/session-c1.scope";
  EXPECT_EQ(classify_process(r.processes[4], r, &src).kind, OwnerKind::kCron);

  // On v1 hosts with the memory hierarchy at /system.slice the name=systemd line names the unit.
  Process svc = proc(1234, 1, "sshd", "/system.slice", 1);
  svc.cgroups = {{6, "memory", "/system.slice"}, {1, "name=systemd", "/system.slice/ssh.service"}};
  Owner so = classify_process(svc, s, &src);
  EXPECT_EQ(so.kind, OwnerKind::kSystemdUnit);
  EXPECT_EQ(so.unit, "ssh.service");
}

// Issue 16 item 5: a process in a cgroup of its own (no unit, session or pod) is that cgroup's,
// named by its path, bounded or not; `unconfined` is the root cgroup only, where nothing limits it.
TEST(Classify, AHandMadeCgroupIsItsOwnOwnerBoundedOrNot) {
  ClassifySources src = ClassifySources::load(fixture());
  Snapshot s = node();
  Cgroup ux = cgroup("/uxtest", 200ull << 20);
  s.cgroups.push_back(ux);
  Process hog = proc(4242, 1, "python3", "/uxtest", 190 << 20);
  hog.cgroups = {{4, "memory", "/uxtest"}, {9, "name=systemd", "/"}};
  s.processes.push_back(hog);
  std::string why;
  Owner o = classify_process(s.processes.back(), s, &src, &why);
  EXPECT_EQ(o.kind, OwnerKind::kCgroup);
  EXPECT_EQ(o.label(), "/uxtest");
  EXPECT_EQ(std::string(to_string(o.kind)), "cgroup");
  EXPECT_NE(why.find("cgroup of its own"), std::string::npos) << why;
  Attribution a = attribute(s, src);
  const ProcessAttribution* pa = a.process(4242);
  ASSERT_TRUE(pa);
  EXPECT_EQ(pa->owner.kind, OwnerKind::kCgroup);
  EXPECT_TRUE(pa->limit.bounded());
  EXPECT_FALSE(pa->unbounded_outside_kubepods());
  // Unbounded, still the cgroup's; the root cgroup is unconfined.
  EXPECT_EQ(classify_cgroup("/batch", &src).kind, OwnerKind::kCgroup);
  EXPECT_EQ(classify_cgroup("/batch", &src).cgroup, "/batch");
  EXPECT_EQ(classify_cgroup("/", &src).kind, OwnerKind::kUnconfined);
  // A systemd line that names a session wins over the bare memory cgroup (v1: the hierarchies differ).
  hog.cgroups = {{4, "memory", "/uxtest"}, {9, "name=systemd", "/user.slice/user-1000.slice/session-3.scope"}};
  EXPECT_EQ(classify_process(hog, s, &src).kind, OwnerKind::kSession);
}

TEST(EffectiveLimit, SmallestOnThePathWins) {
  Snapshot s = node();
  const std::string web = "/kubepods/burstable/pod" + kWebUid;
  EffectiveLimit l = effective_limit(s, web + "/" + kNginx);
  ASSERT_TRUE(l.bounded());
  EXPECT_EQ(*l.limit_bytes, 256ull << 20);  // the pod's, below the container's 1Gi
  EXPECT_EQ(l.limiting_cgroup, web);
  EXPECT_EQ(l.headroom_bytes, 56ull << 20);
  EffectiveLimit be = effective_limit(s, "/kubepods/besteffort/pod" + kUnknownUid + "/" + kProxy);
  EXPECT_EQ(be.limit_bytes, 6ull << 30);  // kubepods (allocatable)
  EffectiveLimit cron = effective_limit(s, "/system.slice/cron.service");
  EXPECT_TRUE(cron.known);
  EXPECT_FALSE(cron.bounded());
  // A cgroup created after the walk still gets its ancestors' limits.
  EXPECT_EQ(effective_limit(s, web + "/new").limit_bytes, 256ull << 20);
  // v1 hierarchical_memory_limit covers ancestors we cannot see.
  Snapshot h;
  h.cgroups = {cgroup("/", std::nullopt)};
  h.cgroups[0].stat.items = {{"hierarchical_memory_limit", 1073741824}};
  EXPECT_EQ(effective_limit(h, "/").limit_bytes, 1073741824u);
  // Nothing readable: unknown, not unbounded.
  EXPECT_FALSE(effective_limit(Snapshot{}, "/x").known);
  EXPECT_EQ(parent_cgroup("/a/b"), "/a");
  EXPECT_EQ(parent_cgroup("/a"), "/");
  EXPECT_EQ(parent_cgroup("/"), "");
}

TEST(Attribute, RollupsAndResidual) {
  Snapshot s = node();
  Attribution a = attribute(s, fixture());
  ASSERT_EQ(a.processes.size(), s.processes.size());
  const ProcessAttribution* hog = a.process(950);
  ASSERT_TRUE(hog);
  EXPECT_EQ(hog->owner.kind, OwnerKind::kUnconfined);
  EXPECT_TRUE(hog->unbounded_outside_kubepods());
  EXPECT_FALSE(a.process(801)->unbounded_outside_kubepods());
  EXPECT_EQ(a.process(801)->limit.limit_bytes, 256ull << 20);

  ASSERT_EQ(a.pods.size(), 2u);
  const PodRollup* web = nullptr;
  for (const auto& p : a.pods)
    if (p.owner.pod_uid == kWebUid) web = &p;
  ASSERT_TRUE(web);
  EXPECT_EQ(web->owner.pod, "web-7d4b9");
  EXPECT_FALSE(web->owner.container);
  EXPECT_EQ(web->containers, 2u);
  EXPECT_EQ(web->processes, 2u);
  EXPECT_EQ(web->usage_bytes, 200ull << 20);
  EXPECT_EQ(web->memory.working_set, 180ull << 20);  // usage - total_inactive_file
  EXPECT_EQ(web->memory.rss, 150ull << 20);
  EXPECT_EQ(web->memory_tmpfs_bytes, 200ull << 20);  // emptyDir medium: Memory

  const CgroupAttribution* pc = a.cgroup("/kubepods/burstable/pod" + kWebUid + "/" + kPause);
  ASSERT_TRUE(pc);
  EXPECT_TRUE(pc->owner.sandbox);

  uint32_t cron_procs = 0;
  for (const auto& o : a.owners)
    if (o.owner.kind == OwnerKind::kCron) {
      cron_procs += o.processes;
      EXPECT_FALSE(o.limit.bounded());
    }
  EXPECT_EQ(cron_procs, 3u);
  bool kernel = false;
  for (const auto& k : a.kinds)
    if (k.kind == OwnerKind::kKernel) kernel = k.processes == 1;
  EXPECT_TRUE(kernel);

  const ResidualMemory& r = a.residual;
  ASSERT_EQ(r.tmpfs.size(), 2u);
  EXPECT_EQ(r.tmpfs[0].volume, "cache");
  ASSERT_TRUE(r.tmpfs[0].owner);
  EXPECT_EQ(r.tmpfs[0].owner->pod, "web-7d4b9");
  EXPECT_EQ(r.tmpfs[0].owner->qos, QosClass::kBurstable);
  EXPECT_TRUE(r.tmpfs[1].dev_shm);
  EXPECT_EQ(r.tmpfs_used_bytes, 264ull << 20);
  EXPECT_EQ(r.page_cache_in_pods_bytes, 1ull << 30);
  EXPECT_EQ(r.page_cache_outside_pods_bytes, 2ull << 30);
  EXPECT_EQ(r.slab_unreclaimable_bytes, 100ull << 20);
  ASSERT_EQ(r.top_slab.size(), 2u);
  EXPECT_EQ(r.top_slab[0].name, "dentry");
}

TEST(SystemdUnits, ParserSyntax) {
  auto u = parse_unit_file(
      "# comment\n; also\n[Unit]\nDescription = a \\\n  long one\n\n[Timer]\nOnCalendar=daily\nOnCalendar=\n"
      "OnCalendar=hourly\nOnCalendar=weekly\nUnit=x.service\n");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->get("Unit", "Description"), "a  long one");
  EXPECT_EQ(u->get_all("Timer", "OnCalendar"), (std::vector<std::string>{"hourly", "weekly"}));
  EXPECT_EQ(u->get("Timer", "Unit"), "x.service");
  EXPECT_FALSE(u->get("Service", "ExecStart"));
  auto bad = parse_unit_file("[Unit]\njust words\n", "f.service");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().line, 2);
  EXPECT_FALSE(parse_unit_file("Key=outside\n"));
}

TEST(SystemdUnits, TimersUnderRootfs) {
  SystemdUnits units = SystemdUnits::load(fixture());
  const TimerInfo* t = units.timer_for("plocate-updatedb.service");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->timer, "plocate-updatedb.timer");
  EXPECT_EQ(t->on_calendar, (std::vector<std::string>{"daily"}));
  EXPECT_TRUE(t->enabled);
  const TimerInfo* b = units.timer_for("do-backup.service");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->enabled);
  EXPECT_FALSE(units.timer_for("ssh.service"));
  auto svc = load_unit_file(fixture(), "plocate-updatedb.service");
  ASSERT_TRUE(svc);
  EXPECT_EQ(svc->get("Service", "ExecStart"), "/usr/sbin/updatedb");
}

TEST(UserNames, Passwd) {
  UserNames u = UserNames::parse("root:x:0:0::/root:/bin/sh\nbad\nalice:x:1000:1000::/home/alice:/bin/sh\nx:x:-1:0::/:/\n");
  EXPECT_EQ(u.name(0), "root");
  EXPECT_EQ(u.name(1000), "alice");
  EXPECT_FALSE(u.name(5));
}

}  // namespace
}  // namespace ms
