#include "render/snapshot_json.hpp"

#include "render/owner_json.hpp"

#include "util/units.hpp"

namespace ms {

Json keyvalues_to_json(const KeyValues& kv) {
  Json j = Json::object();
  for (const auto& [k, v] : kv.items) j[k] = v;
  return j;
}

Json process_to_json(const Process& p) {
  Json j;
  j["pid"] = p.pid;
  j["ppid"] = p.ppid;
  j["state"] = std::string(1, p.state);
  j["start_time"] = p.start_time;
  put_text(j, "comm", p.comm);
  put_texts(j, "cmdline", p.cmdline);
  j["uid"] = jopt(p.uid);
  j["kernel_thread"] = p.kernel_thread;
  j["threads"] = p.threads;
  j["rss_bytes"] = jopt(p.rss_bytes);
  j["rss_anon_bytes"] = jopt(p.rss_anon_bytes);
  j["rss_file_bytes"] = jopt(p.rss_file_bytes);
  j["rss_shmem_bytes"] = jopt(p.rss_shmem_bytes);
  j["swap_bytes"] = jopt(p.swap_bytes);
  if (p.pss_bytes) j["pss_bytes"] = *p.pss_bytes;
  if (p.uss_bytes) j["uss_bytes"] = *p.uss_bytes;
  put_text_opt(j, "memory_cgroup", p.memory_cgroup);
  put_text_opt(j, "exe", p.exe);
  put_text_opt(j, "cwd", p.cwd);
  return j;
}

Json cgroup_to_json(const Cgroup& c) {
  Json j;
  put_text(j, "path", c.path);
  j["inode"] = c.inode;
  j["usage_bytes"] = jopt(c.usage_bytes);
  if (c.usage_from_meminfo) j["usage_source"] = "meminfo";
  j["limit_bytes"] = jopt(c.limit_bytes);
  j["limit_known"] = c.limit_known;
  j["stat"] = keyvalues_to_json(c.stat);
  if (!c.events.empty()) j["events"] = keyvalues_to_json(c.events);
  if (c.failcnt) j["failcnt"] = *c.failcnt;
  j["nr_procs"] = c.nr_procs_known ? Json(c.nr_procs) : Json(nullptr);
  return j;
}

Json snapshot_to_json(const Snapshot& s, const SnapshotOwners* owners) {
  Json j;
  j["schema"] = "memsleuth.snapshot/v1";
  j["time"] = rfc3339_utc(s.time);
  j["cgroup_version"] = to_string(s.cgroup_version);
  j["memory_controller"] = s.memory_on_v2 ? "v2" : (s.memory_root.empty() ? "none" : "v1");
  j["boot_time"] = s.boot_time;
  put_text(j, "memory_root", s.memory_root_path);
  j["process_source"] = s.process_source;
  if (s.process_source_note.empty())
    j["process_source_note"] = nullptr;
  else
    put_text(j, "process_source_note", s.process_source_note);
  j["cgroup_source"] = s.cgroup_source;
  j["meminfo"] = keyvalues_to_json(s.meminfo);
  if (s.psi) {
    auto line = [](const PsiLine& l) {
      return Json{{"avg10", l.avg10}, {"avg60", l.avg60}, {"avg300", l.avg300}, {"total_us", l.total_us}};
    };
    Json psi;
    psi["some"] = line(s.psi->some);
    psi["full"] = s.psi->full ? line(*s.psi->full) : Json(nullptr);
    j["psi"] = psi;
  } else {
    j["psi"] = nullptr;
  }
  if (s.slab_readable) {
    Json slab = Json::array();
    for (size_t i = 0; i < s.slab.size() && i < 20; ++i) {
      Json e;
      put_text(e, "name", s.slab[i].name);
      e["bytes"] = s.slab[i].bytes;
      e["objects"] = s.slab[i].num_objs;
      slab.push_back(std::move(e));
    }
    j["slab_top"] = std::move(slab);
  } else {
    j["slab_top"] = nullptr;
  }
  Json procs = Json::array();
  for (size_t i = 0; i < s.processes.size(); ++i) {
    procs.push_back(process_to_json(s.processes[i]));
    if (owners && i < owners->processes.size()) procs.back()["owner"] = owner_json(owners->processes[i]);
  }
  j["processes"] = std::move(procs);
  Json cgs = Json::array();
  for (size_t i = 0; i < s.cgroups.size(); ++i) {
    cgs.push_back(cgroup_to_json(s.cgroups[i]));
    if (owners && i < owners->cgroups.size()) cgs.back()["owner"] = owner_json(owners->cgroups[i]);
  }
  j["cgroups"] = std::move(cgs);
  Json mounts = Json::array();
  for (const auto& m : s.mounts) {
    Json mj;
    put_text(mj, "mount_point", m.mount_point);
    put_text(mj, "fs_type", m.fs_type);
    put_text(mj, "source", m.source);
    if (m.size_bytes) mj["size_bytes"] = *m.size_bytes;
    if (m.used_bytes) mj["used_bytes"] = *m.used_bytes;
    mounts.push_back(std::move(mj));
  }
  j["mounts"] = std::move(mounts);
  j["skipped"] = s.skipped;
  put_texts(j, "warnings", s.warnings);
  return j;
}

}  // namespace ms
