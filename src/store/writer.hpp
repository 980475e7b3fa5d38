#pragma once
// The recorder's side of the store. One transaction per sample, so `kill -9` loses at most the
// sample being written (WAL + synchronous=NORMAL: a committed sample survives a process crash).
// A failed write (disk full, read-only file) rolls back and leaves the writer usable: the caller
// keeps sampling and retries at the next interval.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/records.hpp"
#include "store/sqlite.hpp"

namespace ms::store {

struct WriterOptions {
  int64_t retain_seconds = 7 * 86400;
  uint64_t max_db_bytes = uint64_t{512} << 20;  // live pages of the main file; the WAL adds at most ~4 MiB
  bool redact_secrets = true;                   // command lines are stored through redact_argv (util/redact.hpp)
};

struct SampleInput {
  const Snapshot* snapshot = nullptr;
  bool full = false;
  std::string trigger;
  std::vector<size_t> processes;  // indexes into snapshot->processes to store
  std::vector<size_t> cgroups;    // indexes into snapshot->cgroups to store
  int64_t duration_us = 0;
  // The kubelet's settings in force (store::kubelet_config_to_json); "" = unknown. Stored once per
  // distinct value.
  std::string kubelet_config_json;
  // The kubelet's pods cgroup path when its settings name one that exists ("" = kubepods search).
  std::string pods_cgroup;
  // Called only the first time a (pid, start_time) or a (path, inode) is stored: owner and provenance
  // are kept once, as they were at first sight. A process that exec'd since (its comm changed: a
  // shell that became updatedb) gets its comm, cmdline and exe stored again.
  std::function<Owner(const Process&)> process_owner;
  std::function<std::string(const Process&)> process_provenance;
  std::function<Owner(const Cgroup&)> cgroup_owner;
  // Fills what a regular read skips (exe, cwd) on the copy of a process stored for the first time.
  std::function<void(Process&)> complete_process;
};

// What the exit capture reported since the last write: processes at or above the floor one by one,
// the rest summed per cgroup (ExitGroup).
struct ExitBatch {
  uint64_t boot_time = 0;  // the node's, as in Snapshot::boot_time: part of each process identity
  std::vector<ProcessExit> exits;
  std::vector<ExitGroup> groups;
  bool empty() const { return exits.empty() && groups.empty(); }
};

struct RetentionResult {
  int64_t samples_deleted = 0;
  bool size_limited = false;
};

class StoreWriter {
 public:
  static Result<std::unique_ptr<StoreWriter>> open(const std::string& path, WriterOptions opts = {});
  ~StoreWriter();

  // Returns the sample id.
  Result<int64_t> write_sample(const SampleInput& in);
  // Stores exits (a process stored by samples gets its exit on the same identity row; one never
  // sampled gets a row of its own) and exit groups, in one transaction. Returns the exits stored
  // (an exit reported twice is stored once).
  Result<int> write_exits(const ExitBatch& batch);
  // Stores events not stored before (same dedupe_key); returns how many were new. An OOM kill's victim
  // (RecordedEvent::victim) is linked to its identity row, inserted when no sample stored it.
  Result<int> write_events(const std::vector<RecordedEvent>& events);
  // Drops samples older than the retention, then the oldest ones until the file fits max_db_bytes.
  Result<RetentionResult> enforce_retention(int64_t now);
  uint64_t db_bytes() const;
  const std::string& path() const { return db_.path(); }
  int last_sqlite_rc() const { return db_.last_rc(); }
  // What opening did to the file modes, or found wrong with them (store/file_modes.hpp), for the log.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  StoreWriter() = default;
  struct ProcKey {
    uint64_t boot_time, start_time;
    int pid;
    bool operator==(const ProcKey&) const = default;
  };
  struct ProcKeyHash {
    size_t operator()(const ProcKey& k) const {
      return std::hash<uint64_t>()(k.start_time * 1000003u ^ static_cast<uint64_t>(k.pid) ^ (k.boot_time << 20));
    }
  };
  struct Live {
    int64_t id;
    uint64_t generation;
    int64_t last_time;
    std::string comm;  // as stored: a change means the process exec'd since
  };
  Result<void> refresh_after_exec(int64_t id, const Process& p, const SampleInput& in);
  Result<int64_t> key_id(std::string_view name);
  Result<int64_t> owner_id(const Owner& o);
  Result<std::optional<int64_t>> kubelet_config_id(const std::string& json);
  Result<int64_t> process_id(const Snapshot& s, const Process& p, const SampleInput& in);
  // The identity row of an OOM victim: the one a sample stored, else a new one from its last reading.
  Result<std::optional<int64_t>> victim_process_id(const RecordedVictim& v);
  Result<int64_t> exited_process_id(uint64_t boot_time, const ProcessExit& e);
  Result<int> write_exits_locked(const ExitBatch& batch);
  Result<int64_t> cgroup_id(const Cgroup& c, const SampleInput& in, int64_t now);
  Result<void> sweep(int64_t now);
  Result<int64_t> write_locked(const SampleInput& in);
  void forget_caches();
  // Runs `body` in one BEGIN IMMEDIATE transaction: committed when it succeeds, else rolled back with
  // the caches forgotten (they may name rows the rollback removed) and a full disk said as such.
  template <class T, class F>
  Result<T> in_transaction(F&& body);

  Db db_;
  WriterOptions opts_;
  std::vector<std::string> notes_;
  uint64_t generation_ = 0;
  int64_t last_time_retention_ = 0;
  std::unordered_map<std::string, int64_t> keys_;
  std::unordered_map<std::string, int64_t> owners_;
  std::optional<std::pair<std::string, int64_t>> kubelet_config_;  // last json -> id
  std::unordered_map<ProcKey, Live, ProcKeyHash> procs_;
  std::unordered_map<std::string, Live> cgroups_;  // key: path + '\0' + inode
};

}  // namespace ms::store
