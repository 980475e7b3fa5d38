#pragma once
// Synthetic nodes for rule tests: a healthy 16 GiB node, then each test bends one number.
#include "model/snapshot.hpp"
#include "rules/doctor_input.hpp"

namespace ms::test {

constexpr uint64_t kGi = uint64_t{1} << 30;
constexpr uint64_t kMi = uint64_t{1} << 20;

inline void set_kv(KeyValues& kv, const std::string& k, uint64_t v) {
  for (auto& [key, val] : kv.items)
    if (key == k) {
      val = v;
      return;
    }
  kv.items.emplace_back(k, v);
}

inline Snapshot healthy_node() {
  Snapshot s;
  s.time = 1'780'000'000;
  s.page_size = 4096;
  s.cgroup_version = CgroupVersion::kV1;
  set_kv(s.meminfo, "MemTotal", 16 * kGi);
  set_kv(s.meminfo, "MemFree", 10 * kGi);
  set_kv(s.meminfo, "MemAvailable", 13 * kGi);
  set_kv(s.meminfo, "Slab", 400 * kMi);
  set_kv(s.meminfo, "SReclaimable", 300 * kMi);
  set_kv(s.meminfo, "SUnreclaim", 100 * kMi);
  set_kv(s.meminfo, "Shmem", 50 * kMi);
  set_kv(s.meminfo, "SwapTotal", 0);
  set_kv(s.meminfo, "SwapFree", 0);
  set_kv(s.vmstat, "pswpin", 0);
  set_kv(s.vmstat, "pswpout", 0);
  s.psi = Psi{};
  s.psi->full = PsiLine{};
  s.slab_readable = true;
  s.slab = {{"dentry", 0, 1000, 192, 192000}, {"kmalloc-64", 0, 1000, 64, 64000}};
  Mount shm;
  shm.major_minor = "0:25";
  shm.mount_point = "/dev/shm";
  shm.fs_type = "tmpfs";
  shm.source = "tmpfs";
  shm.size_bytes = 8 * kGi;
  shm.used_bytes = 0;
  s.mounts.push_back(shm);
  Cgroup root;
  root.path = "/";
  s.cgroups.push_back(root);
  return s;
}

inline DoctorInput input_for(const Snapshot& s) {
  DoctorInput in;
  in.snap = &s;
  return in;
}

}  // namespace ms::test
