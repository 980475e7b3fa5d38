#include "agent/exit_ledger.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "provenance/ancestry.hpp"
#include "util/escape.hpp"

namespace ms::agent {

namespace {

constexpr size_t kRecent = 4096;
constexpr size_t kMaxAncestors = 16;

std::string cmdline_text(const std::vector<std::string>& argv) {
  std::string cmd;
  for (size_t k = 0; k < argv.size() && k < 8; ++k) cmd += (k ? " " : "") + argv[k];
  if (cmd.size() > 256) cmd.resize(256);
  return cmd;
}

}  // namespace

void ExitLedger::remember(const ExitRecord& r) {
  Key k{r.pid, r.start_ns};
  recent_.insert_or_assign(k, r);
  recent_order_.push_back(k);
  while (recent_order_.size() > kRecent) {
    recent_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
}

const ExitRecord* ExitLedger::recent(int pid) const {
  for (auto it = recent_order_.rbegin(); it != recent_order_.rend(); ++it) {
    if (it->pid != pid) continue;
    auto f = recent_.find(*it);
    if (f != recent_.end()) return &f->second;
  }
  return nullptr;
}

// The chain from the parent the kernel named up to PID 1: ancestors that exited too (recent exits),
// then the last sample's processes (build_ancestry), then procfs for a parent born since that sample.
// The same JSON as a sampled process's provenance (agent/views.cpp), so `explain --at` reads both.
std::string ExitLedger::provenance(const ExitRecord& r, const ExitContext& ctx) const {
  nlohmann::ordered_json chain = nlohmann::ordered_json::array();
  bool complete = true;
  const Snapshot* s = ctx.snapshot;
  long hz = s ? s->clock_ticks : 100;
  int pid = r.ppid;
  uint64_t start_ns = r.parent_start_ns;  // 0: not known (a plain integer: g++ -O3 misjudges an optional here)
  std::string comm = r.parent_comm;
  auto add = [&](int apid, std::string_view acomm, const std::vector<std::string>& argv, std::optional<int64_t> start,
                 const std::optional<std::string>& cg, const std::optional<Owner>& owner, bool exited) {
    nlohmann::ordered_json e;
    e["pid"] = apid;
    e["comm"] = utf8_sanitize(acomm);
    e["cmdline"] = utf8_sanitize(cmdline_text(argv));
    if (start) e["start"] = *start;
    if (cg) e["memory_cgroup"] = utf8_sanitize(*cg);
    if (owner) e["owner"] = utf8_sanitize(owner->label());
    if (exited) e["exited"] = true;
    chain.push_back(std::move(e));
  };
  for (size_t depth = 0; pid > 0 && chain.size() < kMaxAncestors; ++depth) {
    // In the last sample, the same process (start time checked when the kernel gave it).
    if (s) {
      const Process* p = s->find_process(pid);
      if (p && (!start_ns || p->start_time == BootClock::ticks(start_ns, hz))) {
        AncestryOptions opts;
        if (ctx.process_owner) opts.owner_of = ctx.process_owner;
        Ancestry anc = build_ancestry(*s, pid, opts);
        for (const Ancestor& a : anc.chain) {
          if (chain.size() >= kMaxAncestors) break;
          add(a.pid, a.comm, a.cmdline, a.start_unix, a.memory_cgroup, a.owner, false);
          if (a.reparented) chain.back()["reparented"] = true;
        }
        complete = anc.complete;
        break;
      }
    }
    // An ancestor that ended too (the shell that ran the job exits right after it).
    if (start_ns) {
      if (auto it = recent_.find(Key{pid, start_ns}); it != recent_.end()) {
        const ExitRecord& a = it->second;
        add(a.pid, a.comm, {}, ctx.clock.unix_seconds(a.start_ns), std::nullopt, std::nullopt, true);
        pid = a.ppid;
        start_ns = a.parent_start_ns;
        comm = a.parent_comm;
        continue;
      }
    }
    // Born after the last sample and still alive.
    if (ctx.read_process) {
      if (auto p = ctx.read_process(pid); p && (!start_ns || p->start_time == BootClock::ticks(start_ns, hz))) {
        std::optional<int64_t> st;
        if (s && s->boot_time > 0 && hz > 0)
          st = static_cast<int64_t>(s->boot_time) + static_cast<int64_t>(p->start_time / static_cast<uint64_t>(hz));
        add(p->pid, p->comm, p->cmdline, st, p->memory_cgroup,
            ctx.process_owner ? std::optional<Owner>(ctx.process_owner(*p)) : std::nullopt, false);
        pid = p->ppid;
        start_ns = 0;
        comm.clear();
        continue;
      }
    }
    // Gone: what the kernel said of it is all there is.
    if (!comm.empty() || start_ns)
      add(pid, comm, {}, start_ns ? std::optional<int64_t>(ctx.clock.unix_seconds(start_ns)) : std::nullopt,
          std::nullopt, std::nullopt, true);
    complete = false;
    break;
  }
  nlohmann::ordered_json j;
  j["ancestry"] = std::move(chain);
  if (!complete) j["ancestry_complete"] = false;
  j["seen_by"] = "exit capture";
  return j.dump();
}

store::ProcessExit ExitLedger::individual(const ExitRecord& r, const std::optional<std::string>& cgroup,
                                          const ExitContext& ctx) {
  store::ProcessExit e;
  const Snapshot* s = ctx.snapshot;
  long hz = s ? s->clock_ticks : 100;
  Process& p = e.process;
  p.pid = r.pid;
  p.ppid = r.ppid;
  p.start_time = BootClock::ticks(r.start_ns, hz);
  p.comm = r.comm;
  p.uid = r.uid;
  p.threads = static_cast<int>(r.threads);
  p.state = 'X';
  p.memory_cgroup = cgroup;
  p.rss_bytes = r.peak_rss_bytes;
  if (ctx.process_owner) e.owner = ctx.process_owner(p);
  e.provenance = provenance(r, ctx);
  e.time = ctx.clock.unix_seconds(r.exit_ns);
  e.start = ctx.clock.unix_seconds(r.start_ns);
  e.peak_rss_bytes = r.peak_rss_bytes;
  e.peak_exact = r.peak_exact;
  e.run_us = r.exit_ns > r.start_ns ? static_cast<int64_t>((r.exit_ns - r.start_ns) / 1000) : 0;
  e.cpu_us = static_cast<int64_t>(r.cpu_ns / 1000);
  e.exit_code = r.exit_code;
  if (r.memcg_id) e.memcg_id = r.memcg_id;
  e.parent_pid = r.ppid;
  e.parent_start_time = r.parent_start_ns ? BootClock::ticks(r.parent_start_ns, hz) : 0;
  e.parent_comm = r.parent_comm;
  return e;
}

void ExitLedger::add(const std::vector<ExitRecord>& records, const ExitContext& ctx) {
  // All of a batch is remembered first: a job and the shell that ran it end together, the job first,
  // and the shell's record names the job's grandparents.
  std::vector<const ExitRecord*> fresh_records;
  fresh_records.reserve(records.size());
  for (const ExitRecord& r : records) {
    if (recent_.count(Key{r.pid, r.start_ns})) {
      ++duplicates_;
      continue;
    }
    ++seen_;
    remember(r);
    fresh_records.push_back(&r);
  }
  for (const ExitRecord* rp : fresh_records) {
    const ExitRecord& r = *rp;
    std::optional<std::string> cgroup;
    if (ctx.cgroup_path && r.memcg_id) cgroup = ctx.cgroup_path(r.memcg_id, r.memcg_parent_id, r.memcg_name);
    if (r.peak_rss_bytes >= policy_.floor_bytes && individual_this_sample_ < policy_.max_individual) {
      ++individual_this_sample_;
      exits_.push_back(individual(r, cgroup, ctx));
      continue;
    }
    // Summed per cgroup: one row per cgroup per sample, whatever the rate.
    std::string key = cgroup.value_or("");
    auto [it, fresh] = groups_.try_emplace(key);
    store::ExitGroup& g = it->second;
    int64_t t = ctx.clock.unix_seconds(r.exit_ns);
    if (fresh) {
      g.cgroup = key;
      g.since = t;
      if (!key.empty() && ctx.cgroup_owner) {
        auto o = cgroup_owners_.find(key);
        if (o == cgroup_owners_.end()) o = cgroup_owners_.emplace(key, ctx.cgroup_owner(key)).first;
        g.owner = o->second;
      }
    }
    g.since = std::min(g.since, t);
    g.time = std::max(g.time, t);
    ++g.count;
    if (exit_failed(r.exit_code)) ++g.failed;
    if (r.peak_rss_bytes >= g.max_peak_bytes) {
      g.max_peak_bytes = r.peak_rss_bytes;
      g.max_pid = r.pid;
      g.max_comm = r.comm;
    }
    g.sum_run_us += r.exit_ns > r.start_ns ? static_cast<int64_t>((r.exit_ns - r.start_ns) / 1000) : 0;
    g.sum_cpu_us += static_cast<int64_t>(r.cpu_ns / 1000);
  }
}

std::vector<store::ProcessExit> ExitLedger::take_exits() {
  return std::exchange(exits_, {});
}

std::vector<store::ExitGroup> ExitLedger::take_groups() {
  std::vector<store::ExitGroup> out;
  out.reserve(groups_.size());
  for (auto& [k, g] : groups_) out.push_back(std::move(g));
  groups_.clear();
  cgroup_owners_.clear();
  individual_this_sample_ = 0;
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.cgroup < b.cgroup; });
  return out;
}

}  // namespace ms::agent
