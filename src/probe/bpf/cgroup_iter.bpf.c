// The cgroup iterator: one record per online memory cgroup with its page counters (usage, limit,
// swap or memsw limit, failcnt: cgroup_record.h), in one read(2) instead of three or four files
// per cgroup. Attached to the memory hierarchy's root directory (v1: the memory controller's mount;
// v2: the unified root), walked parents first. CO-RE against the running kernel's BTF; needs
// cgroup iterators (6.1+; on v1 hierarchies, kernels that accept a v1 cgroup's fd at attach).
//
// The counters are read as the files' show functions read them (mm/memcontrol*.c): the page
// counter's usage and max, failcnt. The v1 root's memory.usage_in_bytes is computed from the
// statistics instead: flagged, user space reads that one file.
// clang-format off
#include "vmlinux.h"  // first: the kernel's types, which libbpf's headers use
// clang-format on
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "cgroup_record.h"

char LICENSE[] SEC("license") = "GPL";

// Set by user space before load.
const volatile __u32 page_size = 4096;
const volatile __u32 cgroup_v2 = 0;

SEC("iter/cgroup")
int cgroups(struct bpf_iter__cgroup* ctx) {
  struct seq_file* seq = ctx->meta->seq;
  struct cgroup* cg = ctx->cgroup;
  if (ctx->meta->seq_num == 0) {
    struct ms_cg_header h = {};
    h.kind = MS_CG_REC_HEADER;
    h.size = sizeof h;
    h.magic = MS_CG_MAGIC;
    h.version = MS_CG_VERSION;
    h.features = cgroup_v2 ? MS_CG_FEAT_V2 : 0;
    h.cgroup_size = sizeof(struct ms_cgroup);
    h.page_size = page_size;
    if (cg) h.root_id = BPF_CORE_READ(cg, kn, id);
    bpf_seq_write(seq, &h, sizeof h);
  }
  if (!cg) {
    struct ms_cg_end e = {};
    e.kind = MS_CG_REC_END;
    e.size = sizeof e;
    e.magic = MS_CG_MAGIC;
    bpf_seq_write(seq, &e, sizeof e);
    return 0;
  }
  if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) return 0;
  int sid = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
  if (sid < 0 || sid >= 16) return 0;
  struct cgroup_subsys_state* css = BPF_CORE_READ(cg, subsys[sid]);
  // No memory controller here (a v2 subtree without it) or a cgroup being removed: no files either.
  if (!css || !(BPF_CORE_READ(css, flags) & 2 /* CSS_ONLINE */)) return 0;
  struct mem_cgroup* m = (struct mem_cgroup*)((char*)css - bpf_core_field_offset(struct mem_cgroup, css));
  struct ms_cgroup r = {};
  r.kind = MS_CG_REC_CGROUP;
  r.id = BPF_CORE_READ(cg, kn, id);
  if (BPF_CORE_READ(cg, level) == 0) r.flags |= MS_CG_ROOT;
  long usage = BPF_CORE_READ(m, memory.usage.counter);
  r.usage_pages = usage < 0 ? 0 : (__u64)usage;
  r.max_pages = BPF_CORE_READ(m, memory.max);
  __u64 failcnt = BPF_CORE_READ(m, memory.failcnt);
  if (failcnt > 0xffffffffULL) {
    r.failcnt = 0xffffffffU;
    r.flags |= MS_CG_FAILCNT_CUT;
  } else {
    r.failcnt = (__u32)failcnt;
  }
  // v1's memsw and v2's swap counters share a union on recent kernels, were two fields before.
  if (cgroup_v2 && bpf_core_field_exists(m->swap)) {
    r.swap_max_pages = BPF_CORE_READ(m, swap.max);
    r.flags |= MS_CG_SWAP_MAX;
  } else if (!cgroup_v2 && bpf_core_field_exists(m->memsw)) {
    r.swap_max_pages = BPF_CORE_READ(m, memsw.max);
    r.flags |= MS_CG_SWAP_MAX;
  }
  bpf_seq_write(seq, &r, sizeof r);
  return 0;
}
