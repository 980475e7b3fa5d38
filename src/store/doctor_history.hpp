#pragma once
// The recorder's history as doctor's rules read it (rules::History, defined below the store): one
// HistoryPoint per recorded node reading, derived on read with the live commands' formulas, plus the
// window's worst moment. Read-only helpers over History; the recorder's tables are not touched.
#include <cstdint>
#include <optional>
#include <vector>

#include "rules/doctor_input.hpp"
#include "store/history.hpp"

namespace ms::store {

// One recorded node reading as a rules point: the kubelet's memory.available recomputed from the
// stored root cgroup, MemAvailable, slab, shmem and the swap counters.
HistoryPoint doctor_point(const NodePoint& n);
ms::History doctor_history(const std::vector<NodePoint>& nodes);

// The window of history doctor judges growth on: the hour before the moment, and with --at (a replay)
// also the hour after it, so that a moment chosen near an incident sees the incident.
inline constexpr int64_t kDoctorHistoryBeforeSeconds = 3600;
inline constexpr int64_t kDoctorHistoryAfterSeconds = 3600;

// Node readings of `w` from the database, as rules points (oldest first), with the window.
Result<ms::History> load_doctor_history(History& h, Window w);

}  // namespace ms::store
