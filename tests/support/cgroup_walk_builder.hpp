#pragma once
// Builds a BPF cgroup walk byte by byte as cgroup_iter.bpf.c writes it (probe/bpf/cgroup_record.h),
// for tests that feed page counters to the readers without a kernel.
#include <climits>
#include <cstring>
#include <string>

#include "probe/bpf/cgroup_record.h"

namespace ms::testing {

struct CgroupWalkBuilder {
  std::string data;
  static constexpr uint64_t kCounterMax = static_cast<uint64_t>(LONG_MAX) / 4096;  // PAGE_COUNTER_MAX
  explicit CgroupWalkBuilder(bool v2, uint64_t root_id, uint32_t version = MS_CG_VERSION) {
    ms_cg_header h{};
    h.kind = MS_CG_REC_HEADER;
    h.size = sizeof h;
    h.magic = MS_CG_MAGIC;
    h.version = version;
    h.features = v2 ? MS_CG_FEAT_V2 : 0;
    h.cgroup_size = sizeof(ms_cgroup);
    h.page_size = 4096;
    h.root_id = root_id;
    put(h);
  }
  CgroupWalkBuilder& cgroup(uint64_t id, uint16_t flags, uint64_t usage_pages, uint64_t max_pages,
                            uint64_t swap_max_pages, uint32_t failcnt) {
    ms_cgroup c{};
    c.kind = MS_CG_REC_CGROUP;
    c.flags = flags;
    c.id = id;
    c.usage_pages = usage_pages;
    c.max_pages = max_pages;
    c.swap_max_pages = swap_max_pages;
    c.failcnt = failcnt;
    put(c);
    return *this;
  }
  CgroupWalkBuilder& end() {
    ms_cg_end e{};
    e.kind = MS_CG_REC_END;
    e.size = sizeof e;
    e.magic = MS_CG_MAGIC;
    put(e);
    return *this;
  }

 private:
  template <class T>
  void put(const T& v) {
    data.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
};

}  // namespace ms::testing
