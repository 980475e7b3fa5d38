#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>

#include "attribution/classify.hpp"
#include "cli/arg_checks.hpp"
#include "cli/context.hpp"
#include "cli/kubelet_log_args.hpp"
#include "cli/terminal.hpp"
#include "events/attribute.hpp"
#include "events/event_stream.hpp"
#include "events/log_line.hpp"
#include "probe/fs.hpp"
#include "probe/kmsg.hpp"
#include "probe/snapshot_reader.hpp"
#include "render/oom_json.hpp"
#include "render/oom_table.hpp"
#include "util/escape.hpp"
#include "util/text.hpp"
#include "util/time_input.hpp"

namespace ms::cli {

namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct OomOpts {
  std::string output = "text";
  std::string file;
  std::string since, until;
  KubeletLogArgs kubelet;
};

// Live pid -> (comm, memory cgroup), read lazily and only for the pids a task table names.
class LiveProcesses {
 public:
  explicit LiveProcesses(const HostPaths& paths) : paths_(paths) {}
  std::optional<LiveProcessInfo> get(int64_t pid) {
    if (pid <= 0 || pid > INT32_MAX) return std::nullopt;
    if (!layout_) {
      auto mounts = read_mounts(paths_);
      layout_ = mounts ? detect_cgroup_layout(*mounts, paths_) : CgroupLayout{};
    }
    auto it = cache_.find(pid);
    if (it != cache_.end()) return it->second;
    SnapshotOptions so;
    so.links = false;
    so.pss = false;
    auto p = read_process(paths_, static_cast<int>(pid), layout_->memory_on_v2, so);
    std::optional<LiveProcessInfo> info;
    if (p) info = LiveProcessInfo{p->comm, p->memory_cgroup};
    cache_[pid] = info;
    return info;
  }

 private:
  HostPaths paths_;
  std::optional<CgroupLayout> layout_;
  std::map<int64_t, std::optional<LiveProcessInfo>> cache_;
};

// Says on stderr that a --file held nothing this command reads: a wrong file (or an empty pipe) and
// a quiet night both give an empty table, and only the first is a mistake.
void note_nothing_recognised(const std::string& file, std::string_view text, const LineContext& ctx) {
  size_t lines = 0, formatted = 0;
  for_each_line(text, [&](std::string_view l, int) {
    if (trim(l).empty()) return;
    ++lines;
    if (parse_log_line(l, ctx).format != LineFormat::kPlain) ++formatted;
  });
  std::string name = file == "-" ? "stdin" : file;
  if (lines == 0) {
    fmt::print(stderr, "memsleuth oom: {} is empty: no OOM kill or eviction to show\n", escape_terminal(name));
    return;
  }
  fmt::print(stderr,
             "memsleuth oom: no OOM kill or eviction recognised in {} ({} line{}, {} with a log prefix memsleuth "
             "knows); it reads dmesg, dmesg -T, journalctl -k (short, short-iso, -o json), syslog, kubelet logs and "
             "pod status messages\n",
             escape_terminal(name), lines, lines == 1 ? "" : "s", formatted);
}

Result<std::vector<Event>> read_events(const OomOpts& o, const HostPaths& paths, int64_t now, bool& live) {
  LineContext ctx;
  ctx.reference_us = now;
  if (!o.file.empty()) {
    live = false;
    std::string text;
    if (o.file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      std::vector<std::string> cut;
      auto t = read_file(o.file, FileKind::kLog, &cut);
      if (!t) {
        // A pipe (`--file <(dmesg)`) is refused like any non-regular file: say how to pipe it in.
        Error e = t.error();
        struct stat st {};
        if (::stat(o.file.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
          e.message += "; to read a pipe, give it on stdin with --file -";
        return fail(e);
      }
      for (const auto& w : cut) fmt::print(stderr, "memsleuth oom: {}\n", escape_terminal(w));
      text = std::move(*t);
    }
    auto events = parse_events(text, ctx);
    if (events.empty()) note_nothing_recognised(o.file, text, ctx);
    return events;
  }
  live = true;
  auto reader = KmsgReader::open(paths);
  if (!reader) return fail(reader.error());
  ctx.boot_time_s = read_boot_time(paths);
  EventStream stream(ctx);
  auto recs = reader->read_available();
  if (!recs) return fail(recs.error());
  for (const auto& r : *recs) stream.feed_kmsg(r);
  stream.finish();
  auto events = stream.take();
  // The kubelet logs evictions instead of writing them to the kernel log: its text logs and journal.
  auto kub = read_kubelet_evictions(paths, o.kubelet.options(), now);
  for (const auto& p : kub.problems) fmt::print(stderr, "memsleuth oom: kubelet evictions: {}\n", escape_terminal(p));
  if (!kub.events.empty()) {
    events.insert(events.end(), std::make_move_iterator(kub.events.begin()), std::make_move_iterator(kub.events.end()));
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      return a.time_us.value_or(INT64_MIN) < b.time_us.value_or(INT64_MIN);
    });
  }
  return events;
}

}  // namespace

void add_oom_command(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<OomOpts>();
  auto* cmd = app.add_subcommand("oom", "Kernel OOM kills and kubelet evictions, tied to pods, units and jobs");
  add_output_option(*cmd, o->output, {"text", "json"});
  add_no_headers_flag(*cmd, ctx);
  cmd->add_option("--file", o->file,
                  "Read this log instead of the live node (/dev/kmsg and the kubelet's logs; '-' = stdin): dmesg, "
                  "dmesg -T, journalctl -k (short, short-iso, -o json), syslog, kubelet logs, pod status messages");
  add_kubelet_log_options(*cmd, o->kubelet);
  cmd->add_option("--since", o->since,
                  "Only events at or after this time (RFC 3339, \"YYYY-MM-DD HH:MM[:SS]\" local, -2h)")
      ->check(time_arg());
  cmd->add_option("--until", o->until, "Only events before this time (same forms as --since)")->check(time_arg());
  cmd->callback([o, &ctx] {
    int64_t now = now_us();
    std::optional<int64_t> since, until;
    for (auto [text, slot] : {std::pair{&o->since, &since}, std::pair{&o->until, &until}}) {
      if (text->empty()) continue;
      auto t = parse_time_input(*text, now);
      if (!t) return ctx.usage_error("oom", t.error().describe());
      *slot = *t;
    }
    if (since && until && !check_window(ctx, "oom", o->since, *since, o->until, *until)) return;
    bool live = false;
    auto events = read_events(*o, ctx.paths, now, live);
    if (!events) {
      const Error& e = events.error();
      fmt::print(stderr, "memsleuth oom: cannot read {}: {}\n", o->file.empty() ? "/dev/kmsg" : o->file, e.describe());
      if (e.kind == Error::Kind::kPermission)
        fmt::print(stderr,
                   "memsleuth oom: reading the kernel log needs root or CAP_SYSLOG (kernel.dmesg_restrict); "
                   "or pass --file with saved dmesg/journalctl output\n");
      ctx.exit_code = 1;
      return;
    }
    // An event without a known time cannot be placed in the window: keep it only without a window.
    std::vector<Event> kept;
    for (auto& e : *events) {
      if ((since || until) && !e.time_us) continue;
      if (since && *e.time_us < *since) continue;
      if (until && *e.time_us >= *until) continue;
      kept.push_back(std::move(e));
    }
    // Pod/container names from <rootfs>/var/log/{pods,containers}, units, users, runtime ids.
    ClassifySources sources = ClassifySources::load(ctx.paths);
    AttributionContext ac;
    ac.owner_of = [&sources](std::string_view memcg) { return classify_cgroup(memcg, &sources); };
    // Pids of a task table only mean something on the boot that wrote it: the live kernel log.
    LiveProcesses procs(ctx.paths);
    if (live) {
      ac.live_process = [&procs](int64_t pid) { return procs.get(pid); };
      long ps = ::sysconf(_SC_PAGESIZE);
      if (ps > 0) ac.page_size = static_cast<uint64_t>(ps);
    }
    attribute_events(kept, ac);
    if (o->output == "json")
      fmt::print("{}\n", dump_json(oom_events_to_json(kept)));
    else
      fmt::print("{}", render_oom_table(kept, text_layout(ctx)));
  });
}

}  // namespace ms::cli
