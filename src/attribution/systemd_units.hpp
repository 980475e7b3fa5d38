#pragma once
// systemd unit files under --rootfs: a small parser (systemd.syntax(7): sections, Key=Value,
// comments, backslash continuation, drop-ins) and the timer → service map that tells whether a
// service was started by a timer. Reused by provenance/ (ExecStart, OnCalendar of a culprit's unit).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probe/host_paths.hpp"
#include "util/result.hpp"

namespace ms {

struct UnitSection {
  std::string name;  // "Unit", "Service", "Timer", ...
  std::vector<std::pair<std::string, std::string>> entries;  // in file order, repeats kept
};

struct UnitFile {
  std::string name;  // "plocate-updatedb.timer"
  std::string path;  // where it was read (host path under --rootfs), drop-ins not listed
  std::vector<UnitSection> sections;

  // Last assignment of key in section (systemd: later assignments override), nullopt if none.
  std::optional<std::string> get(std::string_view section, std::string_view key) const;
  // Every assignment of a list-valued key (OnCalendar=, ExecStart=); an empty assignment resets.
  std::vector<std::string> get_all(std::string_view section, std::string_view key) const;
  // Appends the sections of a drop-in (<unit>.d/*.conf) after this file's own.
  void merge(const UnitFile& drop_in);
};

// Pure parser; `path` only names the file in errors. Malformed lines (no '=', outside a section)
// are errors naming the line.
Result<UnitFile> parse_unit_file(std::string_view text, std::string_view path = "unit");

// Directories searched, highest precedence first (systemd.unit(5), system manager).
const std::vector<std::string>& unit_search_dirs();

// Reads one unit by name from the search path under --rootfs, with its drop-ins applied.
Result<UnitFile> load_unit_file(const HostPaths& paths, std::string_view name);

struct TimerInfo {
  std::string timer;  // "plocate-updatedb.timer"
  std::string unit;   // what it activates: Unit= or the same name with .service
  std::string path;
  std::vector<std::string> on_calendar;  // OnCalendar= values
  bool enabled = false;                  // a *.wants/ symlink under /etc/systemd/system names it
};

class SystemdUnits {
 public:
  // Scans the unit directories under --rootfs for *.timer files. Missing directories are normal.
  static SystemdUnits load(const HostPaths& paths);
  void add_timer(TimerInfo t);
  // The timer that activates `service` ("foo.service"); first by timer name when several do.
  const TimerInfo* timer_for(std::string_view service) const;
  const std::map<std::string, TimerInfo, std::less<>>& timers() const { return timers_; }

 private:
  std::map<std::string, TimerInfo, std::less<>> timers_;  // by timer name
};

}  // namespace ms
