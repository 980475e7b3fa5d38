#include "render/history_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "render/exit_render.hpp"
#include "render/table.hpp"
#include "util/escape.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

const char* const kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

std::string hb(const std::optional<int64_t>& v) {
  return v ? human_bytes(*v) : "-";
}

std::string when(int64_t t) {
  return rfc3339_utc(t);
}

Json event_json(const store::RecordedEvent& e) {
  Json j;
  j["time"] = rfc3339_utc(e.time);
  j["kind"] = e.kind;
  put_text(j, "source", e.source);
  j["pid"] = jopt(e.pid);
  put_text_opt(j, "comm", e.comm);
  put_text_opt(j, "cgroup", e.cgroup);
  put_text_opt(j, "owner_kind", e.owner_kind);
  put_text_opt(j, "namespace", e.namespace_);
  put_text_opt(j, "pod", e.pod);
  put_text_opt(j, "container", e.container);
  j["bytes"] = jopt(e.bytes);
  put_text(j, "message", e.message);
  if (!e.detail.empty()) {
    auto d = Json::parse(e.detail, nullptr, false);
    if (d.is_object()) j["detail"] = std::move(d);
  }
  return j;
}

std::string event_line(const store::RecordedEvent& e) {
  if (e.kind == "eviction") {
    // The kubelet's own message says what it was low on and who used the most.
    return term_field(fmt::format("{}  pod {}/{}{}  {}", when(e.time), e.namespace_.value_or("?"), e.pod.value_or("?"),
                                  e.bytes ? " using " + human_bytes(*e.bytes) : "", std::string(trim(e.message))));
  }
  std::string who = e.comm ? *e.comm : "?";
  if (e.pid) who += fmt::format(" (pid {})", *e.pid);
  std::string owner;
  if (e.namespace_ || e.pod)
    owner = fmt::format(" pod {}/{}", e.namespace_.value_or("?"), e.pod.value_or("?"));
  else if (e.owner_kind && *e.owner_kind != "cgroup")
    owner = " " + *e.owner_kind;  // a cgroup owner is its path, next
  return term_field(fmt::format("{}  {}{}{}{}", when(e.time), who, owner, e.cgroup ? " cgroup " + *e.cgroup : "",
                                e.bytes ? " " + human_bytes(*e.bytes) : ""));
}

// The exit capture's view of the window: every process at or above the floor that ended in it
// (largest first), then the short-lived rest summed.
std::string render_exits_summary(const store::Timeline& t, const TextLayout& layout) {
  if (t.exits.empty() && t.exit_groups.empty()) return {};
  std::string out = "\n";
  out += render_exited_table(
      t.exits, 20,
      fmt::format("Processes that ended (kernel exit capture, peak at or above the floor): {}", t.exits.size()),
      layout);
  if (!t.exit_groups.empty()) {
    uint64_t n = 0, failed = 0, peak = 0;
    std::string peak_comm, peak_cg;
    std::map<std::string, uint64_t> by_cgroup;
    for (const auto& g : t.exit_groups) {
      n += g.count;
      failed += g.failed;
      by_cgroup[g.cgroup] += g.count;
      if (g.max_peak_bytes >= peak) {
        peak = g.max_peak_bytes;
        peak_comm = g.max_comm;
        peak_cg = g.cgroup;
      }
    }
    auto busiest = std::max_element(by_cgroup.begin(), by_cgroup.end(),
                                    [](const auto& a, const auto& b) { return a.second < b.second; });
    out += wrap_text(escape_terminal(fmt::format(
                         "Below the floor: {} short-lived processes in {} cgroups ({} failed); largest "
                         "peak {} ({} in {}); most in {} "
                         "({})",
                         n, by_cgroup.size(), failed, human_bytes_u(peak), peak_comm, peak_cg.empty() ? "?" : peak_cg,
                         busiest->first.empty() ? "?" : busiest->first, busiest->second)),
                     layout.width, "", "  ");
  }
  return out;
}

}  // namespace

std::string sparkline(const std::vector<std::optional<int64_t>>& values, size_t width) {
  if (values.empty() || width == 0) return {};
  width = std::min(width, values.size());
  std::vector<std::optional<int64_t>> cols(width);
  for (size_t i = 0; i < values.size(); ++i) {
    size_t c = i * width / values.size();
    if (values[i] && (!cols[c] || *values[i] < *cols[c])) cols[c] = values[i];
  }
  std::optional<int64_t> lo, hi;
  for (auto& v : cols) {
    if (!v) continue;
    lo = lo ? std::min(*lo, *v) : *v;
    hi = hi ? std::max(*hi, *v) : *v;
  }
  std::string out;
  for (auto& v : cols) {
    if (!v) {
      out += " ";
      continue;
    }
    size_t level = (*hi == *lo) ? 7 : static_cast<size_t>((*v - *lo) * 7 / (*hi - *lo));
    out += kBlocks[std::min<size_t>(level, 7)];
  }
  return out;
}

std::string render_timeline_text(const store::Timeline& t, size_t width, const TextLayout& layout) {
  const size_t w = layout.width;
  constexpr size_t kLabel = 30;  // "{:<29} " before each sparkline
  if (w > 0) width = std::min(width, w > kLabel + 8 ? w - kLabel : 8);
  std::string out;
  out += wrap_text(fmt::format("History {} .. {}: {} samples, {} trigger snapshots", when(t.window.since),
                               when(t.window.until), t.samples, t.triggers.size()),
                   w, "", "  ");
  if (t.corrupt_samples > 0)
    out += wrap_text(fmt::format("warning: {} stored sample(s) could not be decoded and are left out of the timeline",
                                 t.corrupt_samples),
                     w, "", "  ");
  // Named (the first 20): which sample, which frame, why.
  for (size_t i = 0; i < t.warnings.size() && i < 20; ++i)
    out += wrap_text(term_field(t.warnings[i]), w, "warning: ", "  ");
  if (t.warnings.size() > 20)
    out += fmt::format("warning: {} more unreadable frames (-o json lists them)\n", t.warnings.size() - 20);
  if (t.samples == 0) {
    out += wrap_text("No samples recorded in this window (is `memsleuth record` running? see --db).", w, "", "  ");
    return out;
  }
  if (t.capacity_bytes) out += fmt::format("Capacity (MemTotal): {}\n", human_bytes_u(*t.capacity_bytes));
  out += fmt::format("From {} to {}\n\n", when(t.points.front().time), when(t.points.back().time));
  auto series = [&](auto get) {
    std::vector<std::optional<int64_t>> v;
    for (const auto& p : t.points) v.push_back(get(p));
    return v;
  };
  struct Row {
    const char* name;
    std::vector<std::optional<int64_t>> values;
    const std::optional<store::Extreme>* low;
    std::vector<std::optional<int64_t>> thresholds;  // hard eviction threshold at each point
  };
  std::vector<Row> rows = {
      {"kubelet memory.available", series([](auto& p) { return p.kubelet_available; }), &t.lowest_kubelet_available,
       series([](auto& p) { return p.kubelet_threshold; })},
      {"allocatableMemory.available", series([](auto& p) { return p.allocatable_available; }),
       &t.lowest_allocatable_available, series([](auto& p) { return p.allocatable_threshold; })},
      {"MemAvailable (free)", series([](auto& p) { return p.kernel_available; }), &t.lowest_kernel_available, {}},
  };
  for (const auto& r : rows) {
    if (!*r.low) continue;
    out += fmt::format("{:<29} {}\n", r.name, sparkline(r.values, width));
    std::string thr;
    // The threshold in force at the lowest point (the kubelet's settings can change during the window).
    for (size_t i = 0; i < t.points.size() && i < r.thresholds.size(); ++i)
      if (t.points[i].time == (*r.low)->time && r.thresholds[i])
        thr = ", hard eviction threshold " + human_bytes(*r.thresholds[i]);
    out += wrap_text(fmt::format("lowest {} at {}, last {}{}", human_bytes((*r.low)->value), when((*r.low)->time),
                                 hb(r.values.back()), thr),
                     w, std::string(kLabel, ' '), std::string(kLabel + 2, ' '));
  }
  if (t.highest_psi_some_avg10)
    out += wrap_text(fmt::format("highest some avg10 {:.2f}% at {}", t.highest_psi_some_avg10->second,
                                 when(t.highest_psi_some_avg10->first)),
                     w, fmt::format("{:<29} ", "memory PSI"), std::string(kLabel + 2, ' '));
  if (!t.top_owners.empty()) {
    out += "\nLargest owners (peak working set):\n";
    Table tab({"OWNER", "KIND", "PEAK", "LAST", "TREND"});
    tab.align_right(2);
    tab.align_right(3);
    for (const auto& o : t.top_owners) {
      std::vector<std::optional<int64_t>> v;
      for (const auto& p : o.working_set) v.push_back(static_cast<int64_t>(p.value));
      tab.add({o.label, to_string(o.owner.kind), human_bytes_u(o.peak_working_set),
               o.working_set.empty() ? "-" : human_bytes_u(o.working_set.back().value), sparkline(v, 24)});
    }
    out += tab.render(layout);
  }
  out += fmt::format("\nOOM kills: {}\n", t.oom_kills.size());
  for (const auto& e : t.oom_kills) out += wrap_text(event_line(e), w, "  ", "                        ");
  out += fmt::format("Evictions: {}\n", t.evictions.size());
  for (const auto& e : t.evictions) out += wrap_text(event_line(e), w, "  ", "                        ");
  out += render_exits_summary(t, layout);
  if (!t.triggers.empty()) {
    out += "Trigger snapshots (replay with --at):\n";
    for (const auto& s : t.triggers)
      out += wrap_text(fmt::format("{}  {}", when(s.time), term_field(s.trigger)), w, "  ", "                        ");
  }
  return out;
}

Json timeline_to_json(const store::Timeline& t) {
  Json j;
  j["schema"] = "memsleuth.history/v1";
  j["since"] = rfc3339_utc(t.window.since);
  j["until"] = rfc3339_utc(t.window.until);
  j["samples"] = t.samples;
  j["corrupt_samples"] = t.corrupt_samples;
  Json warns = Json::array();
  for (const auto& w : t.warnings) warns.push_back(jstr(w));
  j["warnings"] = std::move(warns);
  j["capacity_bytes"] = jopt(t.capacity_bytes);
  auto pts = Json::array();
  for (const auto& p : t.points) {
    Json e;
    e["time"] = rfc3339_utc(p.time);
    e["kubelet_available_bytes"] = jopt(p.kubelet_available);
    e["allocatable_available_bytes"] = jopt(p.allocatable_available);
    e["kernel_available_bytes"] = jopt(p.kernel_available);
    e["kubelet_threshold_bytes"] = jopt(p.kubelet_threshold);
    e["allocatable_threshold_bytes"] = jopt(p.allocatable_threshold);
    e["psi_some_avg10"] = jopt(p.psi_some_avg10);
    pts.push_back(std::move(e));
  }
  j["points"] = std::move(pts);
  auto ext = [](const std::optional<store::Extreme>& x) -> Json {
    if (!x) return nullptr;
    return Json{{"time", rfc3339_utc(x->time)}, {"bytes", x->value}};
  };
  j["lowest"] = {{"kubelet_available", ext(t.lowest_kubelet_available)},
                 {"allocatable_available", ext(t.lowest_allocatable_available)},
                 {"kernel_available", ext(t.lowest_kernel_available)}};
  auto owners = Json::array();
  for (const auto& o : t.top_owners) {
    Json e;
    put_text(e, "label", o.label);
    e["kind"] = to_string(o.owner.kind);
    e["peak_working_set_bytes"] = o.peak_working_set;
    owners.push_back(std::move(e));
  }
  j["top_owners"] = std::move(owners);
  auto evs = [](const std::vector<store::RecordedEvent>& v) {
    auto a = Json::array();
    for (const auto& e : v) a.push_back(event_json(e));
    return a;
  };
  j["oom_kills"] = evs(t.oom_kills);
  j["evictions"] = evs(t.evictions);
  auto exits = Json::array();
  for (const auto& e : t.exits) exits.push_back(exit_to_json(e));
  j["exits"] = std::move(exits);
  auto groups = Json::array();
  for (const auto& g : t.exit_groups) groups.push_back(exit_group_to_json(g));
  j["exit_groups"] = std::move(groups);
  auto trig = Json::array();
  for (const auto& s : t.triggers) {
    Json x;
    x["time"] = rfc3339_utc(s.time);
    put_text(x, "trigger", s.trigger);
    trig.push_back(std::move(x));
  }
  j["triggers"] = std::move(trig);
  return j;
}

std::string render_moment_text(const store::RecordedMoment& m, size_t max_processes, const TextLayout& layout) {
  const Snapshot& s = m.snapshot;
  const size_t w = layout.width;
  std::string out =
      wrap_text(fmt::format("Recorded at {} ({} sample{}{})", when(s.time), m.sample.full ? "full" : "regular",
                            m.sample.trigger.empty() ? "" : ", trigger ", term_field(m.sample.trigger)),
                w, "", "  ");
  auto mi = [&](const char* k) { return human_bytes_opt(s.meminfo.get(k)); };
  out += wrap_text(fmt::format("MemTotal {}  MemAvailable {}  MemFree {}  Cached {}  Shmem {}", mi("MemTotal"),
                               mi("MemAvailable"), mi("MemFree"), mi("Cached"), mi("Shmem")),
                   w, "", "  ");
  out += wrap_text(fmt::format("Processes on the node: {} (stored: {}), cgroups: {} (stored: {})",
                               m.sample.nr_processes, s.processes.size(), m.sample.nr_cgroups, s.cgroups.size()),
                   w, "", "  ");
  out += "\n";
  std::vector<size_t> idx(s.processes.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    return s.processes[a].rss_bytes.value_or(0) > s.processes[b].rss_bytes.value_or(0);
  });
  Table tab({"PID", "COMM", "RSS", "ANON", "OWNER", "CGROUP", "FIRST SEEN"});
  for (size_t c : {0, 2, 3}) tab.align_right(c);
  tab.elide_middle(5);
  tab.keep(6);
  tab.when_empty("No process was stored in this sample.");
  for (size_t k = 0; k < idx.size() && k < max_processes; ++k) {
    const Process& p = s.processes[idx[k]];
    tab.add({std::to_string(p.pid), p.comm, human_bytes_opt(p.rss_bytes), human_bytes_opt(p.rss_anon_bytes),
             m.process_owners[idx[k]].label(), p.memory_cgroup.value_or("-"), when(m.process_first_seen[idx[k]])});
  }
  out += tab.render(layout);
  if (!m.exited.empty())
    out += "\n" + render_exited_table(
                      m.exited, max_processes,
                      "Lived between this sample and the next, not stored by it (kernel exit capture):", layout);
  return out;
}

Json moment_to_json(const store::RecordedMoment& m) {
  const Snapshot& s = m.snapshot;
  Json j;
  j["schema"] = "memsleuth.history-moment/v1";
  j["time"] = rfc3339_utc(s.time);
  j["full"] = m.sample.full;
  put_text(j, "trigger", m.sample.trigger);
  Json mi = Json::object();
  for (const auto& [k, v] : s.meminfo.items) mi[k] = v;
  j["meminfo"] = std::move(mi);
  auto procs = Json::array();
  for (size_t i = 0; i < s.processes.size(); ++i) {
    const Process& p = s.processes[i];
    Json e;
    e["pid"] = p.pid;
    e["start_time"] = p.start_time;
    e["ppid"] = p.ppid;
    put_text(e, "comm", p.comm);
    std::string cmd;
    for (const auto& a : p.cmdline) cmd += (cmd.empty() ? "" : " ") + a;
    put_text_capped(e, "cmdline", cmd);
    put_text_opt(e, "exe", p.exe);
    put_text_opt(e, "cwd", p.cwd);
    put_text_opt(e, "memory_cgroup", p.memory_cgroup);
    e["rss_bytes"] = jopt(p.rss_bytes);
    e["rss_anon_bytes"] = jopt(p.rss_anon_bytes);
    e["rss_file_bytes"] = jopt(p.rss_file_bytes);
    e["rss_shmem_bytes"] = jopt(p.rss_shmem_bytes);
    e["swap_bytes"] = jopt(p.swap_bytes);
    Json po;
    po["kind"] = to_string(m.process_owners[i].kind);
    put_text(po, "label", m.process_owners[i].label());
    e["owner"] = std::move(po);
    auto prov = Json::parse(m.process_provenance[i], nullptr, false);
    e["provenance"] = prov.is_discarded() ? Json(nullptr) : prov;
    e["first_seen"] = rfc3339_utc(m.process_first_seen[i]);
    procs.push_back(std::move(e));
  }
  j["processes"] = std::move(procs);
  auto cgs = Json::array();
  for (size_t i = 0; i < s.cgroups.size(); ++i) {
    const Cgroup& c = s.cgroups[i];
    Json e;
    put_text(e, "path", c.path);
    e["usage_bytes"] = jopt(c.usage_bytes);
    e["working_set_bytes"] = jopt(store::working_set(c));
    e["limit_bytes"] = jopt(c.limit_bytes);
    Json co;
    co["kind"] = to_string(m.cgroup_owners[i].kind);
    put_text(co, "label", m.cgroup_owners[i].label());
    e["owner"] = std::move(co);
    cgs.push_back(std::move(e));
  }
  j["cgroups"] = std::move(cgs);
  auto exited = Json::array();
  for (const auto& e : m.exited) exited.push_back(exit_to_json(e));
  j["exited_between_samples"] = std::move(exited);
  return j;
}

}  // namespace ms
