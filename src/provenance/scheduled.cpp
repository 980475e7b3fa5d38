#include "provenance/scheduled.hpp"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <set>

#include "probe/fs.hpp"
#include "provenance/cron_match.hpp"
#include "provenance/shell_words.hpp"
#include "util/text.hpp"

namespace ms {

std::vector<TimerJob> load_timer_jobs(const HostPaths& paths);  // scheduled_timers.cpp

namespace {

bool is_operator(std::string_view w) {
  return w == ";" || w == "|" || w == "&" || w == "(" || w == ")" || w == "{" || w == "}";
}

// Splits words into simple commands at shell operators.
std::vector<std::vector<std::string>> commands_of(const std::vector<std::string>& words) {
  std::vector<std::vector<std::string>> out(1);
  for (const auto& w : words) {
    if (is_operator(w)) {
      if (!out.back().empty()) out.emplace_back();
    } else {
      out.back().push_back(w);
    }
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

// $VAR / ${VAR} words replaced by the value of a plain assignment seen earlier in the script (an
// empty variable disappears, like an unquoted empty expansion; an unknown one stays as text).
std::vector<std::string> expand(const std::vector<std::string>& words, const std::map<std::string, std::string>& vars) {
  std::vector<std::string> out;
  for (const auto& w : words) {
    if (w.size() > 1 && w.front() == '$' && w[1] != '(') {
      std::string name = w.substr(1);
      if (name.size() > 2 && name.front() == '{' && name.back() == '}') name = name.substr(1, name.size() - 2);
      auto it = vars.find(name);
      if (it == vars.end()) {
        out.push_back(w);  // unknown at scan time ("$nodevs" from a command substitution): keep the text
      } else {
        for (auto& x : shell_words(it->second)) out.push_back(std::move(x));
      }
      continue;
    }
    out.push_back(w);
  }
  return out;
}

void note_assignment(const std::vector<std::string>& cmd, std::map<std::string, std::string>& vars) {
  if (cmd.size() != 1) return;
  auto eq = cmd.front().find('=');
  if (eq == std::string::npos || eq == 0) return;
  std::string name = cmd.front().substr(0, eq);
  std::string value = cmd.front().substr(eq + 1);
  if (value.find('$') != std::string::npos || value.find('`') != std::string::npos) return;  // computed at run time
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return;
  vars[name] = value;
}

struct ScriptHit {
  int line = 0;
  std::string text;
  Culprit culprit;
};

// First line of each rule in a script (a script rarely runs two culprits; if it does, both count).
std::vector<ScriptHit> scan_script(std::string_view text, const CulpritInputs& in) {
  std::vector<ScriptHit> hits;
  std::set<std::string> rules;
  std::map<std::string, std::string> vars;
  for_each_line(text, [&](std::string_view line, int n) {
    for (auto& cmd : commands_of(shell_words(line))) {
      note_assignment(cmd, vars);
      if (is_test_or_assignment(cmd)) continue;
      auto words = expand(cmd, vars);
      if (auto c = match_command_culprit(words, in); c && !rules.count(c->rule)) {
        rules.insert(c->rule);
        hits.push_back({n, std::string(trim(line)), std::move(*c)});
      }
    }
  });
  return hits;
}

// Debian's plocate cron.daily script: "if [ -d /run/systemd/system ]; then exit 0; fi".
bool defers_to_systemd(std::string_view text) { return text.find("-d /run/systemd/system") != std::string_view::npos; }

ScheduledCulprit from_line(const CronFile& f, int line, std::string schedule, std::string schedule_text,
                           std::string command, Culprit c) {
  ScheduledCulprit s;
  s.rule = c.rule;
  s.title = c.title;
  s.kind = f.kind == CronFileKind::kAnacron ? "anacron" : "cron";
  s.file = f.path;
  s.line = line;
  s.schedule = std::move(schedule);
  s.schedule_text = std::move(schedule_text);
  s.command = std::move(command);
  s.culprit = std::move(c);
  return s;
}

}  // namespace

std::string describe_timer_schedule(const TimerJob& t) {
  std::string s;
  auto add = [&](const std::string& x) { s += (s.empty() ? "" : ", ") + x; };
  for (const auto& c : t.on_calendar) add("OnCalendar=" + c);
  for (const auto& c : t.on_boot_sec) add("OnBootSec=" + c);
  for (const auto& c : t.on_unit_active_sec) add("OnUnitActiveSec=" + c);
  if (t.randomized_delay) add("RandomizedDelaySec=" + *t.randomized_delay);
  if (t.persistent) add("Persistent=true (runs at boot if a run was missed)");
  if (s.empty()) s = "no OnCalendar=/OnBootSec=";
  return s;
}

CulpritInputs load_culprit_inputs(const HostPaths& paths, const std::vector<Mount>& mounts) {
  CulpritInputs in;
  in.mounts = mounts;
  if (auto t = read_file(paths.root(in.updatedb_conf_path), FileKind::kConfig))
    in.updatedb_conf = parse_updatedb_conf(*t, in.updatedb_conf_path);
  else if (t.error().kind != Error::Kind::kNotFound)
    in.problems.push_back(t.error().describe());
  // Kubernetes state that exists on this node. A process that sees the node through the --rootfs
  // prefix (a chroot, a test tree) names it with the prefix, so both spellings are listed.
  bool prefixed = paths.rootfs != "/" && !paths.rootfs.empty();
  for (const auto& d : kKubernetesStateDirs) {
    if (!is_dir(paths.root(d))) continue;
    in.k8s_dirs.push_back(d);
    if (prefixed) in.k8s_dirs.push_back(paths.root(d));
  }
  return in;
}

ScheduledSources ScheduledSources::load(const HostPaths& paths) {
  ScheduledSources s;
  s.cron = CronSources::load(paths);
  s.timers = load_timer_jobs(paths);
  return s;
}

std::vector<ScheduledCulprit> find_scheduled_culprits(const HostPaths& paths, const std::vector<Mount>& mounts,
                                                      std::vector<std::string>* problems) {
  ScheduledSources src = ScheduledSources::load(paths);
  CulpritInputs base = load_culprit_inputs(paths, mounts);
  if (problems) {
    for (auto& p : src.cron.unreadable()) problems->push_back(std::move(p));
    problems->insert(problems->end(), base.problems.begin(), base.problems.end());
  }
  return find_scheduled_culprits(src, base);
}

std::vector<ScheduledCulprit> find_scheduled_culprits(const ScheduledSources& src, const CulpritInputs& base) {
  std::vector<ScheduledCulprit> out;
  // Crontab and anacrontab lines that run a culprit directly.
  for (const auto& f : src.cron.files) {
    auto scan = [&](int line, const std::string& sched, const std::string& text, const std::string& cmd) {
      CulpritInputs in = base;
      in.disable.push_back(fmt::format("comment out {} line {}", f.path, line));
      for (auto& c : commands_of(shell_words(cmd)))
        if (auto hit = match_command_culprit(c, in)) {
          out.push_back(from_line(f, line, sched, text, cmd, std::move(*hit)));
          return;
        }
    };
    if (f.kind == CronFileKind::kAnacron) {
      for (const auto& j : f.anacrontab.jobs)
        scan(j.line, j.period + " " + std::to_string(j.delay_minutes), describe_anacron_schedule(j, f.anacrontab),
             j.command);
    } else {
      for (const auto& e : f.crontab.entries) scan(e.line, e.schedule, describe_cron_schedule(e.schedule), e.command);
    }
  }
  // Scripts in the periodic dirs, scheduled by whatever line run-parts them.
  for (const auto& sc : src.cron.scripts) {
    CulpritInputs in = base;
    in.disable.push_back(fmt::format("chmod -x {} (run-parts skips files that are not executable)", sc.path));
    for (auto& hit : scan_script(sc.text, in)) {
      ScheduledCulprit s;
      s.rule = hit.culprit.rule;
      s.title = hit.culprit.title;
      s.script = sc.path;
      s.script_line = hit.line;
      s.command = hit.text;
      if (auto m = find_run_parts_line(src.cron, sc.dir)) {
        s.kind = m->anacron ? "anacron" : "cron";
        s.file = m->file;
        s.line = m->line;
        s.schedule = m->schedule;
        s.schedule_text = m->schedule_text;
      } else {
        s.kind = "cron";
        s.schedule_text = fmt::format("{} (no crontab or anacrontab line runs it here)", sc.dir);
      }
      if (!sc.executable) s.inactive_reason = "not executable: run-parts skips it";
      else if (!sc.runnable_name) s.inactive_reason = "name has characters run-parts skips (e.g. a dot)";
      else if (defers_to_systemd(sc.text) && src.cron.systemd_running)
        s.inactive_reason = "exits when systemd is running (/run/systemd/system exists): its timer runs instead";
      s.active = !s.inactive_reason.has_value();
      s.culprit = std::move(hit.culprit);
      out.push_back(std::move(s));
    }
  }
  // systemd timers whose service runs a culprit.
  for (const auto& t : src.timers) {
    CulpritInputs in = base;
    in.disable.push_back(fmt::format("systemctl disable --now {}", t.timer));
    for (const auto& exec : t.exec_start) {
      // ExecStart= prefixes: @, -, :, +, ! change how it runs, not what.
      std::string_view e = exec;
      while (!e.empty() && (e.front() == '@' || e.front() == '-' || e.front() == ':' || e.front() == '+' ||
                            e.front() == '!'))
        e.remove_prefix(1);
      std::optional<Culprit> hit;
      for (auto& c : commands_of(shell_words(e)))
        if ((hit = match_command_culprit(c, in))) break;
      std::string command = "ExecStart=" + exec;
      for (const auto& [path, text] : t.exec_scripts) {
        if (hit) break;
        if (auto hits = scan_script(text, in); !hits.empty()) {
          hit = std::move(hits.front().culprit);
          command = fmt::format("ExecStart={} → {}:{}: {}", exec, path, hits.front().line, hits.front().text);
        }
      }
      if (!hit) continue;
      ScheduledCulprit s;
      s.rule = hit->rule;
      s.title = hit->title;
      s.kind = "timer";
      s.file = t.timer_path;
      s.schedule = t.on_calendar.empty() ? "" : "OnCalendar=" + t.on_calendar.front();
      s.schedule_text = describe_timer_schedule(t);
      s.unit = t.service;
      s.timer = t.timer;
      s.command = command;
      if (!t.enabled) s.inactive_reason = "timer is not enabled (no timers.target.wants link)";
      s.active = t.enabled;
      s.culprit = std::move(*hit);
      out.push_back(std::move(s));
      break;
    }
  }
  return out;
}

}  // namespace ms
