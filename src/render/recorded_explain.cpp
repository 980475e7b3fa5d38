#include "render/recorded_explain.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "attribution/effective_limit.hpp"
#include "provenance/ancestry.hpp"
#include "render/owner_json.hpp"
#include "util/escape.hpp"
#include "util/json_text.hpp"
#include "util/units.hpp"

namespace ms {

namespace {

std::string esc(std::string_view s) {
  return term_field(s);
}

std::optional<int64_t> start_unix(const Snapshot& s, const Process& p) {
  if (s.boot_time == 0 || s.clock_ticks <= 0) return std::nullopt;
  return static_cast<int64_t>(s.boot_time + p.start_time / static_cast<uint64_t>(s.clock_ticks));
}

// The stored provenance is JSON written by the recorder; a malformed one is shown as missing.
nlohmann::json provenance_of(const store::RecordedMoment& m, size_t i) {
  if (i >= m.process_provenance.size() || m.process_provenance[i].empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(m.process_provenance[i], nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

}  // namespace

std::optional<size_t> find_recorded_process(const store::RecordedMoment& m, int pid) {
  for (size_t i = 0; i < m.snapshot.processes.size(); ++i)
    if (m.snapshot.processes[i].pid == pid) return i;
  return std::nullopt;
}

std::string render_recorded_explain_text(const store::RecordedMoment& m, size_t i, const TextLayout& layout) {
  const Snapshot& s = m.snapshot;
  const Process& p = s.processes[i];
  const Owner& owner = m.process_owners[i];
  const size_t w = layout.width;
  constexpr const char* kIndent = "         ";
  auto prov = provenance_of(m, i);
  std::string out;
  out += wrap_text(fmt::format("PID {} ({})  {}", p.pid, esc(p.comm), term_field(command_line(p.cmdline, p.comm), 512)),
                   w, "", kIndent);
  auto st = start_unix(s, p);
  out += wrap_text(fmt::format("started {}   first recorded {}   RSS {} at {}", st ? rfc3339_utc(*st) : "?",
                               rfc3339_utc(m.process_first_seen[i]), human_bytes_opt(p.rss_bytes), rfc3339_utc(s.time)),
                   w, kIndent, kIndent);
  out += "\n";
  out += wrap_text(fmt::format("{} [{}]{} (as classified at first sight)", esc(owner.label()), to_string(owner.kind),
                               owner.in_kubepods ? ", in kubepods" : ", NOT in kubepods"),
                   w, "OWNER    ", kIndent);
  if (p.memory_cgroup) {
    EffectiveLimit lim = effective_limit(s, *p.memory_cgroup);
    std::string bound = !lim.known ? "unknown (cgroup not stored)"
                        : lim.limit_bytes
                            ? fmt::format("{} by {}", human_bytes_u(*lim.limit_bytes), esc(lim.limiting_cgroup))
                            : std::string("NONE: no limit on the cgroup or any ancestor");
    out += wrap_text(fmt::format("memory cgroup {}: effective limit {}", esc(*p.memory_cgroup), bound), w, "BOUND    ",
                     kIndent);
  }
  auto exe = get_text(prov, "exe"), cwd = get_text(prov, "cwd"), cwd_pod = get_text(prov, "cwd_pod_uid");
  if (exe) out += wrap_text(esc(*exe), w, "EXE      ", kIndent);
  if (cwd) {
    out += wrap_text(esc(*cwd), w, "CWD      ", kIndent);
    if (cwd_pod && !owner.in_kubepods)
      out += wrap_text(fmt::format("inside the directory of pod {}, yet the process is not in that pod: a node-wide "
                                   "walker passing through, not the pod's doing",
                                   esc(*cwd_pod)),
                       w, kIndent, kIndent);
  }
  out += "\nANCESTRY (at first sight)\n";
  auto anc = prov.find("ancestry");
  if (anc == prov.end() || !anc->is_array() || anc->empty()) {
    out += "  (none recorded)\n";
  } else {
    for (const auto& a : *anc) {
      if (!a.is_object()) continue;
      std::string started;
      if (auto it = a.find("start"); it != a.end() && it->is_number_integer()) started = rfc3339_utc(it->get<int64_t>());
      out += wrap_text(fmt::format("{} ({}) {}  owner {}{}{}", a.value("pid", 0), esc(get_text(a, "comm").value_or("")),
                                   esc(get_text(a, "cmdline").value_or("")), esc(get_text(a, "owner").value_or("")),
                                   started.empty() ? "" : "  started " + started,
                                   a.value("reparented", false) ? "  (reparented)" : ""),
                       w, "  <- ", "       ");
    }
    if (prov.value("ancestry_complete", true) == false) out += "  (chain incomplete: an ancestor had exited)\n";
  }
  return out;
}

std::string describe_exit(const store::RecordedExit& e) {
  std::string where;
  if (e.memcg && e.scope != "global")
    where = fmt::format(": {} at its limit{}{}", *e.memcg,
                        e.limit_bytes ? " of " + human_bytes_u(*e.limit_bytes) : std::string(),
                        e.usage_bytes ? fmt::format(" (usage {})", human_bytes_u(*e.usage_bytes)) : std::string());
  else if (e.scope == "global")
    where = ": the node ran out of memory";
  return fmt::format("OOM-killed by the kernel at {} ({}{}){}", rfc3339_utc(e.time),
                     e.reason.empty() ? "OOM kill" : e.reason, where,
                     e.rss_bytes ? fmt::format(", holding {}", human_bytes(*e.rss_bytes)) : std::string());
}

std::string render_exited_text(const store::ExitedProcess& x, const TextLayout& layout) {
  constexpr const char* kIndent = "         ";
  std::string out;
  if (x.exit) out += wrap_text(esc(describe_exit(*x.exit)), layout.width, "EXITED   ", kIndent);
  out += wrap_text(fmt::format("its last recorded state follows, as read at {}", rfc3339_utc(x.last_read)),
                   layout.width, kIndent, kIndent);
  return out + render_recorded_explain_text(x.moment, x.index, layout);
}

Json exit_to_json(const store::RecordedExit& x) {
  Json e;
  e["time"] = rfc3339_utc(x.time);
  e["killed_by"] = "oom-killer";
  e["reason"] = jstr(x.reason);
  e["scope"] = x.scope.empty() ? Json(nullptr) : Json(x.scope);
  e["memory_cgroup"] = jstr_opt(x.memcg);
  e["limit_bytes"] = jopt(x.limit_bytes);
  e["usage_bytes"] = jopt(x.usage_bytes);
  e["rss_bytes"] = jopt(x.rss_bytes);
  e["summary"] = jstr(describe_exit(x));
  return e;
}

Json exited_to_json(const store::ExitedProcess& x) {
  Json j = recorded_explain_to_json(x.moment, x.index);
  j["last_read"] = rfc3339_utc(x.last_read);
  j["exit"] = x.exit ? exit_to_json(*x.exit) : Json(nullptr);
  return j;
}

Json recorded_explain_to_json(const store::RecordedMoment& m, size_t i) {
  const Snapshot& s = m.snapshot;
  const Process& p = s.processes[i];
  Json j;
  j["schema"] = "memsleuth.explain-recorded/v1";
  j["recorded_at"] = rfc3339_utc(s.time);
  j["pid"] = p.pid;
  put_text(j, "comm", p.comm);
  put_text_capped(j, "cmdline", command_line(p.cmdline, p.comm));
  j["start_time"] = jopt(start_unix(s, p));
  j["first_seen"] = rfc3339_utc(m.process_first_seen[i]);
  j["rss_bytes"] = jopt(p.rss_bytes);
  put_text_opt(j, "memory_cgroup", p.memory_cgroup);
  j["owner"] = owner_json(m.process_owners[i]);
  if (p.memory_cgroup) {
    EffectiveLimit lim = effective_limit(s, *p.memory_cgroup);
    j["effective_limit_known"] = lim.known;
    j["effective_limit_bytes"] = jopt(lim.limit_bytes);
    if (lim.limiting_cgroup.empty())
      j["limiting_cgroup"] = nullptr;
    else
      put_text(j, "limiting_cgroup", lim.limiting_cgroup);
  }
  // Provenance as stored (its strings were sanitised to UTF-8 when written).
  auto prov = provenance_of(m, i);
  j["provenance"] = Json::parse(prov.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return j;
}

}  // namespace ms
