#include "store/writer.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "store/file_modes.hpp"
#include "store/frame.hpp"
#include "store/owner_json.hpp"
#include "store/schema.hpp"
#include "util/escape.hpp"
#include "util/redact.hpp"

namespace ms::store {

namespace {

std::string cgroup_key(const Cgroup& c) {
  return c.path + '\0' + std::to_string(c.inode);
}

// Some processes carry argv of tens of KiB (a test harness, a java classpath): an identity row stays
// small, the first 4 KiB tell who it is.
constexpr size_t kMaxCmdline = 4096;

std::string join_cmdline(const std::vector<std::string>& raw, bool redact) {
  // Redacted whole before it is cut: a secret straddling the cut would otherwise be cut, not hidden.
  const std::vector<std::string>& argv = redact ? redact_argv(raw) : raw;
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s.push_back(' ');
    s += a;
    if (s.size() >= kMaxCmdline) {
      s.resize(kMaxCmdline);
      break;
    }
  }
  return s;
}

// The memory of a victim's last reading, kept in the event row (identity lives in `processes`).
std::string victim_memory_json(const RecordedVictim& v) {
  nlohmann::ordered_json j;
  j["seen_at"] = v.seen_at;
  const Process& p = v.process;
  auto put = [&](const char* k, const std::optional<uint64_t>& x) {
    if (x) j[k] = *x;
  };
  put("rss_bytes", p.rss_bytes);
  put("rss_anon_bytes", p.rss_anon_bytes);
  put("rss_file_bytes", p.rss_file_bytes);
  put("rss_shmem_bytes", p.rss_shmem_bytes);
  put("swap_bytes", p.swap_bytes);
  if (p.memory_cgroup) j["memory_cgroup"] = utf8_sanitize(*p.memory_cgroup);
  return j.dump();
}

uint64_t file_size(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

Result<std::unique_ptr<StoreWriter>> StoreWriter::open(const std::string& path, WriterOptions opts) {
  auto notes = prepare_db_location(path);
  if (!notes) return fail(notes.error());
  auto db = Db::open(path, false);
  if (!db) return fail(db.error());
  std::unique_ptr<StoreWriter> w(new StoreWriter());
  w->notes_ = std::move(*notes);
  w->db_ = std::move(*db);
  w->opts_ = opts;
  if (auto r = configure_writer(w->db_); !r) return fail(r.error());
  if (auto r = migrate(w->db_); !r) return fail(r.error());
  // Only now is it known to be memsleuth's database: an older memsleuth created it 0644.
  for (auto& n : tighten_db_files(path)) w->notes_.push_back(std::move(n));
  // A previous recorder that died (kill -9) left rows of processes it had not yet seen go: they
  // were last stored at the last sample at most.
  auto r = w->db_.exec(
      "UPDATE processes SET last_seen=(SELECT max(time) FROM samples) WHERE last_seen IS NULL;"
      "UPDATE cgroups SET last_seen=(SELECT max(time) FROM samples) WHERE last_seen IS NULL;");
  if (!r) return fail(r.error());
  return w;
}

StoreWriter::~StoreWriter() = default;

void StoreWriter::forget_caches() {
  // Ids handed out inside a rolled-back transaction do not exist: look everything up again.
  keys_.clear();
  owners_.clear();
  kubelet_config_.reset();
  procs_.clear();
  cgroups_.clear();
}

Result<int64_t> StoreWriter::key_id(std::string_view name) {
  std::string k(name);
  if (auto it = keys_.find(k); it != keys_.end()) return it->second;
  auto ins = db_.prepare("INSERT OR IGNORE INTO keys(name) VALUES(?)");
  if (!ins) return fail(ins.error());
  if (auto r = ins->bind(1, std::string_view(k)).run(); !r) return fail(db_.error("insert key"));
  auto sel = db_.prepare("SELECT id FROM keys WHERE name=?");
  if (!sel) return fail(sel.error());
  sel->bind(1, std::string_view(k));
  if (sel->step() != SQLITE_ROW) return fail(db_.error("select key"));
  int64_t id = sel->col_int(0);
  keys_.emplace(std::move(k), id);
  return id;
}

Result<int64_t> StoreWriter::owner_id(const Owner& o) {
  std::string json = owner_to_json(o);
  if (auto it = owners_.find(json); it != owners_.end()) return it->second;
  auto ins = db_.prepare("INSERT OR IGNORE INTO owners(kind,label,json) VALUES(?,?,?)");
  if (!ins) return fail(ins.error());
  std::string label = o.label();  // raw bytes: SQLite TEXT keeps them, renderers escape them
  if (auto r = ins->bind(1, std::string_view(to_string(o.kind)))
                   .bind(2, std::string_view(label))
                   .bind(3, std::string_view(json))
                   .run();
      !r)
    return fail(db_.error("insert owner"));
  auto sel = db_.prepare("SELECT id FROM owners WHERE json=?");
  if (!sel) return fail(sel.error());
  sel->bind(1, std::string_view(json));
  if (sel->step() != SQLITE_ROW) return fail(db_.error("select owner"));
  int64_t id = sel->col_int(0);
  owners_.emplace(std::move(json), id);
  return id;
}

Result<std::optional<int64_t>> StoreWriter::kubelet_config_id(const std::string& json) {
  if (json.empty()) return std::optional<int64_t>{};
  if (kubelet_config_ && kubelet_config_->first == json) return std::optional<int64_t>(kubelet_config_->second);
  auto ins = db_.prepare("INSERT OR IGNORE INTO kubelet_configs(json) VALUES(?)");
  if (!ins) return fail(ins.error());
  if (!ins->bind(1, std::string_view(json)).run()) return fail(db_.error("insert kubelet settings"));
  auto sel = db_.prepare("SELECT id FROM kubelet_configs WHERE json=?");
  if (!sel) return fail(sel.error());
  sel->bind(1, std::string_view(json));
  if (sel->step() != SQLITE_ROW) return fail(db_.error("select kubelet settings"));
  kubelet_config_ = std::pair{json, sel->col_int(0)};
  return std::optional<int64_t>(kubelet_config_->second);
}

Result<int64_t> StoreWriter::process_id(const Snapshot& s, const Process& p, const SampleInput& in) {
  ProcKey key{s.boot_time, p.start_time, p.pid};
  if (auto it = procs_.find(key); it != procs_.end()) {
    it->second.generation = generation_;
    it->second.last_time = s.time;
    if (it->second.comm != p.comm) {
      if (auto r = refresh_after_exec(it->second.id, p, in); !r) return fail(r.error());
      it->second.comm = p.comm;
    }
    return it->second.id;
  }
  auto sel = db_.prepare("SELECT id, comm FROM processes WHERE boot_time=? AND pid=? AND start_time=?");
  if (!sel) return fail(sel.error());
  sel->bind(1, static_cast<int64_t>(s.boot_time)).bind(2, int64_t{p.pid}).bind(3, static_cast<int64_t>(p.start_time));
  int64_t id = 0;
  if (sel->step() == SQLITE_ROW) {
    id = sel->col_int(0);
    bool execd = sel->col_text(1) != p.comm;
    auto up = db_.prepare("UPDATE processes SET last_seen=NULL WHERE id=?");
    if (!up || !up->bind(1, id).run()) return fail(db_.error("revive process"));
    if (execd)
      if (auto r = refresh_after_exec(id, p, in); !r) return fail(r.error());
  } else {
    Process first = p;
    if (in.complete_process) in.complete_process(first);
    std::optional<int64_t> oid;
    if (in.process_owner) {
      auto o = owner_id(in.process_owner(first));
      if (!o) return fail(o.error());
      oid = *o;
    }
    std::optional<std::string> prov;
    if (in.process_provenance) prov = in.process_provenance(first);
    auto ins = db_.prepare(
        "INSERT INTO processes(boot_time,pid,start_time,ppid,uid,comm,cmdline,exe,cwd,memory_cgroup,oom_score_adj,"
        "owner_id,provenance,first_seen) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins) return fail(ins.error());
    ins->bind(1, static_cast<int64_t>(s.boot_time))
        .bind(2, int64_t{p.pid})
        .bind(3, static_cast<int64_t>(p.start_time))
        .bind(4, int64_t{first.ppid})
        .bind_opt(5, first.uid ? std::optional<int64_t>(*first.uid) : std::nullopt)
        .bind(6, std::string_view(first.comm))
        .bind(7, std::string_view(join_cmdline(first.cmdline, opts_.redact_secrets)))
        .bind_opt(8, first.exe)
        .bind_opt(9, first.cwd)
        .bind_opt(10, first.memory_cgroup)
        .bind_opt(11, first.oom_score_adj ? std::optional<int64_t>(*first.oom_score_adj) : std::nullopt)
        .bind_opt(12, oid)
        .bind_opt(13, prov)
        .bind(14, s.time);
    if (!ins->run()) return fail(db_.error("insert process"));
    id = db_.last_insert_id();
  }
  procs_.emplace(key, Live{id, generation_, s.time, p.comm});
  return id;
}

Result<void> StoreWriter::refresh_after_exec(int64_t id, const Process& p, const SampleInput& in) {
  Process now = p;
  if (in.complete_process) in.complete_process(now);
  auto up = db_.prepare("UPDATE processes SET comm=?, cmdline=?, exe=? WHERE id=?");
  if (!up) return fail(up.error());
  up->bind(1, std::string_view(now.comm))
      .bind(2, std::string_view(join_cmdline(now.cmdline, opts_.redact_secrets)))
      .bind_opt(3, now.exe)
      .bind(4, id);
  if (!up->run()) return fail(db_.error("update process after exec"));
  return {};
}

Result<int64_t> StoreWriter::cgroup_id(const Cgroup& c, const SampleInput& in, int64_t now) {
  std::string key = cgroup_key(c);
  if (auto it = cgroups_.find(key); it != cgroups_.end()) {
    it->second.generation = generation_;
    it->second.last_time = now;
    return it->second.id;
  }
  auto sel = db_.prepare("SELECT id FROM cgroups WHERE path=? AND inode=?");
  if (!sel) return fail(sel.error());
  sel->bind(1, std::string_view(c.path)).bind(2, static_cast<int64_t>(c.inode));
  int64_t id = 0;
  if (sel->step() == SQLITE_ROW) {
    id = sel->col_int(0);
    auto up = db_.prepare("UPDATE cgroups SET last_seen=NULL WHERE id=?");
    if (!up || !up->bind(1, id).run()) return fail(db_.error("revive cgroup"));
  } else {
    std::optional<int64_t> oid;
    if (in.cgroup_owner) {
      auto o = owner_id(in.cgroup_owner(c));
      if (!o) return fail(o.error());
      oid = *o;
    }
    auto ins = db_.prepare("INSERT INTO cgroups(path,inode,owner_id,first_seen) VALUES(?,?,?,?)");
    if (!ins) return fail(ins.error());
    ins->bind(1, std::string_view(c.path)).bind(2, static_cast<int64_t>(c.inode)).bind_opt(3, oid).bind(4, now);
    if (!ins->run()) return fail(db_.error("insert cgroup"));
    id = db_.last_insert_id();
  }
  cgroups_.emplace(std::move(key), Live{id, generation_, now});
  return id;
}

Result<void> StoreWriter::sweep(int64_t) {
  // Mark and sweep: what was stored before but not in this sample gets its last_seen, once.
  auto up = db_.prepare("UPDATE processes SET last_seen=? WHERE id=?");
  if (!up) return fail(up.error());
  for (auto it = procs_.begin(); it != procs_.end();) {
    if (it->second.generation == generation_) {
      ++it;
      continue;
    }
    if (!up->bind(1, it->second.last_time).bind(2, it->second.id).run()) return fail(db_.error("sweep process"));
    it = procs_.erase(it);
  }
  auto upc = db_.prepare("UPDATE cgroups SET last_seen=? WHERE id=?");
  if (!upc) return fail(upc.error());
  for (auto it = cgroups_.begin(); it != cgroups_.end();) {
    if (it->second.generation == generation_) {
      ++it;
      continue;
    }
    if (!upc->bind(1, it->second.last_time).bind(2, it->second.id).run()) return fail(db_.error("sweep cgroup"));
    it = cgroups_.erase(it);
  }
  return {};
}

Result<int64_t> StoreWriter::write_locked(const SampleInput& in) {
  const Snapshot& s = *in.snapshot;
  std::optional<Error> key_err;
  KeyIdFn key = [&](std::string_view name) -> uint64_t {
    auto id = key_id(name);
    if (!id) {
      if (!key_err) key_err = id.error();
      return 0;
    }
    return static_cast<uint64_t>(*id);
  };
  std::vector<DetailCgroup> cgs;
  cgs.reserve(in.cgroups.size());
  for (size_t i : in.cgroups) {
    if (i >= s.cgroups.size()) continue;
    auto id = cgroup_id(s.cgroups[i], in, s.time);
    if (!id) return fail(id.error());
    cgs.push_back({*id, &s.cgroups[i]});
  }
  std::vector<DetailProcess> procs;
  procs.reserve(in.processes.size());
  for (size_t i : in.processes) {
    if (i >= s.processes.size()) continue;
    auto id = process_id(s, s.processes[i], in);
    if (!id) return fail(id.error());
    procs.push_back({*id, &s.processes[i]});
  }
  const Cgroup* pods = in.pods_cgroup.empty() ? nullptr : s.find_cgroup(in.pods_cgroup);
  std::string node = encode_node(s, in.full, key, pods);
  auto kcfg = kubelet_config_id(in.kubelet_config_json);
  if (!kcfg) return fail(kcfg.error());
  std::string detail = encode_detail(s, std::move(cgs), std::move(procs), in.full, key);
  if (key_err) return fail(*key_err);
  auto ins = db_.prepare(
      "INSERT INTO samples(time,full,trigger,boot_time,clock_ticks,page_size,cgroup_version,memory_on_v2,duration_us,"
      "nr_processes,nr_cgroups,node,detail,kubelet_config_id) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins) return fail(ins.error());
  ins->bind(1, s.time)
      .bind(2, int64_t{in.full})
      .bind_opt(3, in.trigger.empty() ? std::nullopt : std::optional<std::string>(in.trigger))
      .bind(4, static_cast<int64_t>(s.boot_time))
      .bind(5, int64_t{s.clock_ticks})
      .bind(6, int64_t{s.page_size})
      .bind(7, static_cast<int64_t>(s.cgroup_version))
      .bind(8, int64_t{s.memory_on_v2})
      .bind(9, in.duration_us)
      .bind(10, static_cast<int64_t>(s.processes.size()))
      .bind(11, static_cast<int64_t>(s.cgroups.size()))
      .bind_blob(12, node)
      .bind_blob(13, detail)
      .bind_opt(14, *kcfg);
  if (!ins->run()) return fail(db_.error("insert sample"));
  int64_t id = db_.last_insert_id();
  if (auto r = sweep(s.time); !r) return fail(r.error());
  return id;
}

template <class T, class F>
Result<T> StoreWriter::in_transaction(F&& body) {
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) {
    forget_caches();
    return fail(r.error());
  }
  Result<T> out = body();
  if (out) {
    if (auto c = db_.exec("COMMIT"); !c) out = fail(c.error());
  }
  if (!out) {
    int rc = db_.last_rc();
    (void)db_.exec("ROLLBACK");
    forget_caches();
    auto e = out.error();
    if (rc == SQLITE_FULL) e.message = "disk full: " + e.message;
    return fail(e);
  }
  return out;
}

Result<int64_t> StoreWriter::write_sample(const SampleInput& in) {
  if (!in.snapshot) return fail(Error::invalid("no snapshot"));
  ++generation_;
  return in_transaction<int64_t>([&] { return write_locked(in); });
}

Result<std::optional<int64_t>> StoreWriter::victim_process_id(const RecordedVictim& v) {
  const Process& p = v.process;
  auto sel = db_.prepare("SELECT id FROM processes WHERE boot_time=? AND pid=? AND start_time=?");
  if (!sel) return fail(sel.error());
  sel->bind(1, static_cast<int64_t>(v.boot_time)).bind(2, int64_t{p.pid}).bind(3, static_cast<int64_t>(p.start_time));
  if (sel->step() == SQLITE_ROW)
    return std::optional<int64_t>(sel->col_int(0));  // a sample stored it: keep its first sight
  auto oid = owner_id(v.owner);
  if (!oid) return fail(oid.error());
  auto ins = db_.prepare(
      "INSERT INTO processes(boot_time,pid,start_time,ppid,uid,comm,cmdline,exe,cwd,memory_cgroup,oom_score_adj,"
      "owner_id,provenance,first_seen,last_seen) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins) return fail(ins.error());
  ins->bind(1, static_cast<int64_t>(v.boot_time))
      .bind(2, int64_t{p.pid})
      .bind(3, static_cast<int64_t>(p.start_time))
      .bind(4, int64_t{p.ppid})
      .bind_opt(5, p.uid ? std::optional<int64_t>(*p.uid) : std::nullopt)
      .bind(6, std::string_view(p.comm))
      .bind(7, std::string_view(join_cmdline(p.cmdline, opts_.redact_secrets)))
      .bind_opt(8, p.exe)
      .bind_opt(9, p.cwd)
      .bind_opt(10, p.memory_cgroup)
      .bind_opt(11, p.oom_score_adj ? std::optional<int64_t>(*p.oom_score_adj) : std::nullopt)
      .bind(12, *oid)
      .bind(13, std::string_view(v.provenance))
      .bind(14, v.seen_at)
      .bind(15, v.seen_at);
  if (!ins->run()) return fail(db_.error("insert victim"));
  return std::optional<int64_t>(db_.last_insert_id());
}

Result<int64_t> StoreWriter::exited_process_id(uint64_t boot_time, const ProcessExit& e) {
  const Process& p = e.process;
  ProcKey key{boot_time, p.start_time, p.pid};
  int64_t id = 0;
  if (auto it = procs_.find(key); it != procs_.end()) {
    // Stored by samples and still in the cache: its life ends now, not at the next sweep.
    id = it->second.id;
    procs_.erase(it);
  } else {
    auto sel = db_.prepare("SELECT id FROM processes WHERE boot_time=? AND pid=? AND start_time=?");
    if (!sel) return fail(sel.error());
    sel->bind(1, static_cast<int64_t>(boot_time)).bind(2, int64_t{p.pid}).bind(3, static_cast<int64_t>(p.start_time));
    if (sel->step() == SQLITE_ROW) id = sel->col_int(0);
  }
  if (id != 0) {
    auto up = db_.prepare("UPDATE processes SET last_seen=? WHERE id=?");
    if (!up || !up->bind(1, e.time).bind(2, id).run()) return fail(db_.error("exit of a stored process"));
    return id;
  }
  // Never sampled: its identity as the kernel reported it at exit, recorded when it ended.
  auto o = owner_id(e.owner);
  if (!o) return fail(o.error());
  auto ins = db_.prepare(
      "INSERT INTO processes(boot_time,pid,start_time,ppid,uid,comm,cmdline,memory_cgroup,owner_id,provenance,"
      "first_seen,last_seen) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins) return fail(ins.error());
  ins->bind(1, static_cast<int64_t>(boot_time))
      .bind(2, int64_t{p.pid})
      .bind(3, static_cast<int64_t>(p.start_time))
      .bind(4, int64_t{p.ppid})
      .bind_opt(5, p.uid ? std::optional<int64_t>(*p.uid) : std::nullopt)
      .bind(6, std::string_view(p.comm))
      .bind(7, std::string_view(join_cmdline(p.cmdline, opts_.redact_secrets)))
      .bind_opt(8, p.memory_cgroup)
      .bind(9, *o)
      .bind_opt(10, e.provenance.empty() ? std::nullopt : std::optional<std::string>(e.provenance))
      .bind(11, e.time)
      .bind(12, e.time);
  if (!ins->run()) return fail(db_.error("insert exited process"));
  return db_.last_insert_id();
}

Result<int> StoreWriter::write_exits_locked(const ExitBatch& batch) {
  int added = 0;
  if (!batch.exits.empty()) {
    auto ins = db_.prepare(
        "INSERT OR IGNORE INTO exits(process_id,time,start,peak_rss,peak_exact,run_us,cpu_us,exit_code,memcg_id,"
        "parent_pid,parent_start_time,parent_comm,source) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins) return fail(ins.error());
    for (const auto& e : batch.exits) {
      auto id = exited_process_id(batch.boot_time, e);
      if (!id) return fail(id.error());
      ins->bind(1, *id)
          .bind(2, e.time)
          .bind(3, e.start)
          .bind(4, static_cast<int64_t>(e.peak_rss_bytes))
          .bind(5, int64_t{e.peak_exact})
          .bind(6, e.run_us)
          .bind(7, e.cpu_us)
          .bind(8, int64_t{e.exit_code})
          .bind_opt(9, e.memcg_id ? std::optional<int64_t>(static_cast<int64_t>(*e.memcg_id)) : std::nullopt)
          .bind(10, int64_t{e.parent_pid})
          .bind(11, static_cast<int64_t>(e.parent_start_time))
          .bind(12, std::string_view(e.parent_comm))
          .bind(13, std::string_view(e.source));
      if (!ins->run()) return fail(db_.error("insert exit"));
      added += db_.changes();
    }
  }
  if (!batch.groups.empty()) {
    auto ins = db_.prepare(
        "INSERT INTO exit_groups(since,time,cgroup,owner_id,count,failed,max_peak,max_pid,max_comm,sum_run_us,"
        "sum_cpu_us) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins) return fail(ins.error());
    for (const auto& g : batch.groups) {
      auto o = owner_id(g.owner);
      if (!o) return fail(o.error());
      ins->bind(1, g.since)
          .bind(2, g.time)
          .bind(3, std::string_view(g.cgroup))
          .bind(4, *o)
          .bind(5, static_cast<int64_t>(g.count))
          .bind(6, static_cast<int64_t>(g.failed))
          .bind(7, static_cast<int64_t>(g.max_peak_bytes))
          .bind(8, int64_t{g.max_pid})
          .bind(9, std::string_view(g.max_comm))
          .bind(10, g.sum_run_us)
          .bind(11, g.sum_cpu_us);
      if (!ins->run()) return fail(db_.error("insert exit group"));
    }
  }
  return added;
}

Result<int> StoreWriter::write_exits(const ExitBatch& batch) {
  if (batch.empty()) return 0;
  return in_transaction<int>([&] { return write_exits_locked(batch); });
}

Result<int> StoreWriter::write_events(const std::vector<RecordedEvent>& events) {
  if (events.empty()) return 0;
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return fail(r.error());
  auto ins = db_.prepare(
      "INSERT OR IGNORE INTO events(time,kind,source,dedupe_key,pid,comm,cgroup,owner_kind,namespace,pod,container,"
      "bytes,message,detail,process_id,victim) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins) {
    (void)db_.exec("ROLLBACK");
    return fail(ins.error());
  }
  int added = 0;
  for (const auto& e : events) {
    std::optional<int64_t> pid_row;
    std::optional<std::string> victim;
    if (e.victim) {
      auto id = victim_process_id(*e.victim);
      if (!id) {
        (void)db_.exec("ROLLBACK");
        forget_caches();
        return fail(id.error());
      }
      pid_row = *id;
      victim = victim_memory_json(*e.victim);
    }
    ins->bind(1, e.time)
        .bind(2, std::string_view(e.kind))
        .bind(3, std::string_view(e.source))
        .bind_opt(4, e.dedupe_key.empty() ? std::nullopt : std::optional<std::string>(e.dedupe_key))
        .bind_opt(5, e.pid)
        .bind_opt(6, e.comm)
        .bind_opt(7, e.cgroup)
        .bind_opt(8, e.owner_kind)
        .bind_opt(9, e.namespace_)
        .bind_opt(10, e.pod)
        .bind_opt(11, e.container)
        .bind_opt(12, e.bytes)
        .bind(13, std::string_view(e.message))
        .bind(14, std::string_view(e.detail))
        .bind_opt(15, pid_row)
        .bind_opt(16, victim);
    if (!ins->run()) {
      auto err = db_.error("insert event");
      (void)db_.exec("ROLLBACK");
      return fail(err);
    }
    added += db_.changes();
  }
  if (auto c = db_.exec("COMMIT"); !c) {
    (void)db_.exec("ROLLBACK");
    return fail(c.error());
  }
  return added;
}

uint64_t StoreWriter::db_bytes() const {
  return file_size(db_.path()) + file_size(db_.path() + "-wal");
}

Result<RetentionResult> StoreWriter::enforce_retention(int64_t now) {
  RetentionResult res;
  auto step = [&](const std::string& sql) -> Result<void> { return db_.exec(sql); };
  // Age: at most once a minute, it scans the time index.
  if (now - last_time_retention_ >= 60) {
    int64_t cutoff = now - opts_.retain_seconds;
    auto r = step(
        fmt::format("BEGIN IMMEDIATE; DELETE FROM samples WHERE time < {0}; DELETE FROM events WHERE time < {0};"
                    "DELETE FROM exits WHERE time < {0}; DELETE FROM exit_groups WHERE time < {0};"
                    "DELETE FROM processes WHERE last_seen IS NOT NULL AND last_seen < {0};"
                    "DELETE FROM cgroups WHERE last_seen IS NOT NULL AND last_seen < {0};"
                    "DELETE FROM owners WHERE id NOT IN (SELECT owner_id FROM processes WHERE owner_id IS NOT NULL)"
                    " AND id NOT IN (SELECT owner_id FROM cgroups WHERE owner_id IS NOT NULL)"
                    " AND id NOT IN (SELECT owner_id FROM exit_groups WHERE owner_id IS NOT NULL); COMMIT;",
                    cutoff));
    if (!r) {
      (void)db_.exec("ROLLBACK");
      return fail(r.error());
    }
    res.samples_deleted += db_.changes();
    last_time_retention_ = now;
  }
  // Size: the live pages (not the file, which only shrinks after a vacuum) against the budget. The WAL
  // is bounded apart (wal_autocheckpoint, journal_size_limit). Oldest samples go first, a tenth at a time.
  for (int round = 0; round < 20; ++round) {
    auto pages = db_.query_int("PRAGMA page_count");
    auto freel = db_.query_int("PRAGMA freelist_count");
    auto psize = db_.query_int("PRAGMA page_size");
    if (!pages || !freel || !psize) return fail(db_.error("page count"));
    uint64_t used = static_cast<uint64_t>((*pages - *freel) * *psize);
    if (used <= opts_.max_db_bytes) break;
    auto n = db_.query_int("SELECT count(*) FROM samples");
    if (!n) return fail(n.error());
    if (*n <= 1) break;
    int64_t drop = std::max<int64_t>(1, *n / 10);
    auto r = step(fmt::format(
        "BEGIN IMMEDIATE; DELETE FROM samples WHERE id IN (SELECT id FROM samples ORDER BY time LIMIT {0});"
        "DELETE FROM events WHERE time < (SELECT min(time) FROM samples);"
        "DELETE FROM exits WHERE time < (SELECT min(time) FROM samples);"
        "DELETE FROM exit_groups WHERE time < (SELECT min(time) FROM samples);"
        "DELETE FROM processes WHERE last_seen IS NOT NULL AND last_seen < (SELECT min(time) FROM samples);"
        "DELETE FROM cgroups WHERE last_seen IS NOT NULL AND last_seen < (SELECT min(time) FROM samples); COMMIT;",
        drop));
    if (!r) {
      (void)db_.exec("ROLLBACK");
      return fail(r.error());
    }
    res.samples_deleted += drop;
    res.size_limited = true;
  }
  if (res.size_limited) {
    // Give the freed pages back to the filesystem and cut the WAL down.
    (void)db_.exec("PRAGMA incremental_vacuum");
    (void)db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  return res;
}

}  // namespace ms::store
