#include "store/history.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "store/frame.hpp"
#include "store/kubelet_config_json.hpp"
#include "store/node_view.hpp"
#include "store/owner_json.hpp"
#include "store/schema.hpp"
#include "util/text.hpp"
#include "util/units.hpp"

namespace ms::store {

namespace {

// Schema v1 has no kubelet_config_id: a v1 database opened read-only (not migrated) reads NULL.
std::string sample_cols(int schema) {
  return std::string(
             "id,time,full,trigger,duration_us,nr_processes,nr_cgroups,boot_time,clock_ticks,page_size,cgroup_version,"
             "memory_on_v2,") +
         (schema >= 2 ? "kubelet_config_id" : "NULL");
}

SampleInfo sample_from(const Stmt& st) {
  SampleInfo s;
  s.id = st.col_int(0);
  s.time = st.col_int(1);
  s.full = st.col_int(2) != 0;
  s.trigger = st.col_text(3);
  s.duration_us = st.col_int(4);
  s.nr_processes = static_cast<uint64_t>(st.col_int(5));
  s.nr_cgroups = static_cast<uint64_t>(st.col_int(6));
  return s;
}

std::vector<std::string> split_cmdline(const std::string& s) {
  std::vector<std::string> out;
  for (auto part : split(s, ' '))
    if (!part.empty()) out.emplace_back(part);
  return out;
}

std::string parent_path(const std::string& p) {
  if (p == "/" || p.empty()) return {};
  auto slash = p.rfind('/');
  if (slash == 0 || slash == std::string::npos) return "/";
  return p.substr(0, slash);
}

}  // namespace

std::optional<uint64_t> working_set(const Cgroup& c) {
  if (!c.usage_bytes) return std::nullopt;
  auto inactive = c.stat.get("total_inactive_file");
  if (!inactive) inactive = c.stat.get("inactive_file");
  uint64_t in = inactive.value_or(0);
  return *c.usage_bytes > in ? *c.usage_bytes - in : 0;
}

Result<std::unique_ptr<History>> History::open(const std::string& path) {
  // SQLite opens without O_NONBLOCK: a FIFO planted where the database should be would block.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return fail(Error::from_errno(path, kNotRegularFile));
  auto db = Db::open(path, true);
  if (!db) return fail(db.error());
  std::unique_ptr<History> h(new History());
  h->db_ = std::move(*db);
  auto v = schema_version(h->db_);
  if (!v) return fail(v.error());
  if (*v == 0) return fail(Error{Error::Kind::kMalformed, path, 0, "not a memsleuth history database (no schema)"});
  if (*v > kSchemaVersion)
    return fail(Error{Error::Kind::kInvalidArgument, path, 0,
                      fmt::format("schema version {} is newer than this memsleuth ({})", *v, kSchemaVersion)});
  h->cols_ = sample_cols(*v);
  h->schema_ = static_cast<int>(*v);
  if (auto r = h->load_keys(); !r) return fail(r.error());
  return h;
}

void History::note_corrupt(int64_t time, std::string_view frame, const Error& e) {
  if (corrupt_.size() < 100000) corrupt_.emplace(std::pair{time, std::string(frame)}, e.message);
}

size_t History::corrupt_count(std::string_view frame) const {
  size_t n = 0;
  for (const auto& [k, why] : corrupt_) n += k.second == frame;
  return n;
}

std::vector<std::string> History::corrupt_samples() const {
  std::vector<std::string> out;
  for (const auto& [k, why] : corrupt_)
    out.push_back(fmt::format("sample at {}: {} frame unreadable: {}", rfc3339_utc(k.first), k.second, why));
  return out;
}

Result<void> History::load_keys() {
  auto st = db_.prepare("SELECT id,name FROM keys");
  if (!st) return fail(st.error());
  names_.clear();
  while (st->step() == SQLITE_ROW) {
    auto id = static_cast<size_t>(st->col_int(0));
    if (id > 10'000'000) continue;
    if (names_.size() <= id) names_.resize(id + 1);
    names_[id] = st->col_text(1);
  }
  return {};
}

Result<std::vector<SampleInfo>> History::samples(Window w) {
  auto st = db_.prepare(fmt::format("SELECT {} FROM samples WHERE time>=? AND time<=? ORDER BY time,id", cols_));
  if (!st) return fail(st.error());
  st->bind(1, w.since).bind(2, w.until);
  std::vector<SampleInfo> out;
  while (st->step() == SQLITE_ROW) out.push_back(sample_from(*st));
  return out;
}

Result<std::vector<SampleInfo>> History::triggers(Window w) {
  auto all = samples(w);
  if (!all) return all;
  std::erase_if(*all, [](const SampleInfo& s) { return !s.full; });
  return all;
}

Result<std::vector<NodePoint>> History::node_series(Window w) {
  auto st = db_.prepare(
      fmt::format("SELECT {},node FROM samples WHERE time>=? AND time<=? ORDER BY time,id", cols_));
  if (!st) return fail(st.error());
  st->bind(1, w.since).bind(2, w.until);
  std::vector<NodePoint> out;
  while (st->step() == SQLITE_ROW) {
    auto n = decode_node(st->col_blob(13), names_);
    if (!n) {  // a frame this version cannot read is skipped, not fatal, and counted
      note_corrupt(st->col_int(1), "node", n.error());
      continue;
    }
    n->sample = sample_from(*st);
    n->cgroup_version = static_cast<CgroupVersion>(st->col_int(10));
    n->memory_on_v2 = st->col_int(11) != 0;
    n->kubelet_config_id = st->col_opt_int(12);
    out.push_back(std::move(*n));
  }
  return out;
}

Result<RecordedMoment> History::moment(int64_t sample_id) {
  auto st = db_.prepare(fmt::format("SELECT {},node,detail FROM samples WHERE id=?", cols_));
  if (!st) return fail(st.error());
  st->bind(1, sample_id);
  if (st->step() != SQLITE_ROW) return fail(Error{Error::Kind::kNotFound, db_.path(), 0, "no such sample"});
  RecordedMoment m;
  m.sample = sample_from(*st);
  Snapshot& s = m.snapshot;
  s.time = m.sample.time;
  s.boot_time = static_cast<uint64_t>(st->col_int(7));
  s.clock_ticks = static_cast<long>(st->col_int(8));
  s.page_size = static_cast<long>(st->col_int(9));
  s.cgroup_version = static_cast<CgroupVersion>(st->col_int(10));
  s.memory_on_v2 = st->col_int(11) != 0;
  auto node = decode_node(st->col_blob(13), names_);
  if (!node) return fail(node.error());
  node->sample = m.sample;
  node->cgroup_version = s.cgroup_version;
  node->memory_on_v2 = s.memory_on_v2;
  node->kubelet_config_id = st->col_opt_int(12);
  s.meminfo = node->meminfo;
  s.vmstat = node->vmstat;
  s.psi = node->psi;
  m.node = std::move(*node);
  auto detail = decode_detail(st->col_blob(14), names_);
  if (!detail) return fail(detail.error());
  s.slab = std::move(detail->slab);
  s.slab_readable = !s.slab.empty();

  auto cg = db_.prepare("SELECT c.path,c.inode,o.json FROM cgroups c LEFT JOIN owners o ON o.id=c.owner_id WHERE c.id=?");
  if (!cg) return fail(cg.error());
  for (auto& [id, c] : detail->cgroups) {
    cg->bind(1, id);
    if (cg->step() == SQLITE_ROW) {
      c.path = cg->col_text(0);
      c.inode = static_cast<uint64_t>(cg->col_int(1));
      m.cgroup_owners.push_back(cg->col_null(2) ? Owner{} : owner_from_json(cg->col_text(2)));
      s.cgroups.push_back(std::move(c));
    }
    cg->reset();
  }
  // The stored node cgroups (root, pods) are always there, even when the detail frame left them out.
  for (const auto* nc : {&m.node.root, &m.node.kubepods}) {
    if (!*nc || s.find_cgroup((*nc)->path)) continue;
    s.cgroups.push_back(**nc);
    m.cgroup_owners.push_back(Owner{});
  }
  for (auto& c : s.cgroups) complete_root_usage(c, s.meminfo, s.memory_on_v2);
  // Keep the snapshot contract: cgroups sorted by path, root first.
  {
    std::vector<size_t> idx(s.cgroups.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return s.cgroups[a].path < s.cgroups[b].path; });
    std::vector<Cgroup> cs;
    std::vector<Owner> os;
    for (size_t i : idx) {
      cs.push_back(std::move(s.cgroups[i]));
      os.push_back(std::move(m.cgroup_owners[i]));
    }
    s.cgroups = std::move(cs);
    m.cgroup_owners = std::move(os);
  }
  auto pr = db_.prepare(
      "SELECT p.pid,p.start_time,p.ppid,p.uid,p.comm,p.cmdline,p.exe,p.cwd,p.memory_cgroup,p.oom_score_adj,o.json,"
      "p.provenance,p.first_seen FROM processes p LEFT JOIN owners o ON o.id=p.owner_id WHERE p.id=?");
  if (!pr) return fail(pr.error());
  for (auto& [id, p] : detail->processes) {
    pr->bind(1, id);
    if (pr->step() == SQLITE_ROW) {
      p.pid = static_cast<int>(pr->col_int(0));
      p.start_time = static_cast<uint64_t>(pr->col_int(1));
      p.ppid = static_cast<int>(pr->col_int(2));
      if (!pr->col_null(3)) p.uid = static_cast<uint32_t>(pr->col_int(3));
      p.comm = pr->col_text(4);
      p.cmdline = split_cmdline(pr->col_text(5));
      p.exe = pr->col_opt_text(6);
      p.cwd = pr->col_opt_text(7);
      p.memory_cgroup = pr->col_opt_text(8);
      if (!pr->col_null(9)) p.oom_score_adj = static_cast<int>(pr->col_int(9));
      m.process_owners.push_back(pr->col_null(10) ? Owner{} : owner_from_json(pr->col_text(10)));
      m.process_provenance.push_back(pr->col_text(11));
      m.process_first_seen.push_back(pr->col_int(12));
      s.processes.push_back(std::move(p));
    }
    pr->reset();
  }
  return m;
}

Result<std::optional<RecordedMoment>> History::at(int64_t t, int64_t max_age) {
  auto st = db_.prepare("SELECT id,time FROM samples WHERE time<=? ORDER BY time DESC, id DESC LIMIT 1");
  if (!st) return fail(st.error());
  st->bind(1, t);
  if (st->step() != SQLITE_ROW) return std::optional<RecordedMoment>{};
  if (max_age >= 0 && st->col_int(1) < t - max_age) return std::optional<RecordedMoment>{};
  int64_t sample_time = st->col_int(1);
  auto m = moment(st->col_int(0));
  if (!m) return fail(m.error());
  // What lived between this sample and the next (or `t` when no later sample exists yet) and was not
  // stored by the sample: the exit capture saw it.
  auto next = db_.prepare("SELECT min(time) FROM samples WHERE time>?");
  if (!next) return fail(next.error());
  next->bind(1, sample_time);
  int64_t until = std::max(t, sample_time) + 1;
  if (next->step() == SQLITE_ROW && !next->col_null(0)) until = next->col_int(0);
  auto ex = exits_alive_between(sample_time, until);
  if (!ex) return fail(ex.error());
  for (auto& e : *ex) {
    bool stored = false;
    for (const auto& p : m->snapshot.processes)
      if (p.pid == e.process.pid && p.start_time == e.process.start_time) stored = true;
    if (!stored) m->exited.push_back(std::move(e));
  }
  return std::optional<RecordedMoment>(std::move(*m));
}

Result<CgroupSeries> History::cgroup_series(const std::string& path, Window w) {
  CgroupSeries out;
  out.path = path;
  auto ids = db_.prepare("SELECT c.id,c.inode,o.json FROM cgroups c LEFT JOIN owners o ON o.id=c.owner_id WHERE c.path=?");
  if (!ids) return fail(ids.error());
  ids->bind(1, std::string_view(path));
  std::unordered_map<int64_t, uint64_t> inode_of;
  while (ids->step() == SQLITE_ROW) {
    inode_of[ids->col_int(0)] = static_cast<uint64_t>(ids->col_int(1));
    out.inode = static_cast<uint64_t>(ids->col_int(1));
    if (!ids->col_null(2)) out.owner = owner_from_json(ids->col_text(2));
  }
  if (inode_of.empty()) return out;
  auto st = db_.prepare("SELECT time,detail FROM samples WHERE time>=? AND time<=? ORDER BY time,id");
  if (!st) return fail(st.error());
  st->bind(1, w.since).bind(2, w.until);
  while (st->step() == SQLITE_ROW) {
    auto d = decode_detail(st->col_blob(1), names_);
    if (!d) {
      note_corrupt(st->col_int(0), "detail", d.error());
      continue;
    }
    for (auto& [id, c] : d->cgroups) {
      auto it = inode_of.find(id);
      if (it == inode_of.end()) continue;
      c.path = path;
      c.inode = it->second;
      out.times.push_back(st->col_int(0));
      out.values.push_back(std::move(c));
    }
  }
  return out;
}

Result<std::vector<OwnerSeries>> History::owner_series(Window w, size_t limit) {
  struct Info {
    std::string label;
    Owner owner;
    bool top = true;  // no stored ancestor cgroup has the same owner
  };
  std::unordered_map<int64_t, Info> info;
  {
    auto st = db_.prepare("SELECT c.id,c.path,o.json FROM cgroups c LEFT JOIN owners o ON o.id=c.owner_id");
    if (!st) return fail(st.error());
    std::unordered_map<std::string, std::string> label_by_path;
    std::unordered_map<std::string, OwnerKind> kind_by_path;
    std::vector<std::pair<int64_t, std::string>> paths;
    while (st->step() == SQLITE_ROW) {
      Info in;
      in.owner = st->col_null(2) ? Owner{} : owner_from_json(st->col_text(2));
      std::string path = st->col_text(1);
      in.label = std::string(to_string(in.owner.kind)) + ":" + in.owner.label();
      // The root cgroup is the node, not an owner.
      if (path == "/") in.top = false;
      label_by_path[path] = in.label;
      kind_by_path[path] = in.owner.kind;
      paths.emplace_back(st->col_int(0), path);
      info.emplace(st->col_int(0), std::move(in));
    }
    for (auto& [id, path] : paths) {
      auto& in = info[id];
      for (std::string p = parent_path(path); !p.empty() && in.top; p = parent_path(p)) {
        auto it = label_by_path.find(p);
        if (it == label_by_path.end() || p == "/") continue;
        // Usage is hierarchical: a cgroup below one of the same owner, or a `cgroup` owner below
        // another (each is named by its own path), is already counted in its ancestor.
        if (it->second == in.label || (in.owner.kind == OwnerKind::kCgroup && kind_by_path[p] == OwnerKind::kCgroup))
          in.top = false;
      }
    }
  }
  std::map<std::string, OwnerSeries> by_label;
  auto st = db_.prepare("SELECT time,detail FROM samples WHERE time>=? AND time<=? ORDER BY time,id");
  if (!st) return fail(st.error());
  st->bind(1, w.since).bind(2, w.until);
  while (st->step() == SQLITE_ROW) {
    int64_t t = st->col_int(0);
    auto d = decode_detail(st->col_blob(1), names_);
    if (!d) {
      note_corrupt(st->col_int(0), "detail", d.error());
      continue;
    }
    std::map<std::string, std::pair<uint64_t, uint64_t>> sums;
    for (auto& [id, c] : d->cgroups) {
      auto it = info.find(id);
      if (it == info.end() || !it->second.top) continue;
      auto& s = sums[it->second.label];
      s.first += c.usage_bytes.value_or(0);
      s.second += working_set(c).value_or(0);
      if (by_label.find(it->second.label) == by_label.end()) {
        OwnerSeries os;
        os.owner = it->second.owner;
        os.label = it->second.owner.label();
        by_label.emplace(it->second.label, std::move(os));
      }
    }
    for (auto& [label, s] : sums) {
      auto& os = by_label[label];
      os.usage.push_back({t, s.first});
      os.working_set.push_back({t, s.second});
      os.peak_working_set = std::max(os.peak_working_set, s.second);
    }
  }
  std::vector<OwnerSeries> out;
  for (auto& [k, v] : by_label) out.push_back(std::move(v));
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.peak_working_set > b.peak_working_set; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<std::pair<int64_t, Process>>> History::process_series(uint64_t boot_time, int pid,
                                                                         uint64_t start_time, Window w) {
  std::vector<std::pair<int64_t, Process>> out;
  auto idq = db_.prepare("SELECT id,first_seen,last_seen FROM processes WHERE boot_time=? AND pid=? AND start_time=?");
  if (!idq) return fail(idq.error());
  idq->bind(1, static_cast<int64_t>(boot_time)).bind(2, int64_t{pid}).bind(3, static_cast<int64_t>(start_time));
  if (idq->step() != SQLITE_ROW) return out;
  int64_t id = idq->col_int(0);
  Window narrowed{std::max(w.since, idq->col_int(1)),
                  idq->col_null(2) ? w.until : std::min(w.until, idq->col_int(2))};
  auto st = db_.prepare("SELECT time,detail FROM samples WHERE time>=? AND time<=? ORDER BY time,id");
  if (!st) return fail(st.error());
  st->bind(1, narrowed.since).bind(2, narrowed.until);
  while (st->step() == SQLITE_ROW) {
    auto d = decode_detail(st->col_blob(1), names_);
    if (!d) {
      note_corrupt(st->col_int(0), "detail", d.error());
      continue;
    }
    for (auto& [pid_id, p] : d->processes)
      if (pid_id == id) {
        p.pid = pid;
        p.start_time = start_time;
        out.emplace_back(st->col_int(0), std::move(p));
      }
  }
  return out;
}

namespace {

// The event columns and, from schema 3, the victim's last reading with its identity row.
std::string event_select(int schema) {
  std::string s =
      "SELECT e.time,e.kind,e.source,e.dedupe_key,e.pid,e.comm,e.cgroup,e.owner_kind,e.namespace,e.pod,e.container,"
      "e.bytes,e.message,e.detail";
  if (schema >= 3)
    s += ",e.victim,p.boot_time,p.start_time,p.ppid,p.uid,p.comm,p.cmdline,p.exe,p.cwd,p.memory_cgroup,"
         "p.oom_score_adj,o.json,p.provenance,p.first_seen FROM events e LEFT JOIN processes p ON p.id=e.process_id "
         "LEFT JOIN owners o ON o.id=p.owner_id";
  else
    s += " FROM events e";
  return s;
}

std::optional<uint64_t> opt_u64(const nlohmann::json& j, const char* k) {
  auto it = j.find(k);
  if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

// Columns 14.. of event_select: the victim, when the row has one and its identity still exists.
std::optional<RecordedVictim> victim_from(const Stmt& st, int pid) {
  if (st.col_null(14) || st.col_null(15)) return std::nullopt;
  auto j = nlohmann::json::parse(st.col_text(14), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  RecordedVictim v;
  v.seen_at = j.value("seen_at", int64_t{0});
  v.boot_time = static_cast<uint64_t>(st.col_int(15));
  Process& p = v.process;
  p.pid = pid;
  p.start_time = static_cast<uint64_t>(st.col_int(16));
  p.ppid = static_cast<int>(st.col_int(17));
  if (!st.col_null(18)) p.uid = static_cast<uint32_t>(st.col_int(18));
  p.comm = st.col_text(19);
  p.cmdline = split_cmdline(st.col_text(20));
  p.exe = st.col_opt_text(21);
  p.cwd = st.col_opt_text(22);
  p.memory_cgroup = st.col_opt_text(23);
  if (!st.col_null(24)) p.oom_score_adj = static_cast<int>(st.col_int(24));
  if (!st.col_null(25)) v.owner = owner_from_json(st.col_text(25));
  v.provenance = st.col_text(26);
  v.first_seen = st.col_int(27);
  p.rss_bytes = opt_u64(j, "rss_bytes");
  p.rss_anon_bytes = opt_u64(j, "rss_anon_bytes");
  p.rss_file_bytes = opt_u64(j, "rss_file_bytes");
  p.rss_shmem_bytes = opt_u64(j, "rss_shmem_bytes");
  p.swap_bytes = opt_u64(j, "swap_bytes");
  if (auto it = j.find("memory_cgroup"); it != j.end() && it->is_string()) p.memory_cgroup = it->get<std::string>();
  return v;
}

}  // namespace

Result<std::vector<ProcessExit>> History::query_exits(const std::string& where, int64_t a, int64_t b, int pid) {
  std::vector<ProcessExit> out;
  if (schema_ < 4) return out;
  std::string sql =
      "SELECT p.pid,p.start_time,p.ppid,p.uid,p.comm,p.memory_cgroup,o.json,p.provenance,e.time,e.start,e.peak_rss,"
      "e.peak_exact,e.run_us,e.cpu_us,e.exit_code,e.memcg_id,e.parent_pid,e.parent_start_time,e.parent_comm,e.source "
      "FROM exits e JOIN processes p ON p.id=e.process_id LEFT JOIN owners o ON o.id=p.owner_id WHERE " +
      where + (pid > 0 ? " AND p.pid=?" : "") + " ORDER BY e.time,e.process_id";
  auto st = db_.prepare(sql);
  if (!st) return fail(st.error());
  st->bind(1, a).bind(2, b);
  if (pid > 0) st->bind(3, int64_t{pid});
  while (st->step() == SQLITE_ROW) {
    ProcessExit e;
    Process& p = e.process;
    p.pid = static_cast<int>(st->col_int(0));
    p.start_time = static_cast<uint64_t>(st->col_int(1));
    p.ppid = static_cast<int>(st->col_int(2));
    if (!st->col_null(3)) p.uid = static_cast<uint32_t>(st->col_int(3));
    p.comm = st->col_text(4);
    p.memory_cgroup = st->col_opt_text(5);
    e.owner = st->col_null(6) ? Owner{} : owner_from_json(st->col_text(6));
    e.provenance = st->col_text(7);
    e.time = st->col_int(8);
    e.start = st->col_int(9);
    e.peak_rss_bytes = static_cast<uint64_t>(st->col_int(10));
    p.rss_bytes = e.peak_rss_bytes;
    e.peak_exact = st->col_int(11) != 0;
    e.run_us = st->col_int(12);
    e.cpu_us = st->col_int(13);
    e.exit_code = static_cast<int>(st->col_int(14));
    if (!st->col_null(15)) e.memcg_id = static_cast<uint64_t>(st->col_int(15));
    e.parent_pid = static_cast<int>(st->col_int(16));
    e.parent_start_time = static_cast<uint64_t>(st->col_int(17));
    e.parent_comm = st->col_text(18);
    e.source = st->col_text(19);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<ProcessExit>> History::exits(Window w, int pid) {
  return query_exits("e.time>=? AND e.time<=?", w.since, w.until, pid);
}

Result<std::vector<ProcessExit>> History::exits_alive_between(int64_t from, int64_t to) {
  return query_exits("e.time>=? AND e.start<?", from, to, 0);
}

Result<std::vector<ExitGroup>> History::exit_groups(Window w) {
  std::vector<ExitGroup> out;
  if (schema_ < 4) return out;
  auto st = db_.prepare(
      "SELECT g.since,g.time,g.cgroup,o.json,g.count,g.failed,g.max_peak,g.max_pid,g.max_comm,g.sum_run_us,"
      "g.sum_cpu_us FROM exit_groups g LEFT JOIN owners o ON o.id=g.owner_id WHERE g.time>=? AND g.time<=? "
      "ORDER BY g.time,g.id");
  if (!st) return fail(st.error());
  st->bind(1, w.since).bind(2, w.until);
  while (st->step() == SQLITE_ROW) {
    ExitGroup g;
    g.since = st->col_int(0);
    g.time = st->col_int(1);
    g.cgroup = st->col_text(2);
    g.owner = st->col_null(3) ? Owner{} : owner_from_json(st->col_text(3));
    g.count = static_cast<uint64_t>(st->col_int(4));
    g.failed = static_cast<uint64_t>(st->col_int(5));
    g.max_peak_bytes = static_cast<uint64_t>(st->col_int(6));
    g.max_pid = static_cast<int>(st->col_int(7));
    g.max_comm = st->col_text(8);
    g.sum_run_us = st->col_int(9);
    g.sum_cpu_us = st->col_int(10);
    out.push_back(std::move(g));
  }
  return out;
}

Result<std::vector<RecordedEvent>> History::events(Window w, const std::string& kind) {
  std::string sql = event_select(schema_) + " WHERE e.time>=? AND e.time<=?";
  if (!kind.empty()) sql += " AND e.kind=?";
  sql += " ORDER BY e.time,e.id";
  return query_events(sql, w, kind);
}

Result<std::optional<RecordedEvent>> History::last_kill_of(int pid, int64_t t) {
  auto st = db_.prepare(event_select(schema_) +
                        " WHERE e.kind='oom_kill' AND e.pid=? AND e.time<=? ORDER BY e.time DESC,e.id DESC LIMIT 1");
  if (!st) return fail(st.error());
  st->bind(1, int64_t{pid}).bind(2, t);
  auto all = read_events(*st);
  if (all.empty()) return std::optional<RecordedEvent>{};
  return std::optional<RecordedEvent>(std::move(all.front()));
}

Result<std::optional<int64_t>> History::last_stored_time(int pid, int64_t t) {
  // last_seen is NULL while a process is alive at the latest sample.
  auto st = db_.prepare("SELECT max(min(coalesce(last_seen, ?2), ?2)) FROM processes WHERE pid=?1 AND first_seen<=?2");
  if (!st) return fail(st.error());
  st->bind(1, int64_t{pid}).bind(2, t);
  if (st->step() != SQLITE_ROW || st->col_null(0)) return std::optional<int64_t>{};
  return std::optional<int64_t>(st->col_int(0));
}

Result<std::vector<RecordedEvent>> History::query_events(const std::string& sql, Window w, const std::string& kind) {
  auto st = db_.prepare(sql);
  if (!st) return fail(st.error());
  st->bind(1, w.since).bind(2, w.until);
  if (!kind.empty()) st->bind(3, std::string_view(kind));
  return read_events(*st);
}

std::vector<RecordedEvent> History::read_events(Stmt& st) {
  std::vector<RecordedEvent> out;
  while (st.step() == SQLITE_ROW) {
    RecordedEvent e;
    e.time = st.col_int(0);
    e.kind = st.col_text(1);
    e.source = st.col_text(2);
    e.dedupe_key = st.col_text(3);
    e.pid = st.col_opt_int(4);
    e.comm = st.col_opt_text(5);
    e.cgroup = st.col_opt_text(6);
    e.owner_kind = st.col_opt_text(7);
    e.namespace_ = st.col_opt_text(8);
    e.pod = st.col_opt_text(9);
    e.container = st.col_opt_text(10);
    e.bytes = st.col_opt_int(11);
    e.message = st.col_text(12);
    e.detail = st.col_text(13);
    if (schema_ >= 3 && e.pid) e.victim = victim_from(st, static_cast<int>(*e.pid));
    out.push_back(std::move(e));
  }
  return out;
}

k8s::KubeletConfig History::kubelet_config(std::optional<int64_t> id) {
  if (!id) return k8s::default_kubelet_config();
  if (auto it = kubelet_configs_.find(*id); it != kubelet_configs_.end()) return it->second;
  k8s::KubeletConfig c = k8s::default_kubelet_config();
  if (auto st = db_.prepare("SELECT json FROM kubelet_configs WHERE id=?")) {
    st->bind(1, *id);
    if (st->step() == SQLITE_ROW) c = kubelet_config_from_json(st->col_text(0));
  }
  kubelet_configs_.emplace(*id, c);
  return c;
}

Result<std::optional<std::pair<int64_t, int64_t>>> History::extent() {
  auto st = db_.prepare("SELECT min(time),max(time) FROM samples");
  if (!st) return fail(st.error());
  if (st->step() != SQLITE_ROW || st->col_null(0)) return std::optional<std::pair<int64_t, int64_t>>{};
  return std::optional<std::pair<int64_t, int64_t>>(std::pair{st->col_int(0), st->col_int(1)});
}

}  // namespace ms::store
