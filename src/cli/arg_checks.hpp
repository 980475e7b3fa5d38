#pragma once
// Command-line values checked where CLI11 parses them, so a bad time, duration or size is a usage
// error (exit 64) in every command with one kind of message; and the inputs a command names (host
// trees, files) checked before it reads anything, so a wrong path is an error naming it, not a
// finding or a table of `?`.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli/context.hpp"

namespace ms::cli {

// --since/--until/--at: RFC 3339, "YYYY-MM-DD HH:MM[:SS]" local, @UNIX-SECONDS, relative (-2h).
CLI::Validator time_arg();
// 10s, 500ms, 5m, 7d; a plain number is seconds.
CLI::Validator duration_arg();
// 512MiB, 1Gi, 100M, 4096.
CLI::Validator size_arg();

// What is wrong with a host tree given on the command line, or nullopt: --procfs must hold
// meminfo, --sysfs fs/cgroup, --rootfs must be a directory.
std::optional<std::string> procfs_problem(const std::string& path);
std::optional<std::string> sysfs_problem(const std::string& path);
std::optional<std::string> rootfs_problem(const std::string& path);

// Reads a file the user named (e.g. --kubelet-config); on failure prints
// "memsleuth <command>: <flag> <path>: <why>", sets the command's unreadable exit code, returns false.
bool check_input_file(Context& ctx, std::string_view command, std::string_view flag, const std::string& path);

// A --since/--until window must not be reversed. Times in Unix microseconds; on a reversed window
// prints why (with both values as typed) as a usage error and returns false.
bool check_window(Context& ctx, std::string_view command, const std::string& since_text, int64_t since_us,
                  const std::string& until_text, int64_t until_us);

}  // namespace ms::cli
