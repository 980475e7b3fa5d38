#include "store/frame.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "store/codec.hpp"
#include "util/text.hpp"

namespace ms::store {

namespace {

constexpr uint64_t kFrameVersion = 1;

// memory.stat keys the analyses read (kubelet working set, anon/file split, shmem, swap).
constexpr std::array<std::string_view, 19> kCoreStat = {
    "total_cache", "total_rss",  "total_shmem",   "total_mapped_file", "total_inactive_file",
    "total_active_file", "total_swap", "hierarchical_memory_limit", "anon", "file",
    "shmem", "file_mapped", "inactive_file", "active_file", "kernel",
    "slab", "sock", "swapcached", "unevictable"};
constexpr std::array<std::string_view, 9> kCoreVmstatPrefix = {
    "pgmajfault", "pgscan_", "pgsteal_", "workingset_refault", "oom_kill", "pswp", "allocstall", "compact_stall",
    "nr_free_pages"};

void put_kv(Packer& p, const KeyValues& kv, const KeyIdFn& key, bool (*keep)(std::string_view), bool bytes) {
  size_t n = 0;
  for (auto& [k, v] : kv.items)
    if (!keep || keep(k)) ++n;
  p.u(n);
  for (auto& [k, v] : kv.items) {
    if (keep && !keep(k)) continue;
    p.u(key(k));
    if (bytes) p.bytes(v);
    else p.u(v);
  }
}

void get_kv(Unpacker& u, KeyValues& out, const KeyNames& names, bool bytes) {
  uint64_t n = u.u();
  for (uint64_t i = 0; i < n && u.ok(); ++i) {
    uint64_t id = u.u();
    uint64_t v = bytes ? u.bytes() : u.u();
    std::string name = id < names.size() ? names[id] : std::string{};
    if (name.empty()) name = "key#" + std::to_string(id);
    out.items.emplace_back(std::move(name), v);
  }
}

// PSI averages are printed with two decimals: store hundredths, exactly what the kernel wrote.
uint64_t centi(double v) { return static_cast<uint64_t>(std::llround(std::max(0.0, v) * 100.0)); }

void put_psi_line(Packer& p, const PsiLine& l) {
  p.u(centi(l.avg10));
  p.u(centi(l.avg60));
  p.u(centi(l.avg300));
  p.u(l.total_us);
}
PsiLine get_psi_line(Unpacker& u) {
  PsiLine l;
  l.avg10 = static_cast<double>(u.u()) / 100.0;
  l.avg60 = static_cast<double>(u.u()) / 100.0;
  l.avg300 = static_cast<double>(u.u()) / 100.0;
  l.total_us = u.u();
  return l;
}

bool keep_core_stat(std::string_view k) { return is_core_cgroup_stat_key(k); }
bool keep_core_vmstat(std::string_view k) { return is_core_vmstat_key(k); }

// Limit: 0 = not readable, 1 = unlimited, else limit + 2 (KiB-tagged).
void put_cgroup_values(Packer& p, const Cgroup& c, bool full, const KeyIdFn& key) {
  // Raw readings only: the v2 root's MemTotal - MemFree stand-in is derived (node_view.hpp).
  p.opt_bytes(c.usage_from_meminfo ? std::nullopt : c.usage_bytes);
  if (!c.limit_known) p.u(0);
  else if (!c.limit_bytes) p.u(1);
  else {
    Packer tmp;
    tmp.bytes(*c.limit_bytes);
    Unpacker back(tmp.data());
    p.u(back.u() + 2);
  }
  p.opt_bytes(c.swap_limit_bytes);
  p.opt_u(c.failcnt);
  p.u(c.nr_procs);
  put_kv(p, c.stat, key, full ? nullptr : keep_core_stat, false);
  put_kv(p, c.events, key, nullptr, false);
}

void get_cgroup_values(Unpacker& u, Cgroup& c, const KeyNames& names) {
  c.usage_bytes = u.opt_bytes();
  uint64_t lim = u.u();
  c.limit_known = lim != 0;
  if (lim >= 2) {
    uint64_t enc = lim - 2;
    c.limit_bytes = (enc & 1) ? (enc >> 1) : ((enc >> 1) << 10);
  }
  c.swap_limit_bytes = u.opt_bytes();
  c.failcnt = u.opt_u();
  c.nr_procs = static_cast<uint32_t>(u.u());
  get_kv(u, c.stat, names, false);
  get_kv(u, c.events, names, false);
}

}  // namespace

bool is_core_cgroup_stat_key(std::string_view key) {
  return std::find(kCoreStat.begin(), kCoreStat.end(), key) != kCoreStat.end();
}

bool is_core_vmstat_key(std::string_view key) {
  for (auto p : kCoreVmstatPrefix)
    if (starts_with(key, p)) return true;
  return false;
}

const Cgroup* find_kubepods(const Snapshot& s) {
  const Cgroup* best = nullptr;
  size_t best_depth = SIZE_MAX;
  for (const auto& c : s.cgroups) {
    auto slash = c.path.rfind('/');
    std::string_view last = std::string_view(c.path).substr(slash == std::string::npos ? 0 : slash + 1);
    if (last != "kubepods" && last != "kubepods.slice") continue;
    size_t depth = static_cast<size_t>(std::count(c.path.begin(), c.path.end(), '/'));
    if (depth < best_depth) {
      best = &c;
      best_depth = depth;
    }
  }
  return best;
}

std::string encode_node(const Snapshot& s, bool full, const KeyIdFn& key, const Cgroup* pods) {
  Packer p;
  p.u(kFrameVersion);
  put_kv(p, s.meminfo, key, nullptr, true);
  put_kv(p, s.vmstat, key, full ? nullptr : keep_core_vmstat, false);
  p.u(s.psi ? (s.psi->full ? 2 : 1) : 0);
  if (s.psi) {
    put_psi_line(p, s.psi->some);
    if (s.psi->full) put_psi_line(p, *s.psi->full);
  }
  const Cgroup* root = s.find_cgroup("/");
  const Cgroup* kp = pods ? pods : find_kubepods(s);
  for (const Cgroup* c : {root, kp}) {
    p.u(c ? 1 : 0);
    if (!c) continue;
    p.str(c->path);
    p.u(c->inode);
    put_cgroup_values(p, *c, false, key);
  }
  return p.take();
}

Result<NodePoint> decode_node(std::string_view frame, const KeyNames& names) {
  Unpacker u(frame);
  NodePoint n;
  if (u.u() != kFrameVersion) return fail(Error::invalid("unknown node frame version"));
  get_kv(u, n.meminfo, names, true);
  get_kv(u, n.vmstat, names, false);
  uint64_t psi = u.u();
  if (psi >= 1) {
    Psi p;
    p.some = get_psi_line(u);
    if (psi == 2) p.full = get_psi_line(u);
    n.psi = p;
  }
  for (auto* slot : {&n.root, &n.kubepods}) {
    if (u.u() != 1) continue;
    Cgroup c;
    c.path = u.str();
    c.inode = u.u();
    get_cgroup_values(u, c, names);
    *slot = std::move(c);
  }
  if (!u.ok()) return fail(Error::invalid("truncated node frame"));
  return n;
}

std::string encode_detail(const Snapshot& s, std::vector<DetailCgroup> cgroups, std::vector<DetailProcess> processes,
                          bool full, const KeyIdFn& key) {
  Packer p;
  p.u(kFrameVersion);
  // Sorted ids, stored as deltas: small numbers.
  std::sort(cgroups.begin(), cgroups.end(), [](auto& a, auto& b) { return a.id < b.id; });
  std::sort(processes.begin(), processes.end(), [](auto& a, auto& b) { return a.id < b.id; });
  p.u(cgroups.size());
  int64_t prev = 0;
  for (auto& c : cgroups) {
    p.u(static_cast<uint64_t>(c.id - prev));
    prev = c.id;
    put_cgroup_values(p, *c.cgroup, full, key);
  }
  p.u(processes.size());
  prev = 0;
  for (auto& e : processes) {
    const Process& pr = *e.process;
    p.u(static_cast<uint64_t>(e.id - prev));
    prev = e.id;
    p.u(static_cast<unsigned char>(pr.state));
    p.u(static_cast<uint64_t>(std::max(0, pr.threads)));
    p.opt_bytes(pr.rss_bytes);
    p.opt_bytes(pr.rss_anon_bytes);
    p.opt_bytes(pr.rss_file_bytes);
    p.opt_bytes(pr.rss_shmem_bytes);
    p.opt_bytes(pr.swap_bytes);
    p.opt_bytes(pr.pss_bytes);
    p.opt_bytes(pr.uss_bytes);
  }
  // Slab: the probe already keeps the top caches by size.
  p.u(s.slab_readable ? s.slab.size() + 1 : 0);
  for (const auto& sc : s.slab) {
    if (!s.slab_readable) break;
    p.u(key(sc.name));
    p.u(sc.active_objs);
    p.u(sc.num_objs);
    p.u(sc.objsize);
  }
  return deflate_frame(p.data());
}

Result<DecodedDetail> decode_detail(std::string_view frame, const KeyNames& names) {
  auto raw = inflate_frame(frame);
  if (!raw) return fail(raw.error());
  Unpacker u(*raw);
  DecodedDetail d;
  if (u.u() != kFrameVersion) return fail(Error::invalid("unknown detail frame version"));
  uint64_t nc = u.u();
  int64_t id = 0;
  for (uint64_t i = 0; i < nc && u.ok(); ++i) {
    id += static_cast<int64_t>(u.u());
    Cgroup c;
    get_cgroup_values(u, c, names);
    d.cgroups.emplace_back(id, std::move(c));
  }
  uint64_t np = u.u();
  id = 0;
  for (uint64_t i = 0; i < np && u.ok(); ++i) {
    id += static_cast<int64_t>(u.u());
    Process pr;
    pr.state = static_cast<char>(u.u());
    pr.threads = static_cast<int>(u.u());
    pr.rss_bytes = u.opt_bytes();
    pr.rss_anon_bytes = u.opt_bytes();
    pr.rss_file_bytes = u.opt_bytes();
    pr.rss_shmem_bytes = u.opt_bytes();
    pr.swap_bytes = u.opt_bytes();
    pr.pss_bytes = u.opt_bytes();
    pr.uss_bytes = u.opt_bytes();
    d.processes.emplace_back(id, std::move(pr));
  }
  uint64_t ns = u.u();
  for (uint64_t i = 1; i < ns && u.ok(); ++i) {
    SlabCache sc;
    uint64_t k = u.u();
    sc.name = k < names.size() ? names[k] : "key#" + std::to_string(k);
    sc.active_objs = u.u();
    sc.num_objs = u.u();
    sc.objsize = u.u();
    sc.bytes = sc.num_objs * sc.objsize;
    d.slab.push_back(std::move(sc));
  }
  if (!u.ok()) return fail(Error::invalid("truncated detail frame"));
  return d;
}

}  // namespace ms::store
