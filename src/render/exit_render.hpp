#pragma once
// Processes the kernel reported at their exit (store::ProcessExit, the BPF exit capture), as
// `history`, `history --at`, `top --at` and `explain --at` show them: text rows and JSON.
#include <string>
#include <vector>

#include "render/json_util.hpp"
#include "render/text_layout.hpp"
#include "store/records.hpp"

namespace ms {

// "exit 0", "exit 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)".
std::string exit_status_text(int wait_status);
// "850ms", "3.2s", "4m12s", "2h03m".
std::string human_duration_us(int64_t us);
// The ancestry stored with a process as one line: "bash (4321) <- sshd (880) <- systemd (1)".
std::string ancestry_line(const std::string& provenance_json, size_t max_ancestors = 6);

Json exit_to_json(const store::ProcessExit& e);
Json exit_group_to_json(const store::ExitGroup& g);

// The table of processes that lived between two samples (largest peak first, at most `limit`;
// 0 = all), with a heading; "" when there are none.
std::string render_exited_table(const std::vector<store::ProcessExit>& exits, size_t limit, const std::string& heading,
                                const TextLayout& layout = {});

// `explain PID --at TIME` for a process the samples never stored but whose exit the kernel reported
// (`m`: the sample at TIME, for the limit of its cgroup).
std::string render_exited_explain_text(const store::RecordedMoment& m, const store::ProcessExit& e);
Json exited_explain_to_json(const store::RecordedMoment& m, const store::ProcessExit& e);
// One line appended to a stored process's explanation when its exit was reported: "ENDED ...".
std::string exit_line(const store::ProcessExit& e);

}  // namespace ms
