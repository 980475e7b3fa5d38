/* The records the cgroup iterator (cgroup_iter.bpf.c) writes and cgroup_iter.cpp parses: each
 * memory cgroup's page counters, what memory.usage_in_bytes / memory.current, the limit files and
 * memory.failcnt print. Shared by the BPF program (C, vmlinux.h types) and user space (C++):
 * fixed-width fields only, little-endian as the host, no implicit padding. A change of layout or
 * meaning bumps MS_CG_VERSION: a pinned iterator of another version is not read.
 *
 * One walk must fit the kernel's iterator buffer (8 pages: the cgroup iterator cannot resume a
 * walk across reads, it fails with EOPNOTSUPP), so the records are small: 40 bytes, ~800 memory
 * cgroups per walk with 4 KiB pages. A larger hierarchy is read from its files. */
#ifndef MEMSLEUTH_CGROUP_RECORD_H
#define MEMSLEUTH_CGROUP_RECORD_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define MS_CG_MAGIC 0x47434d4dU /* "MMCG" */
#define MS_CG_VERSION 1

/* Record kinds (first u16 of every record). */
#define MS_CG_REC_HEADER 1
#define MS_CG_REC_CGROUP 2
#define MS_CG_REC_END 3

/* ms_cgroup.flags */
#define MS_CG_ROOT (1U << 0)        /* the hierarchy's root: v1 computes its usage from statistics, not the counter */
#define MS_CG_SWAP_MAX (1U << 1)    /* swap_max_pages holds memsw.max (v1) or swap.max (v2) */
#define MS_CG_FAILCNT_CUT (1U << 2) /* failcnt did not fit 32 bits: read memory.failcnt */

/* ms_cg_header.features */
#define MS_CG_FEAT_V2 (1U << 0) /* the walk is of the cgroup v2 hierarchy */

struct ms_cg_header {
  __u16 kind; /* MS_CG_REC_HEADER, first in a walk */
  __u16 size;
  __u32 magic;
  __u32 version;
  __u32 features;
  __u32 cgroup_size; /* sizeof(struct ms_cgroup) as the program was built */
  __u32 page_size;
  __u64 root_id; /* kernfs id (= directory inode) of the cgroup the walk starts at */
};

struct ms_cgroup {
  __u16 kind; /* MS_CG_REC_CGROUP, one per online memory cgroup, parents before children */
  __u16 flags;
  __u32 failcnt;        /* memory.failcnt (v1), saturated at 2^32-1 with MS_CG_FAILCNT_CUT */
  __u64 id;             /* kernfs id = the cgroup directory's inode number */
  __u64 usage_pages;    /* memory page counter (memory.usage_in_bytes / memory.current, in pages) */
  __u64 max_pages;      /* memory.max page counter limit (PAGE_COUNTER_MAX: none) */
  __u64 swap_max_pages; /* memsw.max (v1) or swap.max (v2), when MS_CG_SWAP_MAX */
};

struct ms_cg_end {
  __u16 kind; /* MS_CG_REC_END, last in a complete walk */
  __u16 size;
  __u32 magic;
};

#endif
