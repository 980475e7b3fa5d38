#include "cli/process_source.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace ms::cli {

void note_process_source(const Snapshot& s) {
  if (!s.process_source_note.empty())
    fmt::print(stderr, "memsleuth: processes read from procfs: {}\n", s.process_source_note);
}

void add_source_json(Json& j, const Snapshot& s, bool replayed) {
  j["process_source"] = replayed ? std::string("history") : s.process_source;
  j["process_source_note"] = replayed || s.process_source_note.empty() ? Json(nullptr) : Json(s.process_source_note);
}

}  // namespace ms::cli
