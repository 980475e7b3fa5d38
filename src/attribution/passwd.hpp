#pragma once
// User names for session owners, from <rootfs>/etc/passwd (no NSS: the node's file is the truth we
// can read from a DaemonSet).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "probe/host_paths.hpp"

namespace ms {

class UserNames {
 public:
  // "name:x:uid:gid:gecos:home:shell" lines; malformed lines are skipped (a half-edited passwd must
  // not hide the other users).
  static UserNames parse(std::string_view passwd_text);
  static UserNames load(const HostPaths& paths);
  void add(uint32_t uid, std::string name) { names_.emplace(uid, std::move(name)); }
  std::optional<std::string> name(uint32_t uid) const;

 private:
  std::map<uint32_t, std::string> names_;
};

}  // namespace ms
