#include "k8s/kubelet_view.hpp"

#include <algorithm>
#include <fmt/format.h>


namespace ms::k8s {

const char* to_string(V2RootUsage r) { return r == V2RootUsage::kMeminfo ? "meminfo" : "anon-file"; }

namespace {

size_t depth_of(std::string_view path) { return static_cast<size_t>(std::count(path.begin(), path.end(), '/')); }

std::string_view last_segment(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// cAdvisor setMemoryStats: workingSet = usage - inactive, 0 when inactive > usage; the whole usage
// when the key is missing.
uint64_t working_set(uint64_t usage, std::optional<uint64_t> inactive) {
  if (!inactive) return usage;
  return usage < *inactive ? 0 : usage - *inactive;
}

// pkg/kubelet/stats/helper.go + eviction/helpers.go: AvailableBytes = Limit - WorkingSet in uint64
// (no clamp), then int64(AvailableBytes): a working set above the limit shows as a negative number.
MemoryObservation observe(std::string cgroup, uint64_t capacity, uint64_t usage, std::optional<uint64_t> inactive) {
  MemoryObservation o;
  o.cgroup = std::move(cgroup);
  o.capacity_bytes = capacity;
  o.usage_bytes = usage;
  o.inactive_file_bytes = inactive;
  o.working_set_bytes = working_set(usage, inactive);
  o.available_bytes = static_cast<int64_t>(capacity - o.working_set_bytes);
  return o;
}

int64_t s64(uint64_t v) { return static_cast<int64_t>(v); }

// Memory the kernel uses outside every memory cgroup's usage (file + anon pages). Listed in the
// ledger and, with the opposite sign, in the difference.
struct KernelItem {
  const char* name;
  int64_t bytes;
  const char* explanation;
};

std::vector<KernelItem> kernel_items(const KeyValues& mi) {
  std::vector<KernelItem> out;
  auto add = [&](const char* name, std::optional<uint64_t> v, const char* why) {
    if (v) out.push_back({name, s64(*v), why});
  };
  add("slab reclaimable", mi.get("SReclaimable"),
      "Kernel caches (dentries, inodes) the kernel can shrink; no cgroup's usage counts them, so the kubelet sees "
      "them as available.");
  add("slab unreclaimable", mi.get("SUnreclaim"),
      "Kernel objects that cannot be freed on demand; invisible to the kubelet's root working set.");
  add("kernel stacks", mi.get("KernelStack"), "One kernel stack per thread; invisible to the kubelet.");
  std::optional<uint64_t> pt = mi.get("PageTables");
  if (auto sec = mi.get("SecPageTables")) pt = pt.value_or(0) + *sec;
  add("page tables", pt, "Page tables of every process (and secondary MMUs); invisible to the kubelet.");
  add("vmalloc", mi.get("VmallocUsed"),
      "Kernel vmalloc allocations (modules, BPF, and kernel stacks when VMAP_STACK is on); invisible to the kubelet.");
  add("percpu", mi.get("Percpu"), "Per-CPU kernel allocations; invisible to the kubelet.");
  std::optional<uint64_t> huge = mi.get("Hugetlb");
  if (!huge) {
    auto n = mi.get("HugePages_Total");
    auto sz = mi.get("Hugepagesize");
    if (n && sz) huge = *n * *sz;
  }
  add("hugepages", huge,
      "Pre-allocated huge pages are in MemTotal but never in a cgroup's usage (the kubelet subtracts them only "
      "with HugepageAwareEviction).");
  return out;
}

}  // namespace

const Cgroup* find_kubepods_cgroup(const Snapshot& snap) {
  if (auto* c = snap.find_cgroup("/kubepods")) return c;
  if (auto* c = snap.find_cgroup("/kubepods.slice")) return c;
  const Cgroup* best = nullptr;
  for (const auto& c : snap.cgroups) {
    auto seg = last_segment(c.path);
    if (seg != "kubepods" && seg != "kubepods.slice") continue;
    if (!best || depth_of(c.path) < depth_of(best->path)) best = &c;  // cgroups are sorted: ties keep path order
  }
  return best;
}

KubeletView compute_kubelet_view(const Snapshot& snap, V2RootUsage rule) {
  return compute_kubelet_view(snap, rule, std::nullopt);
}

KubeletView compute_kubelet_view(const Snapshot& snap, V2RootUsage rule,
                                 const std::optional<std::string>& pods_cgroup) {
  KubeletView v;
  const KeyValues& mi = snap.meminfo;
  v.mem_total_bytes = mi.get("MemTotal");
  v.mem_free_bytes = mi.get("MemFree");
  v.mem_available_bytes = mi.get("MemAvailable");
  v.buffers_bytes = mi.get("Buffers");
  v.cached_bytes = mi.get("Cached");
  if (v.mem_total_bytes && v.mem_free_bytes && v.buffers_bytes && v.cached_bytes)
    v.kernel_used_bytes =
        s64(*v.mem_total_bytes) - s64(*v.mem_free_bytes) - s64(*v.buffers_bytes) - s64(*v.cached_bytes);
  if (!v.mem_available_bytes) v.notes.push_back("/proc/meminfo has no MemAvailable (kernel older than 3.14)");

  // ---- memory.available on the root cgroup ----
  const bool v2 = snap.memory_on_v2;
  const Cgroup* root = snap.find_cgroup("/");
  const char* inactive_key = v2 ? "inactive_file" : "total_inactive_file";
  const char* active_key = v2 ? "active_file" : "total_active_file";
  const char* shmem_key = v2 ? "shmem" : "total_shmem";
  std::optional<uint64_t> usage;
  if (!v.mem_total_bytes) {
    v.notes.push_back("/proc/meminfo has no MemTotal: the kubelet's capacity is unknown");
  } else if (snap.cgroup_version == CgroupVersion::kNone || !root) {
    v.notes.push_back("no readable memory cgroup root: the kubelet's working set cannot be computed");
  } else if (!v2) {
    v.root_usage_rule = kRuleV1;
    usage = root->usage_bytes;
    if (!usage) v.notes.push_back("the root cgroup's memory.usage_in_bytes is unreadable");
  } else if (root->usage_bytes && !root->usage_from_meminfo) {
    // A kernel that gives the v2 root memory.current: runc reads it before any emulation. (The
    // snapshot fills a missing one from meminfo; that is not memory.current.)
    v.root_usage_rule = kRuleV2Current;
    usage = root->usage_bytes;
  } else if (rule == V2RootUsage::kMeminfo) {
    v.root_usage_rule = kRuleV2Meminfo;
    if (v.mem_free_bytes) usage = *v.mem_total_bytes - *v.mem_free_bytes;
    else v.notes.push_back("/proc/meminfo has no MemFree");
  } else {
    // runc rootStatsFromMeminfo: anon + file from the root memory.stat (missing keys read as 0; a
    // missing memory.stat leaves every number at 0, so the working set is 0).
    v.root_usage_rule = kRuleV2AnonFile;
    usage = root->stat.get_or("anon", 0) + root->stat.get_or("file", 0);
    if (root->stat.empty())
      v.notes.push_back("the v2 root has no memory.stat: the kubelet sees a working set of 0 (available = MemTotal)");
  }
  std::optional<uint64_t> root_inactive = root ? root->stat.get(inactive_key) : std::nullopt;
  if (usage && v.mem_total_bytes) {
    v.node = observe("/", *v.mem_total_bytes, *usage, root_inactive);
    v.capacity_bytes = v.node->capacity_bytes;
    v.working_set_bytes = v.node->working_set_bytes;
    v.memory_available_bytes = v.node->available_bytes;
  }

  // ---- allocatableMemory.available on the kubepods cgroup ----
  const Cgroup* pods = pods_cgroup ? snap.find_cgroup(*pods_cgroup) : find_kubepods_cgroup(snap);
  if (pods_cgroup && !pods) v.notes.push_back(fmt::format("the kubelet's pods cgroup {} does not exist", *pods_cgroup));
  if (pods) {
    v.kubepods_cgroup = pods->path;
    // cAdvisor's spec limit: memory.limit_in_bytes / memory.max; isMemoryUnlimited (> 1<<62) means
    // no observation. The snapshot keeps nullopt for "max" and for values at the ceiling.
    if (!pods->limit_bytes) {
      v.notes.push_back(fmt::format("{} has no memory limit: the kubelet makes no allocatableMemory.available observation",
                                    pods->path));
    } else if (!pods->usage_bytes) {
      v.notes.push_back(fmt::format("{}: memory usage is unreadable", pods->path));
    } else {
      v.allocatable = observe(pods->path, *pods->limit_bytes, *pods->usage_bytes, pods->stat.get(inactive_key));
      v.allocatable_available_bytes = v.allocatable->available_bytes;
    }
  }

  // ---- the difference: kubelet working set vs the kernel's used ----
  if (v.node && v.kernel_used_bytes) {
    const int64_t total = s64(v.node->working_set_bytes) - *v.kernel_used_bytes;
    v.difference_total_bytes = total;
    int64_t sum = 0;
    auto add = [&](std::string name, int64_t bytes, std::string why) {
      v.difference.push_back({std::move(name), bytes, std::move(why)});
      sum += bytes;
    };
    std::optional<uint64_t> active = root->stat.get(active_key);
    if (!active) active = mi.get("Active(file)");
    if (active)
      add("active page cache", s64(*active),
          "Recently used file pages: the kubelet counts them as used, the kernel can drop them (free shows them as "
          "buff/cache).");
    std::optional<uint64_t> shmem = root->stat.get(shmem_key);
    if (!shmem) shmem = mi.get("Shmem");
    if (shmem)
      add("shmem/tmpfs", s64(*shmem),
          "tmpfs and shared memory sit in Cached, so free hides them, yet nothing can reclaim them short of deleting "
          "files: the kubelet counts them as used.");
    // Under the meminfo rule the kubelet's usage is MemTotal - MemFree, so kernel memory is already
    // inside its working set and makes no difference.
    if (v.root_usage_rule != kRuleV2Meminfo) {
      for (const auto& k : kernel_items(mi))
        add(k.name, -k.bytes, std::string(k.explanation) + " The kernel counts it as used.");
    }
    add("remainder", total - sum,
        "Kernel allocations meminfo does not itemise (driver and network buffers), pages outside memcg accounting, "
        "and counters that moved between reads.");
  }

  // ---- the ledger: MemTotal, split ----
  if (v.node && v.mem_free_bytes) {
    const int64_t mem_total = s64(*v.mem_total_bytes);
    int64_t sum = 0;
    auto add = [&](std::string name, int64_t bytes, std::string why) {
      v.ledger.push_back({std::move(name), bytes, std::move(why)});
      sum += bytes;
    };
    add("free", s64(*v.mem_free_bytes), "MemFree: pages nobody uses.");
    add("kubelet working set", s64(v.node->working_set_bytes),
        "What the kubelet counts as used on the root cgroup (usage minus inactive file cache).");
    add("inactive page cache", s64(v.node->usage_bytes - v.node->working_set_bytes),
        "Inactive file pages inside the root cgroup's usage: the kubelet does not count them as used.");
    if (v.root_usage_rule != kRuleV2Meminfo) {
      for (const auto& k : kernel_items(mi))
        add(std::string("kernel: ") + k.name, k.bytes, "Outside the root cgroup's usage. " + std::string(k.explanation));
    }
    v.unexplained_bytes = mem_total - sum;
    add("unexplained", *v.unexplained_bytes,
        "MemTotal minus every line above: kernel allocations meminfo does not itemise, pages outside memcg "
        "accounting, and movement between reads.");
  }
  return v;
}

}  // namespace ms::k8s
