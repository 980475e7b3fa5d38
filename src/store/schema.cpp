#include "store/schema.hpp"

#include <fmt/format.h>

#include <array>

namespace ms::store {

namespace {

// Raw readings only: derived values (working set, kubelet view, rates) are recomputed on read, so a
// fixed formula fixes history too. One row per sample; the node frame stays uncompressed so node
// timelines read fast, the detail frame (cgroups, processes, slab) is deflated.
constexpr const char* kV1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE keys(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE owners(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, label TEXT NOT NULL, json TEXT NOT NULL UNIQUE);
CREATE TABLE cgroups(
  id INTEGER PRIMARY KEY, path TEXT NOT NULL, inode INTEGER NOT NULL, owner_id INTEGER,
  first_seen INTEGER NOT NULL, last_seen INTEGER, UNIQUE(path, inode));
CREATE TABLE processes(
  id INTEGER PRIMARY KEY, boot_time INTEGER NOT NULL, pid INTEGER NOT NULL, start_time INTEGER NOT NULL,
  ppid INTEGER, uid INTEGER, comm TEXT NOT NULL, cmdline TEXT, exe TEXT, cwd TEXT, memory_cgroup TEXT,
  oom_score_adj INTEGER, owner_id INTEGER, provenance TEXT,
  first_seen INTEGER NOT NULL, last_seen INTEGER, UNIQUE(boot_time, pid, start_time));
CREATE TABLE samples(
  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, full INTEGER NOT NULL, trigger TEXT,
  boot_time INTEGER, clock_ticks INTEGER, page_size INTEGER, cgroup_version INTEGER, memory_on_v2 INTEGER,
  duration_us INTEGER, nr_processes INTEGER, nr_cgroups INTEGER,
  node BLOB NOT NULL, detail BLOB NOT NULL);
CREATE INDEX samples_time ON samples(time);
CREATE TABLE events(
  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, kind TEXT NOT NULL, source TEXT, dedupe_key TEXT UNIQUE,
  pid INTEGER, comm TEXT, cgroup TEXT, owner_kind TEXT, namespace TEXT, pod TEXT, container TEXT,
  bytes INTEGER, message TEXT, detail TEXT);
CREATE INDEX events_time ON events(time);
)sql";

// v2: the kubelet's eviction and allocatable settings in force, stored once per distinct value and
// referenced by each sample, so thresholds are resolved on read (k8s::resolve_thresholds).
constexpr const char* kV2 = R"sql(
CREATE TABLE kubelet_configs(id INTEGER PRIMARY KEY, json TEXT NOT NULL UNIQUE);
ALTER TABLE samples ADD COLUMN kubelet_config_id INTEGER;
)sql";

// v3: an OOM kill's victim as the recorder last read it before the kill (issue 16): the identity row
// it points at keeps owner and provenance, `victim` the memory of that last reading, so a victim no
// sample stored (it grew and died between two) is still there to explain.
constexpr const char* kV3 = R"sql(
ALTER TABLE events ADD COLUMN process_id INTEGER;
ALTER TABLE events ADD COLUMN victim TEXT;
)sql";

// v4: processes seen only by the kernel's exit capture (BPF) and those that exited while recorded:
// one `exits` row per process (keyed by its `processes` identity), and per sample the short-lived
// processes below the floor summed per memory cgroup (`exit_groups`), so a fork storm stays small.
constexpr const char* kV4 = R"sql(
CREATE TABLE exits(
  process_id INTEGER PRIMARY KEY, time INTEGER NOT NULL, start INTEGER NOT NULL, peak_rss INTEGER,
  peak_exact INTEGER NOT NULL, run_us INTEGER, cpu_us INTEGER, exit_code INTEGER, memcg_id INTEGER,
  parent_pid INTEGER, parent_start_time INTEGER, parent_comm TEXT, source TEXT);
CREATE INDEX exits_time ON exits(time);
CREATE TABLE exit_groups(
  id INTEGER PRIMARY KEY, since INTEGER NOT NULL, time INTEGER NOT NULL, cgroup TEXT, owner_id INTEGER,
  count INTEGER NOT NULL, failed INTEGER NOT NULL, max_peak INTEGER, max_pid INTEGER, max_comm TEXT,
  sum_run_us INTEGER, sum_cpu_us INTEGER);
CREATE INDEX exit_groups_time ON exit_groups(time);
)sql";

constexpr std::array<const char*, kSchemaVersion> kMigrations = {kV1, kV2, kV3, kV4};

}  // namespace

Result<int> schema_version(Db& db) {
  auto v = db.query_int("PRAGMA user_version");
  if (!v) return fail(v.error());
  return static_cast<int>(*v);
}

Result<void> configure_writer(Db& db) {
  // auto_vacuum must be chosen before the first table exists; incremental lets size retention give
  // pages back to the filesystem.
  for (const char* p : {"PRAGMA auto_vacuum=INCREMENTAL", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                        "PRAGMA cache_size=-2048", "PRAGMA wal_autocheckpoint=256",
                        "PRAGMA journal_size_limit=4194304", "PRAGMA temp_store=MEMORY"}) {
    if (auto r = db.exec(p); !r) return r;
  }
  return {};
}

Result<void> migrate(Db& db) {
  auto v = schema_version(db);
  if (!v) return fail(v.error());
  if (*v > kSchemaVersion)
    return fail(Error{Error::Kind::kInvalidArgument, db.path(), 0,
                      fmt::format("schema version {} is newer than this memsleuth ({})", *v, kSchemaVersion)});
  for (int to = *v + 1; to <= kSchemaVersion; ++to) {
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r;
    auto r = db.exec(kMigrations[static_cast<size_t>(to - 1)]);
    if (r) r = db.exec(fmt::format("PRAGMA user_version={}", to));
    if (!r) {
      (void)db.exec("ROLLBACK");
      return r;
    }
    if (auto c = db.exec("COMMIT"); !c) return c;
  }
  return {};
}

}  // namespace ms::store
