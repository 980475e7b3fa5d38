// The exit and OOM capture through its BPF programs (exit_capture.bpf.c): loads them, attaches
// what the running kernel offers, and drains their two ring buffers.
#include <unistd.h>

#include <cstring>

#include "probe/bpf/bpf.hpp"
#include "probe/bpf/kernel_events.hpp"

#if MEMSLEUTH_HAVE_BPF
#include <bpf/btf.h>

#include "exit_capture.skel.h"
#include "probe/bpf/exit_capture.h"
#include "probe/bpf/libbpf_log.hpp"
#include "probe/bpf/skeleton.hpp"
#endif

namespace ms {

#if MEMSLEUTH_HAVE_BPF

namespace {

std::string cstr(const char* p, size_t n) {
  return std::string(p, strnlen(p, n));
}

bool kernel_has_function(const btf* vmlinux, const char* name) {
  return vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) > 0;
}

// sched_process_exit(p, group_dead): the prototype of 6.16+, where the tracepoint moved before
// exit_mm(). Before, sched_process_exit(p).
bool tracepoint_before_exit_mm(const btf* b) {
  if (!b) return false;
  int id = btf__find_by_name_kind(b, "btf_trace_sched_process_exit", BTF_KIND_TYPEDEF);
  if (id <= 0) return false;
  const btf_type* t = btf__type_by_id(b, btf__type_by_id(b, static_cast<__u32>(id))->type);
  if (!t || !btf_is_ptr(t)) return false;
  t = btf__type_by_id(b, t->type);
  return t && btf_is_func_proto(t) && btf_vlen(t) >= 3;  // (void *ctx, task, group_dead)
}

class BpfKernelEvents final : public KernelEventSource {
 public:
  ~BpfKernelEvents() override {
    for (bpf_link* l : links_) bpf_link__destroy(l);
    ring_buffer__free(rb_);
  }

  Result<void> open(const KernelEventOptions& o) {
    page_ = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    // What this kernel offers. Since 6.16 the exit tracepoint fires before exit_mm() (it gained
    // group_dead in the same change): the peak is read there and no exit-path hook is needed. The
    // hooks are static functions a build may inline, and some kernels refuse fentry altogether.
    btf* vmlinux = btf__load_vmlinux_btf();
    before_exit_mm_ = tracepoint_before_exit_mm(vmlinux);
    Hooks want;
    want.peak_taskstats = o.exits && !before_exit_mm_ && kernel_has_function(vmlinux, "taskstats_exit");
    want.peak_acct =
        o.exits && !before_exit_mm_ && !want.peak_taskstats && kernel_has_function(vmlinux, "acct_collect");
    want.oom_kill_process = o.ooms && kernel_has_function(vmlinux, "oom_kill_process");
    btf__free(vmlinux);
    auto r = load(o, want);
    if (!r && (want.peak_taskstats || want.peak_acct || want.oom_kill_process)) {
      // A kernel that refuses the optional fentry programs (EPERM here on a 6.18 PVM guest) still
      // takes the tracepoints: load again without them.
      std::string why = r.error().message;
      why = why.substr(0, why.find(" (libbpf"));  // libbpf's own words are for MEMSLEUTH_BPF_DEBUG
      notes_ = "its fentry hooks refused: " + why;
      want = Hooks{};
      r = load(o, want);
    }
    if (!r) return r;
    hooks_ = want;
    auto* s = skel_->get();
    auto attach = [&](bpf_program* p, const char* what, bool required) -> Result<bool> {
      bpf::LibbpfLog log;
      bpf_link* l = bpf_program__attach(p);
      if (!l) {
        int err = errno;
        if (required) return fail(bpf::bpf_error(std::string("attaching ") + what, err, log.tail()));
        notes_ += std::string(notes_.empty() ? "" : "; ") + what + " not attached (" + std::strerror(err) + ")";
        return false;
      }
      links_.push_back(l);
      return true;
    };
    if (o.exits) {
      auto a = attach(s->progs.on_process_exit, "tp_btf/sched_process_exit", true);
      if (!a) return fail(a.error());
      exits_ = true;
      if (before_exit_mm_) {
        peak_hook_ = "tp_btf/sched_process_exit itself (before exit_mm)";
      } else if (hooks_.peak_taskstats) {
        auto b = attach(s->progs.peak_at_taskstats_exit, "fentry/taskstats_exit", false);
        if (b && *b) peak_hook_ = "fentry/taskstats_exit";
      } else if (hooks_.peak_acct) {
        auto b = attach(s->progs.peak_at_acct_collect, "fentry/acct_collect", false);
        if (b && *b) peak_hook_ = "fentry/acct_collect";
      }
    }
    if (o.ooms) {
      auto a = attach(s->progs.on_mark_victim, "raw_tp/mark_victim", true);
      if (!a) return fail(a.error());
      ooms_ = true;
      if (hooks_.oom_kill_process) {
        auto b = attach(s->progs.on_oom_kill_process, "fentry/oom_kill_process", false);
        oom_ctx_ = b && *b;
      }
    }
    bpf::LibbpfLog log;
    rb_ = ring_buffer__new(bpf_map__fd(s->maps.exit_ring), &BpfKernelEvents::on_exit, this, nullptr);
    if (!rb_) return fail(bpf::bpf_error("opening the exit ring buffer", errno, log.tail()));
    if (ring_buffer__add(rb_, bpf_map__fd(s->maps.oom_ring), &BpfKernelEvents::on_oom, this) != 0)
      return fail(bpf::bpf_error("opening the OOM ring buffer", errno, log.tail()));
    return {};
  }

  int wait_fd() const override { return rb_ ? ring_buffer__epoll_fd(rb_) : -1; }

  void drain(std::vector<ExitRecord>& exits, std::vector<OomRecord>& ooms) override {
    out_exits_ = &exits;
    out_ooms_ = &ooms;
    ring_buffer__consume(rb_);
    out_exits_ = nullptr;
    out_ooms_ = nullptr;
  }

  uint64_t exits_dropped() const override { return __atomic_load_n(&(*skel_)->bss->exits_dropped, __ATOMIC_RELAXED); }
  uint64_t ooms_dropped() const override { return __atomic_load_n(&(*skel_)->bss->ooms_dropped, __ATOMIC_RELAXED); }
  bool exits_attached() const override { return exits_; }
  bool ooms_attached() const override { return ooms_; }

  std::string describe() const override {
    std::string s;
    if (exits_)
      s += "exits: tp_btf/sched_process_exit, peak RSS " +
           (peak_hook_.empty() ? std::string("from signal->maxrss (no exit-path hook: it counts the image before exec)")
                               : "of the exiting image, read at " + peak_hook_);
    if (ooms_)
      s += std::string(s.empty() ? "" : "; ") + "OOM kills: raw_tp/mark_victim" +
           (oom_ctx_ ? " + fentry/oom_kill_process (OOM'ing memcg)" : "");
    if (!notes_.empty()) s += " (" + notes_ + ")";
    return s;
  }

 private:
  static int on_exit(void* self, void* data, size_t size) {
    auto* me = static_cast<BpfKernelEvents*>(self);
    if (size < sizeof(ms_exit_record) || !me->out_exits_) return 0;
    ms_exit_record r;
    std::memcpy(&r, data, sizeof(r));
    ExitRecord e;
    e.pid = static_cast<int>(r.pid);
    e.ppid = static_cast<int>(r.ppid);
    e.uid = r.uid;
    e.threads = r.threads;
    e.start_ns = r.start_ns;
    e.parent_start_ns = r.parent_start_ns;
    e.exit_ns = r.exit_ns;
    e.peak_rss_bytes = r.peak_pages * me->page_;
    e.peak_exact = (r.flags & MS_EXIT_PEAK_EXACT) != 0;
    e.cpu_ns = r.cpu_ns;
    e.exit_code = r.exit_code;
    e.comm = cstr(r.comm, sizeof(r.comm));
    e.parent_comm = cstr(r.parent_comm, sizeof(r.parent_comm));
    e.memcg_id = r.memcg_id;
    e.memcg_parent_id = r.memcg_parent_id;
    e.memcg_name = cstr(r.memcg_name, sizeof(r.memcg_name));
    me->out_exits_->push_back(std::move(e));
    return 0;
  }

  static int on_oom(void* self, void* data, size_t size) {
    auto* me = static_cast<BpfKernelEvents*>(self);
    if (size < sizeof(ms_oom_record) || !me->out_ooms_) return 0;
    ms_oom_record r;
    std::memcpy(&r, data, sizeof(r));
    OomRecord o;
    o.pid = static_cast<int>(r.pid);
    o.time_ns = r.time_ns;
    o.victim_known = (r.flags & MS_OOM_VICTIM_KNOWN) != 0;
    o.uid = r.uid;
    o.start_ns = r.start_ns;
    o.comm = cstr(r.comm, sizeof(r.comm));
    o.memcg_id = r.memcg_id;
    o.memcg_parent_id = r.memcg_parent_id;
    o.memcg_name = cstr(r.memcg_name, sizeof(r.memcg_name));
    o.oom_memcg_known = (r.flags & MS_OOM_MEMCG_KNOWN) != 0;
    o.oom_memcg_id = r.oom_memcg_id;
    o.anon_bytes = r.anon_pages * me->page_;
    o.file_bytes = r.file_pages * me->page_;
    o.shmem_bytes = r.shmem_pages * me->page_;
    o.swap_bytes = r.swap_ents * me->page_;
    o.oom_score_adj = r.oom_score_adj;
    o.invoker_pid = static_cast<int>(r.invoker_pid);
    o.invoker_comm = cstr(r.invoker_comm, sizeof(r.invoker_comm));
    me->out_ooms_->push_back(std::move(o));
    return 0;
  }

  struct Hooks {
    bool peak_taskstats = false, peak_acct = false, oom_kill_process = false;
  };

  // Opens and loads the object afresh with these programs.
  Result<void> load(const KernelEventOptions& o, const Hooks& h) {
    skel_ = std::make_unique<bpf::Skeleton<exit_capture>>("exit_capture");
    if (auto r = skel_->open(); !r) return r;
    auto* s = skel_->get();
    bpf_program__set_autoload(s->progs.on_process_exit, o.exits);
    bpf_program__set_autoload(s->progs.peak_at_taskstats_exit, h.peak_taskstats);
    bpf_program__set_autoload(s->progs.peak_at_acct_collect, h.peak_acct);
    bpf_program__set_autoload(s->progs.on_mark_victim, o.ooms);
    bpf_program__set_autoload(s->progs.on_oom_kill_process, h.oom_kill_process);
    // A ring for a program left out costs a page, not a megabyte.
    if (!o.exits) bpf_map__set_max_entries(s->maps.exit_ring, static_cast<uint32_t>(page_));
    if (!o.ooms) bpf_map__set_max_entries(s->maps.oom_ring, static_cast<uint32_t>(page_));
    return skel_->load();
  }

  std::unique_ptr<bpf::Skeleton<exit_capture>> skel_;
  Hooks hooks_;
  bool before_exit_mm_ = false;
  std::vector<bpf_link*> links_;
  ring_buffer* rb_ = nullptr;
  std::vector<ExitRecord>* out_exits_ = nullptr;
  std::vector<OomRecord>* out_ooms_ = nullptr;
  uint64_t page_ = 4096;
  bool exits_ = false, ooms_ = false, oom_ctx_ = false;
  std::string peak_hook_, notes_;
};

}  // namespace

Result<std::unique_ptr<KernelEventSource>> open_bpf_kernel_events(const KernelEventOptions& o) {
  auto k = std::make_unique<BpfKernelEvents>();
  if (auto r = k->open(o); !r) return fail(r.error());
  return std::unique_ptr<KernelEventSource>(std::move(k));
}

#else

Result<std::unique_ptr<KernelEventSource>> open_bpf_kernel_events(const KernelEventOptions&) {
  return fail(
      Error::invalid("this memsleuth was built without its BPF programs: " + std::string(bpf::not_built_reason())));
}

#endif

}  // namespace ms
