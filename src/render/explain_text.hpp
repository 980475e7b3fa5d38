#pragma once
// `memsleuth explain` for people, read top-down: owner and bound first, then the source to change,
// then the cwd warning and known culprits, then the evidence (cwd samples, ancestry, cgroups, siblings).
#include <string>

#include "provenance/explain.hpp"

namespace ms {

std::string render_explain_text(const Explanation& e);

}  // namespace ms
