#pragma once
// Builds a BPF task walk byte by byte as task_iter.bpf.c writes it (probe/bpf/task_record.h), for
// tests that feed records to the readers without a kernel.
#include <cstring>
#include <string>

#include "model/snapshot.hpp"
#include "probe/bpf/task_record.h"

namespace ms::testing {

struct WalkBuilder {
  std::string data;
  explicit WalkBuilder(uint32_t features = MS_FEAT_CMDLINE, uint32_t version = MS_TASK_VERSION) {
    ms_header h{};
    h.kind = MS_REC_HEADER;
    h.size = sizeof h;
    h.magic = MS_TASK_MAGIC;
    h.version = version;
    h.features = features;
    h.task_size = sizeof(ms_task);
    h.page_size = 4096;
    data.append(reinterpret_cast<const char*>(&h), sizeof h);
  }
  // A record with test values (start 1234 ticks at USER_HZ 100, RSS 10/20/5/2 pages).
  WalkBuilder& task(uint32_t pid, const char* comm, uint32_t flags, std::string cmdline = {}) {
    ms_task t{};
    t.ppid = 1;
    t.uid = 1000;
    t.threads = 3;
    t.start_boottime_ns = 12'345'678'901ull;
    t.rss[0] = 10;  // file
    t.rss[1] = 20;  // anon
    t.rss[2] = 5;   // swap entries
    t.rss[3] = 2;   // shmem
    t.memcg_id = 4242;
    t.exec_id = 7;
    t.state_index = 1;  // S
    return record(t, pid, comm, flags, std::move(cmdline));
  }
  // A record of what a procfs read says of p (memcg_id: its cgroup directory's inode).
  WalkBuilder& process(const Process& p, uint64_t memcg_id, uint32_t exec_id = 1) {
    ms_task t{};
    t.ppid = static_cast<__u32>(p.ppid);
    t.uid = p.uid.value_or(0);
    t.threads = static_cast<__u32>(p.threads);
    t.start_boottime_ns = p.start_time * 10'000'000ull;
    t.rss[1] = p.rss_anon_bytes.value_or(0) / 4096;
    t.rss[2] = p.swap_bytes.value_or(0) / 4096;
    t.rss[3] = p.rss_shmem_bytes.value_or(0) / 4096;
    // The kernel's VmRSS is the sum of the three counters: file takes what anon and shmem leave.
    uint64_t rss = p.rss_bytes.value_or(0) / 4096;
    t.rss[0] = rss > t.rss[1] + t.rss[3] ? rss - t.rss[1] - t.rss[3] : 0;
    t.memcg_id = memcg_id;
    t.exec_id = exec_id;
    static const char kStates[] = "RSDTtXZPI";
    const char* at = std::strchr(kStates, p.state);
    t.state_index = static_cast<__u8>(at && p.state ? at - kStates : 1);
    uint32_t flags = (memcg_id ? MS_TASK_MEMCG : 0) | (p.kernel_thread ? MS_TASK_KTHREAD : 0) |
                     (p.kernel_thread || !p.rss_bytes ? 0 : MS_TASK_HAS_MM);
    // As the program flags them: a workqueue worker (procfs appends its current work to comm) or a
    // kernel thread whose name fills task->comm; the record's comm is then the cut one.
    if (p.kernel_thread && (p.comm.rfind("kworker/", 0) == 0 || p.comm.size() >= 15)) flags |= MS_TASK_COMM_PROCFS;
    return record(t, static_cast<uint32_t>(p.pid), p.comm.c_str(), flags, {});
  }
  WalkBuilder& end() {
    ms_end e{};
    e.kind = MS_REC_END;
    e.size = sizeof e;
    e.magic = MS_TASK_MAGIC;
    data.append(reinterpret_cast<const char*>(&e), sizeof e);
    return *this;
  }

 private:
  WalkBuilder& record(ms_task t, uint32_t pid, const char* comm, uint32_t flags, std::string cmdline) {
    t.kind = MS_REC_TASK;
    t.size = static_cast<__u16>(sizeof t + cmdline.size());
    t.flags = flags;
    t.pid = pid;
    std::strncpy(t.comm, comm, sizeof t.comm);
    t.cmdline_len = static_cast<__u16>(cmdline.size());
    data.append(reinterpret_cast<const char*>(&t), sizeof t);
    data += cmdline;
    return *this;
  }
};

}  // namespace ms::testing
