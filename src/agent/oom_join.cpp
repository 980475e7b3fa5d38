#include "agent/oom_join.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "util/escape.hpp"

namespace ms::agent {

namespace {

constexpr size_t kMaxHeld = 4096;  // a storm of kills larger than this is not held, it is stored
constexpr size_t kMaxReleased = 1024;

nlohmann::ordered_json parse_object(const std::string& s) {
  auto j = nlohmann::ordered_json::parse(s, nullptr, false);
  return j.is_object() ? j : nlohmann::ordered_json::object();
}

}  // namespace

store::RecordedEvent oom_record_to_event(const OomRecord& r, const OomNames& names, const BootClock& clock) {
  store::RecordedEvent e;
  e.time = clock.unix_seconds(r.time_ns);
  e.kind = "oom_kill";
  e.source = "bpf";
  uint64_t start_ticks = r.start_ns ? BootClock::ticks(r.start_ns, names.clock_ticks) : 0;
  // The victim's identity: a process is OOM-killed once. Without its start time (pid only), the
  // kill's own time tells two kills of a reused pid apart.
  e.dedupe_key = start_ticks ? fmt::format("bpf:{}:oom_kill:{}:{}", names.boot_time, r.pid, start_ticks)
                             : fmt::format("bpf:{}:oom_kill:{}:t{}", names.boot_time, r.pid, r.time_ns / 1'000'000);
  e.pid = r.pid;
  if (!r.comm.empty()) e.comm = r.comm;
  e.cgroup = names.cgroup;
  if (names.owner) {
    e.owner_kind = to_string(names.owner->kind);
    e.namespace_ = names.owner->namespace_;
    e.pod = names.owner->pod;
    e.container = names.owner->container;
  }
  if (r.victim_known) e.bytes = static_cast<int64_t>(r.anon_bytes + r.file_bytes + r.shmem_bytes);
  e.message = fmt::format("Killed process {} ({}): seen by the kernel's oom:mark_victim; kmsg report suppressed", r.pid,
                          r.comm.empty() ? "?" : r.comm);
  nlohmann::ordered_json d;
  d["scope"] = !r.oom_memcg_known ? "unknown" : r.oom_memcg_id ? "memcg" : "global";
  if (names.oom_cgroup) d["limit_memcg"] = utf8_sanitize(*names.oom_cgroup);
  if (names.owner) d["owner"] = utf8_sanitize(names.owner->label());
  d["report"] = "suppressed";
  nlohmann::ordered_json b;
  if (r.memcg_id) b["memcg_id"] = r.memcg_id;
  if (r.oom_memcg_known) b["oom_memcg_id"] = r.oom_memcg_id;
  if (r.victim_known) {
    b["anon_rss_bytes"] = r.anon_bytes;
    b["file_rss_bytes"] = r.file_bytes;
    b["shmem_rss_bytes"] = r.shmem_bytes;
    b["swap_bytes"] = r.swap_bytes;
    b["oom_score_adj"] = r.oom_score_adj;
    b["uid"] = r.uid;
    if (start_ticks) b["start_time"] = start_ticks;
  }
  if (r.invoker_pid) {
    b["invoker_pid"] = r.invoker_pid;
    b["invoker_comm"] = utf8_sanitize(r.invoker_comm);
  }
  d["bpf"] = std::move(b);
  e.detail = d.dump();
  return e;
}

std::string kmsg_report_kind(const store::RecordedEvent& k) {
  auto d = parse_object(k.detail);
  auto it = d.find("report");
  if (it != d.end() && it->is_string()) return it->get<std::string>();
  return "full";
}

void OomJoiner::add_bpf(store::RecordedEvent e, int64_t now) {
  held_.push_back(Held{std::move(e), now});
}

store::RecordedEvent OomJoiner::add_kmsg(store::RecordedEvent k) {
  if (!k.pid) return k;
  auto near = [&](const store::RecordedEvent& b) {
    return b.pid == k.pid && std::llabs(b.time - k.time) <= opts_.match_s;
  };
  auto best = held_.end();
  for (auto it = held_.begin(); it != held_.end(); ++it)
    if (near(it->event) &&
        (best == held_.end() || std::llabs(it->event.time - k.time) < std::llabs(best->event.time - k.time)))
      best = it;
  if (best == held_.end()) {
    // Its BPF twin was already stored on its own (the report came late): same key, one row.
    for (const auto& r : released_)
      if (near(r)) {
        k.dedupe_key = r.dedupe_key;
        return k;
      }
    return k;
  }
  const store::RecordedEvent& b = best->event;
  std::string report = kmsg_report_kind(k);
  store::RecordedEvent out = std::move(k);
  out.source = "kmsg+bpf";
  // A kill line without its (rate-limited) header names no cgroup: BPF read the victim's.
  if (!out.cgroup && b.cgroup) {
    out.cgroup = b.cgroup;
    out.owner_kind = b.owner_kind;
    out.namespace_ = b.namespace_;
    out.pod = b.pod;
    out.container = b.container;
  }
  if (!out.bytes) out.bytes = b.bytes;
  if (!out.comm) out.comm = b.comm;
  auto d = parse_object(out.detail);
  auto bd = parse_object(b.detail);
  if (!d.contains("limit_memcg") && bd.contains("limit_memcg")) d["limit_memcg"] = bd["limit_memcg"];
  if ((!d.contains("scope") || d["scope"] == "unknown") && bd.contains("scope")) d["scope"] = bd["scope"];
  if (!d.contains("owner") && bd.contains("owner")) d["owner"] = bd["owner"];
  d["report"] = report;
  if (bd.contains("bpf")) d["bpf"] = bd["bpf"];
  out.detail = d.dump();
  held_.erase(best);
  return out;
}

std::vector<store::RecordedEvent> OomJoiner::release(int64_t now, bool all) {
  std::vector<store::RecordedEvent> out;
  while (!held_.empty() && (all || now - held_.front().since >= opts_.hold_s || held_.size() > kMaxHeld)) {
    released_.push_back(held_.front().event);
    if (released_.size() > kMaxReleased) released_.pop_front();
    out.push_back(std::move(held_.front().event));
    held_.pop_front();
  }
  return out;
}

std::vector<store::RecordedEvent*> OomJoiner::incomplete() {
  std::vector<store::RecordedEvent*> out;
  for (auto& h : held_)
    if (!h.event.cgroup || !h.event.bytes) out.push_back(&h.event);
  return out;
}

}  // namespace ms::agent
