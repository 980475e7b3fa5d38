/* The records the exit and OOM capture programs (exit_capture.bpf.c) send through their ring
 * buffers, shared with the reader (probe/kernel_events_bpf.cpp). Fixed-size, no padding holes:
 * the same bytes on both sides. Bump MS_EXIT_CAPTURE_VERSION when a layout changes. */
#ifndef MS_EXIT_CAPTURE_H
#define MS_EXIT_CAPTURE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MS_EXIT_CAPTURE_VERSION 1
#define MS_COMM_LEN 16
#define MS_CGNAME_LEN 96

/* ms_exit_record.flags */
#define MS_EXIT_PEAK_EXACT 1u /* peak of the image that exited; else signal->maxrss (counts pre-exec) */

struct ms_exit_record {
  __u32 pid, ppid, uid, threads;
  __u64 start_ns, parent_start_ns, exit_ns; /* CLOCK_BOOTTIME */
  __u64 peak_pages, cpu_ns;
  __s32 exit_code;
  __u32 flags;
  __u64 memcg_id, memcg_parent_id;
  char comm[MS_COMM_LEN], parent_comm[MS_COMM_LEN], memcg_name[MS_CGNAME_LEN];
};

/* ms_oom_record.flags */
#define MS_OOM_VICTIM_KNOWN 1u /* the victim's task was read (not just its pid) */
#define MS_OOM_MEMCG_KNOWN 2u  /* oom_memcg_id is the OOM'ing memcg (0: a global OOM) */

struct ms_oom_record {
  __u32 pid, uid, invoker_pid, flags;
  __s32 oom_score_adj;
  __u32 pad;
  __u64 time_ns, start_ns; /* CLOCK_BOOTTIME */
  __u64 memcg_id, memcg_parent_id, oom_memcg_id;
  __u64 anon_pages, file_pages, shmem_pages, swap_ents;
  char comm[MS_COMM_LEN], invoker_comm[MS_COMM_LEN], memcg_name[MS_CGNAME_LEN];
};

#endif
