#include <fmt/format.h>

#include "render/table.hpp"
#include "render/top_render.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

std::string mem_header(TopSort s) {
  switch (s) {
    case TopSort::kWorkingSet: return "WORKING-SET";
    case TopSort::kPss: return "PSS";
    case TopSort::kRss: break;
  }
  return "RSS";
}

std::string limit_cell(const TopRow& r) {
  if (r.owner.kind == OwnerKind::kKernel) return "-";  // kernel threads have no memory of their own
  if (r.limit.bounded()) return human_bytes_u(*r.limit.limit_bytes);
  if (!r.limit.known) return "?";
  return r.unbounded_outside_kubepods ? "NONE" : "none";
}

// -o wide shows what the process is, not all of a 100 KB argv (the JSON has the bounded whole).
constexpr size_t kCmdlineBytes = 1024;

std::string cmdline_of(const Process* p) {
  if (!p) return "";
  std::string s;
  for (const auto& a : p->cmdline) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s.empty() ? "[" + p->comm + "]" : bound_text(s, kCmdlineBytes);
}

std::string empty_message(const TopQuery& q) {
  const char* what = q.by == TopBy::kProcess  ? "processes"
                     : q.by == TopBy::kCgroup ? "memory cgroups"
                     : q.by == TopBy::kPod    ? "pods"
                                              : "owners";
  if (q.owner) return fmt::format("No {} owned by a {}.", what, to_string(*q.owner));
  if (q.by == TopBy::kPod) return "No pods: no kubepods cgroup with pod cgroups on this node.";
  return fmt::format("No {} found.", what);
}

}  // namespace

std::string render_top_table(const TopResult& r, bool wide, const TextLayout& layout) {
  const TopQuery& q = r.query;
  std::vector<std::string> h;
  switch (q.by) {
    case TopBy::kProcess: h = {"!", "PID", "COMM", "KIND", "OWNER", mem_header(q.sort), "LIMIT"}; break;
    case TopBy::kCgroup: h = {"!", "CGROUP", "KIND", "OWNER", "PROCS", "USAGE", mem_header(q.sort), "LIMIT"}; break;
    case TopBy::kPod: h = {"NAMESPACE", "POD", "QOS", "CONTAINERS", "PROCS", "USAGE", mem_header(q.sort), "LIMIT"}; break;
    case TopBy::kOwner: h = {"!", "KIND", "OWNER", "PROCS", mem_header(q.sort), "LIMIT"}; break;
  }
  if (wide) {
    h.push_back("HEADROOM");
    h.push_back("LIMITED-BY");
    if (q.by == TopBy::kProcess) {
      h.push_back("QOS");
      h.push_back("RUNTIME");
      h.push_back("CGROUP");
      h.push_back("CMDLINE");
    } else if (q.by == TopBy::kPod) {
      h.push_back("MEMORY-EMPTYDIR");
      h.push_back("UID");
      h.push_back("CGROUP");
    }
  }
  Table t(h);
  t.when_empty(empty_message(q));
  for (size_t i = 0; i < h.size(); ++i)
    if (h[i] == "CGROUP" || h[i] == "LIMITED-BY") t.elide_middle(i);
  size_t first_num = 0;
  for (size_t i = 0; i < h.size(); ++i)
    if (h[i] == "PID" || h[i] == "PROCS" || h[i] == "CONTAINERS" || h[i] == "USAGE" || h[i] == mem_header(q.sort) ||
        h[i] == "LIMIT" || h[i] == "HEADROOM" || h[i] == "MEMORY-EMPTYDIR")
      t.align_right(i), ++first_num;
  bool any_mark = false;
  for (const auto& row : r.rows) {
    std::string mark = row.unbounded_outside_kubepods ? "!" : "";
    any_mark = any_mark || row.unbounded_outside_kubepods;
    std::string mem = human_bytes_opt(row.memory_bytes);
    std::vector<std::string> cells;
    switch (q.by) {
      case TopBy::kProcess:
        cells = {mark, std::to_string(row.process->pid), row.process->comm, to_string(row.owner.kind), row.label, mem,
                 limit_cell(row)};
        break;
      case TopBy::kCgroup:
        cells = {mark, row.cgroup, to_string(row.owner.kind), row.label, std::to_string(row.processes),
                 human_bytes_opt(row.usage_bytes), mem, limit_cell(row)};
        break;
      case TopBy::kPod:
        cells = {row.owner.namespace_.value_or("unknown"),
                 row.owner.pod.value_or(row.owner.pod_uid ? "unknown (uid " + *row.owner.pod_uid + ")" : "unknown"),
                 row.owner.qos == QosClass::kNone ? "-" : to_string(row.owner.qos), std::to_string(row.containers),
                 std::to_string(row.processes), human_bytes_opt(row.usage_bytes), mem, limit_cell(row)};
        break;
      case TopBy::kOwner:
        cells = {mark, to_string(row.owner.kind), row.label, std::to_string(row.processes), mem, limit_cell(row)};
        break;
    }
    if (wide) {
      cells.push_back(human_bytes_opt(row.limit.headroom_bytes));
      cells.push_back(row.limit.limiting_cgroup.empty() ? "-" : row.limit.limiting_cgroup);
      if (q.by == TopBy::kProcess) {
        cells.push_back(row.owner.qos == QosClass::kNone ? "-" : to_string(row.owner.qos));
        cells.push_back(row.owner.runtime.value_or("-"));
        cells.push_back(row.cgroup.empty() ? "-" : row.cgroup);
        cells.push_back(cmdline_of(row.process));
      } else if (q.by == TopBy::kPod) {
        cells.push_back(human_bytes_opt(row.memory_tmpfs_bytes));
        cells.push_back(row.owner.pod_uid.value_or("-"));
        cells.push_back(row.cgroup.empty() ? "-" : row.cgroup);
      }
    }
    t.add(std::move(cells));
  }
  std::string out = t.render(layout);
  if (r.total_rows > r.rows.size())
    out += fmt::format("({} of {} rows; -n 0 shows all)\n", r.rows.size(), r.total_rows);
  if (any_mark)
    out += wrap_text(
        "! outside kubepods with no memory limit on its cgroup path: the kubelet does not see it and "
        "only the kernel OOM killer bounds it",
        layout.width, "", "  ");
  if (q.sort == TopSort::kPss && q.by != TopBy::kPod && q.by != TopBy::kCgroup)
    out += wrap_text("(PSS is read from smaps_rollup; processes above 4Gi RSS are skipped and show -)", layout.width,
                     "", " ");
  return out;
}

std::string render_residual(const ResidualMemory& r, const TextLayout& layout) {
  std::string out = "\nMemory no process owns:\n";
  Table t({"WHAT", "SIZE", "DETAIL"});
  t.align_right(1);
  t.keep(0);
  for (const auto& m : r.tmpfs) {
    if (!m.used_bytes || *m.used_bytes == 0) continue;
    std::string detail = m.mount_point;
    if (m.owner) detail += " (emptyDir " + m.volume.value_or("?") + " of " + m.owner->label() + ")";
    t.add({m.dev_shm ? "shm" : m.fs_type, human_bytes_u(*m.used_bytes), detail});
  }
  t.add({"shmem", human_bytes_opt(r.shmem_bytes), "meminfo Shmem: tmpfs, shm and shared anonymous pages"});
  t.add({"slab", human_bytes_opt(r.slab_bytes),
         fmt::format("reclaimable {}, unreclaimable {}", human_bytes_opt(r.slab_reclaimable_bytes),
                     human_bytes_opt(r.slab_unreclaimable_bytes))});
  for (size_t i = 0; i < r.top_slab.size() && i < 5; ++i)
    t.add({"  slab cache", human_bytes_u(r.top_slab[i].bytes), r.top_slab[i].name});
  t.add({"page cache outside pods", human_bytes_opt(r.page_cache_outside_pods_bytes),
         fmt::format("meminfo Cached {} minus pods' {}", human_bytes_opt(r.page_cache_bytes),
                     human_bytes_opt(r.page_cache_in_pods_bytes))});
  return out + t.render(layout);
}

}  // namespace ms
