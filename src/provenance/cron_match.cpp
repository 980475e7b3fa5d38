#include "provenance/cron_match.hpp"

#include <fmt/format.h>

#include <set>

#include "provenance/shell_words.hpp"
#include "util/text.hpp"

namespace ms {

bool is_cron_daemon(std::string_view comm) {
  return comm == "cron" || comm == "crond" || comm == "anacron" || comm == "fcron" || comm == "cronie" ||
         comm == "busybox crond";
}

namespace {

bool is_operator(std::string_view w) {
  return w == ";" || w == "|" || w == "&" || w == "(" || w == ")" || w == "{" || w == "}";
}

std::string strip_rootfs(std::string s, std::string_view rootfs) {
  std::string root(rootfs);
  while (!root.empty() && root.back() == '/') root.pop_back();
  if (root.empty()) return s;
  std::string needle = root + "/";
  for (size_t pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos)) {
    s.replace(pos, needle.size(), "/");
    pos += 1;
  }
  if (s == root) s = "/";
  return s;
}

std::string collapse(std::string_view s) {
  std::string out;
  for (auto w : split_ws(s)) out += (out.empty() ? "" : " ") + std::string(w);
  return out;
}

std::string clean_dir(std::string d) {
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  return d;
}

// The directory a `run-parts [options] DIR` among words runs, if any.
std::optional<std::string> run_parts_dir(const std::vector<std::string>& words) {
  for (size_t i = 0; i < words.size(); ++i) {
    if (word_basename(words[i]) != "run-parts") continue;
    std::optional<std::string> dir;
    for (size_t j = i + 1; j < words.size() && !is_operator(words[j]); ++j)
      if (!starts_with(words[j], "-")) dir = clean_dir(words[j]);
    if (dir) return dir;
  }
  return std::nullopt;
}

struct LineRef {
  const CronFile* file;
  int line;
  std::string schedule, schedule_text, command, raw;
  std::optional<std::string> user;
  bool anacron;
};

std::vector<LineRef> all_lines(const CronSources& cron) {
  std::vector<LineRef> out;
  for (const auto& f : cron.files) {
    if (f.kind == CronFileKind::kAnacron) {
      for (const auto& j : f.anacrontab.jobs)
        out.push_back({&f, j.line, j.period + " " + std::to_string(j.delay_minutes),
                       describe_anacron_schedule(j, f.anacrontab), j.command, j.raw, std::string("root"), true});
    } else {
      for (const auto& e : f.crontab.entries)
        out.push_back({&f, e.line, e.schedule, describe_cron_schedule(e.schedule), e.command, e.raw,
                       e.user ? e.user : f.user, false});
    }
  }
  return out;
}

CronMatch to_match(const LineRef& l, std::string how) {
  CronMatch m;
  m.file = l.file->path;
  m.line = l.line;
  m.schedule = l.schedule;
  m.schedule_text = l.schedule_text;
  m.command = l.command;
  m.raw = l.raw;
  m.user = l.user;
  m.anacron = l.anacron;
  m.how = std::move(how);
  return m;
}

bool in_periodic_dir(std::string_view path) {
  for (const auto& d : kCronPeriodicDirs)
    if (starts_with(path, d + "/") && path.size() > d.size() + 1) return true;
  return false;
}

std::string dir_of(std::string_view path) { return std::string(path.substr(0, path.rfind('/'))); }

bool generic_program(std::string_view b) {
  return b == "sh" || b == "bash" || b == "dash" || b == "zsh" || b == "env" || b == "perl" || b == "nice" ||
         b == "ionice" || b == "flock" || starts_with(b, "python") || b.size() < 3;
}

}  // namespace

std::optional<CronMatch> find_run_parts_line(const CronSources& cron, std::string_view dir) {
  std::optional<CronMatch> crontab_line, anacron_line;
  bool defers_to_anacron = false;
  for (const auto& l : all_lines(cron)) {
    auto words = shell_words(l.command);
    auto d = run_parts_dir(words);
    if (!d || *d != dir) continue;
    if (l.anacron && !anacron_line) anacron_line = to_match(l, "anacrontab job runs run-parts " + std::string(dir));
    if (!l.anacron && !crontab_line) {
      crontab_line = to_match(l, "crontab line runs run-parts " + std::string(dir));
      defers_to_anacron = l.command.find("anacron") != std::string::npos;
    }
  }
  std::optional<CronMatch> m;
  if (anacron_line && (!crontab_line || (defers_to_anacron && cron.anacron_installed))) m = anacron_line;
  else m = crontab_line ? crontab_line : anacron_line;
  if (m) m->run_parts_dir = std::string(dir);
  return m;
}

std::optional<CronMatch> match_cron_source(const Ancestry& ancestry, const CronSources& cron, std::string_view rootfs) {
  const auto& chain = ancestry.chain;
  size_t k = chain.size();
  for (size_t i = 0; i < chain.size(); ++i)
    if (is_cron_daemon(chain[i].comm)) {
      k = i;
      break;
    }
  auto lines = all_lines(cron);
  // Nodes below the cron daemon, from its child down to the target; argv with the rootfs removed.
  std::vector<std::vector<std::string>> below;
  std::vector<std::string> comms;
  for (size_t i = (k == chain.size() ? chain.size() : k); i-- > 0;) {
    std::vector<std::string> argv;
    for (const auto& a : chain[i].cmdline) argv.push_back(strip_rootfs(a, rootfs));
    below.push_back(std::move(argv));
    comms.push_back(chain[i].comm);
  }
  if (k == chain.size()) {
    // (4) No cron ancestor: the process may have been re-parented. Match by program name only.
    if (chain.empty()) return std::nullopt;
    const auto& t = chain.front();
    // A periodic script itself ("/bin/sh /etc/cron.daily/x") whose run-parts is gone.
    for (const auto& a : t.cmdline) {
      std::string w = strip_rootfs(a, rootfs);
      if (!in_periodic_dir(w)) continue;
      auto m = find_run_parts_line(cron, dir_of(w));
      if (!m) {
        m = CronMatch{};
        m->run_parts_dir = dir_of(w);
      }
      m->script = w;
      m->how = fmt::format("no cron ancestor; it runs {}", w);
      m->via_ancestry = false;
      return m;
    }
    std::string prog = t.cmdline.empty() ? t.comm : std::string(word_basename(t.cmdline.front()));
    if (generic_program(prog)) return std::nullopt;
    for (const auto& l : lines)
      for (const auto& w : shell_words(l.command))
        if (word_basename(w) == prog) {
          auto m = to_match(l, fmt::format("no cron ancestor; the line runs '{}'", prog));
          m.via_ancestry = false;
          return m;
        }
    for (const auto& sc : cron.scripts) {
      bool hit = false;
      for_each_line(sc.text, [&](std::string_view line, int) {
        auto words = shell_words(line);
        if (!is_test_or_assignment(words))
          for (const auto& w : words) hit = hit || word_basename(w) == prog;
      });
      if (!hit) continue;
      auto m = find_run_parts_line(cron, sc.dir);
      if (!m) {
        m = CronMatch{};
        m->run_parts_dir = sc.dir;
      }
      m->script = sc.path;
      m->how = fmt::format("no cron ancestor; {} runs '{}'", sc.path, prog);
      m->via_ancestry = false;
      return m;
    }
    return std::nullopt;
  }

  // Script and run-parts dir from the chain, used by every kind of match below.
  std::optional<std::string> dir, script;
  for (const auto& argv : below) {
    if (!dir) dir = run_parts_dir(argv);
    for (const auto& w : argv) {
      if (script) break;
      if (dir && starts_with(w, *dir + "/") && w.size() > dir->size() + 1) script = w;
      else if (!dir && in_periodic_dir(w)) script = w;
    }
  }
  if (script && !dir) dir = dir_of(*script);
  auto finish = [&](CronMatch m) {
    if (dir) m.run_parts_dir = dir;
    if (script) m.script = script;
    return m;
  };

  // (1) sh -c "<command>" equals the line's command.
  bool anacron_first = chain[k].comm == "anacron";
  for (const auto& argv : below) {
    for (size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] != "-c") continue;
      std::string cmd = collapse(argv[i + 1]);
      for (int pass = 0; pass < 2; ++pass)
        for (const auto& l : lines)
          if (l.anacron == (anacron_first == (pass == 0)) && collapse(l.command) == cmd)
            return finish(to_match(l, fmt::format("{} ran `sh -c` with the text of this line", chain[k].comm)));
    }
  }
  // (2)/(3) run-parts DIR, or a script in a periodic dir: the line that runs that dir.
  if (dir) {
    if (auto m = find_run_parts_line(cron, *dir)) {
      m->how = fmt::format("{} → run-parts {}{}; {}", chain[k].comm, *dir, script ? " → " + *script : "", m->how);
      return finish(*m);
    }
  }
  CronMatch m;
  m.how = fmt::format("started by {} (pid {}), but no crontab line matched", chain[k].comm, chain[k].pid);
  m.anacron = anacron_first;
  return finish(m);
}

}  // namespace ms
