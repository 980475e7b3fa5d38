#include "render/owner_json.hpp"
#include "render/top_render.hpp"

namespace ms {

namespace {

Json measures_json(const MemoryMeasures& m) {
  Json j = Json::object();
  j["rss_bytes"] = jopt(m.rss);
  j["working_set_bytes"] = jopt(m.working_set);
  j["pss_bytes"] = jopt(m.pss);
  return j;
}

Json residual_json(const ResidualMemory& r) {
  Json j = Json::object();
  Json tmpfs = Json::array();
  for (const auto& m : r.tmpfs) {
    Json t = Json::object();
    put_text(t, "mount_point", m.mount_point);
    put_text(t, "fs_type", m.fs_type);
    t["used_bytes"] = jopt(m.used_bytes);
    t["size_bytes"] = jopt(m.size_bytes);
    t["dev_shm"] = m.dev_shm;
    t["owner"] = m.owner ? owner_json(*m.owner) : Json(nullptr);
    put_text_opt(t, "volume", m.volume);
    tmpfs.push_back(std::move(t));
  }
  j["tmpfs"] = std::move(tmpfs);
  j["tmpfs_used_bytes"] = jopt(r.tmpfs_used_bytes);
  j["shmem_bytes"] = jopt(r.shmem_bytes);
  j["slab_bytes"] = jopt(r.slab_bytes);
  j["slab_reclaimable_bytes"] = jopt(r.slab_reclaimable_bytes);
  j["slab_unreclaimable_bytes"] = jopt(r.slab_unreclaimable_bytes);
  Json slab = Json::array();
  for (const auto& c : r.top_slab) {
    Json e;
    put_text(e, "name", c.name);
    e["bytes"] = c.bytes;
    slab.push_back(std::move(e));
  }
  j["top_slab"] = std::move(slab);
  j["page_cache_bytes"] = jopt(r.page_cache_bytes);
  j["page_cache_in_pods_bytes"] = jopt(r.page_cache_in_pods_bytes);
  j["page_cache_outside_pods_bytes"] = jopt(r.page_cache_outside_pods_bytes);
  return j;
}

}  // namespace

Json top_to_json(const TopResult& r, const ResidualMemory* residual) {
  Json doc = Json::object();
  doc["schema"] = "memsleuth.top/v1";
  doc["by"] = to_string(r.query.by);
  doc["sort"] = to_string(r.query.sort);
  doc["total_rows"] = r.total_rows;
  Json rows = Json::array();
  for (const auto& row : r.rows) {
    Json j = Json::object();
    if (row.process) {
      j["pid"] = row.process->pid;
      put_text(j, "comm", row.process->comm);
      put_text_opt(j, "memory_cgroup", row.process->memory_cgroup);
      put_texts(j, "cmdline", row.process->cmdline);
    } else if (!row.cgroup.empty()) {
      put_text(j, "cgroup", row.cgroup);
    }
    j["owner"] = owner_json(row.owner);
    put_text(j, "label", row.label);
    j["memory_bytes"] = jopt(row.memory_bytes);
    add_limit_json(j, row.limit);
    j["unbounded_outside_kubepods"] = row.unbounded_outside_kubepods;
    j["memory"] = measures_json(row.memory);
    if (r.query.by != TopBy::kProcess) j["processes"] = row.processes;
    if (row.usage_bytes) j["usage_bytes"] = *row.usage_bytes;
    if (r.query.by == TopBy::kPod) {
      j["containers"] = row.containers;
      j["memory_emptydir_bytes"] = jopt(row.memory_tmpfs_bytes);
    }
    if (!row.why.empty()) put_text(j, "why", row.why);
    rows.push_back(std::move(j));
  }
  doc["rows"] = std::move(rows);
  if (residual) doc["residual"] = residual_json(*residual);
  return doc;
}

}  // namespace ms
