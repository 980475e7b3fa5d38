#pragma once
#include <string>

#include "render/text_layout.hpp"
#include "rules/engine.hpp"

namespace ms {

// Readable report, most urgent first, fitted to layout.width; colour only when the CLI says stdout
// is a terminal.
std::string render_doctor_text(const DoctorReport& r, const TextLayout& layout = {});

}  // namespace ms
