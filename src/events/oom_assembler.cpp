#include "events/oom_assembler.hpp"

#include "events/oom_lines.hpp"
#include "util/text.hpp"

namespace ms {

namespace {
constexpr size_t kMaxTasks = 100000;  // a task table row per process; bound it for hostile input
constexpr size_t kMaxStats = 64;
}  // namespace

const char* to_string(OomScope s) {
  switch (s) {
    case OomScope::kMemcg: return "memcg";
    case OomScope::kGlobal: return "global";
    case OomScope::kUnknown: break;
  }
  return "unknown";
}

OomScope OomKill::scope() const {
  if (constraint) {
    if (*constraint == "CONSTRAINT_MEMCG") return OomScope::kMemcg;
    if (*constraint == "CONSTRAINT_NONE" || *constraint == "CONSTRAINT_CPUSET" ||
        *constraint == "CONSTRAINT_MEMORY_POLICY")
      return OomScope::kGlobal;
  }
  if (global_oom_marker) return OomScope::kGlobal;
  if (oom_memcg) return OomScope::kMemcg;
  if (kill_reason) {
    if (kill_reason->find("Memory cgroup") != std::string::npos) return OomScope::kMemcg;
    if (starts_with(*kill_reason, "Out of memory")) return OomScope::kGlobal;
  }
  if (legacy_limit_of) return *legacy_limit_of == "/" ? OomScope::kGlobal : OomScope::kMemcg;
  // mem_cgroup_print_oom_meminfo ("memory: usage ..., limit ...") is only printed for a memcg OOM.
  if (memory.usage_kb || memory.limit_kb) return OomScope::kMemcg;
  return OomScope::kUnknown;
}

std::optional<std::string> OomKill::victim_memcg() const {
  if (task_memcg) return task_memcg;
  return legacy_task_in;
}

std::optional<std::string> OomKill::limit_memcg() const {
  if (oom_memcg) return oom_memcg;
  if (legacy_limit_of) return legacy_limit_of;
  if (scope() == OomScope::kMemcg) return stats_path;
  return std::nullopt;
}

void finalize_oom_event(Event& e) {
  e.missing.clear();
  const OomKill& k = e.oom;
  if (!k.invoker_comm) e.missing.push_back("trigger");
  if (!k.victim.pid) e.missing.push_back("victim");
  else if (!k.victim.comm) e.missing.push_back("victim comm");
  if (k.victim.pid && !k.victim.anon_rss_kb && !k.victim.total_vm_kb) e.missing.push_back("victim memory");
  e.incomplete = !e.missing.empty();
}

void OomAssembler::stamp(Event& e, const LogLine& line) {
  if (line.wall_us) e.time_us = line.wall_us;
  if (line.uptime_us) e.uptime_us = line.uptime_us;
  if (line.host) e.host = line.host;
}

void OomAssembler::start(const LogLine& line) {
  cur_.emplace();
  cur_->kind = EventKind::kOomKill;
  stamp(*cur_, line);
  cur_since_tick_.reset();
  columns_.clear();
  in_stats_ = false;
}

void OomAssembler::close() {
  if (!cur_) return;
  finalize_oom_event(*cur_);
  Closed c;
  // Only a kill whose victim is known can be matched by a reaper line; anything else is final.
  c.awaiting_reaper = cur_->oom.victim.pid.has_value() && !cur_->oom.reaped;
  c.event = std::move(*cur_);
  queue_.push_back(std::move(c));
  cur_.reset();
  cur_since_tick_.reset();
  columns_.clear();
  in_stats_ = false;
  if (queue_.size() > kMaxQueued) queue_.front().awaiting_reaper = false;
  release_settled();
}

void OomAssembler::release_settled() {
  while (!queue_.empty() && !queue_.front().awaiting_reaper) {
    done_.push_back(std::move(queue_.front().event));
    queue_.pop_front();
  }
}

void OomAssembler::on_reaper(int64_t pid, const std::optional<std::string>& comm) {
  // Newest first: a recycled pid belongs to the latest kill of it.
  for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
    const OomVictim& v = it->event.oom.victim;
    if (!it->awaiting_reaper || v.pid != pid) continue;
    if (comm && v.comm && *comm != *v.comm) continue;
    it->event.oom.reaped = true;
    it->awaiting_reaper = false;
    break;
  }
  release_settled();
}

namespace {
// Same clock on both sides or nothing: kernel uptime first, else the wall clock.
std::optional<int64_t> clock_gap(const Event& e, const LogLine& line) {
  if (e.uptime_us && line.uptime_us)
    return static_cast<int64_t>(*line.uptime_us) - static_cast<int64_t>(*e.uptime_us);
  if (!e.uptime_us && !line.uptime_us && e.time_us && line.wall_us) return *line.wall_us - *e.time_us;
  return std::nullopt;
}
}  // namespace

void OomAssembler::expire_by_line_clock(const LogLine& line) {
  bool any = false;
  for (Closed& c : queue_) {
    if (!c.awaiting_reaper) continue;
    auto gap = clock_gap(c.event, line);
    // Much older than the kill counts too: the log restarted (reboot, a second excerpt), so no
    // reaper line of this kill can follow.
    if (gap && (*gap > OomAssembler::kReaperGraceUs || *gap < -OomAssembler::kReaperGraceUs)) {
      c.awaiting_reaper = false;
      any = true;
    }
  }
  if (any) release_settled();
}

void OomAssembler::tick(int64_t now_us) {
  for (Closed& c : queue_) {
    if (!c.awaiting_reaper) continue;
    if (!c.since_tick) c.since_tick = now_us;
    else if (now_us - *c.since_tick >= kReaperGraceUs) c.awaiting_reaper = false;
  }
  // The kernel prints a whole report at once (under oom_lock): one that got no line for as long
  // will not continue.
  if (cur_) {
    if (!cur_since_tick_) cur_since_tick_ = now_us;
    else if (now_us - *cur_since_tick_ >= kReaperGraceUs) close();
  }
  release_settled();
}

size_t OomAssembler::waiting() const {
  size_t n = 0;
  for (const Closed& c : queue_) n += c.awaiting_reaper ? 1 : 0;
  return n;
}

Event& OomAssembler::ensure(const LogLine& line, bool field_already_set) {
  if (cur_ && field_already_set) close();
  if (!cur_) start(line);
  cur_since_tick_.reset();  // the report continues: its "no line for a while" clock restarts
  return *cur_;
}

void OomAssembler::feed(const LogLine& line) {
  std::string_view text = line.text;
  // The reaper reports after the kill line closed the report, maybe after the next one began; its
  // own line is matched before the clock check, so a late reaper on a loaded machine still counts.
  if (auto r = parse_reaper_line(text)) {
    in_stats_ = false;
    on_reaper(r->pid, r->comm);
    if (!queue_.empty()) expire_by_line_clock(line);
    return;
  }
  if (!queue_.empty()) expire_by_line_clock(line);
  if (in_stats_) {
    if (auto kv = parse_memcg_stat_kv(text)) {
      if (cur_ && cur_->oom.memcg_stats.size() < kMaxStats) cur_->oom.memcg_stats.push_back(std::move(*kv));
      cur_since_tick_.reset();
      return;
    }
    in_stats_ = false;
  }
  if (auto t = parse_oom_trigger(text)) {
    close();
    start(line);
    cur_->oom.invoker_comm = t->comm;
    cur_->oom.gfp_mask = t->gfp_mask;
    cur_->oom.order = t->order;
    cur_->oom.invoker_oom_score_adj = t->oom_score_adj;
    return;
  }
  if (cur_ && cur_->oom.invoker_comm && !cur_->oom.invoker_pid) {
    if (auto pid = parse_cpu_pid_line(text)) {
      cur_->oom.invoker_pid = pid;
      cur_since_tick_.reset();
      return;
    }
  }
  if (starts_with(text, "oom-kill:")) {
    Event& e = ensure(line, cur_ && (cur_->oom.constraint || cur_->oom.task_memcg));
    parse_oom_summary(text, e.oom);
    if (e.oom.victim.pid) stamp(e, line);
    return;
  }
  if (auto ti = parse_task_in_line(text)) {
    Event& e = ensure(line, cur_ && cur_->oom.legacy_task_in.has_value());
    e.oom.legacy_task_in = ti->first;
    e.oom.legacy_limit_of = ti->second;
    return;
  }
  if (auto mc = parse_memcg_counter(text)) {
    MemcgCounter* slot = nullptr;
    auto pick = [&](OomKill& k) -> MemcgCounter* {
      if (mc->first == "memory") return &k.memory;
      if (mc->first == "memory+swap") return &k.memsw;
      if (mc->first == "kmem") return &k.kmem;
      return &k.swap;
    };
    bool set = cur_ && (pick(cur_->oom)->usage_kb || pick(cur_->oom)->limit_kb);
    Event& e = ensure(line, set);
    slot = pick(e.oom);
    *slot = mc->second;
    return;
  }
  if (auto st = parse_memcg_stats_line(text)) {
    // v1 prints one stats line per memcg of the hierarchy; the first is the OOMing memcg.
    Event& e = ensure(line, cur_ && cur_->oom.task_table_seen);
    if (!e.oom.stats_path && !st->path_cut) e.oom.stats_path = st->path;
    if (e.oom.memcg_stats.empty()) e.oom.memcg_stats = std::move(st->stats);
    in_stats_ = ends_with(text, ":");
    return;
  }
  if (starts_with(text, "Tasks state (memory values in pages)")) {
    ensure(line, cur_ && cur_->oom.task_table_seen);
    return;
  }
  if (auto cols = parse_task_header(text)) {
    Event& e = ensure(line, cur_ && cur_->oom.task_table_seen);
    e.oom.task_table_seen = true;
    columns_ = std::move(*cols);
    return;
  }
  if (starts_with(text, "[")) {
    if (auto row = parse_task_row(text, columns_)) {
      Event& e = ensure(line, false);
      e.oom.task_table_seen = true;
      if (e.oom.tasks.size() < kMaxTasks) e.oom.tasks.push_back(std::move(*row));
      return;
    }
  }
  if (auto k = parse_kill_line(text)) {
    if (k->selected) {
      Event& e = ensure(line, cur_ && cur_->oom.selected_pid.has_value());
      e.oom.selected_pid = k->victim.pid;
      e.oom.selected_comm = k->victim.comm;
      e.oom.selected_score = k->score;
      if (k->reason) e.oom.kill_reason = k->reason;
      return;
    }
    // A victim already parsed from the oom-kill: summary is the same kill; a second "Killed"
    // line is a new report.
    bool have_victim_line = cur_ && (cur_->oom.victim.anon_rss_kb || cur_->oom.victim.total_vm_kb);
    Event& e = ensure(line, have_victim_line);
    OomVictim& v = e.oom.victim;
    const OomVictim& n = k->victim;
    if (n.pid) v.pid = n.pid;
    if (n.comm) v.comm = n.comm;
    if (n.uid) v.uid = n.uid;
    if (n.total_vm_kb) v.total_vm_kb = n.total_vm_kb;
    if (n.anon_rss_kb) v.anon_rss_kb = n.anon_rss_kb;
    if (n.file_rss_kb) v.file_rss_kb = n.file_rss_kb;
    if (n.shmem_rss_kb) v.shmem_rss_kb = n.shmem_rss_kb;
    if (n.pgtables_kb) v.pgtables_kb = n.pgtables_kb;
    if (n.oom_score_adj) v.oom_score_adj = n.oom_score_adj;
    if (k->reason) e.oom.kill_reason = k->reason;
    stamp(e, line);
    close();
    return;
  }
  if (cur_) {
    if (auto cs = parse_cpuset_line(text)) {
      if (!cur_->oom.cpuset) cur_->oom.cpuset = cs->first;
      if (!cur_->oom.mems_allowed) cur_->oom.mems_allowed = cs->second;
    }
  }
}

void OomAssembler::finish() {
  close();
  for (Closed& c : queue_) c.awaiting_reaper = false;
  release_settled();
}

std::vector<Event> OomAssembler::take() {
  std::vector<Event> out = std::move(done_);
  done_.clear();
  return out;
}

}  // namespace ms
