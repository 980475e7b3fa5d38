// The recorder's stored OOM kills and evictions, turned back into the events the doctor's rules read.
#include <nlohmann/json.hpp>

#include "diagnosis/diagnosis.hpp"

namespace ms::diagnosis {
namespace {

std::optional<uint64_t> kb_of(const nlohmann::json& d, const char* key) {
  auto it = d.find(key);
  if (it == d.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>() / 1024;
}

std::optional<std::string> str_of(const nlohmann::json& d, const char* key) {
  auto it = d.find(key);
  if (it == d.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::vector<Event> events_from_store(const std::vector<store::RecordedEvent>& recorded, const ClassifySources& src) {
  std::vector<Event> out;
  for (const auto& r : recorded) {
    Event e;
    e.time_us = r.time * 1'000'000;
    auto detail = nlohmann::json::parse(r.detail, nullptr, false);
    if (!detail.is_object()) detail = nlohmann::json::object();
    if (r.kind == "oom_kill") {
      e.kind = EventKind::kOomKill;
      e.oom.victim.pid = r.pid;
      e.oom.victim.comm = r.comm;
      e.oom.task_memcg = r.cgroup;
      e.oom.kill_reason = r.message;  // "Memory cgroup out of memory" / "Out of memory": the scope
      e.oom.constraint = str_of(detail, "constraint");
      e.oom.oom_memcg = str_of(detail, "limit_memcg");
      // A global kill names no oom_memcg; the stored scope says which it was.
      if (str_of(detail, "scope") == "global") e.oom.global_oom_marker = true;
      e.oom.memory.usage_kb = kb_of(detail, "memcg_usage_bytes");
      e.oom.memory.limit_kb = kb_of(detail, "memcg_limit_bytes");
      if (r.bytes) e.oom.victim.anon_rss_kb = static_cast<uint64_t>(*r.bytes) / 1024;
      if (r.cgroup) e.owner = classify_cgroup(*r.cgroup, &src);
    } else if (r.kind == "eviction") {
      e.kind = EventKind::kEviction;
      e.eviction.stage = "evicted";
      e.eviction.resource = "memory";
      if (r.namespace_ && r.pod) e.eviction.pod = *r.namespace_ + "/" + *r.pod;
      e.eviction.message = r.message;
      e.eviction.signal = str_of(detail, "signal");
      e.eviction.threshold = str_of(detail, "threshold");
      e.eviction.observed = str_of(detail, "observed");
    } else {
      continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ms::diagnosis
