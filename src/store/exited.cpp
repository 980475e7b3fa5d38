#include "store/exited.hpp"

#include <nlohmann/json.hpp>

namespace ms::store {

RecordedExit exit_of_kill(const RecordedEvent& kill) {
  RecordedExit x;
  x.time = kill.time;
  x.reason = kill.message;
  x.rss_bytes = kill.bytes;
  auto d = nlohmann::json::parse(kill.detail, nullptr, false);
  if (!d.is_object()) return x;
  if (auto it = d.find("scope"); it != d.end() && it->is_string()) x.scope = it->get<std::string>();
  if (auto it = d.find("limit_memcg"); it != d.end() && it->is_string()) x.memcg = it->get<std::string>();
  if (auto it = d.find("memcg_limit_bytes"); it != d.end() && it->is_number_unsigned())
    x.limit_bytes = it->get<uint64_t>();
  if (auto it = d.find("memcg_usage_bytes"); it != d.end() && it->is_number_unsigned())
    x.usage_bytes = it->get<uint64_t>();
  if (x.scope == "memcg" && !x.memcg) x.memcg = kill.cgroup;
  return x;
}

Result<std::optional<ExitedProcess>> find_exited(History& h, int pid, int64_t t) {
  auto kill = h.last_kill_of(pid, t);
  if (!kill) return fail(kill.error());
  ExitedProcess out;
  if (*kill) out.exit = exit_of_kill(**kill);
  if (*kill && (*kill)->victim) {
    // The victim's last reading, in the moment of that reading (cgroups, limits), whether or not that
    // sample stored the process.
    const RecordedVictim& v = *(*kill)->victim;
    auto m = h.at(v.seen_at, 3600);
    if (!m) return fail(m.error());
    if (*m) out.moment = std::move(**m);
    out.moment.snapshot.time = v.seen_at;
    auto& procs = out.moment.snapshot.processes;
    for (size_t i = 0; i < procs.size(); ++i) {
      if (procs[i].pid != pid) continue;  // the copy the sample stored makes way for the last reading
      procs.erase(procs.begin() + static_cast<ptrdiff_t>(i));
      out.moment.process_owners.erase(out.moment.process_owners.begin() + static_cast<ptrdiff_t>(i));
      out.moment.process_provenance.erase(out.moment.process_provenance.begin() + static_cast<ptrdiff_t>(i));
      out.moment.process_first_seen.erase(out.moment.process_first_seen.begin() + static_cast<ptrdiff_t>(i));
      break;
    }
    out.index = procs.size();
    procs.push_back(v.process);
    out.moment.process_owners.push_back(v.owner);
    out.moment.process_provenance.push_back(v.provenance);
    out.moment.process_first_seen.push_back(v.first_seen);
    out.last_read = v.seen_at;
    return std::optional<ExitedProcess>(std::move(out));
  }
  // No reading with the kill: the last sample that stored a process with this pid (before the kill).
  auto last = h.last_stored_time(pid, *kill ? (*kill)->time : t);
  if (!last) return fail(last.error());
  if (!*last) {
    if (!out.exit) return std::optional<ExitedProcess>{};
    // Killed, never read: the kernel's record is all there is.
    out.moment.snapshot.time = out.exit->time;
    Process p;
    p.pid = pid;
    p.comm = (*kill)->comm.value_or("?");
    p.memory_cgroup = (*kill)->cgroup;
    if ((*kill)->bytes) p.rss_bytes = static_cast<uint64_t>(*(*kill)->bytes);
    out.moment.snapshot.processes.push_back(std::move(p));
    out.moment.process_owners.emplace_back();
    out.moment.process_provenance.emplace_back();
    out.moment.process_first_seen.push_back(out.exit->time);
    out.last_read = out.exit->time;
    return std::optional<ExitedProcess>(std::move(out));
  }
  auto m = h.at(**last, 3600);
  if (!m) return fail(m.error());
  if (!*m) return std::optional<ExitedProcess>{};
  out.moment = std::move(**m);
  for (size_t i = 0; i < out.moment.snapshot.processes.size(); ++i)
    if (out.moment.snapshot.processes[i].pid == pid) {
      out.index = i;
      out.last_read = out.moment.snapshot.time;
      return std::optional<ExitedProcess>(std::move(out));
    }
  return std::optional<ExitedProcess>{};
}

}  // namespace ms::store
