// systemd timers as TimerJobs, through attribution's unit-file parser (issue 4).
#include <sys/stat.h>

#include "attribution/systemd_units.hpp"
#include "probe/fs.hpp"
#include "provenance/scheduled.hpp"
#include "provenance/shell_words.hpp"
#include "util/text.hpp"

namespace ms {

namespace {

// The program of an ExecStart= line when it is a small text script we can scan.
std::optional<std::pair<std::string, std::string>> exec_script(const HostPaths& paths, std::string_view exec) {
  while (!exec.empty() && (exec.front() == '@' || exec.front() == '-' || exec.front() == ':' || exec.front() == '+' ||
                           exec.front() == '!'))
    exec.remove_prefix(1);
  auto words = shell_words(exec);
  if (words.empty() || words.front().empty() || words.front().front() != '/') return std::nullopt;
  std::string host = paths.root(words.front());
  struct stat st{};
  if (::stat(host.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (64 << 10)) return std::nullopt;
  auto text = read_file(host, FileKind::kConfig);
  if (!text || !starts_with(*text, "#!")) return std::nullopt;
  return std::make_pair(words.front(), std::move(*text));
}

}  // namespace

std::vector<TimerJob> load_timer_jobs(const HostPaths& paths) {
  std::vector<TimerJob> out;
  SystemdUnits units = SystemdUnits::load(paths);
  for (const auto& [name, info] : units.timers()) {
    TimerJob t;
    t.timer = info.timer;
    t.timer_path = info.path;
    t.service = info.unit;
    t.on_calendar = info.on_calendar;
    t.enabled = info.enabled;
    if (auto tf = load_unit_file(paths, info.timer)) {
      t.on_boot_sec = tf->get_all("Timer", "OnBootSec");
      t.on_unit_active_sec = tf->get_all("Timer", "OnUnitActiveSec");
      t.randomized_delay = tf->get("Timer", "RandomizedDelaySec");
      auto p = tf->get("Timer", "Persistent");
      t.persistent = p && (*p == "true" || *p == "yes" || *p == "1" || *p == "on");
    }
    if (auto sf = load_unit_file(paths, info.unit)) {
      t.service_path = sf->path;
      t.exec_start = sf->get_all("Service", "ExecStart");
      for (const auto& e : t.exec_start)
        if (auto s = exec_script(paths, e)) t.exec_scripts.push_back(std::move(*s));
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace ms
