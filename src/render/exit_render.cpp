#include "render/exit_render.hpp"

#include <fmt/format.h>
#include <string.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "attribution/effective_limit.hpp"
#include "render/owner_json.hpp"
#include "render/table.hpp"
#include "util/escape.hpp"
#include "util/units.hpp"

namespace ms {

std::string exit_status_text(int st) {
  int sig = st & 0x7f;
  if (sig == 0) return fmt::format("exit {}", (st >> 8) & 0xff);
  const char* name = sigabbrev_np(sig);
  std::string s = name ? fmt::format("killed by SIG{}", name) : fmt::format("killed by signal {}", sig);
  if (st & 0x80) s += " (core dumped)";
  return s;
}

std::string human_duration_us(int64_t us) {
  if (us < 0) us = 0;
  if (us < 1'000'000) return fmt::format("{}ms", us / 1000);
  double s = static_cast<double>(us) / 1e6;
  if (s < 60) return fmt::format("{:.1f}s", s);
  int64_t sec = us / 1'000'000;
  if (sec < 3600) return fmt::format("{}m{:02}s", sec / 60, sec % 60);
  if (sec < 86400) return fmt::format("{}h{:02}m", sec / 3600, (sec % 3600) / 60);
  return fmt::format("{}d{:02}h", sec / 86400, (sec % 86400) / 3600);
}

std::string ancestry_line(const std::string& provenance_json, size_t max_ancestors) {
  auto j = nlohmann::json::parse(provenance_json, nullptr, false);
  if (!j.is_object()) return {};
  auto it = j.find("ancestry");
  if (it == j.end() || !it->is_array()) return {};
  std::string out;
  size_t n = 0;
  for (const auto& a : *it) {
    if (!a.is_object()) continue;
    if (n == max_ancestors) {
      out += " <- …";
      break;
    }
    std::string comm = a.value("comm", std::string("?"));
    out += fmt::format("{}{} ({})", n ? " <- " : "", comm.empty() ? "?" : comm, a.value("pid", 0));
    ++n;
  }
  if (j.value("ancestry_complete", true) == false && n < max_ancestors) out += n ? " <- ?" : "?";
  return out;
}

Json exit_to_json(const store::ProcessExit& e) {
  const Process& p = e.process;
  Json j;
  j["pid"] = p.pid;
  j["start_time"] = p.start_time;
  j["ppid"] = p.ppid;
  j["comm"] = jstr(p.comm);
  j["uid"] = jopt(p.uid);
  j["started"] = rfc3339_utc(e.start);
  j["exited"] = rfc3339_utc(e.time);
  j["run_us"] = e.run_us;
  j["cpu_us"] = e.cpu_us;
  j["peak_rss_bytes"] = e.peak_rss_bytes;
  // false: getrusage's maximum, which also counts the image a process replaced by exec.
  j["peak_rss_exact"] = e.peak_exact;
  j["exit_status"] = e.exit_code;
  j["exit"] = exit_status_text(e.exit_code);
  j["memory_cgroup"] = jstr_opt(p.memory_cgroup);
  j["memcg_id"] = jopt(e.memcg_id);
  j["owner"] = {{"kind", to_string(e.owner.kind)}, {"label", jstr(e.owner.label())}};
  j["parent"] = {{"pid", e.parent_pid}, {"start_time", e.parent_start_time}, {"comm", jstr(e.parent_comm)}};
  auto prov = Json::parse(e.provenance, nullptr, false);
  j["provenance"] = prov.is_discarded() ? Json(nullptr) : prov;
  j["source"] = jstr(e.source);
  return j;
}

Json exit_group_to_json(const store::ExitGroup& g) {
  Json j;
  j["since"] = rfc3339_utc(g.since);
  j["until"] = rfc3339_utc(g.time);
  j["memory_cgroup"] = g.cgroup.empty() ? Json(nullptr) : jstr(g.cgroup);
  j["owner"] = {{"kind", to_string(g.owner.kind)}, {"label", jstr(g.owner.label())}};
  j["count"] = g.count;
  j["failed"] = g.failed;
  j["max_peak_rss_bytes"] = g.max_peak_bytes;
  j["max_pid"] = g.max_pid;
  j["max_comm"] = jstr(g.max_comm);
  j["sum_run_us"] = g.sum_run_us;
  j["sum_cpu_us"] = g.sum_cpu_us;
  return j;
}

std::string render_exited_table(const std::vector<store::ProcessExit>& exits, size_t limit, const std::string& heading,
                                const TextLayout& layout) {
  if (exits.empty()) return {};
  std::vector<const store::ProcessExit*> rows;
  for (const auto& e : exits) rows.push_back(&e);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto* a, const auto* b) { return a->peak_rss_bytes > b->peak_rss_bytes; });
  size_t shown = limit == 0 ? rows.size() : std::min(limit, rows.size());
  std::string out = wrap_text(escape_terminal(heading), layout.width, "", "  ");
  Table tab({"PID", "COMM", "PEAK", "LIVED", "ENDED", "AT", "OWNER", "CGROUP", "FROM"});
  for (size_t i = 0; i < shown; ++i) {
    const auto& e = *rows[i];
    tab.add({std::to_string(e.process.pid), e.process.comm, human_bytes_u(e.peak_rss_bytes) + (e.peak_exact ? "" : "*"),
             human_duration_us(e.run_us), exit_status_text(e.exit_code), rfc3339_utc(e.time), e.owner.label(),
             e.process.memory_cgroup.value_or("?"), ancestry_line(e.provenance, 3)});
  }
  out += tab.render(layout);
  if (shown < rows.size()) out += fmt::format("({} more; -o json lists every one)\n", rows.size() - shown);
  bool inexact = std::any_of(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(shown),
                             [](const auto* e) { return !e->peak_exact; });
  if (inexact)
    out += wrap_text("* the kernel's getrusage maximum: it also counts the program the process replaced by exec",
                     layout.width, "", "  ");
  return out;
}

namespace {

std::string esc(std::string_view s) {
  return escape_terminal(s);
}

}  // namespace

std::string exit_line(const store::ProcessExit& e) {
  return fmt::format("ENDED    {} at {} after {} (CPU {}), peak RSS {}{}\n", exit_status_text(e.exit_code),
                     rfc3339_utc(e.time), human_duration_us(e.run_us), human_duration_us(e.cpu_us),
                     human_bytes_u(e.peak_rss_bytes),
                     e.peak_exact ? "" : " (getrusage maximum, counts the image before exec)");
}

std::string render_exited_explain_text(const store::RecordedMoment& m, const store::ProcessExit& e) {
  const Process& p = e.process;
  std::string out;
  out +=
      fmt::format("PID {} ({})  started {}, never in a stored sample: seen at its exit by the kernel's exit capture\n",
                  p.pid, esc(p.comm), rfc3339_utc(e.start));
  out += exit_line(e);
  out += fmt::format("OWNER    {} [{}]{} (classified at its exit)\n", esc(e.owner.label()), to_string(e.owner.kind),
                     e.owner.in_kubepods ? ", in kubepods" : ", NOT in kubepods");
  if (p.memory_cgroup) {
    EffectiveLimit lim = effective_limit(m.snapshot, *p.memory_cgroup);
    std::string bound = !lim.known ? "unknown (cgroup not stored in the sample)"
                        : lim.limit_bytes
                            ? fmt::format("{} by {}", human_bytes_u(*lim.limit_bytes), esc(lim.limiting_cgroup))
                            : std::string("NONE: no limit on the cgroup or any ancestor");
    out += fmt::format("BOUND    memory cgroup {}: effective limit {} (sample at {})\n", esc(*p.memory_cgroup), bound,
                       rfc3339_utc(m.snapshot.time));
  } else {
    out += "BOUND    memory cgroup unknown (it was gone before it could be named)\n";
  }
  out += "\nANCESTRY (rebuilt at its exit)\n";
  auto prov = nlohmann::json::parse(e.provenance, nullptr, false);
  auto anc = prov.is_object() ? prov.find("ancestry") : prov.end();
  if (!prov.is_object() || anc == prov.end() || !anc->is_array() || anc->empty()) {
    out += fmt::format("  <- {} ({})  (as the kernel named its parent)\n", e.parent_pid, esc(e.parent_comm));
  } else {
    for (const auto& a : *anc) {
      if (!a.is_object()) continue;
      std::string started;
      if (auto it = a.find("start"); it != a.end() && it->is_number_integer())
        started = rfc3339_utc(it->get<int64_t>());
      std::string cmd = a.value("cmdline", std::string());
      out += fmt::format("  <- {} ({}){}{}{}{}\n", a.value("pid", 0), esc(a.value("comm", std::string("?"))),
                         cmd.empty() ? "" : "  " + esc(cmd), started.empty() ? "" : "  started " + started,
                         a.contains("owner") ? "  owner " + esc(a.value("owner", std::string())) : "",
                         a.value("exited", false) ? "  (exited)" : "");
    }
    if (prov.value("ancestry_complete", true) == false) out += "  (chain incomplete: an ancestor had exited)\n";
  }
  return out;
}

Json exited_explain_to_json(const store::RecordedMoment& m, const store::ProcessExit& e) {
  const Process& p = e.process;
  Json j;
  j["schema"] = "memsleuth.explain-recorded/v1";
  j["recorded_at"] = rfc3339_utc(m.snapshot.time);
  j["pid"] = p.pid;
  j["comm"] = jstr(p.comm);
  j["cmdline"] = jstr("");
  j["start_time"] = e.start;
  j["first_seen"] = rfc3339_utc(e.time);
  j["rss_bytes"] = e.peak_rss_bytes;
  j["memory_cgroup"] = jstr_opt(p.memory_cgroup);
  j["owner"] = owner_json(e.owner);
  if (p.memory_cgroup) {
    EffectiveLimit lim = effective_limit(m.snapshot, *p.memory_cgroup);
    j["effective_limit_known"] = lim.known;
    j["effective_limit_bytes"] = jopt(lim.limit_bytes);
    j["limiting_cgroup"] = lim.limiting_cgroup.empty() ? Json(nullptr) : jstr(lim.limiting_cgroup);
  }
  auto prov = Json::parse(e.provenance, nullptr, false);
  j["provenance"] = prov.is_discarded() ? Json(nullptr) : prov;
  j["exit"] = exit_to_json(e);
  return j;
}

}  // namespace ms
