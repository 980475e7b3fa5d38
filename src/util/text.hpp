#pragma once
// Small allocation-free text helpers for parsers (string_view in, numbers out via from_chars).
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ms {

std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// Parses a whole string as an unsigned integer; nullopt on anything else (sign, junk, overflow).
std::optional<uint64_t> parse_u64(std::string_view s);
std::optional<int64_t> parse_i64(std::string_view s);
std::optional<double> parse_double(std::string_view s);

// a * b, or nullopt when it does not fit in 64 bits (a kB or page count from a bad file must
// never wrap into a plausible number).
inline std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}
inline std::optional<uint64_t> kib_to_bytes(uint64_t kib) {
  return checked_mul(kib, 1024);
}

// Splits on any run of spaces/tabs; empty fields are dropped.
std::vector<std::string_view> split_ws(std::string_view s);
// Splits on a single character, keeping empty fields.
std::vector<std::string_view> split(std::string_view s, char sep);

// Calls fn(line, line_number) for each line (1-based), without the newline.
template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  int n = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    ++n;
    fn(line, n);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace ms
