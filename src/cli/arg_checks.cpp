#include "cli/arg_checks.hpp"

#include <fmt/format.h>

#include "cli/arg_units.hpp"
#include "probe/fs.hpp"
#include "util/escape.hpp"
#include "util/time_input.hpp"
#include "util/units.hpp"

namespace ms::cli {

namespace {

template <class Parse>
CLI::Validator validator(const char* name, Parse parse) {
  return CLI::Validator(
      [parse](std::string& s) -> std::string {
        auto r = parse(s);
        return r ? std::string() : r.error().describe();
      },
      name);
}

}  // namespace

CLI::Validator time_arg() {
  return validator("TIME", [](const std::string& s) { return parse_time_input(s, now_unix() * 1'000'000); });
}

CLI::Validator duration_arg() {
  return validator("DURATION", [](const std::string& s) { return parse_duration_ms(s); });
}

CLI::Validator size_arg() {
  return validator("SIZE", [](const std::string& s) { return parse_size_bytes(s); });
}

std::optional<std::string> procfs_problem(const std::string& path) {
  if (!is_dir(path)) return fmt::format("--procfs {}: no such directory", path);
  if (!exists(HostPaths::join(path, "meminfo")))
    return fmt::format("--procfs {}: not a procfs (no meminfo in it); give the host's /proc, e.g. /host/proc", path);
  return std::nullopt;
}

std::optional<std::string> sysfs_problem(const std::string& path) {
  if (!is_dir(path)) return fmt::format("--sysfs {}: no such directory", path);
  if (!is_dir(HostPaths::join(path, "fs/cgroup")))
    return fmt::format("--sysfs {}: not a sysfs (no fs/cgroup in it); give the host's /sys, e.g. /host/sys", path);
  return std::nullopt;
}

std::optional<std::string> rootfs_problem(const std::string& path) {
  if (!is_dir(path)) return fmt::format("--rootfs {}: no such directory", path);
  return std::nullopt;
}

bool check_input_file(Context& ctx, std::string_view command, std::string_view flag, const std::string& path) {
  auto t = read_file(path, FileKind::kConfig);
  if (t) return true;
  ctx.unreadable(command, fmt::format("{} {}: cannot read it: {}", flag, path, t.error().message));
  return false;
}

bool check_window(Context& ctx, std::string_view command, const std::string& since_text, int64_t since_us,
                  const std::string& until_text, int64_t until_us) {
  if (since_us <= until_us) return true;
  ctx.usage_error(command,
                  fmt::format("--since {} ({}) is after --until {} ({}): the window is reversed", since_text,
                              rfc3339_utc(since_us / 1'000'000), until_text, rfc3339_utc(until_us / 1'000'000)));
  return false;
}

}  // namespace ms::cli
