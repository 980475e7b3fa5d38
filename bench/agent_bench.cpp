// The recorder's per-sample work added by issue 16: keeping every process's last reading
// (agent/last_readings.hpp) so that an OOM victim no sample stored is still known.
//   cmake -DMEMSLEUTH_BENCH=ON … && build/bench/bench_agent
#include <benchmark/benchmark.h>

#include "agent/last_readings.hpp"

namespace {

// A node like the recorder benchmark's farm: n processes with a realistic comm, argv and cgroup lines.
ms::Snapshot node(int n) {
  ms::Snapshot s;
  s.time = 1'800'000'000;
  for (int i = 0; i < n; ++i) {
    ms::Process p;
    p.pid = 1000 + i;
    p.ppid = 1;
    p.start_time = 100000 + static_cast<uint64_t>(i);
    p.comm = "worker-" + std::to_string(i % 50);
    p.cmdline = {"/usr/bin/python3", "-m", "service.worker", "--shard=" + std::to_string(i)};
    p.rss_bytes = 6ull << 20;
    p.identity_seq = 1;  // as the recorder's reader sets it (identity read once)
    p.memory_cgroup = "/kubepods/burstable/pod" + std::to_string(i / 10) + "/c";
    for (int h = 0; h < 12; ++h) p.cgroups.push_back({h, "memory", *p.memory_cgroup});
    s.processes.push_back(std::move(p));
  }
  return s;
}

void BM_LastReadingsRemember(benchmark::State& st) {
  ms::Snapshot s = node(static_cast<int>(st.range(0)));
  ms::agent::LastReadings r;
  r.remember(s);  // the first sample allocates; the steady state is measured
  for (auto _ : st) {
    ++s.time;
    r.remember(s);
    benchmark::DoNotOptimize(r.size());
  }
}
BENCHMARK(BM_LastReadingsRemember)->Arg(300)->Arg(2000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
