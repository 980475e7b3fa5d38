#include "render/text_layout.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "util/escape.hpp"

namespace ms {

namespace {

uint32_t code_point(std::string_view s, size_t i, size_t n) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (n == 1) return b(0);
  uint32_t cp = n == 2 ? (b(0) & 0x1F) : n == 3 ? (b(0) & 0x0F) : (b(0) & 0x07);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (b(k) & 0x3F);
  return cp;
}

// Columns of one code point (wcwidth without a locale; the ranges that matter for names and paths).
size_t columns(uint32_t cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0xFE00 && cp <= 0xFE0F)) return 0;
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
      (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

// One display unit of s at i: a CSI escape sequence (0 columns) or a character. Sets bytes and cols.
void unit_at(std::string_view s, size_t i, size_t& bytes, size_t& cols) {
  if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
    size_t j = i + 2;
    while (j < s.size() && !(s[j] >= 0x40 && s[j] <= 0x7E)) ++j;
    bytes = (j < s.size() ? j + 1 : j) - i;
    cols = 0;
    return;
  }
  size_t n = utf8_seq_len(s, i);
  if (n == 0) {  // not expected in escaped text; one column, as the terminal's replacement glyph
    bytes = 1;
    cols = 1;
    return;
  }
  bytes = n;
  cols = columns(code_point(s, i, n));
}

// The longest prefix of s that takes at most `width` columns, in bytes.
size_t prefix_bytes(std::string_view s, size_t width) {
  size_t i = 0, used = 0;
  while (i < s.size()) {
    size_t b = 0, c = 0;
    unit_at(s, i, b, c);
    if (used + c > width) break;
    used += c;
    i += b;
  }
  return i;
}

// The shortest suffix start of s such that the suffix takes at most `width` columns.
size_t suffix_start(std::string_view s, size_t width) {
  std::vector<std::pair<size_t, size_t>> units;  // start, columns
  for (size_t i = 0; i < s.size();) {
    size_t b = 0, c = 0;
    unit_at(s, i, b, c);
    units.emplace_back(i, c);
    i += b;
  }
  size_t used = 0, start = s.size();
  for (size_t k = units.size(); k-- > 0;) {
    if (used + units[k].second > width) break;
    used += units[k].second;
    start = units[k].first;
  }
  return start;
}

bool has_colour(std::string_view s) {
  return s.find("\x1b[") != std::string_view::npos;
}

}  // namespace

size_t display_width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    size_t b = 0, c = 0;
    unit_at(s, i, b, c);
    w += c;
    i += b;
  }
  return w;
}

std::string truncate_display(std::string_view s, size_t width) {
  if (display_width(s) <= width) return std::string(s);
  if (width == 0) return {};
  std::string out(s.substr(0, prefix_bytes(s, width - 1)));
  out += "…";
  if (has_colour(out)) out += "\x1b[0m";
  return out;
}

std::string elide_middle(std::string_view s, size_t width) {
  if (display_width(s) <= width) return std::string(s);
  if (width < 5) return truncate_display(s, width);
  size_t head = (width - 1) / 2, tail = width - 1 - head;
  std::string out(s.substr(0, prefix_bytes(s, head)));
  out += "…";
  out += s.substr(suffix_start(s, tail));
  return out;
}

std::string wrap_text(std::string_view text, size_t width, std::string_view first, std::string_view next) {
  std::string out;
  std::string line(first);
  size_t line_w = display_width(first);
  bool line_has_word = false;
  auto room = [&] { return width > line_w ? width - line_w : 0; };
  auto newline = [&] {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    line = std::string(next);
    line_w = display_width(next);
    line_has_word = false;
  };
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\n') {
      newline();
      ++i;
      continue;
    }
    // The spaces before a word are kept as written ("MemTotal 1Gi  MemFree 2Gi") unless the line breaks there.
    size_t word_at = text.find_first_not_of(' ', i);
    if (word_at == std::string_view::npos) break;
    size_t sep = word_at - i;
    i = word_at;
    if (text[i] == '\n') continue;
    size_t end = text.find_first_of(" \n", i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(i, end - i);
    i = end;
    size_t ww = display_width(word);
    if (!line_has_word) sep = 0;
    if (width == 0 || ww + sep <= room()) {
      line.append(sep, ' ');
      line += word;
      line_w += ww + sep;
      line_has_word = true;
      continue;
    }
    if (line_has_word) newline();
    // A word longer than a whole line is split at the width (paths, command lines).
    while (display_width(word) > room() && room() > 0) {
      size_t cut = prefix_bytes(word, room());
      if (cut == 0) break;
      line += word.substr(0, cut);
      line_w += display_width(word.substr(0, cut));
      line_has_word = true;
      word.remove_prefix(cut);
      newline();
    }
    line += word;
    line_w += display_width(word);
    line_has_word = !word.empty();
  }
  if (line_has_word || out.empty()) newline();
  return out;
}

std::string bound_text(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t keep = max_bytes;
  // Back up to the start of a character: never leave half a UTF-8 sequence before the mark.
  for (int k = 0; k < 3 && keep > 0 && (static_cast<unsigned char>(s[keep]) & 0xC0) == 0x80; ++k) --keep;
  size_t dropped = s.size() - keep;
  // fmt's L with the C locale gives no separator; group the thousands by hand.
  std::string n = std::to_string(dropped), grouped;
  for (size_t k = 0; k < n.size(); ++k) {
    if (k > 0 && (n.size() - k) % 3 == 0) grouped += ',';
    grouped += n[k];
  }
  return std::string(s.substr(0, keep)) + fmt::format("… (+{} bytes)", grouped);
}

std::string term_field(std::string_view s, size_t max_bytes) {
  return escape_terminal(bound_text(s, max_bytes));
}

}  // namespace ms
