/* The records the task iterator (task_iter.bpf.c) writes and task_iter.cpp parses. Shared by the
 * BPF program (C, vmlinux.h types) and user space (C++): fixed-width fields only, little-endian as
 * the host, no implicit padding. A change of layout or meaning bumps MS_TASK_VERSION: a pinned
 * iterator of another version is not read (a newer recorder's pin, an older one's). */
#ifndef MEMSLEUTH_TASK_RECORD_H
#define MEMSLEUTH_TASK_RECORD_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define MS_TASK_MAGIC 0x4b53544dU /* "MTSK" */
#define MS_TASK_VERSION 1

/* Record kinds (first u16 of every record). */
#define MS_REC_HEADER 1
#define MS_REC_TASK 2
#define MS_REC_END 3

/* ms_task.flags */
#define MS_TASK_KTHREAD (1U << 0)        /* PF_KTHREAD: no RSS, no cmdline */
#define MS_TASK_HAS_MM (1U << 1)         /* rss[] read from its mm; without it the process holds none */
#define MS_TASK_MEMCG (1U << 2)          /* memcg_id is the memory cgroup's kernfs id */
#define MS_TASK_CMDLINE (1U << 3)        /* cmdline_len bytes follow: exactly what /proc/<pid>/cmdline reads */
#define MS_TASK_CMDLINE_PROCFS (1U << 4) /* the iterator could not give it (too long, rewritten argv, a fault): read procfs */
#define MS_TASK_COMM_PROCFS (1U << 5)    /* a kernel thread whose /proc comm may differ from task->comm (workqueue worker, long name) */
#define MS_TASK_RSS_EXACT (1U << 6)      /* rss[] summed over every CPU's share (get_mm_counter_sum); else the central values */

/* ms_header.features */
#define MS_FEAT_CMDLINE (1U << 0)   /* the sleepable walk: cmdlines included */
#define MS_FEAT_CGROUP_V2 (1U << 1) /* memcg_id is the process's own cgroup v2 id (else its v1 memory cgroup's) */

/* Every record starts with kind and size (of the whole record, bytes). */
struct ms_header {
  __u16 kind; /* MS_REC_HEADER, first in a walk */
  __u16 size;
  __u32 magic;
  __u32 version;
  __u32 features;
  __u32 task_size; /* sizeof(struct ms_task) as the program was built */
  __u32 page_size;
  __u64 reserved;
};

struct ms_task {
  __u16 kind; /* MS_REC_TASK, one per thread-group leader */
  __u16 size; /* sizeof(struct ms_task) + cmdline_len */
  __u32 flags;
  __u32 pid;  /* tgid, in the initial pid namespace */
  __u32 ppid; /* real_parent's tgid */
  __u32 uid;  /* real uid */
  __u32 threads;
  __u64 start_boottime_ns; /* /proc/<pid>/stat field 22 is this / (1e9 / USER_HZ) */
  __u64 rss[4];            /* pages: MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES */
  __u64 memcg_id;          /* its memory cgroup's kernfs node id = the cgroup directory's inode number */
  char comm[16];
  __u8 state_index; /* task_state_index(): index into "RSDTtXZPI" */
  __u8 pad1;
  __u16 cmdline_len;
  __u32 exec_id; /* self_exec_id (low 32 bits): moves with every exec */
};

struct ms_end {
  __u16 kind; /* MS_REC_END, last in a complete walk */
  __u16 size;
  __u32 magic;
};

#define MS_CMDLINE_MAX 4096 /* longer cmdlines are read from procfs */

#endif
