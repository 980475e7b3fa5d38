// Kernel memory: slab caches. The kubelet's node working set (root cgroup usage - inactive_file)
// does not include kernel slab on cgroup v1, so a slab-heavy node looks healthier to the kubelet
// than it is; and inside a pod's memcg, dentry/inode slab is charged to the pod.
#include <fmt/format.h>

#include <algorithm>

#include "rules/rules.hpp"
#include "rules/thresholds.hpp"
#include "util/units.hpp"

namespace ms::rules {
namespace {

// What a cache family usually means, for the evidence line.
std::string cache_hint(std::string_view name) {
  // Network filesystems first: their inode caches ("ceph_inode_info", "nfs_inode_cache") say where.
  if (name.substr(0, 5) == "ceph_") return "Ceph client metadata: a walker on a CephFS mount";
  if (name.substr(0, 4) == "nfs_") return "NFS client metadata: a walker on an NFS mount";
  if (name == "dentry" || name.find("inode") != std::string_view::npos)
    return "file-name/inode cache: something walked many files (updatedb, find, du, backup)";
  if (name.find("radix_tree") != std::string_view::npos || name == "xfs_ili" || name == "ext4_extent_status")
    return "filesystem metadata";
  if (name.substr(0, 7) == "kmalloc" || name.substr(0, 5) == "kmem_") return "generic kernel allocations";
  return "";
}

void add_top_caches(const Snapshot& s, Finding& f, size_t n, uint64_t total) {
  if (!s.slab_readable) {
    f.evidence.push_back(ev_text("per-cache breakdown", "unavailable (/proc/slabinfo needs root)", "/proc/slabinfo"));
    return;
  }
  std::vector<const SlabCache*> caches;
  for (const auto& c : s.slab) caches.push_back(&c);
  std::sort(caches.begin(), caches.end(), [](auto* a, auto* b) { return a->bytes > b->bytes; });
  for (size_t i = 0; i < caches.size() && i < n; ++i) {
    const auto* c = caches[i];
    auto e = ev_bytes("slab cache " + c->name, c->bytes,
                      fmt::format("/proc/slabinfo {} num_objs {} × objsize {}", c->name, c->num_objs, c->objsize));
    auto hint = cache_hint(c->name);
    e.value += fmt::format(" ({:.0f}% of slab{}{})", pct_of(c->bytes, total), hint.empty() ? "" : "; ", hint);
    f.evidence.push_back(std::move(e));
  }
}

// Fastest slab growth, bytes per second, over at least a minute of history.
std::optional<double> slab_growth(const DoctorInput& in) {
  if (!in.history) return std::nullopt;
  return fastest_rise(*in.history,
                      [](const HistoryPoint& p) -> std::optional<double> {
                        if (!p.slab_reclaimable_bytes) return std::nullopt;
                        return static_cast<double>(*p.slab_reclaimable_bytes) +
                               static_cast<double>(p.slab_unreclaimable_bytes.value_or(0));
                      })
      .rate;
}

}  // namespace

std::vector<Finding> slab_unreclaimable(const DoctorInput& in) {
  const Snapshot& s = *in.snap;
  auto total = mem_total(s);
  auto unrec = s.meminfo.get("SUnreclaim");
  if (!total || !unrec) return {};
  double pct = pct_of(*unrec, *total);
  auto sev = severity_for_pct(pct, thresholds::kSlabUnreclaimWarnPct, thresholds::kSlabUnreclaimCritPct);
  if (!sev) return {};
  Finding f = make_finding("slab-unreclaimable", *sev,
                           fmt::format("Unreclaimable kernel slab holds {} ({:.0f}% of RAM)", human_bytes_u(*unrec), pct),
                           *unrec);
  f.evidence.push_back(ev_bytes("SUnreclaim", *unrec, "/proc/meminfo SUnreclaim"));
  f.evidence.push_back(ev_bytes("MemTotal", *total, "/proc/meminfo MemTotal"));
  f.evidence.push_back(ev_share("SUnreclaim / MemTotal", *unrec, *total, "/proc/meminfo"));
  add_top_caches(s, f, 5, s.meminfo.get_or("Slab", *unrec));
  f.why = fmt::format(
      "The kernel cannot free unreclaimable slab under pressure, and the kubelet's node working set does not count "
      "it, so it shrinks real headroom unseen; healthy nodes keep it at 1-3% of RAM, so above {:.0f}% (critical "
      "at {:.0f}%) it is a kernel leak or objects pinned by a workload.",
      thresholds::kSlabUnreclaimWarnPct, thresholds::kSlabUnreclaimCritPct);
  f.fix = {"slabtop -o -s c | head -20   # which cache grows",
           "watch -n 10 'grep -E \"^(SUnreclaim|Slab)\" /proc/meminfo'",
           "# a growing kmalloc-*/driver cache is a kernel or driver leak: update the kernel/driver; a reboot "
           "frees it"};
  f.subject.path = "/proc/meminfo SUnreclaim";
  return {f};
}

std::vector<Finding> slab_large(const DoctorInput& in) {
  const Snapshot& s = *in.snap;
  auto total = mem_total(s);
  auto rec = s.meminfo.get("SReclaimable");
  if (!total || !rec) return {};
  double pct = pct_of(*rec, *total);
  auto growth = slab_growth(in);
  double growth_pct_min = growth ? pct_of(static_cast<uint64_t>(std::max(0.0, *growth) * 60.0), *total) : 0.0;
  bool big = pct >= thresholds::kSlabReclaimWarnPct;
  bool fast = growth && growth_pct_min >= thresholds::kSlabGrowthWarnPctPerMin;
  if (!big && !fast) return {};
  Finding f = make_finding(
      "slab-large", Severity::kWarning,
      fast ? fmt::format("Kernel slab grows {}/min ({:.1f}% of RAM per minute), now {} reclaimable",
                         human_bytes_u(static_cast<uint64_t>(*growth * 60)), growth_pct_min, human_bytes_u(*rec))
           : fmt::format("Reclaimable kernel slab holds {} ({:.0f}% of RAM)", human_bytes_u(*rec), pct),
      *rec);
  f.evidence.push_back(ev_bytes("SReclaimable", *rec, "/proc/meminfo SReclaimable"));
  f.evidence.push_back(ev_share("SReclaimable / MemTotal", *rec, *total, "/proc/meminfo"));
  if (growth)
    f.evidence.push_back(
        ev_rate("fastest slab growth", *growth,
                fmt::format("history: meminfo Slab over spans of {} s or more", thresholds::kMinRateSpanSeconds)));
  add_top_caches(s, f, 5, s.meminfo.get_or("Slab", *rec));
  f.why = fmt::format(
      "Dentry and inode caches are reclaimable, but they are charged to the memory cgroup of whoever walked the "
      "files and count in a pod's working set; above {:.0f}% of RAM, or growing {:.0f}% of RAM per minute, that is "
      "a file walker (updatedb, find, du, backup) rather than a normal cache.",
      thresholds::kSlabReclaimWarnPct, thresholds::kSlabGrowthWarnPctPerMin);
  f.fix = {"slabtop -o -s c | head -20   # which cache",
           "memsleuth doctor   # look for a scheduled-culprit / walker finding that explains it",
           "sync && echo 2 > /proc/sys/vm/drop_caches   # frees dentries/inodes now (temporary relief only)"};
  f.subject.path = "/proc/meminfo SReclaimable";
  return {f};
}

}  // namespace ms::rules
