#include "attribution/top_query.hpp"

#include <algorithm>

namespace ms {

const char* to_string(TopBy b) {
  switch (b) {
    case TopBy::kCgroup: return "cgroup";
    case TopBy::kPod: return "pod";
    case TopBy::kOwner: return "owner";
    case TopBy::kProcess: break;
  }
  return "process";
}

const char* to_string(TopSort s) {
  switch (s) {
    case TopSort::kWorkingSet: return "working-set";
    case TopSort::kPss: return "pss";
    case TopSort::kRss: break;
  }
  return "rss";
}

std::optional<TopBy> top_by_from_string(std::string_view s) {
  for (TopBy b : {TopBy::kProcess, TopBy::kCgroup, TopBy::kPod, TopBy::kOwner})
    if (s == to_string(b)) return b;
  return std::nullopt;
}

std::optional<TopSort> top_sort_from_string(std::string_view s) {
  for (TopSort x : {TopSort::kRss, TopSort::kWorkingSet, TopSort::kPss})
    if (s == to_string(x)) return x;
  return std::nullopt;
}

namespace {

std::optional<uint64_t> measure(const MemoryMeasures& m, TopSort s) {
  switch (s) {
    case TopSort::kWorkingSet: return m.working_set;
    case TopSort::kPss: return m.pss;
    case TopSort::kRss: break;
  }
  return m.rss;
}

bool unbounded_outside(const Owner& o, const EffectiveLimit& l) {
  return !o.in_kubepods && o.kind != OwnerKind::kKernel && l.known && !l.bounded();
}

}  // namespace

TopResult select_top(const Attribution& a, const TopQuery& q) {
  TopResult r;
  r.query = q;
  auto keep = [&](const Owner& o) { return !q.owner || o.kind == *q.owner; };
  auto finish = [&](TopRow& row) {
    row.label = row.owner.label();
    row.memory_bytes = measure(row.memory, q.sort);
    row.unbounded_outside_kubepods = unbounded_outside(row.owner, row.limit);
  };
  switch (q.by) {
    case TopBy::kProcess:
      for (const auto& p : a.processes) {
        if (!keep(p.owner)) continue;
        TopRow row;
        row.owner = p.owner;
        row.memory = p.memory;
        row.limit = p.limit;
        row.process = p.process;
        row.processes = 1;
        row.cgroup = p.process->memory_cgroup.value_or("");
        row.why = p.why;
        finish(row);
        r.rows.push_back(std::move(row));
      }
      break;
    case TopBy::kCgroup:
      for (const auto& c : a.cgroups) {
        if (!keep(c.owner)) continue;
        TopRow row;
        row.owner = c.owner;
        row.memory = c.memory;
        row.usage_bytes = c.cgroup->usage_bytes;
        row.limit = c.limit;
        row.processes = c.processes;
        row.cgroup = c.cgroup->path;
        row.why = c.why;
        finish(row);
        r.rows.push_back(std::move(row));
      }
      break;
    case TopBy::kPod:
      for (const auto& p : a.pods) {
        if (!keep(p.owner)) continue;
        TopRow row;
        row.owner = p.owner;
        row.memory = p.memory;
        row.usage_bytes = p.usage_bytes;
        row.limit = p.limit;
        row.processes = p.processes;
        row.containers = p.containers;
        row.memory_tmpfs_bytes = p.memory_tmpfs_bytes;
        row.cgroup = p.pod_cgroup;
        finish(row);
        r.rows.push_back(std::move(row));
      }
      break;
    case TopBy::kOwner:
      for (const auto& o : a.owners) {
        if (!keep(o.owner)) continue;
        TopRow row;
        row.owner = o.owner;
        row.memory = o.memory;
        row.limit = o.limit;
        row.processes = o.processes;
        finish(row);
        r.rows.push_back(std::move(row));
      }
      break;
  }
  // Largest first; rows without the measure (kernel threads, PSS not read) last, in a stable order.
  std::stable_sort(r.rows.begin(), r.rows.end(), [](const TopRow& x, const TopRow& y) {
    if (x.memory_bytes.has_value() != y.memory_bytes.has_value()) return x.memory_bytes.has_value();
    if (x.memory_bytes && *x.memory_bytes != *y.memory_bytes) return *x.memory_bytes > *y.memory_bytes;
    return false;
  });
  r.total_rows = r.rows.size();
  if (q.limit && r.rows.size() > q.limit) r.rows.resize(q.limit);
  return r;
}

}  // namespace ms
