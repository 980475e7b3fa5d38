// Memory no process owns: files in tmpfs-like filesystems live in RAM (Shmem) until deleted. They
// survive the process that wrote them, are never inactive_file (the kubelet counts them as used), and
// `top` shows no process holding them.
#include <fmt/format.h>

#include <set>

#include "rules/rules.hpp"
#include "rules/thresholds.hpp"
#include "util/units.hpp"

namespace ms::rules {
namespace {

bool memory_backed(std::string_view fs) { return fs == "tmpfs" || fs == "ramfs" || fs == "shm"; }

// "/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>" -> uid
std::optional<std::string> empty_dir_pod(std::string_view mp) {
  constexpr std::string_view kPods = "/pods/";
  constexpr std::string_view kEmptyDir = "/volumes/kubernetes.io~empty-dir/";
  auto e = mp.find(kEmptyDir);
  if (e == std::string_view::npos) return std::nullopt;
  auto p = mp.rfind(kPods, e);
  if (p == std::string_view::npos) return std::nullopt;
  return std::string(mp.substr(p + kPods.size(), e - p - kPods.size()));
}

}  // namespace

std::vector<Finding> memory_backed_fs(const DoctorInput& in) {
  const Snapshot& s = *in.snap;
  auto total = mem_total(s);
  if (!total) return {};
  std::vector<Finding> out;
  std::set<std::string> seen;  // one superblock may be mounted many times (bind mounts)
  for (const auto& m : s.mounts) {
    if (!memory_backed(m.fs_type) || !m.used_bytes) continue;
    if (!seen.insert(m.major_minor.empty() ? m.mount_point : m.major_minor).second) continue;
    uint64_t used = *m.used_bytes;
    double pct = pct_of(used, *total);
    auto sev = severity_for_pct(pct, thresholds::kTmpfsWarnPct, thresholds::kTmpfsCritPct);
    if (used < thresholds::kTmpfsMinBytes || !sev) continue;
    auto pod = empty_dir_pod(m.mount_point);
    bool shm = m.mount_point == "/dev/shm" || m.mount_point.ends_with("/shm");
    std::string what = pod ? "emptyDir (medium: Memory) of pod " + *pod : m.fs_type + " " + m.mount_point;
    Finding f = make_finding(pod ? "emptydir-memory" : (shm ? "shm-filling" : "tmpfs-filling"), *sev,
                             fmt::format("{} holds {} of RAM ({:.0f}%) that no process owns", what, human_bytes_u(used), pct),
                             used);
    f.evidence.push_back(ev_bytes("used", used, "statvfs(" + m.mount_point + ")"));
    if (m.size_bytes)
      f.evidence.push_back(ev_bytes("size limit", *m.size_bytes, "statvfs(" + m.mount_point + ") / mount option size="));
    f.evidence.push_back(ev_share("used / MemTotal", used, *total, "statvfs, /proc/meminfo MemTotal"));
    if (auto sh = s.meminfo.get("Shmem")) f.evidence.push_back(ev_bytes("Shmem (all tmpfs + shared memory)", *sh, "/proc/meminfo Shmem"));
    f.evidence.push_back(ev_text("mount", m.fs_type + " " + m.source + " on " + m.mount_point, "/proc/self/mountinfo"));
    f.why = fmt::format(
        "Files in {} stay in RAM until someone deletes them, whoever wrote them may be gone, and the kubelet counts "
        "them as used (shmem is never inactive_file); above {:.0f}% of RAM (critical {:.0f}%) one filesystem is "
        "squeezing everything else.",
        m.fs_type, thresholds::kTmpfsWarnPct, thresholds::kTmpfsCritPct);
    f.fix.push_back(fmt::format("du -xah '{}' 2>/dev/null | sort -h | tail -20   # the biggest files", m.mount_point));
    if (pod) {
      f.fix.push_back("# set a limit on the volume: emptyDir: {medium: Memory, sizeLimit: 256Mi} (and a container "
                      "memory limit, which the tmpfs pages count against)");
    } else {
      f.fix.push_back(fmt::format("rm <stale files>; mount -o remount,size=1G '{}'   # cap it", m.mount_point));
    }
    f.subject.path = m.mount_point;
    if (pod) f.subject.owner = "pod uid " + *pod, f.subject.owner_kind = "pod";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace ms::rules
