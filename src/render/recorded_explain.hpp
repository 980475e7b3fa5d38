#pragma once
// `memsleuth explain PID --at TIME`: a process as the recorder stored it. Identity, owner and
// provenance (ancestry, exe, cwd) are the ones captured at first sight, when the cron -> sh ->
// updatedb chain still existed; memory and the bounding cgroup are those of the recorded sample.
#include <optional>
#include <string>

#include "render/json_util.hpp"
#include "render/text_layout.hpp"
#include "store/records.hpp"

namespace ms {

// The index of `pid` among the moment's stored processes, nullopt when it was not stored.
std::optional<size_t> find_recorded_process(const store::RecordedMoment& m, int pid);

std::string render_recorded_explain_text(const store::RecordedMoment& m, size_t index, const TextLayout& layout = {});
Json recorded_explain_to_json(const store::RecordedMoment& m, size_t index);

// A process gone by the moment asked for: "EXITED at …, killed by …" (or when it was last stored),
// then its last recorded state. JSON: the recorded explain object with "exit" and "last_read".
std::string render_exited_text(const store::ExitedProcess& x, const TextLayout& layout = {});
Json exited_to_json(const store::ExitedProcess& x);
// One line: "OOM-killed by the kernel at 2026-…Z (Memory cgroup out of memory: /batch at its limit of 200Mi)".
std::string describe_exit(const store::RecordedExit& e);
Json exit_to_json(const store::RecordedExit& e);  // {"time","killed_by","reason","scope","memory_cgroup",...}

}  // namespace ms
