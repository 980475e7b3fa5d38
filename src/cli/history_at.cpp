#include "cli/history_at.hpp"

#include <fmt/format.h>

#include "cli/arg_checks.hpp"
#include "diagnosis/diagnosis.hpp"
#include "util/escape.hpp"
#include "util/time_input.hpp"
#include "util/units.hpp"

namespace ms::cli {

void add_at_options(CLI::App& cmd, AtOptions& o) {
  cmd.add_option("--at", o.at,
                 "Replay: the node as `memsleuth record` stored it at this time (RFC 3339, 'YYYY-MM-DD HH:MM[:SS]' "
                 "local, @UNIX-SECONDS, or relative like -2h)")
      ->check(time_arg());
  cmd.add_option("--db", o.db,
                 fmt::format("History database for --at (written by `memsleuth record`; default {} under --rootfs)",
                             store::kDefaultDbPath));
}

std::string default_db_path(const Context& ctx) {
  return ctx.paths.root(store::kDefaultDbPath);
}

std::string db_path(const std::string& db, const Context& ctx) {
  return db.empty() ? default_db_path(ctx) : db;
}

std::optional<RecordedAt> load_recorded_at(const AtOptions& o, Context& ctx, const char* command) {
  auto fail_with = [&](const std::string& msg) {
    ctx.unreadable(command, msg);
    return std::nullopt;
  };
  auto t = parse_time_input(o.at, now_unix() * 1'000'000);
  if (!t) {
    ctx.usage_error(command, "--at: " + t.error().describe());
    return std::nullopt;
  }
  std::string db = db_path(o.db, ctx);
  auto h = store::History::open(db);
  if (!h) return fail_with(h.error().describe());
  int64_t ts = *t / 1'000'000;
  auto m = (*h)->at(ts);
  if (!m) return fail_with(m.error().describe());
  if (!*m) return fail_with(fmt::format("nothing recorded in {} within an hour before {}", db, rfc3339_utc(ts)));
  RecordedAt r{std::move(**m), std::nullopt, {}, nullptr};
  r.kubelet_config = (*h)->kubelet_config(r.moment.node.kubelet_config_id);
  auto next = (*h)->node_series({r.moment.sample.time + 1, r.moment.sample.time + 60});
  if (next && !next->empty()) r.next = std::move(next->front());
  r.history = std::move(*h);
  r.requested = ts;
  return r;
}

std::string describe_recorded(const store::RecordedMoment& m) {
  return escape_terminal(diagnosis::describe_moment(m));
}

std::string recorded_heading(const store::RecordedMoment& m, const TextLayout& layout) {
  return wrap_text(describe_recorded(m), layout.width, "", "  ");
}

}  // namespace ms::cli
