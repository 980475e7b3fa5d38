#pragma once
// memsleuth(1) in roff (man(7) macros), written from the CLI tree: every visible command, option,
// positional, allowed value and default. `man --warnings -l` renders it without a warning.
#include <string>
#include <string_view>

#include "docgen/cli_model.hpp"

namespace ms::docgen {

struct ManInfo {
  std::string version;  // util/version: "memsleuth <version>" in the footer
  std::string date;     // the commit's date, YYYY-MM-DD ("" outside git)
};

std::string render_man_page(const CommandDoc& app, const ManInfo& info);

// Text for roff: backslashes, leading control characters, quotes and non-ASCII escaped.
std::string roff_text(std::string_view s);
// An option or command name: as roff_text, with every '-' a minus sign (\-), as man(7) wants.
std::string roff_literal(std::string_view s);

}  // namespace ms::docgen
