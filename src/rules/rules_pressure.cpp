// Pressure: memory PSI and swap traffic.
#include <fmt/format.h>

#include "rules/rules.hpp"
#include "rules/thresholds.hpp"
#include "util/units.hpp"

namespace ms::rules {

std::vector<Finding> memory_psi(const DoctorInput& in) {
  const Snapshot& s = *in.snap;
  if (!s.psi) return {};
  const Psi& p = *s.psi;
  bool crit = p.full && p.full->avg10 >= thresholds::kPsiFullCritAvg10;
  bool warn = p.some.avg60 >= thresholds::kPsiSomeWarnAvg60 || (p.full && p.full->avg60 >= thresholds::kPsiFullWarnAvg60);
  if (!crit && !warn) return {};
  Finding f;
  f.id = "memory-pressure";
  f.severity = crit ? Severity::kCritical : Severity::kWarning;
  f.title = p.full ? fmt::format("Memory pressure: tasks stalled {:.1f}% (some) / {:.1f}% (full) of the last minute",
                                 p.some.avg60, p.full->avg60)
                   : fmt::format("Memory pressure: tasks stalled {:.1f}% of the last minute", p.some.avg60);
  f.evidence.push_back(ev_percent("some avg10", p.some.avg10, "/proc/pressure/memory some avg10"));
  f.evidence.push_back(ev_percent("some avg60", p.some.avg60, "/proc/pressure/memory some avg60"));
  f.evidence.push_back(ev_percent("some avg300", p.some.avg300, "/proc/pressure/memory some avg300"));
  if (p.full) {
    f.evidence.push_back(ev_percent("full avg10", p.full->avg10, "/proc/pressure/memory full avg10"));
    f.evidence.push_back(ev_percent("full avg60", p.full->avg60, "/proc/pressure/memory full avg60"));
  }
  f.why = fmt::format(
      "PSI is the share of time tasks waited for memory (reclaim, refaults, swap-in); a healthy node is at 0, "
      "so some ≥ {:.0f}% or full ≥ {:.0f}% over a minute is real slowdown, and full ≥ {:.0f}% over 10 s is where "
      "systemd-oomd starts killing by default.",
      thresholds::kPsiSomeWarnAvg60, thresholds::kPsiFullWarnAvg60, thresholds::kPsiFullCritAvg10);
  f.fix = {"memsleuth top --by owner   # who holds the memory",
           "grep . /sys/fs/cgroup/*/memory.pressure 2>/dev/null | sort -t= -k2 -n | tail   # which cgroup stalls "
           "(cgroup v2)"};
  f.subject.path = "/proc/pressure/memory";
  return {f};
}

std::vector<Finding> swap_activity(const DoctorInput& in) {
  const Snapshot& s = *in.snap;
  auto swap_total = s.meminfo.get("SwapTotal");
  auto swap_free = s.meminfo.get("SwapFree");
  if (!swap_total || *swap_total == 0 || !swap_free) return {};
  uint64_t used = *swap_total > *swap_free ? *swap_total - *swap_free : 0;
  double used_pct = pct_of(used, *swap_total);
  const double page = static_cast<double>(s.page_size);

  // Current traffic: the doctor's own later vmstat reading, else the last two recorded points.
  std::optional<double> rate;
  std::string rate_source;
  auto in_now = s.vmstat.get("pswpin"), out_now = s.vmstat.get("pswpout");
  if (in.vmstat_later && in.vmstat_interval_s > 0 && in_now && out_now) {
    auto in_l = in.vmstat_later->get("pswpin"), out_l = in.vmstat_later->get("pswpout");
    if (in_l && out_l && *in_l >= *in_now && *out_l >= *out_now)  // a counter that goes back gives no rate
      rate = static_cast<double>((*in_l - *in_now) + (*out_l - *out_now)) * page / in.vmstat_interval_s,
      rate_source = fmt::format("/proc/vmstat pswpin+pswpout over {:g}s", in.vmstat_interval_s);
  } else if (in.history) {
    // The last minute or more of history (a counter that went back, a reboot, gives no rate).
    auto r = latest_rate(*in.history, [page](const HistoryPoint& p) -> std::optional<double> {
      if (!p.pswpin || !p.pswpout) return std::nullopt;
      return static_cast<double>(*p.pswpin + *p.pswpout) * page;
    });
    if (r && *r >= 0)
      rate = r,
      rate_source = fmt::format("history: vmstat pswpin+pswpout over {} s or more", thresholds::kMinRateSpanSeconds);
  }
  bool busy = rate && *rate >= thresholds::kSwapRateWarnBytesPerSec;
  bool full = used_pct >= thresholds::kSwapUsedInfoPct;
  if (!busy && !full) return {};
  Finding f;
  f.id = "swap-activity";
  f.severity = busy ? Severity::kWarning : Severity::kInfo;
  f.title = busy ? fmt::format("Swapping {} (in+out), {} of swap in use", ev_rate("", *rate, "").value, human_bytes_u(used))
                 : fmt::format("{} of swap in use ({:.0f}%), invisible to the kubelet", human_bytes_u(used), used_pct);
  f.evidence.push_back(ev_bytes("swap used", used, "/proc/meminfo SwapTotal - SwapFree"));
  f.evidence.push_back(ev_percent("swap used / SwapTotal", used_pct, "/proc/meminfo"));
  if (rate) f.evidence.push_back(ev_rate("swap traffic", *rate, rate_source));
  if (in_now) f.evidence.push_back(ev_count("pswpin since boot (pages)", *in_now, "/proc/vmstat pswpin"));
  if (out_now) f.evidence.push_back(ev_count("pswpout since boot (pages)", *out_now, "/proc/vmstat pswpout"));
  f.why = fmt::format(
      "The kubelet's memory.available ignores swap (working set excludes it, capacity is RAM only), so a node can "
      "thrash on swap with no eviction; {}/s of sustained traffic means the working set no longer fits in RAM, and "
      "{:.0f}% of swap in use is worth knowing.",
      human_bytes_u(static_cast<uint64_t>(thresholds::kSwapRateWarnBytesPerSec)), thresholds::kSwapUsedInfoPct);
  f.fix = {"vmstat 1 10   # si/so columns: is it still swapping?",
           "for p in /proc/[0-9]*; do awk '/VmSwap/{print $2\" kB '\"${p#/proc/}\"'\"}' $p/status; done 2>/dev/null | "
           "sort -n | tail   # who is swapped out"};
  f.subject.path = "/proc/vmstat";
  f.bytes_at_stake = used;
  return {f};
}

}  // namespace ms::rules
