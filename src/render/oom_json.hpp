#pragma once
// The memsleuth.oom/v1 contract (docs/oom.md): {"schema":"memsleuth.oom/v1","events":[...]}.
#include <vector>

#include "events/event.hpp"
#include "render/json_util.hpp"

namespace ms {

Json oom_events_to_json(const std::vector<Event>& events);
Json oom_event_to_json(const Event& e);
// RFC 3339 UTC with microseconds when the source had them: 2024-05-09T14:52:38.123456Z
std::string rfc3339_utc_us(int64_t unix_us);

}  // namespace ms
