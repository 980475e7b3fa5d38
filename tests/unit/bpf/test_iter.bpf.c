// The smallest iterator the BPF layer's tests load: one u32 per thread-group leader, its pid.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task")
int leaders(struct bpf_iter__task* ctx) {
  struct task_struct* t = ctx->task;
  if (!t || t->pid != t->tgid) return 0;
  __u32 pid = t->tgid;
  bpf_seq_write(ctx->meta->seq, &pid, sizeof pid);
  return 0;
}
