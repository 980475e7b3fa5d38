#pragma once
// Follows the systemd journal of a host for the entries of some units, like LogTail follows a text
// log: on a node where the kubelet runs under systemd without rsyslog (Debian 12, most cloud images)
// its eviction lines exist only in the journal's binary files. Reads <root>/var/log/journal and
// <root>/run/log/journal (root: "/" or --rootfs, so a DaemonSet reads the host's journal at /host),
// notices new and rotated journal files, never blocks. Bounded per poll; long messages cut.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace ms {

struct JournalEntry {
  int64_t realtime_us = 0;  // when journald received it (wall clock, µs)
  std::string message;
  std::string identifier;  // SYSLOG_IDENTIFIER, may be empty
  std::string unit;        // _SYSTEMD_UNIT, may be empty
};

class JournalTail {
 public:
  struct Options {
    int64_t backlog_us = 3600LL * 1'000'000;  // at open, start this far before `now` (0: only new entries)
    size_t max_entries_per_poll = 20000;
    size_t max_message = 16 << 10;
  };
  // Entries whose _SYSTEMD_UNIT is one of `units` or whose SYSLOG_IDENTIFIER is one of `identifiers`.
  static Result<JournalTail> open(const std::string& root, const std::vector<std::string>& units,
                                  const std::vector<std::string>& identifiers, Options opts, int64_t now_us);
  // False when memsleuth was built without libsystemd or libsystemd.so.0 cannot be loaded (then
  // open() fails with a clear error). Loads it on first call.
  static bool supported();

  JournalTail(JournalTail&&) noexcept;
  JournalTail& operator=(JournalTail&&) noexcept;
  ~JournalTail();

  // Entries appended since the last call, oldest first. Never throws, never blocks.
  std::vector<JournalEntry> poll();

 private:
  struct Impl;
  explicit JournalTail(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ms
