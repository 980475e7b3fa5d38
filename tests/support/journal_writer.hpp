#pragma once
// Test support: real binary journal files under a temp root's /var/log/journal, written by
// systemd's own systemd-journal-remote from export-format entries (scripts/deps.sh installs it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ms::test_support {

inline constexpr const char* kJournalRemote = "/lib/systemd/systemd-journal-remote";
inline constexpr const char* kMachineDir = "/var/log/journal/0123456789abcdef0123456789abcdef";

struct TempRoot {
  std::string dir;
  TempRoot() {
    char tmpl[] = "/tmp/ms-journal-test-XXXXXX";
    dir = mkdtemp(tmpl);
    std::filesystem::create_directories(dir + kMachineDir);
  }
  ~TempRoot() { std::filesystem::remove_all(dir); }
};

struct JournalRecord {
  int64_t realtime_us;
  std::string unit, ident, message;
};

inline bool have_journal_remote() { return access(kJournalRemote, X_OK) == 0; }

// Writes `entries` as one journal file <root>/var/log/journal/<machine>/<name>.journal.
inline void write_journal(const TempRoot& r, const std::string& name, const std::vector<JournalRecord>& entries) {
  std::string exp = r.dir + "/" + name + ".export";
  {
    std::ofstream f(exp, std::ios::binary);
    for (const auto& e : entries) {
      // Within one boot the journal orders entries of different files by the monotonic clock: keep
      // it in step with the wall clock, as journald does.
      f << "__REALTIME_TIMESTAMP=" << e.realtime_us << "\n__MONOTONIC_TIMESTAMP=" << e.realtime_us - 1'700'000'000'000'000
        << "\n_BOOT_ID=0123456789abcdef0123456789abcde0\n_HOSTNAME=node-1\n";
      if (!e.unit.empty()) f << "_SYSTEMD_UNIT=" << e.unit << "\n";
      if (!e.ident.empty()) f << "SYSLOG_IDENTIFIER=" << e.ident << "\n";
      f << "MESSAGE=" << e.message << "\n\n";
    }
  }
  std::string out = r.dir + kMachineDir + "/" + name + ".journal";
  std::string cmd = std::string(kJournalRemote) + " --output=" + out + " " + exp + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::filesystem::remove(exp);
}

}  // namespace ms::test_support
