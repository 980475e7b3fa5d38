#include "cli/process_source.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "cli/terminal.hpp"
#include "util/escape.hpp"

namespace ms::cli {

void note_process_source(std::string_view note) {
  if (note.empty()) return;
  // Wrapped to the terminal like every other line memsleuth prints there.
  std::string text = wrap_text(escape_terminal(note), stderr_width(), "memsleuth: processes read from procfs: ", "  ");
  std::fwrite(text.data(), 1, text.size(), stderr);
}

void note_process_source(const Snapshot& s) {
  note_process_source(s.process_source_note);
}

void add_source_json(Json& j, std::string_view source, std::string_view note) {
  j["process_source"] = std::string(source);
  j["process_source_note"] = note.empty() ? Json(nullptr) : Json(std::string(note));
}

void add_source_json(Json& j, const Snapshot& s, bool replayed) {
  if (replayed)
    add_source_json(j, "history", {});
  else
    add_source_json(j, s.process_source, s.process_source_note);
}

}  // namespace ms::cli
