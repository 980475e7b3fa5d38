// The task iterator: one record per thread-group leader with what a snapshot reads from
// /proc/<pid>/{stat,status,statm,cgroup,cmdline} (task_record.h), in one read(2) stream instead of
// ~5 files per process. CO-RE: compiled against this build machine's vmlinux.h, relocated against
// the running kernel's BTF at load; the ___old flavours cover kernels before 6.2 (rss_stat as one
// atomic array) and 5.14 (task->state). Fields are read with direct (BTF-checked, fault-safe)
// loads: a bpf_probe_read_kernel call per field cost ~40% more per walk.
//
// Two programs over the same walk:
//   tasks          every kernel with BPF task iterators (5.8+); RSS as the counters' central values
//                  (get_mm_counter): the recorder's per-sample read, ~0.5 us per process;
//   tasks_cmdline  sleepable (5.18+, bpf_copy_from_user_task): also each cmdline, and RSS summed
//                  over the CPUs' shares as /proc does on recent kernels: the one-shot snapshot.
// clang-format off
#include "vmlinux.h"  // first: the kernel's types, which libbpf's headers use
// clang-format on
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "task_record.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_EXITING 0x00000004
#define PF_WQ_WORKER 0x00000020
#define PF_KTHREAD 0x00200000
// Above this many possible CPUs RSS is the central value (a bounded loop the verifier accepts).
#define MS_SUM_CPUS_MAX 256

// Set by user space before load.
const volatile __u32 page_size = 4096;
// tasks_cmdline sums each RSS counter over this many CPUs' shares (the possible CPUs:
// get_mm_counter_sum, what /proc reads on recent kernels); 0: the central value only.
const volatile __u32 sum_cpus = 0;
// The memory controller is on cgroup v2: a process's cgroup is its own cgroup there (the "0::"
// line of /proc/<pid>/cgroup); on v1 the memory hierarchy's cgroup of its memory css.
const volatile __u32 cgroup_v2 = 0;

// Kernels before 6.2: struct mm_rss_stat { atomic_long_t count[NR_MM_COUNTERS]; }.
struct mm_rss_stat___old {
  atomic_long_t count[4];
} __attribute__((preserve_access_index));
struct mm_struct___old {
  struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));
// Kernels before 5.14: task->state.
struct task_struct___old {
  long state;
} __attribute__((preserve_access_index));

// Per-cpu offsets (per_cpu_offset(cpu)), to sum another CPU's share of a percpu_counter. The kernel
// exports them to BPF only through kallsyms of data symbols, which many kernels lack; so they are
// learnt from a per-cpu map of our own: bpf_map_lookup_percpu_elem(map, 0, cpu) is the map's
// per-cpu pointer plus that offset, and the pointer sits in the map's struct bpf_array. Reading a
// pointer as a number needs CAP_PERFMON (the verifier's allow_ptr_leaks). Learnt by the first walk
// (the loader's own, before the iterator is pinned: no other walk runs then), only read later.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} cpu_probe SEC(".maps");
__u64 ptr_slot;                  // a pointer stored here reads back as a number
__u64 cpu_off[MS_SUM_CPUS_MAX];  // per_cpu_offset(cpu)
__u32 cpu_off_n;                 // how many are known (0: not learnt, or not learnable)

struct cmdline_buf {
  __u64 busy;  // a sleepable walk on this CPU is using buf (another one slept in a fault)
  char buf[MS_CMDLINE_MAX];
};
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct cmdline_buf);
} cmdline_scratch SEC(".maps");

static __always_inline void write_header(struct seq_file* seq, __u32 features) {
  struct ms_header h = {};
  h.kind = MS_REC_HEADER;
  h.size = sizeof h;
  h.magic = MS_TASK_MAGIC;
  h.version = MS_TASK_VERSION;
  h.features = features;
  h.task_size = sizeof(struct ms_task);
  h.page_size = page_size;
  if (cgroup_v2) h.features |= MS_FEAT_CGROUP_V2;
  bpf_seq_write(seq, &h, sizeof h);
}

static __always_inline void write_end(struct seq_file* seq) {
  struct ms_end e = {};
  e.kind = MS_REC_END;
  e.size = sizeof e;
  e.magic = MS_TASK_MAGIC;
  bpf_seq_write(seq, &e, sizeof e);
}

// fls() of the reportable state bits, as fs/proc/array.c's task_state_index().
static __always_inline __u8 state_index(struct task_struct* t) {
  __u32 tsk_state;
  if (bpf_core_field_exists(t->__state)) {
    tsk_state = BPF_CORE_READ(t, __state);
  } else {
    struct task_struct___old* o = (void*)t;
    tsk_state = (__u32)BPF_CORE_READ(o, state);
  }
  __u32 state = (tsk_state | (__u32)BPF_CORE_READ(t, exit_state)) & 0x7f; /* TASK_REPORT */
  if ((tsk_state & 0x402) == 0x402) state = 0x80;                         /* TASK_IDLE -> TASK_REPORT_IDLE */
  if (tsk_state == 0x1000) state = 0x2;                                   /* TASK_RTLOCK_WAIT -> D */
  __u8 idx = 0;
  for (int b = 0; b < 8; ++b)
    if (state & (1U << b)) idx = b + 1;
  return idx;
}

static __always_inline __u64 clamp_pages(__s64 v) {
  return v < 0 ? 0 : (__u64)v;
}

// See cpu_probe. Runs in the first walk only; leaves cpu_off_n 0 when something does not add up.
static __always_inline void learn_cpu_offsets(void) {
  __u32 n = sum_cpus;
  if (cpu_off_n || n == 0 || n > MS_SUM_CPUS_MAX || bpf_core_type_exists(struct mm_rss_stat___old)) return;
  ptr_slot = (__u64)(void*)&cpu_probe;
  asm volatile("" ::: "memory");
  __u64 map_addr = ptr_slot, pcpu = 0;
  if (bpf_probe_read_kernel(&pcpu, sizeof pcpu,
                            (const void*)(map_addr + bpf_core_field_offset(struct bpf_array, pptrs))))
    return;
  __u32 zero = 0;
  for (__u32 cpu = 0; cpu < MS_SUM_CPUS_MAX && cpu < n; ++cpu) {
    void* p = bpf_map_lookup_percpu_elem(&cpu_probe, &zero, cpu);
    if (!p) return;
    ptr_slot = (__u64)p;
    asm volatile("" ::: "memory");
    cpu_off[cpu] = ptr_slot - pcpu;
  }
  // This CPU's own element (this_cpu_ptr) must agree with what was learnt for it.
  void* mine = bpf_map_lookup_elem(&cpu_probe, &zero);
  __u32 me = bpf_get_smp_processor_id();
  if (!mine || me >= MS_SUM_CPUS_MAX || me >= n) return;
  ptr_slot = (__u64)mine;
  asm volatile("" ::: "memory");
  if (ptr_slot - pcpu != cpu_off[me]) return;
  cpu_off_n = n;
}

struct rss_sum {
  const char* counters[4];
  __s64 v[4];
  int failed;
};

// One CPU's shares of the four counters (a bpf_loop callback: the verifier checks it once, not once
// per CPU).
static long add_cpu_shares(__u32 cpu, void* arg) {
  struct rss_sum* s = arg;
  if (cpu >= MS_SUM_CPUS_MAX) return 1;
  __u64 off = cpu_off[cpu];
  for (int i = 0; i < 4; ++i) {
    __s32 part = 0;
    if (bpf_probe_read_kernel(&part, sizeof part, s->counters[i] + off) != 0) {
      s->failed = 1;
      return 1;
    }
    s->v[i] += part;
  }
  return 0;
}

static __always_inline void read_rss(struct mm_struct* mm, struct ms_task* r, int sum) {
  if (bpf_core_type_exists(struct mm_rss_stat___old)) {
    struct mm_struct___old* o = (void*)mm;
    for (int i = 0; i < 4; ++i) r->rss[i] = clamp_pages(BPF_CORE_READ(o, rss_stat.count[i].counter));
    return;
  }
  struct rss_sum s = {};
  for (int i = 0; i < 4; ++i) {
    s.v[i] = mm->rss_stat[i].count;
    s.counters[i] = (const char*)mm->rss_stat[i].counters;
  }
  __u32 ncpu = sum ? cpu_off_n : 0;
  if (ncpu > 0) {
    bpf_loop(ncpu, add_cpu_shares, &s, 0);
    if (!s.failed) r->flags |= MS_TASK_RSS_EXACT;
  }
  for (int i = 0; i < 4; ++i) r->rss[i] = clamp_pages(s.v[i]);
}

// Fills everything but the cmdline. Returns 0 for a task that is not a thread-group leader.
static __always_inline int fill(struct task_struct* t, struct ms_task* r, int sum) {
  __u32 tgid = t->tgid;
  if (t->pid != tgid) return 0;
  r->kind = MS_REC_TASK;
  r->size = sizeof *r;
  r->pid = tgid;
  r->ppid = t->real_parent->tgid;
  r->uid = t->real_cred->uid.val;
  r->threads = t->signal->nr_threads;
  r->start_boottime_ns = t->start_boottime;
  r->state_index = state_index(t);
  r->exec_id = (__u32)t->self_exec_id;
  __builtin_memcpy(r->comm, t->comm, sizeof r->comm);
  __u32 pf = t->flags;
  if (pf & PF_KTHREAD) {
    r->flags |= MS_TASK_KTHREAD;
    // /proc shows a workqueue worker's current work after its comm, and a kernel thread's full name
    // where comm cut it to 15 characters.
    if ((pf & PF_WQ_WORKER) || r->comm[14] != 0) r->flags |= MS_TASK_COMM_PROCFS;
  }
  struct mm_struct* mm = t->mm;
  if (mm && !(pf & PF_KTHREAD)) {
    r->flags |= MS_TASK_HAS_MM;
    read_rss(mm, r, sum);
  }
  if (cgroup_v2) {
    struct cgroup* cg = t->cgroups->dfl_cgrp;
    if (cg) r->memcg_id = cg->kn->id;
  } else if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
    int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
    if (id >= 0 && id < 32) {
      struct cgroup_subsys_state* css = t->cgroups->subsys[id];
      if (css) r->memcg_id = css->cgroup->kn->id;
    }
  }
  if (r->memcg_id) r->flags |= MS_TASK_MEMCG;
  return 1;
}

SEC("iter/task")
int tasks(struct bpf_iter__task* ctx) {
  struct seq_file* seq = ctx->meta->seq;
  struct task_struct* t = ctx->task;
  if (ctx->meta->seq_num == 0) write_header(seq, 0);
  if (!t) {
    write_end(seq);
    return 0;
  }
  struct ms_task r = {};
  if (fill(t, &r, 0)) bpf_seq_write(seq, &r, sizeof r);
  return 0;
}

// get_mm_cmdline() of fs/proc/base.c for the common case: the whole argument area when it ends in
// a NUL. Anything else (rewritten argv: setproctitle reads into the environment; longer than
// MS_CMDLINE_MAX; a failed copy) is marked for procfs.
static __always_inline __u32 copy_cmdline(struct task_struct* t, struct mm_struct* mm, char* buf, __u32* flags) {
  __u64 start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
  if (!BPF_CORE_READ(mm, env_end) || start >= end) {
    *flags |= MS_TASK_CMDLINE;
    return 0;
  }
  __u64 len = end - start;
  if (len > MS_CMDLINE_MAX) {
    *flags |= MS_TASK_CMDLINE_PROCFS;
    return 0;
  }
  if (bpf_copy_from_user_task(buf, len, (const void*)start, t, 0) != 0 || buf[(len - 1) & (MS_CMDLINE_MAX - 1)] != 0) {
    *flags |= MS_TASK_CMDLINE_PROCFS;
    return 0;
  }
  *flags |= MS_TASK_CMDLINE;
  return (__u32)len;
}

SEC("iter.s/task")
int tasks_cmdline(struct bpf_iter__task* ctx) {
  struct seq_file* seq = ctx->meta->seq;
  struct task_struct* t = ctx->task;
  if (ctx->meta->seq_num == 0) {
    learn_cpu_offsets();
    write_header(seq, MS_FEAT_CMDLINE);
  }
  if (!t) {
    write_end(seq);
    return 0;
  }
  struct ms_task r = {};
  if (!fill(t, &r, 1)) return 0;
  __u32 len = 0;
  struct cmdline_buf* scratch = 0;
  if (r.flags & MS_TASK_HAS_MM) {
    __u32 zero = 0;
    scratch = bpf_map_lookup_elem(&cmdline_scratch, &zero);
    // Migration is off while a sleepable program runs, but another walk on this CPU may have run
    // while this one slept in a page fault: the buffer is taken, never shared.
    if (scratch && __sync_lock_test_and_set(&scratch->busy, 1) == 0) {
      len = copy_cmdline(t, BPF_CORE_READ(t, mm), scratch->buf, &r.flags);
    } else {
      scratch = 0;
      r.flags |= MS_TASK_CMDLINE_PROCFS;
    }
  } else {
    r.flags |= MS_TASK_CMDLINE;  // no mm (kernel thread, zombie): /proc/<pid>/cmdline is empty
  }
  r.cmdline_len = len;
  r.size = sizeof r + len;
  bpf_seq_write(seq, &r, sizeof r);
  if (scratch) {
    if (len > 0 && len <= MS_CMDLINE_MAX) bpf_seq_write(seq, scratch->buf, len);
    scratch->busy = 0;
  }
  return 0;
}
