#pragma once
// /etc/updatedb.conf (mlocate, plocate; findutils' updatedb ignores it) as a pure parser.
//
// Tolerant on purpose: besides the package formats (`PRUNEFS = "..."` and `PRUNEFS="..."`), it reads
// configs pasted into issue threads and wikis (bullets, backticks, typographic quotes, a value cut
// before its closing quote) and the puppet-mlocate module's YAML data (`mlocate::prunefs:` lists).
// The last assignment of a variable wins, as in mlocate.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace ms {

struct UpdatedbSetting {
  std::string value;  // inside the quotes, as written (lists: space-separated)
  int line = 0;       // 1-based line of the assignment
  std::string raw;    // the assignment line as written (trimmed)
  bool truncated = false;  // no closing quote: the value may be cut (pasted excerpts)
};

struct UpdatedbConf {
  std::optional<UpdatedbSetting> prune_bind_mounts, prunefs, prunenames, prunepaths;
  std::vector<Error> problems;  // unknown variables, unterminated values
  bool from_yaml = false;       // read from puppet-mlocate data, not an updatedb.conf

  // mlocate's default is "no" when the variable is absent.
  bool prune_bind_mounts_on() const;
  std::vector<std::string> prunefs_list() const;    // as written
  std::vector<std::string> prunepaths_list() const;
  std::vector<std::string> prunenames_list() const;
  // Case-insensitive, exact type match (mlocate/plocate upper-case both sides): "fuse" does not cover
  // "fuse.sshfs", and "fuse.ceph" does not cover ceph-fuse's "fuse.ceph-fuse".
  bool prunes_fs(std::string_view fs_type) const;
  // The PRUNEPATHS entry that prunes `path` (the entry itself or an ancestor directory of `path`;
  // entries are matched exactly, so one with a trailing slash prunes nothing).
  std::optional<std::string> pruning_path(std::string_view path) const;
  // The same for a walk that starts at `database_root`: updatedb checks PRUNEPATHS only for the
  // directories it descends into, so an entry at or above the root (/tmp for `-U /tmp/x`) prunes nothing.
  std::optional<std::string> pruning_path(std::string_view path, std::string_view database_root) const;
};

UpdatedbConf parse_updatedb_conf(std::string_view text, std::string_view path = "/etc/updatedb.conf");

// The options of a running or scheduled `updatedb` command line that change what it crawls
// (mlocate/plocate: -U/--database-root, -e/--add-prunepaths, -f/--add-prunefs, -n/--add-prunenames,
// --prune-bind-mounts, -o/--output; findutils: --localpaths, --prunepaths, --prunefs).
struct UpdatedbArgs {
  std::string database_root = "/";
  std::vector<std::string> add_prunefs, add_prunepaths;
  std::optional<bool> prune_bind_mounts;
  std::optional<std::string> output;
  bool findutils = false;           // findutils' updatedb (ignores updatedb.conf)
  bool prunefs_from_shell = false;  // -f "$var": the types come from a shell variable we cannot see
};
UpdatedbArgs parse_updatedb_args(const std::vector<std::string>& argv);

}  // namespace ms
