#pragma once
// Read side of the store: everything `history`, `--at`, doctor's history rules and the HTML report
// need, for a [since, until] window (unix seconds, inclusive). Opens the database read-only, so it
// works while the recorder writes (WAL readers never block the writer).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "k8s/kubelet_config.hpp"
#include "store/records.hpp"
#include "store/sqlite.hpp"

namespace ms::store {

// Where `memsleuth record` writes by default, and what every history reader opens by default.
inline constexpr const char* kDefaultDbPath = "/var/lib/memsleuth/history.db";

struct Window {
  int64_t since = 0;
  int64_t until = INT64_MAX;
};

// A per-owner series: the owner's memory at each sample, summed over its top-most stored cgroups.
struct OwnerSeries {
  Owner owner;
  std::string label;
  std::vector<SeriesPoint> usage;        // memory.usage(_in_bytes)
  std::vector<SeriesPoint> working_set;  // usage - inactive_file, the kubelet's number
  uint64_t peak_working_set = 0;
};

struct CgroupSeries {
  std::string path;
  uint64_t inode = 0;
  Owner owner;
  std::vector<int64_t> times;
  std::vector<Cgroup> values;  // raw readings at each time
};

class History {
 public:
  static Result<std::unique_ptr<History>> open(const std::string& path);

  // Samples (regular and trigger) in the window, oldest first.
  Result<std::vector<SampleInfo>> samples(Window w);
  // Trigger snapshots only.
  Result<std::vector<SampleInfo>> triggers(Window w);
  // Node readings, oldest first. Cheap: does not touch the per-cgroup/per-process frames.
  Result<std::vector<NodePoint>> node_series(Window w);
  // One cgroup's raw readings (all incarnations of that path, in time order).
  Result<CgroupSeries> cgroup_series(const std::string& path, Window w);
  // Per owner (pods, units, sessions...), largest peak working set first, at most `limit`.
  Result<std::vector<OwnerSeries>> owner_series(Window w, size_t limit = 20);
  // The node as recorded at the last sample at or before `t` (nullopt: nothing recorded by then).
  // `max_age`: refuse a sample older than t - max_age (the recorder was not running).
  Result<std::optional<RecordedMoment>> at(int64_t t, int64_t max_age = 3600);
  // The moment of a given sample id.
  Result<RecordedMoment> moment(int64_t sample_id);
  // One process's stored history, by identity.
  Result<std::vector<std::pair<int64_t, Process>>> process_series(uint64_t boot_time, int pid, uint64_t start_time,
                                                                  Window w);
  // Processes whose exit the kernel reported, by exit time in the window, oldest first; `pid` > 0:
  // only that pid. Empty on a database from before schema v4.
  Result<std::vector<ProcessExit>> exits(Window w, int pid = 0);
  // Exits of processes alive at some time in [from, to) (started before `to`, ended at or after
  // `from`), oldest exit first.
  Result<std::vector<ProcessExit>> exits_alive_between(int64_t from, int64_t to);
  // Short-lived processes below the floor, summed per cgroup per sample, by time in the window.
  Result<std::vector<ExitGroup>> exit_groups(Window w);
  // OOM kills, evictions..., oldest first; `kind` empty = all kinds. An OOM kill carries its victim's
  // last reading when the recorder had one (schema 3).
  Result<std::vector<RecordedEvent>> events(Window w, const std::string& kind = "");
  // The latest OOM kill of `pid` at or before `t` (nullopt: none recorded).
  Result<std::optional<RecordedEvent>> last_kill_of(int pid, int64_t t);
  // When a sample last stored a process with this pid at or before `t` (nullopt: never by then).
  Result<std::optional<int64_t>> last_stored_time(int pid, int64_t t);
  // The kubelet settings a sample was taken under (NodePoint::kubelet_config_id); the kubelet's
  // defaults when none were recorded (no kubelet found, or a database from before schema v2).
  k8s::KubeletConfig kubelet_config(std::optional<int64_t> id);
  // First and last sample times (nullopt when the store is empty).
  Result<std::optional<std::pair<int64_t, int64_t>>> extent();

  // Stored frames the readers above could not decode (corrupt, or written by a newer memsleuth) and
  // left out: how many samples, and one line each naming the sample's time, the frame and why.
  // Samples whose frame of this kind ("node": left out of node_series, "detail") was unreadable.
  size_t corrupt_count(std::string_view frame) const;
  std::vector<std::string> corrupt_samples() const;

 private:
  History() = default;
  void note_corrupt(int64_t time, std::string_view frame, const Error& e);
  std::map<std::pair<int64_t, std::string>, std::string> corrupt_;  // (time, frame) -> why
  Result<void> load_keys();
  Result<std::vector<RecordedEvent>> query_events(const std::string& sql, Window w, const std::string& kind);
  std::vector<RecordedEvent> read_events(Stmt& st);
  Result<std::vector<ProcessExit>> query_exits(const std::string& where, int64_t a, int64_t b, int pid);
  Db db_;
  std::vector<std::string> names_;
  std::string cols_;  // sample columns this schema has
  int schema_ = 0;
  std::map<int64_t, k8s::KubeletConfig> kubelet_configs_;
};

// Derived values, recomputed on read from raw readings.
// usage - inactive_file (memory.stat total_inactive_file on v1, inactive_file on v2), never negative.
std::optional<uint64_t> working_set(const Cgroup& c);

}  // namespace ms::store
