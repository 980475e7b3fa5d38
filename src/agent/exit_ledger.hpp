#pragma once
// The recorder's side of the exit capture: what the kernel reported about processes that ended
// (probe/bpf/kernel_events.hpp), turned into what the store keeps. A process at or above the floor is
// stored one by one under its (pid, start_time) identity, with its owner and the ancestry that can
// still be rebuilt at its exit (its parent as the kernel reported it, then the live processes); the
// rest are summed per memory cgroup per sample, so a fork storm costs a few rows.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "attribution/owner.hpp"
#include "model/snapshot.hpp"
#include "probe/bpf/kernel_events.hpp"
#include "store/records.hpp"

namespace ms::agent {

struct ExitPolicy {
  uint64_t floor_bytes = uint64_t{32} << 20;  // the recorder's --process-floor
  size_t max_individual = 256;                // per sample; beyond that, summed with the rest
};

// What the ledger asks of the recorder while it takes records in.
struct ExitContext {
  const Snapshot* snapshot = nullptr;  // the last sample (ancestors, boot time, clock ticks)
  BootClock clock;
  // The path of a memory cgroup from its kernfs id (CgroupIdIndex), nullopt when it cannot be named.
  std::function<std::optional<std::string>(uint64_t id, uint64_t parent_id, std::string_view name)> cgroup_path;
  // Owner of a process (its parent chain is looked up in `snapshot` by ppid) and of a cgroup path.
  std::function<Owner(const Process&)> process_owner;
  std::function<Owner(std::string_view path)> cgroup_owner;
  // A live process that the last sample does not hold yet (procfs), or nullopt.
  std::function<std::optional<Process>(int pid)> read_process;
};

class ExitLedger {
 public:
  explicit ExitLedger(ExitPolicy p = {}) : policy_(p) {}
  void set_floor(uint64_t bytes) { policy_.floor_bytes = bytes; }
  // Takes records in (in any order); a record seen twice (two threads ending at once) counts once.
  void add(const std::vector<ExitRecord>& records, const ExitContext& ctx);
  // Processes at or above the floor since the last call, ready to store now.
  std::vector<store::ProcessExit> take_exits();
  // The rest, summed per cgroup since the last call (the recorder calls it at each sample).
  std::vector<store::ExitGroup> take_groups();
  // A recent exit of `pid` (the OOM capture fills a victim it saw only by pid), newest first.
  const ExitRecord* recent(int pid) const;
  uint64_t seen() const { return seen_; }
  uint64_t duplicates() const { return duplicates_; }

 private:
  struct Key {
    int pid;
    uint64_t start_ns;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(k.start_ns * 1000003u ^ static_cast<uint64_t>(k.pid));
    }
  };
  store::ProcessExit individual(const ExitRecord& r, const std::optional<std::string>& cgroup, const ExitContext& ctx);
  std::string provenance(const ExitRecord& r, const ExitContext& ctx) const;
  void remember(const ExitRecord& r);

  ExitPolicy policy_;
  std::vector<store::ProcessExit> exits_;
  std::unordered_map<std::string, store::ExitGroup> groups_;  // by cgroup path
  std::unordered_map<std::string, Owner> cgroup_owners_;      // per sample
  size_t individual_this_sample_ = 0;
  // Recent exits (bounded), for ancestors that exited too and OOM victims seen only by pid.
  std::unordered_map<Key, ExitRecord, KeyHash> recent_;
  std::deque<Key> recent_order_;
  uint64_t seen_ = 0, duplicates_ = 0;
};

// A failed exit: non-zero status, or ended by a signal.
inline bool exit_failed(int wait_status) {
  return wait_status != 0;
}

}  // namespace ms::agent
