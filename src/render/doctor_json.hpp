#pragma once
#include "render/json_util.hpp"
#include "rules/engine.hpp"

namespace ms {

// The memsleuth.doctor/v1 contract (docs/doctor.md).
Json doctor_to_json(const DoctorReport& r);
Json finding_to_json(const Finding& f);

}  // namespace ms
