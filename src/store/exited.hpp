#pragma once
// A process that no longer exists at a recorded moment: its last recorded state and how it ended.
// `explain PID --at T` after an OOM kill shows the victim as the recorder last read it, with the kill.
#include <optional>

#include "store/history.hpp"

namespace ms::store {

// How `pid` ended by `t`: the latest OOM kill of it at or before `t`, with its victim's last reading
// (RecordedEvent::victim) in the moment of that reading, else the last sample that stored it. nullopt
// when the recorder has neither.
Result<std::optional<ExitedProcess>> find_exited(History& h, int pid, int64_t t);

// The kill as an exit (scope, the memory cgroup at its limit, sizes), from the stored event.
RecordedExit exit_of_kill(const RecordedEvent& kill);

}  // namespace ms::store
