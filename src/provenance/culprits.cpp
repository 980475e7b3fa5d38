#include "provenance/culprits.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "provenance/shell_words.hpp"
#include "util/text.hpp"

namespace ms {

namespace {

bool has_word(const std::vector<std::string>& args, std::string_view w) {
  return std::find(args.begin(), args.end(), w) != args.end();
}

bool has_any(const std::vector<std::string>& args, std::initializer_list<std::string_view> ws) {
  for (auto w : ws)
    if (has_word(args, w)) return true;
  return false;
}

// Absolute paths among the arguments (what a walker starts from).
std::vector<std::string> path_args(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    std::string_view v = a;
    if (auto eq = v.find('='); starts_with(v, "--") && eq != std::string_view::npos) v = v.substr(eq + 1);
    if (starts_with(v, "/") && !starts_with(v, "//")) {
      std::string p(v);
      while (p.size() > 1 && p.back() == '/') p.pop_back();
      out.push_back(p);
    }
  }
  return out;
}

// What is risky about walking from `roots`: the whole tree, Kubernetes state, network mounts below.
std::vector<std::string> walk_risks(const std::vector<std::string>& roots, bool one_fs, const CulpritInputs& in) {
  std::vector<std::string> out;
  for (const auto& r : roots) {
    if (r == "/") out.push_back("walks the whole filesystem tree from /");
    for (const auto& d : in.k8s_dirs)
      if (path_under(d, r) || path_under(r, d)) out.push_back(fmt::format("walks Kubernetes state {}", d));
    for (const auto& m : in.mounts) {
      if (!is_network_or_fuse_fs(m.fs_type)) continue;
      bool below = path_under(m.mount_point, r) && m.mount_point != r;
      if (path_under(r, m.mount_point) || (below && !one_fs))
        out.push_back(fmt::format("walks {} mount {} ({})", m.fs_type, m.mount_point, m.source));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void add_disable(const CulpritInputs& in, Culprit& c) {
  for (const auto& d : in.disable) c.fixes.push_back("stop the schedule: " + d);
}

void add_walk_evidence(const std::vector<std::string>& args, bool one_fs, const CulpritInputs& in, Culprit& c) {
  auto roots = path_args(args);
  if (!roots.empty()) {
    std::string list;
    for (const auto& r : roots) list += (list.empty() ? "" : " ") + r;
    c.evidence.push_back("paths: " + list);
  }
  for (auto& r : walk_risks(roots, one_fs, in)) c.evidence.push_back(std::move(r));
  if (!one_fs) c.evidence.push_back("does not stay on one filesystem (no -xdev / -x / --one-file-system)");
}

bool walk_relevant(const std::vector<std::string>& args, const CulpritInputs& in) {
  return !walk_risks(path_args(args), false, in).empty();
}

// ---- updatedb ----
void analyze_updatedb(const std::vector<std::string>& args, const CulpritInputs& in, Culprit& c) {
  std::vector<std::string> argv{"updatedb"};
  argv.insert(argv.end(), args.begin(), args.end());
  UpdatedbArgs ua = parse_updatedb_args(argv);
  UpdatedbConf conf = in.updatedb_conf.value_or(UpdatedbConf{});
  CrawlPlan plan = plan_updatedb_crawl(conf, ua, in.mounts, in.k8s_dirs);
  const std::string& cp = in.updatedb_conf_path;
  if (ua.findutils) {
    c.evidence.push_back("findutils updatedb: ignores " + cp + "; prunes only what --prunepaths/--prunefs say");
  } else if (!in.updatedb_conf) {
    c.evidence.push_back(cp + " is missing: no PRUNEFS/PRUNEPATHS, updatedb walks every mount");
  } else {
    auto line_of = [&](const char* name, const std::optional<UpdatedbSetting>& s) {
      if (s) c.evidence.push_back(fmt::format("{}:{}: {}", cp, s->line, s->raw));
      else c.evidence.push_back(fmt::format("{}: no {} line", cp, name));
    };
    line_of("PRUNE_BIND_MOUNTS", conf.prune_bind_mounts);
    line_of("PRUNEFS", conf.prunefs);
    line_of("PRUNEPATHS", conf.prunepaths);
    for (const auto& p : conf.problems) c.evidence.push_back("config problem: " + p.describe());
  }
  if (ua.database_root != "/") c.evidence.push_back("database root (-U): " + ua.database_root);
  if (plan.prunefs_unknown)
    c.evidence.push_back(
        "-f \"$var\": extra filesystem types chosen at run time (EL7 cron.daily adds every 'nodev' type of "
        "/proc/filesystems, which covers nfs/ceph/fuse but not block filesystems such as xfs under kubelet)");
  for (const auto& f : plan.crawled) {
    std::string what = f.risk == CrawlRisk::kNetworkFs ? fmt::format("{} is not in PRUNEFS", f.fs_type)
                       : f.risk == CrawlRisk::kKubernetesState ? std::string("not in PRUNEPATHS")
                                                               : std::string("overlay is in no distro's PRUNEFS");
    std::string fs = f.fs_type + (f.fs_type.empty() || f.source.empty() ? "" : ", ") + f.source;
    c.evidence.push_back(
        fmt::format("WILL CRAWL {} [{}]{}: {}", f.path, to_string(f.risk), fs.empty() ? "" : " (" + fs + ")", what));
  }
  for (const auto& p : plan.pruned) {
    if (p.by == "outside database root") continue;
    std::string where = p.line > 0 ? fmt::format("{}:{}: {}", cp, p.line, p.raw) : p.raw;
    c.evidence.push_back(fmt::format("skips {}{}: {} ({})", p.path, p.fs_type.empty() ? "" : " [" + p.fs_type + "]",
                                     p.by, where));
  }
  if (plan.crawled.empty()) c.evidence.push_back("no network filesystem or Kubernetes state in its walk");
  auto fix_line = [&](const char* name, const std::optional<UpdatedbSetting>& s, const std::optional<std::string>& fix) {
    if (!fix) return;
    if (s) c.fixes.push_back(fmt::format("edit {} line {} ({}) to read: {}", cp, s->line, name, *fix));
    else c.fixes.push_back(fmt::format("add to {}: {}", cp, *fix));
  };
  fix_line("PRUNEFS", conf.prunefs, plan.prunefs_fix);
  fix_line("PRUNEPATHS", conf.prunepaths, plan.prunepaths_fix);
  if (ua.findutils && !plan.crawled.empty())
    c.fixes.push_back("pass --prunepaths='/var/lib/kubelet /var/lib/containerd /var/lib/docker /var/log/pods' "
                      "and --prunefs with the network types, or remove findutils-locate");
  add_disable(in, c);
  c.fixes.push_back("or remove the locate package if nobody uses `locate` on this node");
  c.crawl = std::move(plan);
}

// ---- find / du ----
void analyze_find(const std::vector<std::string>& args, const CulpritInputs& in, Culprit& c) {
  bool one_fs = has_any(args, {"-xdev", "-mount"});
  add_walk_evidence(args, one_fs, in, c);
  c.fixes.push_back("add -xdev and prune Kubernetes state: find / -xdev \\( -path /var/lib/kubelet -o -path "
                    "/var/lib/containerd \\) -prune -o ...");
  add_disable(in, c);
}

void analyze_du(const std::vector<std::string>& args, const CulpritInputs& in, Culprit& c) {
  bool one_fs = has_any(args, {"-x", "--one-file-system"});
  add_walk_evidence(args, one_fs, in, c);
  c.fixes.push_back("use du -x and --exclude=/var/lib/kubelet, or measure with the filesystem's quota tools");
  add_disable(in, c);
}

// ---- backups ----
void analyze_rsync(const std::vector<std::string>& args, const CulpritInputs& in, Culprit& c) {
  bool one_fs = has_any(args, {"-x", "--one-file-system"});
  add_walk_evidence(args, one_fs, in, c);
  if (has_word(args, "--no-inc-recursive") || has_word(args, "--no-i-r"))
    c.evidence.push_back("--no-inc-recursive: the whole file list is held in memory");
  c.fixes.push_back("add --one-file-system and --exclude=/var/lib/kubelet --exclude=/var/lib/containerd "
                    "--exclude=/var/log/pods; run it with a memory limit (systemd-run -p MemoryMax=...)");
  add_disable(in, c);
}

bool tar_creates(const std::vector<std::string>& args) {
  if (has_any(args, {"--create", "-c"})) return true;
  return !args.empty() && args.front().find('c') != std::string::npos && args.front().front() != '/';
}

void analyze_tar(const std::vector<std::string>& args, const CulpritInputs& in, Culprit& c) {
  bool one_fs = has_word(args, "--one-file-system");
  add_walk_evidence(args, one_fs, in, c);
  c.fixes.push_back("add --one-file-system --exclude=/var/lib/kubelet --exclude=/var/lib/containerd "
                    "--exclude=/var/log/pods; run it with a memory limit");
  add_disable(in, c);
}

void analyze_backup_agent(const std::vector<std::string>& args, const CulpritInputs& in, Culprit& c) {
  add_walk_evidence(args, has_any(args, {"--one-file-system", "-x"}), in, c);
  c.fixes.push_back("exclude /var/lib/kubelet, /var/lib/containerd, /var/log/pods and network mounts from the "
                    "backup set; run the agent in a unit with MemoryMax=");
  add_disable(in, c);
}

// ---- man-db ----
void analyze_mandb(const std::vector<std::string>&, const CulpritInputs& in, Culprit& c) {
  c.evidence.push_back("mandb re-indexes every manual page and its cache (daily, or after package installs)");
  c.fixes.push_back("on servers: echo 'man-db man-db/auto-update boolean false' | debconf-set-selections, or "
                    "systemctl disable --now man-db.timer");
  add_disable(in, c);
}

// ---- logrotate ----
void analyze_logrotate(const std::vector<std::string>& args, const CulpritInputs& in, Culprit& c) {
  for (const auto& p : path_args(args)) c.evidence.push_back("config: " + p);
  c.evidence.push_back("compresses rotated logs; big logs fill the page cache and cost CPU in the job's cgroup");
  c.fixes.push_back("kubelet rotates container logs itself: keep /var/log/pods and /var/log/containers out of "
                    "logrotate configs; use delaycompress / maxsize for large logs");
  add_disable(in, c);
}

// ---- package caches ----
bool apt_update(const std::vector<std::string>& a) { return has_any(a, {"update", "upgrade", "dist-upgrade"}); }
bool dnf_makecache(const std::vector<std::string>& a) { return has_any(a, {"makecache", "check-update"}); }
bool zypper_refresh(const std::vector<std::string>& a) { return has_any(a, {"refresh", "ref"}); }

void analyze_pkg(const std::vector<std::string>&, const CulpritInputs& in, Culprit& c) {
  c.evidence.push_back("refreshes package metadata: large index files are parsed in memory and pass through the "
                       "page cache");
  c.fixes.push_back("on image-based nodes disable the refresh: systemctl disable --now apt-daily.timer "
                    "apt-daily-upgrade.timer (Debian/Ubuntu) or dnf-makecache.timer (RHEL/Fedora)");
  add_disable(in, c);
}

// To add a culprit: one entry here, plus a test in tests/unit/provenance/culprits_test.cpp.
const std::vector<CulpritRule> kRules = {
    {"updatedb", "updatedb (locate database) walks every mounted filesystem it is not told to prune",
     {"updatedb*"}, nullptr, nullptr, analyze_updatedb},
    {"find", "find walking a directory tree", {"find"}, nullptr, walk_relevant, analyze_find},
    {"du", "du walking a directory tree", {"du"}, nullptr, walk_relevant, analyze_du},
    {"rsync-backup", "rsync copy/backup walking a directory tree", {"rsync"}, nullptr, walk_relevant,
     analyze_rsync},
    {"tar-backup", "tar archive/backup walking a directory tree", {"tar", "bsdtar", "gtar"},
     nullptr, [](const std::vector<std::string>& a, const CulpritInputs& in) { return tar_creates(a) && walk_relevant(a, in); },
     analyze_tar},
    {"backup-agent", "backup agent walking the filesystem", {"borg", "restic", "duplicity", "rdiff-backup", "bacula-fd"},
     nullptr, nullptr, analyze_backup_agent},
    {"man-db", "man-db rebuilding the manual page index", {"mandb"}, nullptr, nullptr, analyze_mandb},
    {"logrotate", "logrotate rotating and compressing logs", {"logrotate"}, nullptr, nullptr, analyze_logrotate},
    {"apt-refresh", "apt package cache refresh", {"apt-get", "apt", "aptitude"}, apt_update, nullptr, analyze_pkg},
    {"apt-refresh", "apt package cache refresh", {"apt.systemd.daily", "unattended-upgrade*", "unattended-upgr"},
     nullptr, nullptr, analyze_pkg},
    {"dnf-makecache", "dnf/yum package cache refresh", {"dnf", "yum", "microdnf"}, dnf_makecache, nullptr, analyze_pkg},
    {"zypper-refresh", "zypper repository refresh", {"zypper"}, zypper_refresh, nullptr, analyze_pkg},
    {"packagekit", "PackageKit cache refresh", {"packagekitd"}, nullptr, nullptr, analyze_pkg},
};

bool name_matches(std::string_view name, std::string_view pattern) {
  if (!pattern.empty() && pattern.back() == '*') return starts_with(name, pattern.substr(0, pattern.size() - 1));
  return name == pattern;
}

const CulpritRule* rule_for(std::string_view program, const std::vector<std::string>& args) {
  for (const auto& r : kRules)
    for (auto p : r.programs)
      if (name_matches(program, p) && (!r.args_match || r.args_match(args))) return &r;
  return nullptr;
}

Culprit run(const CulpritRule& r, std::string matched, const std::vector<std::string>& args, const CulpritInputs& in) {
  Culprit c;
  c.rule = std::string(r.id);
  c.title = std::string(r.title);
  c.matched = std::move(matched);
  if (r.analyze) r.analyze(args, in, c);
  return c;
}

}  // namespace

const std::vector<CulpritRule>& culprit_rules() { return kRules; }

std::optional<Culprit> match_process_culprit(const std::vector<std::string>& argv, std::string_view comm,
                                             const CulpritInputs& in) {
  std::vector<std::string> args;
  if (argv.size() > 1) args.assign(argv.begin() + 1, argv.end());
  if (!argv.empty()) {
    std::string prog(word_basename(argv.front()));
    // "exec -a NAME" or a script interpreter: argv[0] may be "sh" while comm is the script's name.
    if (auto* r = rule_for(prog, args)) return run(*r, argv.front(), args, in);
  }
  if (auto* r = rule_for(comm, args)) return run(*r, std::string(comm), args, in);
  return std::nullopt;
}

std::optional<Culprit> match_command_culprit(const std::vector<std::string>& words, const CulpritInputs& in) {
  if (is_test_or_assignment(words)) return std::nullopt;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string prog(word_basename(words[i]));
    std::vector<std::string> args(words.begin() + static_cast<long>(i) + 1, words.end());
    const CulpritRule* r = rule_for(prog, args);
    if (!r) continue;
    if (r->scheduled_relevant && !r->scheduled_relevant(args, in)) return std::nullopt;
    return run(*r, words[i], args, in);
  }
  return std::nullopt;
}

}  // namespace ms
