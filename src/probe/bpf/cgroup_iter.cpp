#include "probe/bpf/cgroup_iter.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "probe/bpf/cgroup_record.h"

#if MEMSLEUTH_HAVE_BPF
#include "cgroup_iter.skel.h"
#include "probe/bpf/libbpf_log.hpp"
#include "probe/bpf/skeleton.hpp"
#endif

namespace ms::bpf {

static_assert(sizeof(ms_cg_header) == 32 && sizeof(ms_cgroup) == 40 && sizeof(ms_cg_end) == 8,
              "cgroup_record.h: the layout is shared with the BPF program; change MS_CG_VERSION with it");

uint32_t cgroup_record_version() {
  return MS_CG_VERSION;
}

namespace {

Error walk_error(std::string message) {
  return Error::malformed("BPF cgroup iterator", 0, std::move(message));
}

// What one read of the iterator fails with when the walk outgrew the kernel's buffer.
Error read_error(const Error& e, int err) {
  if (err != EOPNOTSUPP) return e;
  return Error{Error::Kind::kIo,
               {},
               0,
               "the memory cgroups do not fit one walk of the BPF cgroup iterator (it cannot resume a walk "
               "across reads; ~800 cgroups fit): their files are read"};
}

}  // namespace

const CgroupCounters* CgroupWalk::find(uint64_t id) const {
  auto it = std::lower_bound(by_id_.begin(), by_id_.end(), std::make_pair(id, uint32_t{0}));
  return it != by_id_.end() && it->first == id ? &cgroups[it->second] : nullptr;
}

void CgroupWalk::index() {
  by_id_.clear();
  by_id_.reserve(cgroups.size());
  for (uint32_t i = 0; i < cgroups.size(); ++i) by_id_.emplace_back(cgroups[i].id, i);
  std::sort(by_id_.begin(), by_id_.end());
}

Result<void> parse_cgroup_walk(std::string_view data, CgroupWalk& out) {
  out.cgroups.clear();
  out.v2 = false;
  out.page_size = 0;
  out.root_id = 0;
  if (data.size() < sizeof(ms_cg_header))
    return fail(walk_error(fmt::format("walk of {} bytes has no header", data.size())));
  auto h = record_at<ms_cg_header>(data, 0);
  if (h.kind != MS_CG_REC_HEADER || h.magic != MS_CG_MAGIC || h.size != sizeof h)
    return fail(walk_error("not a memsleuth cgroup iterator (no header record)"));
  if (h.version != MS_CG_VERSION) {
    return fail(walk_error(fmt::format("record version {} (loaded by another memsleuth version); this one reads {}",
                                       h.version, MS_CG_VERSION)));
  }
  if (h.cgroup_size != sizeof(ms_cgroup)) {
    return fail(walk_error(
        fmt::format("cgroup records of {} bytes; this memsleuth reads {}", h.cgroup_size, sizeof(ms_cgroup))));
  }
  if (h.page_size == 0 || (h.page_size & (h.page_size - 1)) != 0)
    return fail(walk_error(fmt::format("page size {} is not a power of two", h.page_size)));
  out.v2 = (h.features & MS_CG_FEAT_V2) != 0;
  out.page_size = h.page_size;
  out.root_id = h.root_id;
  out.cgroups.reserve((data.size() - sizeof h) / sizeof(ms_cgroup));
  size_t off = sizeof h;
  bool ended = false;
  while (off < data.size()) {
    if (data.size() - off < 2) return fail(walk_error(fmt::format("record cut at byte {}", off)));
    auto kind = record_at<uint16_t>(data, off);
    if (kind == MS_CG_REC_END) {
      if (data.size() - off < sizeof(ms_cg_end)) return fail(walk_error(fmt::format("end record cut at byte {}", off)));
      auto e = record_at<ms_cg_end>(data, off);
      if (e.size != sizeof e || e.magic != MS_CG_MAGIC)
        return fail(walk_error(fmt::format("damaged end record at byte {}", off)));
      off += sizeof e;
      ended = true;
      break;
    }
    if (kind != MS_CG_REC_CGROUP) return fail(walk_error(fmt::format("unknown record kind {} at byte {}", kind, off)));
    if (data.size() - off < sizeof(ms_cgroup))
      return fail(walk_error(fmt::format("cgroup record cut at byte {}", off)));
    auto r = record_at<ms_cgroup>(data, off);
    CgroupCounters& c = out.cgroups.emplace_back();
    c.id = r.id;
    c.root = (r.flags & MS_CG_ROOT) != 0;
    c.usage_pages = r.usage_pages;
    c.max_pages = r.max_pages;
    if (r.flags & MS_CG_SWAP_MAX) c.swap_max_pages = r.swap_max_pages;
    if (!(r.flags & MS_CG_FAILCNT_CUT)) c.failcnt = r.failcnt;
    off += sizeof r;
  }
  if (!ended) return fail(walk_error("walk ended without its end record (truncated)"));
  if (off != data.size()) return fail(walk_error(fmt::format("{} bytes after the end record", data.size() - off)));
  out.index();
  return {};
}

Result<void> read_pinned_cgroups(const std::string& dir, IterBuf& buf) {
  auto fd = open_pinned_iter(dir + "/" + std::string(kCgroupsPin));
  if (!fd) return fail(fd.error());
  if (auto r = buf.read_all(fd->get()); !r) return fail(read_error(r.error(), buf.read_errno()));
  return {};
}

#if MEMSLEUTH_HAVE_BPF

struct CgroupIter::Impl {
  Skeleton<cgroup_iter> skel{"cgroup_iter"};
};

Result<std::unique_ptr<CgroupIter>> CgroupIter::load(int root_dir_fd, bool cgroup_v2) {
  std::unique_ptr<CgroupIter> it(new CgroupIter());
  it->impl_ = std::make_unique<Impl>();
  LIBBPF_OPTS(bpf_object_open_opts, oo);
  use_kernel_btf_by_path(oo);
  auto& s = it->impl_->skel;
  if (auto r = s.open(&oo); !r) return fail(r.error());
  s->rodata->page_size = static_cast<uint32_t>(::sysconf(_SC_PAGESIZE));
  s->rodata->cgroup_v2 = cgroup_v2 ? 1 : 0;
  if (auto r = s.load(); !r) return fail(r.error());
  LibbpfLog log;
  union bpf_iter_link_info linfo;
  std::memset(&linfo, 0, sizeof linfo);
  linfo.cgroup.cgroup_fd = static_cast<uint32_t>(root_dir_fd);
  linfo.cgroup.order = BPF_CGROUP_ITER_DESCENDANTS_PRE;
  LIBBPF_OPTS(bpf_iter_attach_opts, ao);
  ao.link_info = &linfo;
  ao.link_info_len = sizeof linfo;
  s->links.cgroups = bpf_program__attach_iter(s->progs.cgroups, &ao);
  if (!s->links.cgroups) return fail(bpf_error("attaching BPF iterator cgroups", errno, log.tail()));
  return it;
}

CgroupIter::~CgroupIter() = default;

Result<void> CgroupIter::read(IterBuf& buf) const {
  auto fd = iter_create(impl_->skel->links.cgroups, "cgroups");
  if (!fd) return fail(fd.error());
  if (auto r = buf.read_all(fd->get()); !r) return fail(read_error(r.error(), buf.read_errno()));
  return {};
}

Result<void> CgroupIter::pin(const std::string& dir) const {
  if (auto r = make_pin_dir(dir); !r) return r;
  return pin_fd(bpf_link__fd(impl_->skel->links.cgroups), dir + "/" + std::string(kCgroupsPin));
}

#else

struct CgroupIter::Impl {};

Result<std::unique_ptr<CgroupIter>> CgroupIter::load(int, bool) {
  return fail(Error{Error::Kind::kIo, {}, 0, std::string(not_built_reason())});
}
CgroupIter::~CgroupIter() = default;
Result<void> CgroupIter::read(IterBuf&) const {
  return fail(Error{Error::Kind::kIo, {}, 0, std::string(not_built_reason())});
}
Result<void> CgroupIter::pin(const std::string&) const {
  return fail(Error{Error::Kind::kIo, {}, 0, std::string(not_built_reason())});
}

#endif

}  // namespace ms::bpf
