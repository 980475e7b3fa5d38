#pragma once
// Known memory culprits on nodes: programs that walk whole filesystems or refresh big caches from a
// schedule nobody remembers. A data-driven table: to add one, append a CulpritRule to kRules in
// culprits.cpp (programs it runs as, when a scheduled command counts, what evidence and fix to give).
// The same rules serve a running process (argv) and a scheduled command (the words of a crontab
// line, a cron.daily script line or a unit's ExecStart=). Pure: all inputs are passed in.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/snapshot.hpp"
#include "provenance/updatedb_conf.hpp"
#include "provenance/updatedb_crawl.hpp"

namespace ms {

struct CulpritInputs {
  std::vector<Mount> mounts;           // the crawler's mount table
  std::optional<UpdatedbConf> updatedb_conf;
  std::string updatedb_conf_path = "/etc/updatedb.conf";
  std::vector<std::string> k8s_dirs;  // Kubernetes state dirs that exist, as the crawler sees them
  std::vector<std::string> disable;   // how to stop the source: "chmod -x /etc/cron.daily/plocate", ...
  std::vector<std::string> problems;  // inputs that exist but could not be read (updatedb.conf a FIFO, ...)
};

struct Culprit {
  std::string rule;   // "updatedb", "find", "man-db", ...
  std::string title;  // one line for people
  std::string matched;  // the word that matched ("/usr/sbin/updatedb.plocate")
  std::vector<std::string> evidence;
  std::vector<std::string> fixes;
  std::optional<CrawlPlan> crawl;  // updatedb: what it walks and what prunes it
};

struct CulpritRule {
  std::string_view id;
  std::string_view title;
  std::vector<std::string_view> programs;  // basenames; a trailing '*' matches a prefix ("updatedb*")
  // Extra condition on the words after the program (apt "update", dnf "makecache"); null = none.
  bool (*args_match)(const std::vector<std::string>& args) = nullptr;
  // For scheduled commands only: is this invocation worth reporting (find /tmp -delete is not)?
  // null = always.
  bool (*scheduled_relevant)(const std::vector<std::string>& args, const CulpritInputs& in) = nullptr;
  // Evidence and fixes for a match; `args` are the words after the program.
  void (*analyze)(const std::vector<std::string>& args, const CulpritInputs& in, Culprit& out) = nullptr;
};

const std::vector<CulpritRule>& culprit_rules();

// A running process: argv[0] or comm must name the program (a process does not "run" its args).
std::optional<Culprit> match_process_culprit(const std::vector<std::string>& argv, std::string_view comm,
                                             const CulpritInputs& in);
// A scheduled command: any word may name the program (wrappers such as flock, nice, ionice,
// start-stop-daemon --exec come first). Test and assignment lines never match.
std::optional<Culprit> match_command_culprit(const std::vector<std::string>& words, const CulpritInputs& in);

}  // namespace ms
