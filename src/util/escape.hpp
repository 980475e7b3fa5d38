#pragma once
// Process names, cmdlines, paths and pod names are attacker-controlled. Every renderer passes them
// through one of these before they reach a terminal, a JSON document, HTML or a Prometheus label.
#include <string>
#include <string_view>

namespace ms {

// Control bytes, DEL, backslash and invalid UTF-8 become visible escapes (\n, \x1b, \\); valid
// printable UTF-8 (including non-ASCII) is kept. The result is safe to print on a terminal.
std::string escape_terminal(std::string_view s);
// Valid UTF-8: each byte that is not part of a valid sequence becomes U+FFFD (never text such as
// "\xff", which a literal backslash-x-f-f would look exactly like). JSON that must keep the bytes
// uses util/json_text.hpp.
std::string utf8_sanitize(std::string_view s);
// HTML text and attribute values (invalid UTF-8 as U+FFFD).
std::string escape_html(std::string_view s);
// Prometheus label value: backslash, double quote and newline escaped; invalid UTF-8 as U+FFFD.
std::string escape_prom_label(std::string_view s);

// Length in bytes of the valid UTF-8 sequence at s[i], or 0 if invalid.
size_t utf8_seq_len(std::string_view s, size_t i);

}  // namespace ms
