#include "cli/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

#include "util/text.hpp"

namespace ms::cli {

namespace {

size_t terminal_width(int fd) {
  if (const char* c = std::getenv("COLUMNS"))
    if (auto v = parse_u64(c); v && *v > 0 && *v < 100000) return static_cast<size_t>(*v);
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

TextLayout text_layout(const Context& ctx, bool unlimited) {
  TextLayout l;
  bool tty = ::isatty(STDOUT_FILENO) == 1;
  l.width = tty && !unlimited ? terminal_width(STDOUT_FILENO) : 0;
  l.colour = tty;
  l.headers = !ctx.no_headers;
  return l;
}

size_t stderr_width() { return ::isatty(STDERR_FILENO) == 1 ? terminal_width(STDERR_FILENO) : 0; }

void add_no_headers_flag(CLI::App& cmd, Context& ctx) {
  cmd.add_flag("--no-headers", ctx.no_headers, "Print tables without their header line");
}

}  // namespace ms::cli
