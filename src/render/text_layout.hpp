#pragma once
// How human-readable output is laid out. On a terminal every table and paragraph fits its width
// (long cells cut with `…`, prose wrapped); piped output and `-o wide` have no width limit. Text
// passed here is already escaped (escape_terminal): the only control bytes in it are the
// renderer's own colour sequences.
#include <cstddef>
#include <string>
#include <string_view>

namespace ms {

struct TextLayout {
  size_t width = 0;     // columns available; 0 = no limit (piped output, -o wide)
  bool headers = true;  // tables print their header line (--no-headers: false)
  bool colour = false;  // ANSI colour (terminals only)
};

// Longest text field a text renderer prints whatever the width: command lines of 100 MB stay in
// the JSON's bounded copy and the process table, not in a terminal or a log file.
inline constexpr size_t kMaxTextFieldBytes = 2048;

// Columns the text takes on a terminal: one per code point, two for East Asian wide characters,
// none for combining marks and for CSI escape sequences (colour).
size_t display_width(std::string_view s);

// At most `width` columns: the text itself when it fits, else its beginning and "…".
std::string truncate_display(std::string_view s, size_t width);
// At most `width` columns, cutting the middle: "/kubepods.slice/kube…/cri-containerd-ab12.scope".
std::string elide_middle(std::string_view s, size_t width);

// Greedy word wrap of one paragraph: the first line starts with `first`, the next ones with `next`
// (indentation); a word longer than a line is split. Every line ends with "\n". width 0: one line.
std::string wrap_text(std::string_view text, size_t width, std::string_view first, std::string_view next);

// Raw (unescaped) text cut to at most max_bytes at a UTF-8 character boundary, with what was left
// out: "ls -la /very/long… (+99,812 bytes)". Unchanged when it fits.
std::string bound_text(std::string_view s, size_t max_bytes = kMaxTextFieldBytes);

// escape_terminal(bound_text(s)): an attacker-controlled field ready for a terminal.
std::string term_field(std::string_view s, size_t max_bytes = kMaxTextFieldBytes);

}  // namespace ms
