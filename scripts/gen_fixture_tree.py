#!/usr/bin/env python3
"""Writes fake host trees ({proc,sys,root}) that memsleuth reads through --procfs/--sysfs/--rootfs.

Two uses:
  * the small, hand-described node layouts checked in under tests/fixtures/ (`--layout NAME`);
  * synthetic trees of any size for the bench (`--synthetic --procs N --cgroups M`).
Everything is deterministic: the same arguments write the same bytes.
"""
import argparse
import os
import shutil

PAGE = 4096
KB = 1024
MiB = 1 << 20


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def meminfo(total_kb, free_kb, avail_kb):
    used = total_kb - free_kb
    rows = [
        ("MemTotal", total_kb), ("MemFree", free_kb), ("MemAvailable", avail_kb),
        ("Buffers", 102400), ("Cached", used // 3), ("SwapCached", 0),
        ("Active", used // 2), ("Inactive", used // 3),
        ("Active(anon)", used // 3), ("Inactive(anon)", 4096),
        ("Active(file)", used // 6), ("Inactive(file)", used // 6),
        ("Unevictable", 0), ("Mlocked", 0), ("SwapTotal", 0), ("SwapFree", 0),
        ("Dirty", 128), ("Writeback", 0), ("AnonPages", used // 3), ("Mapped", 65536),
        ("Shmem", 32768), ("KReclaimable", 204800), ("Slab", 307200), ("SReclaimable", 204800),
        ("SUnreclaim", 102400), ("KernelStack", 12288), ("PageTables", 24576),
        ("CommitLimit", total_kb // 2), ("Committed_AS", used), ("VmallocTotal", 34359738367),
        ("AnonHugePages", 0),
    ]
    out = "".join(f"{k + ':':<16}{v:>8} kB\n" for k, v in rows)
    out += "HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\nHugePages_Surp:        0\n"
    out += "Hugepagesize:       2048 kB\n"
    return out


def proc_stat_line(pid, comm, state, ppid, flags, threads, start, rss_pages):
    # Fields 1..52 of /proc/<pid>/stat as a 6.x kernel prints them.
    f = [str(pid), f"({comm})", state, str(ppid), str(pid), str(pid), "0", "-1", str(flags),
         "100", "0", "0", "0", "5", "3", "0", "0", "20", "0", str(threads), "0", str(start),
         str(rss_pages * PAGE * 4), str(rss_pages), "18446744073709551615"] + ["0"] * 27
    return " ".join(f) + "\n"


KTHREAD_FLAGS = 0x00208040  # PF_KTHREAD | PF_NOFREEZE | PF_FORKNOEXEC
USER_FLAGS = 0x00400100


def status_text(pid, comm, state, ppid, uid, threads, rss_kb, anon_kb, file_kb, shmem_kb, swap_kb, kthread):
    st = {"R": "R (running)", "S": "S (sleeping)", "Z": "Z (zombie)", "I": "I (idle)", "D": "D (disk sleep)"}[state]
    lines = [f"Name:\t{comm}", "Umask:\t0022", f"State:\t{st}", f"Tgid:\t{pid}", "Ngid:\t0", f"Pid:\t{pid}",
             f"PPid:\t{ppid}", "TracerPid:\t0", f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}",
             f"Gid:\t{uid}\t{uid}\t{uid}\t{uid}", "FDSize:\t64", "Groups:\t", "NStgid:\t" + str(pid),
             "NSpid:\t" + str(pid), "NSpgid:\t" + str(pid), "NSsid:\t" + str(pid),
             f"Kthread:\t{1 if kthread else 0}"]
    if not kthread and state != "Z":
        lines += [f"VmPeak:\t{rss_kb * 2 + 4096:>8} kB", f"VmSize:\t{rss_kb * 2 + 4096:>8} kB",
                  "VmLck:\t       0 kB", "VmPin:\t       0 kB", f"VmHWM:\t{rss_kb:>8} kB",
                  f"VmRSS:\t{rss_kb:>8} kB", f"RssAnon:\t{anon_kb:>8} kB", f"RssFile:\t{file_kb:>8} kB",
                  f"RssShmem:\t{shmem_kb:>8} kB", f"VmData:\t{anon_kb:>8} kB", "VmStk:\t     132 kB",
                  "VmExe:\t    1024 kB", "VmLib:\t    2048 kB", "VmPTE:\t      64 kB",
                  f"VmSwap:\t{swap_kb:>8} kB", "HugetlbPages:\t       0 kB", "CoreDumping:\t0", "THP_enabled:\t1"]
    lines += [f"Threads:\t{threads}", "SigQ:\t0/63429", "SigPnd:\t0000000000000000",
              "ShdPnd:\t0000000000000000", "SigBlk:\t0000000000000000", "SigIgn:\t0000000000001000",
              "SigCgt:\t0000000180004002", "CapInh:\t0000000000000000", "CapPrm:\t000001ffffffffff",
              "CapEff:\t000001ffffffffff", "CapBnd:\t000001ffffffffff", "CapAmb:\t0000000000000000",
              "NoNewPrivs:\t0", "Seccomp:\t0", "Seccomp_filters:\t0", "Speculation_Store_Bypass:\tvulnerable",
              "Cpus_allowed:\t3", "Cpus_allowed_list:\t0-1", "Mems_allowed:\t1", "Mems_allowed_list:\t0",
              "voluntary_ctxt_switches:\t10", "nonvoluntary_ctxt_switches:\t2"]
    return "\n".join(lines) + "\n"


def add_process(root, p, cgroup_lines):
    """p: dict(pid, comm, state, ppid, uid, threads, rss_kb, anon_kb, file_kb, shmem_kb, swap_kb, kthread,
    argv, exe, cwd, start)."""
    d = os.path.join(root, "proc", str(p["pid"]))
    kthread = p.get("kthread", False)
    rss_kb = p.get("rss_kb", 0)
    write(os.path.join(d, "stat"), proc_stat_line(p["pid"], p["comm"], p.get("state", "S"), p.get("ppid", 1),
                                                  KTHREAD_FLAGS if kthread else USER_FLAGS, p.get("threads", 1),
                                                  p.get("start", 1000 + p["pid"]), rss_kb // 4))
    write(os.path.join(d, "status"), status_text(p["pid"], p["comm"], p.get("state", "S"), p.get("ppid", 1),
                                                 p.get("uid", 0), p.get("threads", 1), rss_kb,
                                                 p.get("anon_kb", rss_kb), p.get("file_kb", 0),
                                                 p.get("shmem_kb", 0), p.get("swap_kb", 0), kthread))
    write(os.path.join(d, "statm"), f"{rss_kb // 2 + 1024} {rss_kb // 4} {p.get('file_kb', 0) // 4} 256 0 "
                                    f"{p.get('anon_kb', rss_kb) // 4} 0\n")
    write(os.path.join(d, "comm"), p["comm"] + "\n")
    argv = p.get("argv", [] if kthread else [p["comm"]])
    write_bytes(os.path.join(d, "cmdline"), b"".join(a.encode() + b"\0" for a in argv))
    write(os.path.join(d, "cgroup"), "".join(l + "\n" for l in cgroup_lines))
    if not kthread and p.get("state", "S") != "Z":
        for link in ("exe", "cwd"):
            target = p.get(link)
            if target:
                path = os.path.join(d, link)
                if os.path.lexists(path):
                    os.remove(path)
                os.symlink(target, path)
    if p.get("pss_kb") is not None and not kthread:
        write(os.path.join(d, "smaps_rollup"),
              "00400000-7ffd00000000 ---p 00000000 00:00 0                          [rollup]\n"
              f"Rss:            {rss_kb:>8} kB\nPss:            {p['pss_kb']:>8} kB\n"
              f"Pss_Anon:       {p.get('anon_kb', rss_kb):>8} kB\nShared_Clean:   {rss_kb - p['uss_kb']:>8} kB\n"
              f"Shared_Dirty:          0 kB\nPrivate_Clean:         0 kB\nPrivate_Dirty:  {p['uss_kb']:>8} kB\n"
              "Referenced:            0 kB\nAnonymous:             0 kB\nSwap:                  0 kB\n")


V1_CONTROLLERS = [(12, "rdma"), (11, "perf_event"), (10, "freezer"), (9, "memory"), (8, "cpuset"), (7, "devices"),
                  (6, "net_cls,net_prio"), (5, "hugetlb"), (4, "pids"), (3, "cpu,cpuacct"), (2, "blkio"),
                  (1, "name=systemd")]


def v1_cgroup_lines(path, systemd_path=None):
    out = []
    for hid, ctl in V1_CONTROLLERS:
        p = path
        if ctl == "name=systemd" and systemd_path:
            p = systemd_path
        if ctl in ("rdma",):
            p = "/"
        out.append(f"{hid}:{ctl}:{p}")
    return out


def v1_memory_stat(rss, cache, limit, total_rss=None, total_cache=None):
    total_rss = rss if total_rss is None else total_rss
    total_cache = cache if total_cache is None else total_cache
    rows = [("cache", cache), ("rss", rss), ("rss_huge", 0), ("shmem", 0), ("mapped_file", cache // 4),
            ("dirty", 0), ("writeback", 0), ("swap", 0), ("pgpgin", 1000), ("pgpgout", 900),
            ("pgfault", 5000), ("pgmajfault", 3), ("inactive_anon", 0), ("active_anon", rss),
            ("inactive_file", cache // 2), ("active_file", cache - cache // 2), ("unevictable", 0),
            ("hierarchical_memory_limit", limit), ("hierarchical_memsw_limit", limit),
            ("total_cache", total_cache), ("total_rss", total_rss), ("total_rss_huge", 0), ("total_shmem", 0),
            ("total_mapped_file", total_cache // 4), ("total_dirty", 0), ("total_writeback", 0), ("total_swap", 0),
            ("total_pgpgin", 1000), ("total_pgpgout", 900), ("total_pgfault", 5000), ("total_pgmajfault", 3),
            ("total_inactive_anon", 0), ("total_active_anon", total_rss), ("total_inactive_file", total_cache // 2),
            ("total_active_file", total_cache - total_cache // 2), ("total_unevictable", 0)]
    return "".join(f"{k} {v}\n" for k, v in rows)


V1_UNLIMITED = 9223372036854771712


def add_v1_cgroup(root, path, usage, limit, pids, rss=None, failcnt=0):
    d = os.path.join(root, "sys/fs/cgroup/memory", path.lstrip("/"))
    lim = V1_UNLIMITED if limit is None else limit
    rss = usage * 3 // 4 if rss is None else rss
    write(os.path.join(d, "memory.usage_in_bytes"), f"{usage}\n")
    write(os.path.join(d, "memory.limit_in_bytes"), f"{lim}\n")
    write(os.path.join(d, "memory.memsw.limit_in_bytes"), f"{lim}\n")
    write(os.path.join(d, "memory.soft_limit_in_bytes"), f"{V1_UNLIMITED}\n")
    write(os.path.join(d, "memory.failcnt"), f"{failcnt}\n")
    write(os.path.join(d, "memory.max_usage_in_bytes"), f"{usage}\n")
    write(os.path.join(d, "memory.stat"), v1_memory_stat(rss, usage - rss, lim))
    write(os.path.join(d, "cgroup.procs"), "".join(f"{p}\n" for p in pids))
    write(os.path.join(d, "tasks"), "".join(f"{p}\n" for p in pids))


def v2_memory_stat(anon, file, shmem=0):
    rows = [("anon", anon), ("file", file), ("kernel", 131072), ("kernel_stack", 16384), ("pagetables", 65536),
            ("sec_pagetables", 0), ("percpu", 480), ("sock", 0), ("vmalloc", 0), ("shmem", shmem),
            ("zswap", 0), ("zswapped", 0), ("file_mapped", file // 4), ("file_dirty", 0), ("file_writeback", 0),
            ("swapcached", 0), ("anon_thp", 0), ("file_thp", 0), ("shmem_thp", 0), ("inactive_anon", anon // 8),
            ("active_anon", anon - anon // 8), ("inactive_file", file // 2), ("active_file", file - file // 2),
            ("unevictable", 0), ("slab_reclaimable", 40960), ("slab_unreclaimable", 20480), ("slab", 61440),
            ("workingset_refault_anon", 0), ("workingset_refault_file", 12), ("workingset_activate_anon", 0),
            ("workingset_activate_file", 3), ("workingset_restore_anon", 0), ("workingset_restore_file", 0),
            ("workingset_nodereclaim", 0), ("pgscan", 0), ("pgsteal", 0), ("pgfault", 8253), ("pgmajfault", 0),
            ("pgrefill", 0), ("pgactivate", 0), ("pgdeactivate", 0), ("thp_fault_alloc", 0)]
    return "".join(f"{k} {v}\n" for k, v in rows)


def add_v2_cgroup(root, path, current, limit, pids, anon=None, root_cg=False, events=None):
    d = os.path.join(root, "sys/fs/cgroup", path.lstrip("/"))
    anon = current * 3 // 4 if anon is None else anon
    write(os.path.join(d, "cgroup.procs"), "".join(f"{p}\n" for p in pids))
    write(os.path.join(d, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n")
    write(os.path.join(d, "memory.stat"), v2_memory_stat(anon, current - anon))
    write(os.path.join(d, "memory.pressure"),
          "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
    if root_cg:  # the v2 root has no memory.current / memory.max / memory.events
        write(os.path.join(d, "cgroup.subtree_control"), "cpuset cpu io memory pids\n")
        return
    write(os.path.join(d, "memory.current"), f"{current}\n")
    write(os.path.join(d, "memory.max"), "max\n" if limit is None else f"{limit}\n")
    write(os.path.join(d, "memory.swap.max"), "max\n" if limit is None else "0\n")
    ev = {"low": 0, "high": 0, "max": 0, "oom": 0, "oom_kill": 0, "oom_group_kill": 0}
    ev.update(events or {})
    write(os.path.join(d, "memory.events"), "".join(f"{k} {v}\n" for k, v in ev.items()))


def common_proc(root, total_kb, free_kb, avail_kb, mountinfo, psi=True):
    write(os.path.join(root, "proc/meminfo"), meminfo(total_kb, free_kb, avail_kb))
    write(os.path.join(root, "proc/vmstat"), "nr_free_pages 262144\nnr_inactive_anon 1024\nnr_active_anon 65536\n"
                                             "pgmajfault 1200\noom_kill 2\nworkingset_refault_file 77\n")
    write(os.path.join(root, "proc/stat"), "cpu  100 0 100 10000 0 0 0 0 0 0\ncpu0 50 0 50 5000 0 0 0 0 0 0\n"
                                           "intr 0\nctxt 1000\nbtime 1700000000\nprocesses 5000\n"
                                           "procs_running 1\nprocs_blocked 0\n")
    if psi:
        write(os.path.join(root, "proc/pressure/memory"),
              "some avg10=1.50 avg60=0.75 avg300=0.10 total=123456\nfull avg10=0.50 avg60=0.25 avg300=0.05 total=65432\n")
    write(os.path.join(root, "proc/1/mountinfo"), mountinfo)
    os.makedirs(os.path.join(root, "root/etc"), exist_ok=True)


V1_MOUNTINFO = """\
22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
24 22 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
25 24 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:3 - tmpfs tmpfs ro,mode=755
26 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:4 - cgroup cgroup rw,xattr,name=systemd
27 25 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:5 - cgroup cgroup rw,memory
28 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup rw,cpu,cpuacct
29 25 0:27 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:7 - cgroup cgroup rw,pids
30 22 0:28 / /dev/shm rw,nosuid,nodev shared:8 - tmpfs tmpfs rw
31 22 0:29 / /var/lib/kubelet/pods/1f6c3b0e-7a2d-4c1e-9b8a-3d4e5f607182/volumes/kubernetes.io~secret/token rw,relatime shared:9 - tmpfs tmpfs rw,size=65536k
32 22 0:30 / /var/lib/docker/overlay2/aa11/merged rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/AB:/var/lib/docker/overlay2/l/CD,upperdir=/var/lib/docker/overlay2/aa11/diff,workdir=/var/lib/docker/overlay2/aa11/work
33 22 0:31 / /mnt/with\\040space rw,relatime - tmpfs tmpfs rw
"""

V2_MOUNTINFO = """\
22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
24 22 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
25 24 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:3 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
30 22 0:28 / /dev/shm rw,nosuid,nodev shared:8 - tmpfs tmpfs rw
31 22 0:29 / /run rw,nosuid,nodev shared:9 - tmpfs tmpfs rw,size=1632188k,mode=755
"""

POD_A = "1f6c3b0e-7a2d-4c1e-9b8a-3d4e5f607182"  # burstable, docker
POD_B = "9a18ffb8-8513-11e7-b26e-7e29fbe2a5a3"  # besteffort, docker
CTR = lambda c: (c * 64)[:64]


def layout_v1_cgroupfs_docker(root):
    """cgroup v1 node, kubelet with the cgroupfs driver, docker (dockershim) and one containerd pod."""
    common_proc(root, 8 * 1024 * 1024, 1024 * 1024, 3 * 1024 * 1024, V1_MOUNTINFO, psi=False)
    pa, pb = f"/kubepods/burstable/pod{POD_A}", f"/kubepods/besteffort/pod{POD_B}"
    web, pause_a, be = CTR("a1b2c3d4"), CTR("0f0e0d0c"), CTR("d28e0087")
    procs = [
        (dict(pid=1, comm="systemd", ppid=0, rss_kb=12000, anon_kb=4000, file_kb=8000, argv=["/sbin/init"],
              exe="/usr/lib/systemd/systemd", cwd="/"), "/init.scope", "/init.scope"),
        (dict(pid=2, comm="kthreadd", ppid=0, kthread=True), "/", "/"),
        (dict(pid=3, comm="kworker/0:0-events", ppid=2, kthread=True, state="I"), "/", "/"),
        (dict(pid=410, comm="kubelet", rss_kb=150000, anon_kb=120000, file_kb=30000, threads=40,
              argv=["/usr/bin/kubelet", "--cgroup-driver=cgroupfs", "--eviction-hard=memory.available<500Mi"],
              exe="/usr/bin/kubelet", cwd="/"), "/system.slice/kubelet.service", "/system.slice/kubelet.service"),
        (dict(pid=420, comm="dockerd", rss_kb=90000, anon_kb=70000, file_kb=20000, threads=30,
              argv=["/usr/bin/dockerd", "-H", "fd://"], exe="/usr/bin/dockerd", cwd="/"),
         "/system.slice/docker.service", "/system.slice/docker.service"),
        (dict(pid=1000, comm="pause", ppid=420, rss_kb=400, anon_kb=100, file_kb=300, argv=["/pause"],
              exe="/pause", cwd="/"), f"{pa}/{pause_a}", f"{pa}/{pause_a}"),
        (dict(pid=1010, comm="nginx", ppid=420, rss_kb=200000, anon_kb=180000, file_kb=16000, shmem_kb=4000,
              argv=["nginx: master process nginx", "-g", "daemon off;"], exe="/usr/sbin/nginx", cwd="/",
              pss_kb=150000, uss_kb=140000), f"{pa}/{web}", f"{pa}/{web}"),
        (dict(pid=1011, comm="nginx", ppid=1010, uid=101, rss_kb=50000, anon_kb=40000, file_kb=10000,
              argv=["nginx: worker process"], exe="/usr/sbin/nginx", cwd="/", pss_kb=30000, uss_kb=25000),
         f"{pa}/{web}", f"{pa}/{web}"),
        (dict(pid=1020, comm="busybox", ppid=420, rss_kb=800, anon_kb=500, file_kb=300,
              argv=["sleep", "3600"], exe="/bin/busybox", cwd="/"), f"{pb}/{be}", f"{pb}/{be}"),
        # The incident: updatedb from cron, outside kubepods, no limit, cwd inside a pod's volume dir.
        (dict(pid=2000, comm="updatedb.plocat", ppid=1990, rss_kb=1800000, anon_kb=1790000, file_kb=10000,
              argv=["/usr/sbin/updatedb.plocate"], exe="/usr/sbin/updatedb.plocate",
              cwd=f"/var/lib/kubelet/pods/{POD_A}/volumes/kubernetes.io~empty-dir/cache"),
         "/system.slice/cron.service", "/system.slice/cron.service"),
        (dict(pid=1990, comm="cron", rss_kb=3000, anon_kb=1000, file_kb=2000, argv=["/usr/sbin/cron", "-f"],
              exe="/usr/sbin/cron", cwd="/"), "/system.slice/cron.service", "/system.slice/cron.service"),
        (dict(pid=2100, comm="defunct", ppid=1990, state="Z"), "/system.slice/cron.service",
         "/system.slice/cron.service"),
        # Attacker-controlled name: parentheses, spaces and an escape sequence in comm and argv.
        (dict(pid=2200, comm="evil) (x \x1b[31m", ppid=1, uid=1000, rss_kb=2000, anon_kb=1500, file_kb=500,
              argv=["./evil", "a\nb", "\x1b]0;pwn\x07"], exe="/home/u/evil (deleted)", cwd="/home/u"),
         "/user.slice/user-1000.slice/session-3.scope", "/user.slice/user-1000.slice/session-3.scope"),
    ]
    for p, mem, sysd in procs:
        add_process(root, p, v1_cgroup_lines(mem, sysd))
    G = 1 << 30
    add_v1_cgroup(root, "/", 6 * G, None, [1, 2, 3], rss=4 * G)
    add_v1_cgroup(root, "/init.scope", 12 * MiB, None, [1])
    add_v1_cgroup(root, "/system.slice", 2 * G, None, [])
    add_v1_cgroup(root, "/system.slice/kubelet.service", 160 * MiB, None, [410])
    add_v1_cgroup(root, "/system.slice/docker.service", 100 * MiB, None, [420])
    add_v1_cgroup(root, "/system.slice/cron.service", 1800 * MiB, None, [1990, 2000, 2100])
    add_v1_cgroup(root, "/user.slice", 4 * MiB, None, [])
    add_v1_cgroup(root, "/user.slice/user-1000.slice", 4 * MiB, None, [])
    add_v1_cgroup(root, "/user.slice/user-1000.slice/session-3.scope", 2 * MiB, None, [2200])
    add_v1_cgroup(root, "/kubepods", 300 * MiB, 7 * G, [])
    add_v1_cgroup(root, "/kubepods/burstable", 290 * MiB, None, [])
    add_v1_cgroup(root, pa, 280 * MiB, 512 * MiB, [], failcnt=4)
    add_v1_cgroup(root, f"{pa}/{pause_a}", 1 * MiB, None, [1000])
    add_v1_cgroup(root, f"{pa}/{web}", 279 * MiB, 512 * MiB, [1010, 1011], failcnt=4)
    add_v1_cgroup(root, "/kubepods/besteffort", 2 * MiB, None, [])
    add_v1_cgroup(root, pb, 2 * MiB, None, [])
    add_v1_cgroup(root, f"{pb}/{be}", 1 * MiB, None, [1020])
    # A plain docker container outside Kubernetes (docker run), cgroupfs layout /docker/<id>.
    add_v1_cgroup(root, "/docker", 0, None, [])
    add_v1_cgroup(root, "/docker/" + CTR("5dace3de"), 0, 64 * MiB, [])


POD_C = "0d8f4b2e-6c1a-4b7e-9f3a-2c5d7e8f9a01"  # burstable, containerd
POD_D = "35550f44-f691-427e-b57d-ab6127d2cb65"  # guaranteed, cri-o
POD_E = "38186edb-96bd-4383-baf7-3b4edf3b5937"  # besteffort, cri-o


def slice_of(qos, uid):
    u = uid.replace("-", "_")
    if qos == "guaranteed":
        return f"/kubepods.slice/kubepods-pod{u}.slice"
    return f"/kubepods.slice/kubepods-{qos}.slice/kubepods-{qos}-pod{u}.slice"


def layout_v2_systemd_containerd_crio(root):
    """cgroup v2 node, kubelet with the systemd driver; pods from containerd and from CRI-O."""
    common_proc(root, 16 * 1024 * 1024, 2 * 1024 * 1024, 6 * 1024 * 1024, V2_MOUNTINFO)
    c_pod, d_pod, e_pod = slice_of("burstable", POD_C), slice_of("guaranteed", POD_D), slice_of("besteffort", POD_E)
    c_ctr = f"{c_pod}/cri-containerd-{CTR('4f1c2d3e')}.scope"
    c_sbx = f"{c_pod}/cri-containerd-{CTR('77aa88bb')}.scope"
    d_ctr = f"{d_pod}/crio-{CTR('805b902e')}.scope"
    d_sbx = f"{d_pod}/crio-{CTR('468f848e')}"  # CRI-O sandbox cgroup: no .scope suffix
    e_ctr = f"{e_pod}/crio-{CTR('0f2b016b')}.scope"
    procs = [
        (dict(pid=1, comm="systemd", ppid=0, rss_kb=14000, anon_kb=5000, file_kb=9000, argv=["/sbin/init"],
              exe="/usr/lib/systemd/systemd", cwd="/"), "/init.scope"),
        (dict(pid=2, comm="kthreadd", ppid=0, kthread=True), "/"),
        (dict(pid=15, comm="ksoftirqd/0", ppid=2, kthread=True), "/"),
        (dict(pid=500, comm="kubelet", rss_kb=160000, anon_kb=130000, file_kb=30000, threads=45,
              argv=["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"], exe="/usr/bin/kubelet", cwd="/"),
         "/system.slice/kubelet.service"),
        (dict(pid=510, comm="containerd", rss_kb=70000, anon_kb=50000, file_kb=20000, threads=20,
              argv=["/usr/bin/containerd"], exe="/usr/bin/containerd", cwd="/"), "/system.slice/containerd.service"),
        (dict(pid=520, comm="crio", rss_kb=60000, anon_kb=45000, file_kb=15000, threads=20, argv=["/usr/bin/crio"],
              exe="/usr/bin/crio", cwd="/"), "/system.slice/crio.service"),
        (dict(pid=600, comm="containerd-shim", ppid=1, rss_kb=9000, anon_kb=4000, file_kb=5000,
              argv=["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", CTR('77aa88bb')],
              exe="/usr/bin/containerd-shim-runc-v2", cwd="/run/containerd/io.containerd.runtime.v2.task/k8s.io"),
         "/system.slice/containerd.service"),
        (dict(pid=610, comm="pause", ppid=600, rss_kb=500, anon_kb=100, file_kb=400, argv=["/pause"], exe="/pause",
              cwd="/"), c_sbx),
        (dict(pid=620, comm="java", ppid=600, uid=1000, rss_kb=900000, anon_kb=880000, file_kb=20000, threads=60,
              swap_kb=0, argv=["java", "-Xmx768m", "-jar", "/app/app.jar"], exe="/usr/lib/jvm/bin/java",
              cwd="/app"), c_ctr),
        (dict(pid=700, comm="conmon", ppid=1, rss_kb=2000, anon_kb=800, file_kb=1200,
              argv=["/usr/bin/conmon", "-c", CTR('805b902e')], exe="/usr/bin/conmon", cwd="/"), "/system.slice/crio-conmon-" + CTR('805b902e') + ".scope"),
        (dict(pid=710, comm="pause", ppid=700, rss_kb=450, anon_kb=100, file_kb=350, argv=["/pause"], exe="/pause",
              cwd="/"), d_sbx),
        (dict(pid=720, comm="postgres", ppid=700, uid=999, rss_kb=400000, anon_kb=150000, file_kb=50000,
              shmem_kb=200000, argv=["postgres", "-c", "shared_buffers=256MB"], exe="/usr/lib/postgresql/bin/postgres",
              cwd="/var/lib/postgresql/data"), d_ctr),
        (dict(pid=730, comm="sleep", ppid=700, rss_kb=600, anon_kb=200, file_kb=400, argv=["sleep", "infinity"],
              exe="/bin/sleep", cwd="/"), e_ctr),
        (dict(pid=800, comm="updatedb.plocat", ppid=790, rss_kb=2400000, anon_kb=2380000, file_kb=20000,
              argv=["/usr/sbin/updatedb.plocate"], exe="/usr/sbin/updatedb.plocate",
              cwd=f"/var/lib/kubelet/pods/{POD_C}/volumes"), "/system.slice/plocate-updatedb.service"),
        (dict(pid=900, comm="bash", ppid=1, uid=1000, rss_kb=5000, anon_kb=3000, file_kb=2000, argv=["-bash"],
              exe="/usr/bin/bash", cwd="/home/alice"), "/user.slice/user-1000.slice/session-2.scope"),
    ]
    for p, path in procs:
        add_process(root, p, [f"0::{path}"])
    G = 1 << 30
    add_v2_cgroup(root, "/", 0, None, [1, 2, 15], root_cg=True)
    add_v2_cgroup(root, "/init.scope", 14 * MiB, None, [1])
    add_v2_cgroup(root, "/system.slice", 3 * G, None, [])
    add_v2_cgroup(root, "/system.slice/kubelet.service", 170 * MiB, None, [500])
    add_v2_cgroup(root, "/system.slice/containerd.service", 80 * MiB, None, [510, 600])
    add_v2_cgroup(root, "/system.slice/crio.service", 70 * MiB, None, [520])
    add_v2_cgroup(root, "/system.slice/crio-conmon-" + CTR('805b902e') + ".scope", 2 * MiB, None, [700])
    add_v2_cgroup(root, "/system.slice/plocate-updatedb.service", 2400 * MiB, None, [800])
    add_v2_cgroup(root, "/user.slice", 6 * MiB, None, [])
    add_v2_cgroup(root, "/user.slice/user-1000.slice", 6 * MiB, None, [])
    add_v2_cgroup(root, "/user.slice/user-1000.slice/session-2.scope", 5 * MiB, None, [900])
    add_v2_cgroup(root, "/kubepods.slice", 1400 * MiB, 15 * G, [])
    add_v2_cgroup(root, "/kubepods.slice/kubepods-burstable.slice", 950 * MiB, None, [])
    add_v2_cgroup(root, c_pod, 940 * MiB, 1 * G, [])
    add_v2_cgroup(root, c_sbx, 1 * MiB, None, [610])
    add_v2_cgroup(root, c_ctr, 939 * MiB, 1 * G, [620], events={"max": 17, "oom": 1, "oom_kill": 1})
    add_v2_cgroup(root, d_pod, 420 * MiB, 512 * MiB, [])
    add_v2_cgroup(root, d_sbx, 1 * MiB, None, [710])
    add_v2_cgroup(root, d_ctr, 419 * MiB, 512 * MiB, [720])
    add_v2_cgroup(root, "/kubepods.slice/kubepods-besteffort.slice", 1 * MiB, None, [])
    add_v2_cgroup(root, e_pod, 1 * MiB, None, [])
    add_v2_cgroup(root, e_ctr, 1 * MiB, None, [730])


def synthetic(root, nprocs, ncgroups):
    """A v1 cgroupfs node with nprocs processes spread over ncgroups pod-container cgroups."""
    common_proc(root, 64 * 1024 * 1024, 8 * 1024 * 1024, 32 * 1024 * 1024, V1_MOUNTINFO, psi=False)
    G = 1 << 30
    add_v1_cgroup(root, "/", 40 * G, None, [])
    add_v1_cgroup(root, "/kubepods", 30 * G, 60 * G, [])
    qos = ["burstable", "besteffort"]
    for q in qos:
        add_v1_cgroup(root, f"/kubepods/{q}", 15 * G, None, [])
    # ncgroups leaves, grouped two containers per pod.
    leaves = []
    npods = max(1, ncgroups // 2)
    for i in range(npods):
        q = qos[i % 2]
        pod = f"/kubepods/{q}/pod{i:08x}-0000-4000-8000-{i:012x}"
        add_v1_cgroup(root, pod, 64 * MiB, 256 * MiB if q == "burstable" else None, [])
        for c in range(2):
            if len(leaves) >= ncgroups:
                break
            leaves.append(f"{pod}/{(f'{i:08x}{c:08x}' * 4)}")
    members = {l: [] for l in leaves}
    for k in range(nprocs):
        pid = 1000 + k
        leaf = leaves[k % len(leaves)]
        members[leaf].append(pid)
        rss = 1000 + (k * 37) % 50000
        add_process(root, dict(pid=pid, comm=f"worker-{k % 97}", ppid=1, rss_kb=rss, anon_kb=rss * 3 // 4,
                               file_kb=rss // 4, argv=[f"/usr/bin/worker-{k % 97}", "--id", str(k)],
                               exe=f"/usr/bin/worker-{k % 97}", cwd="/"), v1_cgroup_lines(leaf))
    for l in leaves:
        add_v1_cgroup(root, l, 32 * MiB, 256 * MiB, members[l])


LAYOUTS = {
    "v1-cgroupfs-docker": layout_v1_cgroupfs_docker,
    "v2-systemd-containerd-crio": layout_v2_systemd_containerd_crio,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", help="directory to (re)create")
    ap.add_argument("--layout", choices=sorted(LAYOUTS))
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--procs", type=int, default=1000)
    ap.add_argument("--cgroups", type=int, default=100)
    a = ap.parse_args()
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(a.out)
    if a.synthetic:
        synthetic(a.out, a.procs, a.cgroups)
    else:
        LAYOUTS[a.layout](a.out)
        write(os.path.join(a.out, "root/etc/os-release"), f'PRETTY_NAME="memsleuth fixture {a.layout}"\n')
    for d in ("proc", "sys", "root"):
        os.makedirs(os.path.join(a.out, d), exist_ok=True)


if __name__ == "__main__":
    main()
