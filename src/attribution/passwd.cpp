#include "attribution/passwd.hpp"

#include "probe/fs.hpp"
#include "util/text.hpp"

namespace ms {

UserNames UserNames::parse(std::string_view text) {
  UserNames u;
  for_each_line(text, [&](std::string_view line, int) {
    auto f = split(line, ':');
    if (f.size() < 4 || f[0].empty()) return;
    auto uid = parse_u64(f[2]);
    if (!uid || *uid > UINT32_MAX) return;
    u.add(static_cast<uint32_t>(*uid), std::string(f[0]));  // first entry for a uid wins, like getpwuid
  });
  return u;
}

UserNames UserNames::load(const HostPaths& paths) {
  auto text = read_file(paths.root("/etc/passwd"), FileKind::kAccounts);
  return text ? parse(*text) : UserNames{};
}

std::optional<std::string> UserNames::name(uint32_t uid) const {
  auto it = names_.find(uid);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ms
