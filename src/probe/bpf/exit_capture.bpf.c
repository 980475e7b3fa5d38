// SPDX-License-Identifier: GPL-2.0
/* The exit and OOM capture (docs/recorder.md "Exits and OOM kills the kernel reports").
 *
 * exits: tp_btf/sched_process_exit sends one record per thread group that ends (its last thread),
 *   with its identity as /proc shows it (tgid, start_boottime), its parent's, its memory cgroup, peak
 *   RSS, CPU time and exit code. Peak RSS is that of the image that exited: max(mm->hiwater_rss,
 *   the RSS counters), as get_mm_hiwater_rss() computes it (hiwater_rss alone is only raised just
 *   before RSS drops, by unmap and reclaim, never as it grows). Since 6.16 the tracepoint fires
 *   before exit_mm(), with the address space still attached; before, it is gone by then, and the
 *   peak is taken a moment earlier on the exit path (fentry on taskstats_exit or acct_collect, both
 *   called by do_exit with group_dead before exit_mm) and kept per thread until the tracepoint.
 *   Without either, the record carries signal->maxrss, the getrusage maximum do_exit stores at the
 *   same point, which also counts the image the process replaced by exec (for a child that a large
 *   process vfork'ed or posix_spawn'ed, the parent's RSS).
 * oom: raw_tp/mark_victim fires for every task the OOM killer marks (each kill, right after the
 *   kernel counts it in oom_kill). From 6.8 its first argument is the task; before, only its pid,
 *   and the victim is read where oom_kill_process chose it (fentry, which also gives the OOM'ing
 *   memcg: oom_control->memcg). Wakes the reader at once; exits wake it only when the ring fills
 *   past wakeup_bytes (the reader drains on its own timer otherwise). */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "exit_capture.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_KTHREAD 0x00200000
#define MM_FILEPAGES 0
#define MM_ANONPAGES 1
#define MM_SWAPENTS 2
#define MM_SHMEMPAGES 3

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20);
} exit_ring SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 << 10);
} oom_ring SEC(".maps");

/* Peak of the exiting image (pages), by thread id, from the exit path to the tracepoint. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 8192);
  __type(key, __u32);
  __type(value, __u64);
} image_peak SEC(".maps");

/* What oom_kill_process knew, by the invoking thread, for mark_victim (same thread, same call). */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, struct ms_oom_record);
} oom_ctx SEC(".maps");

__u64 exits_dropped = 0, ooms_dropped = 0, exits_sent = 0, ooms_sent = 0;
const volatile __u64 wakeup_bytes = 256 << 10;

/* Layouts that changed across kernels (CO-RE picks the one the running kernel has). */
struct mm_rss_stat___old {
  atomic_long_t count[4];
} __attribute__((preserve_access_index));
struct mm_struct___old {
  struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));
struct mm_struct___new {
  struct percpu_counter rss_stat[4];
} __attribute__((preserve_access_index));
struct kernfs_node___old {
  struct kernfs_node *parent;
} __attribute__((preserve_access_index));
struct kernfs_node___new {
  struct kernfs_node *__parent;
} __attribute__((preserve_access_index));
struct trace_event_raw_mark_victim___new {
  uid_t uid;
} __attribute__((preserve_access_index));

static __always_inline __u64 pos(long v) { return v > 0 ? (__u64)v : 0; }

/* RSS counters in pages: file, anon, shmem, swap entries. Since 6.2 per-CPU counters, read as the
 * kernel's own quick reads do (the central count, off by at most the per-CPU batches). */
static __always_inline void rss_counters(struct mm_struct *mm, __u64 *file, __u64 *anon, __u64 *shmem, __u64 *swap) {
  if (bpf_core_type_exists(struct mm_rss_stat___old)) {
    struct mm_struct___old *o = (void *)mm;
    *file = pos(BPF_CORE_READ(o, rss_stat.count[MM_FILEPAGES].counter));
    *anon = pos(BPF_CORE_READ(o, rss_stat.count[MM_ANONPAGES].counter));
    *swap = pos(BPF_CORE_READ(o, rss_stat.count[MM_SWAPENTS].counter));
    *shmem = pos(BPF_CORE_READ(o, rss_stat.count[MM_SHMEMPAGES].counter));
  } else {
    struct mm_struct___new *n = (void *)mm;
    *file = pos(BPF_CORE_READ(n, rss_stat[MM_FILEPAGES].count));
    *anon = pos(BPF_CORE_READ(n, rss_stat[MM_ANONPAGES].count));
    *swap = pos(BPF_CORE_READ(n, rss_stat[MM_SWAPENTS].count));
    *shmem = pos(BPF_CORE_READ(n, rss_stat[MM_SHMEMPAGES].count));
  }
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn) {
  if (bpf_core_field_exists(struct kernfs_node___new, __parent))
    return BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
  return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/* The task's memory cgroup (v1 or v2: the css of the memory controller): kernfs ids of it and its
 * parent, and its directory name. */
static __always_inline void memcg_of(struct task_struct *t, __u64 *id, __u64 *parent_id, char *name) {
  struct css_set *cs = BPF_CORE_READ(t, cgroups);
  if (!cs) return;
  int idx = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
  struct cgroup_subsys_state *css = 0;
  bpf_probe_read_kernel(&css, sizeof(css),
                        (void *)cs + bpf_core_field_offset(struct css_set, subsys) + idx * sizeof(void *));
  if (!css) return;
  struct kernfs_node *kn = BPF_CORE_READ(css, cgroup, kn);
  if (!kn) return;
  *id = BPF_CORE_READ(kn, id);
  struct kernfs_node *p = kn_parent(kn);
  if (p) *parent_id = BPF_CORE_READ(p, id);
  const char *n = BPF_CORE_READ(kn, name);
  if (n) bpf_probe_read_kernel_str(name, MS_CGNAME_LEN, n);
}

static __always_inline __u64 memcg_id_of(struct mem_cgroup *memcg) {
  if (!memcg) return 0;
  return BPF_CORE_READ(memcg, css.cgroup, kn, id);
}

/* --- exits ------------------------------------------------------------------------------------ */

/* What getrusage's get_mm_hiwater_rss() computes, for this image only. */
static __always_inline __u64 image_peak_of(struct mm_struct *mm) {
  __u64 file = 0, anon = 0, shmem = 0, swap = 0;
  rss_counters(mm, &file, &anon, &shmem, &swap);
  __u64 peak = file + anon + shmem;
  __u64 hw = BPF_CORE_READ(mm, hiwater_rss);
  return hw > peak ? hw : peak;
}

static __always_inline void keep_image_peak(struct task_struct *t) {
  struct mm_struct *mm = BPF_CORE_READ(t, mm);
  if (!mm) return;
  __u64 peak = image_peak_of(mm);
  __u32 tid = BPF_CORE_READ(t, pid);
  bpf_map_update_elem(&image_peak, &tid, &peak, BPF_ANY);
}

SEC("fentry/taskstats_exit")
int BPF_PROG(peak_at_taskstats_exit, struct task_struct *t, int group_dead) {
  if (group_dead) keep_image_peak(t);
  return 0;
}

SEC("fentry/acct_collect")
int BPF_PROG(peak_at_acct_collect, long exitcode, int group_dead) {
  if (group_dead) keep_image_peak(bpf_get_current_task_btf());
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_process_exit, struct task_struct *t) {
  if (BPF_CORE_READ(t, flags) & PF_KTHREAD) return 0;
  struct signal_struct *sig = BPF_CORE_READ(t, signal);
  /* Only when the thread group is dead (do_exit decremented live to 0 before the tracepoint; two
   * threads ending together may both see 0: the reader drops the second by identity). */
  if (BPF_CORE_READ(sig, live.counter) != 0) return 0;
  __u32 tid = BPF_CORE_READ(t, pid);
  struct ms_exit_record *e = bpf_ringbuf_reserve(&exit_ring, sizeof(*e), 0);
  if (!e) {
    __sync_fetch_and_add(&exits_dropped, 1);
    bpf_map_delete_elem(&image_peak, &tid);
    return 0;
  }
  __builtin_memset(e, 0, sizeof(*e));
  struct task_struct *leader = BPF_CORE_READ(t, group_leader);
  struct task_struct *parent = BPF_CORE_READ(t, real_parent);
  struct task_struct *pleader = BPF_CORE_READ(parent, group_leader);
  e->pid = BPF_CORE_READ(t, tgid);
  e->ppid = BPF_CORE_READ(parent, tgid);
  e->uid = BPF_CORE_READ(t, real_cred, uid.val);
  e->threads = BPF_CORE_READ(sig, nr_threads);
  e->start_ns = BPF_CORE_READ(leader, start_boottime);
  e->parent_start_ns = BPF_CORE_READ(pleader, start_boottime);
  e->exit_ns = bpf_ktime_get_boot_ns();
  struct mm_struct *mm = BPF_CORE_READ(t, mm);
  __u64 *peak = mm ? 0 : bpf_map_lookup_elem(&image_peak, &tid);
  if (mm) {
    /* Since 6.16 the tracepoint comes before exit_mm(): the image is still there. */
    e->peak_pages = image_peak_of(mm);
    e->flags |= MS_EXIT_PEAK_EXACT;
  } else if (peak) {
    e->peak_pages = *peak;
    e->flags |= MS_EXIT_PEAK_EXACT;
  } else {
    e->peak_pages = BPF_CORE_READ(sig, maxrss);
  }
  bpf_map_delete_elem(&image_peak, &tid);
  e->cpu_ns = BPF_CORE_READ(t, se.sum_exec_runtime) + BPF_CORE_READ(sig, sum_sched_runtime);
  e->exit_code = BPF_CORE_READ(t, exit_code);
  BPF_CORE_READ_STR_INTO(&e->comm, leader, comm);
  BPF_CORE_READ_STR_INTO(&e->parent_comm, pleader, comm);
  memcg_of(t, &e->memcg_id, &e->memcg_parent_id, e->memcg_name);
  __sync_fetch_and_add(&exits_sent, 1);
  long waiting = bpf_ringbuf_query(&exit_ring, BPF_RB_AVAIL_DATA);
  bpf_ringbuf_submit(e, waiting >= (long)wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
  return 0;
}

/* --- OOM kills -------------------------------------------------------------------------------- */

static __always_inline void read_victim(struct ms_oom_record *r, struct task_struct *v) {
  r->pid = BPF_CORE_READ(v, tgid);
  r->uid = BPF_CORE_READ(v, real_cred, uid.val);
  struct task_struct *leader = BPF_CORE_READ(v, group_leader);
  r->start_ns = BPF_CORE_READ(leader, start_boottime);
  BPF_CORE_READ_STR_INTO(&r->comm, leader, comm);
  r->oom_score_adj = BPF_CORE_READ(v, signal, oom_score_adj);
  struct mm_struct *mm = BPF_CORE_READ(v, mm);
  if (mm) rss_counters(mm, &r->file_pages, &r->anon_pages, &r->shmem_pages, &r->swap_ents);
  memcg_of(v, &r->memcg_id, &r->memcg_parent_id, r->memcg_name);
  r->flags |= MS_OOM_VICTIM_KNOWN;
}

SEC("fentry/oom_kill_process")
int BPF_PROG(on_oom_kill_process, struct oom_control *oc, const char *message) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct ms_oom_record c;
  __builtin_memset(&c, 0, sizeof(c));
  c.oom_memcg_id = memcg_id_of(BPF_CORE_READ(oc, memcg));
  c.flags = MS_OOM_MEMCG_KNOWN;
  struct task_struct *v = BPF_CORE_READ(oc, chosen);
  if (v) read_victim(&c, v);
  bpf_map_update_elem(&oom_ctx, &tid, &c, BPF_ANY);
  return 0;
}

SEC("raw_tp/mark_victim")
int on_mark_victim(struct bpf_raw_tracepoint_args *ctx) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct ms_oom_record *e = bpf_ringbuf_reserve(&oom_ring, sizeof(*e), 0);
  if (!e) {
    __sync_fetch_and_add(&ooms_dropped, 1);
    return 0;
  }
  __builtin_memset(e, 0, sizeof(*e));
  struct ms_oom_record *c = bpf_map_lookup_elem(&oom_ctx, &tid);
  int pid_only = !bpf_core_field_exists(struct trace_event_raw_mark_victim___new, uid);
  __u32 pid = pid_only ? (__u32)ctx->args[0] : 0;
  if (!pid_only) {
    read_victim(e, (struct task_struct *)ctx->args[0]);
  } else if (c && (c->flags & MS_OOM_VICTIM_KNOWN) && c->pid == pid) {
    __builtin_memcpy(e, c, sizeof(*e));
  } else {
    e->pid = pid;
  }
  if (c) {
    e->oom_memcg_id = c->oom_memcg_id;
    e->flags |= MS_OOM_MEMCG_KNOWN;
  } else {
    e->flags &= ~MS_OOM_MEMCG_KNOWN;
    e->oom_memcg_id = 0;
  }
  e->time_ns = bpf_ktime_get_boot_ns();
  e->invoker_pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
  bpf_get_current_comm(&e->invoker_comm, sizeof(e->invoker_comm));
  __sync_fetch_and_add(&ooms_sent, 1);
  bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
  return 0;
}
