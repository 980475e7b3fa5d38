#pragma once
// `--at TIME [--db PATH]` for the live commands (top, explain, available, doctor): the node as the
// recorder stored it at that time, so the same analyses run on a past moment (derived values
// recomputed on read).
#include <memory>
#include <optional>
#include <string>

#include "cli/context.hpp"
#include "k8s/kubelet_config.hpp"
#include "render/text_layout.hpp"
#include "store/history.hpp"

namespace ms::cli {

struct AtOptions {
  std::string at;
  std::string db;  // empty: the default database under --rootfs (default_db_path)
};

// The recorder's default database as this invocation sees the node: under --rootfs, so a fixture
// tree never reads the live host's /var/lib/memsleuth/history.db.
std::string default_db_path(const Context& ctx);
// `db` as given, or the default.
std::string db_path(const std::string& db, const Context& ctx);

// Adds --at and --db to a command.
void add_at_options(CLI::App& cmd, AtOptions& o);

struct RecordedAt {
  store::RecordedMoment moment;
  std::optional<store::NodePoint> next;     // the following sample, within a minute (for rates)
  k8s::KubeletConfig kubelet_config;        // the kubelet settings recorded with the sample
  std::shared_ptr<store::History> history;  // the database it came from, still open
  int64_t requested = 0;                    // the time asked for (unix seconds; the sample is at or before)
};

// Loads the moment; on failure prints why (prefixed with `command`), sets ctx.exit_code (a usage
// error for a bad time, else the command's "could not be read" code) and returns nullopt.
std::optional<RecordedAt> load_recorded_at(const AtOptions& o, Context& ctx, const char* command);

// One line for people: "as recorded at 2026-11-27T02:10:00Z (regular sample; 25 of 231 processes stored)".
std::string describe_recorded(const store::RecordedMoment& m);
// The same line wrapped to the output's width, with its newline.
std::string recorded_heading(const store::RecordedMoment& m, const TextLayout& layout);

}  // namespace ms::cli
