#pragma once
// `memsleuth explain` for people, read top-down: owner and bound first, then the source to change,
// then the cwd warning and known culprits, then the evidence (cwd samples, ancestry, cgroups, siblings).
#include <string>

#include "provenance/explain.hpp"
#include "provenance/scheduled.hpp"
#include "render/text_layout.hpp"

namespace ms {

std::string render_explain_text(const Explanation& e, const TextLayout& layout = {});
// `memsleuth explain --scheduled`: each culprit cron, anacron or a timer will start, with its
// source line, what it runs and the fixes.
std::string render_scheduled_text(const std::vector<ScheduledCulprit>& found, const std::string& rootfs,
                                  const TextLayout& layout = {});

}  // namespace ms
