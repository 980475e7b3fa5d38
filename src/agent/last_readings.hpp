#pragma once
// Every process of the recorder's last reading, and those gone in the last minute, as last read. The
// kernel's record of an OOM kill names only the victim's pid, comm, memcg and RSS, and a victim that
// grew and died between two samples was never stored: this is where the recorder finds it to store
// with the kill (store::RecordedVictim). Updated in place each sample: copy-assignment reuses the
// strings' storage, so a steady state allocates nothing.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "model/snapshot.hpp"

namespace ms::agent {

class LastReadings {
 public:
  explicit LastReadings(int64_t keep_gone_seconds = 60) : keep_gone_s_(keep_gone_seconds) {}
  // Takes every user process of this reading (kernel threads are never OOM-killed).
  void remember(const Snapshot& s);
  // `pid` as last read no later than `time` (a reading after it is a later process reusing the pid),
  // with `comm` when given (the kernel's is the same 15 bytes); nullptr when not known.
  const Process* find(int pid, const std::optional<std::string>& comm, int64_t time, int64_t* read_at = nullptr) const;
  size_t size() const { return seen_.size(); }

 private:
  struct Seen {
    Process process;
    int64_t time = 0;
    uint64_t generation = 0;
  };
  std::unordered_map<int, Seen> seen_;
  uint64_t generation_ = 0;
  int64_t keep_gone_s_;
};

}  // namespace ms::agent
