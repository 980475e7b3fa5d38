#pragma once
#include <string>

#include "rules/engine.hpp"

namespace ms {

// Readable report, most urgent first. `colour` only when stdout is a terminal (the CLI decides).
std::string render_doctor_text(const DoctorReport& r, bool colour);

}  // namespace ms
