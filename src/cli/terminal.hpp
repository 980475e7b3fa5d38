#pragma once
// Where the human-readable output goes: a terminal (fit its width, colour) or a pipe or file (no
// width limit, no colour).
#include "cli/context.hpp"
#include "render/text_layout.hpp"

namespace ms::cli {

// On a terminal: the width is $COLUMNS when set, else the tty's (TIOCGWINSZ), else 80. Piped: no
// limit. `unlimited` (-o wide): no limit either. --no-headers comes from the context.
TextLayout text_layout(const Context& ctx, bool unlimited = false);

// Columns of stderr when it is a terminal (for error messages), else 0 (no limit).
size_t stderr_width();

// Adds --no-headers (tables without their header line) to a command that prints tables.
void add_no_headers_flag(CLI::App& cmd, Context& ctx);

}  // namespace ms::cli
