#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>

#include "agent/last_readings.hpp"
#include "agent/metrics.hpp"
#include "agent/selection.hpp"
#include "agent/triggers.hpp"
#include "cli/arg_units.hpp"
#include "render/history_text.hpp"
#include "render/prometheus_text.hpp"
#include "util/time_input.hpp"
#include "util/version.hpp"

using namespace ms;
using namespace ms::agent;

namespace {

Process p(int pid, uint64_t rss, bool kthread = false) {
  Process x;
  x.pid = pid;
  x.rss_bytes = rss;
  x.kernel_thread = kthread;
  return x;
}

}  // namespace

TEST(Selection, FloorPlusTopNNeverKernelThreads) {
  Snapshot s;
  s.processes = {p(1, 1 << 20), p(2, 100 << 20), p(3, 2 << 20), p(4, 500 << 20, true), p(5, 40 << 20)};
  Cgroup root, small, big, kp;
  root.path = "/";
  small.path = "/system.slice/tiny.service";
  small.usage_bytes = 1024;
  big.path = "/system.slice/big.service";
  big.usage_bytes = 64 << 20;
  kp.path = "/custom/kubepods.slice";
  kp.usage_bytes = 0;
  s.cgroups = {root, kp, big, small};
  SelectionPolicy pol;
  pol.process_floor_bytes = 32 << 20;
  pol.top_processes = 1;
  pol.cgroup_floor_bytes = 4 << 20;
  auto sel = select_for_sample(s, pol, false);
  EXPECT_EQ(sel.processes, (std::vector<size_t>{1, 4}));  // pid 2 (top 1) and pid 5 (>= floor)
  EXPECT_EQ(sel.cgroups, (std::vector<size_t>{0, 1, 2}));
  auto full = select_for_sample(s, pol, true);
  EXPECT_EQ(full.processes, (std::vector<size_t>{0, 1, 2, 4}));
  EXPECT_EQ(full.cgroups.size(), 4u);
}

TEST(Triggers, OomPressurePsiAndRateLimit) {
  TriggerPolicy pol;
  TriggerInput in;
  in.now = 1000;
  in.kubelet_available = 2000ll << 20;
  in.kubelet_threshold = 100ll << 20;
  EXPECT_FALSE(evaluate_trigger(in, pol));
  in.kubelet_available = 300ll << 20;
  EXPECT_EQ(evaluate_trigger(in, pol), "near-threshold:memory.available");
  in.last_full = 900;  // 100 s ago: rate-limited
  EXPECT_FALSE(evaluate_trigger(in, pol));
  in.new_oom_kills = 1;  // an OOM kill has its own, shorter limit
  EXPECT_EQ(evaluate_trigger(in, pol), "oom-kill");
  in.new_oom_kills = 0;
  in.last_full = 0;
  in.kubelet_available = 4000ll << 20;
  in.kernel_available = 50ll << 20;  // free shows nothing while the kubelet sees plenty
  EXPECT_EQ(evaluate_trigger(in, pol), "near-threshold:MemAvailable");
  in.kernel_available = 4000ll << 20;
  in.psi_some_avg10 = 35.5;
  EXPECT_EQ(evaluate_trigger(in, pol), "psi:some avg10=35.50");
}

TEST(Metrics, NamesUnitsBoundedPodsAndEscapedLabels) {
  MetricsInput in;
  in.views.capacity_bytes = 8ull << 30;
  in.views.kernel_available = 1ll << 30;
  in.views.kubelet_available = -(5ll << 20);
  in.views.kubelet_threshold = 100ll << 20;
  in.views.rss_by_owner_kind = {{"pod", 3 << 20}, {"cron", 2ull << 30}};
  for (int i = 0; i < 5; ++i) in.views.pods.push_back({"ns", "pod-" + std::to_string(i), uint64_t(i + 1) << 20});
  in.views.pods.push_back({"ev\"il\\ns\n", "x", 10 << 20});
  in.views.unbounded_outside_kubepods_bytes = 2ull << 30;
  in.views.unbounded_outside_kubepods_processes = 1;
  in.pod_limit = 3;
  in.events.by_key[{"oom_kill", "pod", "shop"}] = 2;
  in.events.by_key[{"eviction", "pod", "shop"}] = 1;
  in.status.samples_total = 7;
  in.status.store_ok = true;
  in.rss_bytes = 12 << 20;
  auto text = render_prometheus(build_metrics(in));
  EXPECT_NE(text.find("# TYPE memsleuth_memory_available_bytes gauge\n"), std::string::npos);
  EXPECT_NE(text.find("memsleuth_memory_available_bytes{view=\"kubelet\"} -5242880\n"), std::string::npos);
  EXPECT_NE(text.find("memsleuth_memory_capacity_bytes 8589934592\n"), std::string::npos);
  EXPECT_NE(text.find("memsleuth_pod_working_set_bytes{namespace=\"ev\\\"il\\\\ns\\n\",pod=\"x\"} 10485760\n"),
            std::string::npos);
  // 3 pods kept, the 3 smallest summed as "other": 1+2+3 MiB.
  EXPECT_NE(text.find("memsleuth_pod_working_set_bytes{namespace=\"\",pod=\"other\"} 6291456\n"), std::string::npos);
  size_t n = 0;
  for (size_t pos = 0; (pos = text.find("memsleuth_pod_working_set_bytes{", pos)) != std::string::npos; ++pos) ++n;
  EXPECT_EQ(n, 4u);
  EXPECT_NE(text.find("memsleuth_oom_kills_total{owner_kind=\"pod\",namespace=\"shop\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("memsleuth_evictions_total{owner_kind=\"pod\",namespace=\"shop\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE memsleuth_oom_kills_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("memsleuth_store_up 1\n"), std::string::npos);
  EXPECT_NE(text.find("memsleuth_agent_resident_memory_bytes 12582912\n"), std::string::npos);
  EXPECT_NE(text.find("memsleuth_process_source_info{source=\"procfs\"} 1\n"), std::string::npos);
  in.status.process_source = "bpf";
  EXPECT_NE(render_prometheus(build_metrics(in)).find("memsleuth_process_source_info{source=\"bpf\"} 1\n"),
            std::string::npos);
  // No sample yet: no timestamp (absent means unknown, a 0 would claim 1970).
  EXPECT_EQ(text.find("memsleuth_last_sample_timestamp_seconds "), std::string::npos);
}

TEST(Metrics, BuildInfoAndLastSampleTimestamp) {
  MetricsInput in;
  in.status.last_sample_unix = 1795745400;
  auto text = render_prometheus(build_metrics(in));
  // The same strings as `memsleuth --version` (scripts/version.sh through util/version).
  std::string info =
      fmt::format("memsleuth_build_info{{version=\"{}\",revision=\"{}\"}} 1\n", ms::version(), ms::revision());
  EXPECT_NE(text.find(info), std::string::npos) << text;
  EXPECT_FALSE(ms::version().empty());
  EXPECT_NE(text.find("# TYPE memsleuth_last_sample_timestamp_seconds gauge\n"), std::string::npos);
  EXPECT_NE(text.find("memsleuth_last_sample_timestamp_seconds 1795745400\n"), std::string::npos);
}

// Issue 16 item 1: before any event, the counters exist at 0 for the label sets a first kill or
// eviction takes (so increase() sees it); a first kill moves one of them from 0 to 1.
TEST(Metrics, EventCountersExportedAtZeroBeforeTheFirstEvent) {
  MetricsInput in;
  in.views.pods.push_back({"shop", "cart-0", 1 << 20});
  in.views.pods.push_back({"shop", "cart-1", 1 << 20});
  in.views.pods.push_back({"kube-system", "dns", 1 << 20});
  auto before = render_prometheus(build_metrics(in));
  EXPECT_NE(before.find("memsleuth_oom_kills_total{owner_kind=\"cgroup\",namespace=\"\"} 0\n"), std::string::npos)
      << before;
  EXPECT_NE(before.find("memsleuth_oom_kills_total{owner_kind=\"unconfined\",namespace=\"\"} 0\n"), std::string::npos);
  EXPECT_NE(before.find("memsleuth_oom_kills_total{owner_kind=\"pod\",namespace=\"shop\"} 0\n"), std::string::npos);
  EXPECT_NE(before.find("memsleuth_evictions_total{owner_kind=\"pod\",namespace=\"kube-system\"} 0\n"),
            std::string::npos);
  // Only pods are evicted, and each namespace once.
  EXPECT_EQ(before.find("memsleuth_evictions_total{owner_kind=\"cgroup\""), std::string::npos);
  size_t shop = 0;
  std::istringstream lines(before);
  for (std::string l; std::getline(lines, l);)
    shop += (l.rfind("memsleuth_oom_kills_total{", 0) == 0 || l.rfind("memsleuth_evictions_total{", 0) == 0) &&
            l.find("namespace=\"shop\"") != std::string::npos;
  EXPECT_EQ(shop, 2u);  // one OOM series, one eviction series

  in.events.by_key[{"oom_kill", "cgroup", ""}] = 1;
  auto after = render_prometheus(build_metrics(in));
  EXPECT_NE(after.find("memsleuth_oom_kills_total{owner_kind=\"cgroup\",namespace=\"\"} 1\n"), std::string::npos);
  EXPECT_EQ(after.find("memsleuth_oom_kills_total{owner_kind=\"cgroup\",namespace=\"\"} 0\n"), std::string::npos);
}

TEST(ArgUnits, DurationsAndSizes) {
  EXPECT_EQ(cli::parse_duration_ms("10s").value(), 10000);
  EXPECT_EQ(cli::parse_duration_ms("500ms").value(), 500);
  EXPECT_EQ(cli::parse_duration_ms("7d").value(), 7 * 86400000LL);
  EXPECT_EQ(cli::parse_duration_ms("2").value(), 2000);
  EXPECT_FALSE(cli::parse_duration_ms("10x"));
  EXPECT_FALSE(cli::parse_duration_ms("-1s"));
  EXPECT_EQ(cli::parse_size_bytes("512MiB").value(), 512ull << 20);
  EXPECT_EQ(cli::parse_size_bytes("512Mi").value(), 512ull << 20);
  EXPECT_EQ(cli::parse_size_bytes("1G").value(), 1000000000ull);
  EXPECT_EQ(cli::parse_size_bytes("4096").value(), 4096ull);
  EXPECT_FALSE(cli::parse_size_bytes("12 parsecs"));
}

TEST(TimeInput, Rfc3339LocalAndRelative) {
  const int64_t now = 1'800'000'000'000'000;
  EXPECT_EQ(parse_time_input("2026-11-27T02:10:00Z", now).value(), 1795745400LL * 1'000'000);
  EXPECT_EQ(parse_time_input("2026-11-27T03:10:00+01:00", now).value(), 1795745400LL * 1'000'000);
  EXPECT_EQ(parse_time_input("-2h", now).value(), now - 7200LL * 1'000'000);
  EXPECT_EQ(parse_time_input("now", now).value(), now);
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(parse_time_input("2026-11-27 02:10", now).value(), 1795745400LL * 1'000'000);
  EXPECT_EQ(parse_time_input("2026-11-27 02:10:30", now).value(), 1795745430LL * 1'000'000);
  EXPECT_FALSE(parse_time_input("yesterday-ish", now));
  EXPECT_FALSE(parse_time_input("2026-13-01 00:00", now));
}

TEST(Sparkline, DipsStayVisible) {
  std::vector<std::optional<int64_t>> v = {10, 10, 10, 0, 10, 10, std::nullopt, 10};
  EXPECT_EQ(sparkline(v, 8), "███▁██ █");
  EXPECT_EQ(sparkline(v, 4), "█▁██");  // the dip survives bucketing (minimum per column)
  EXPECT_EQ(sparkline({}, 10), "");
}

// Issue 16 item 4: the recorder keeps the last reading of every process, and of those gone in the last
// minute, to store an OOM victim no sample stored; a later process reusing the pid is not the victim.
TEST(LastReadings, AVictimIsFoundAsLastReadBeforeTheKill) {
  auto snap = [](int64_t t, std::vector<std::pair<int, std::string>> procs) {
    Snapshot s;
    s.time = t;
    for (auto& [pid, comm] : procs) {
      Process p;
      p.pid = pid;
      p.comm = comm;
      p.rss_bytes = static_cast<uint64_t>(pid) << 20;
      s.processes.push_back(p);
    }
    Process k;
    k.pid = 2;
    k.comm = "kthreadd";
    k.kernel_thread = true;
    s.processes.push_back(k);
    return s;
  };
  LastReadings r(60);
  r.remember(snap(100, {{9, "hog"}, {10, "sshd"}}));
  r.remember(snap(102, {{10, "sshd"}}));  // the hog died between the readings
  int64_t at = 0;
  const Process* v = r.find(9, std::string("hog"), 101, &at);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(at, 100);
  EXPECT_EQ(v->rss_bytes, 9u << 20);
  EXPECT_EQ(r.find(9, std::string("other"), 101), nullptr);  // not the comm the kernel named
  EXPECT_EQ(r.find(2, std::nullopt, 101), nullptr);          // kernel threads are not kept
  r.remember(snap(103, {{9, "bash"}, {10, "sshd"}}));        // pid 9 reused after the kill
  EXPECT_EQ(r.find(9, std::string("hog"), 101), nullptr);
  r.remember(snap(170, {{10, "sshd"}}));
  r.remember(snap(240, {{10, "sshd"}}));
  EXPECT_EQ(r.find(9, std::nullopt, 300), nullptr);  // gone for more than a minute: forgotten
  EXPECT_EQ(r.size(), 1u);
}
