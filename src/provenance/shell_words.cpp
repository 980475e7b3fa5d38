#include "provenance/shell_words.hpp"

#include "util/text.hpp"

namespace ms {

std::vector<std::string> shell_words(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  char quote = 0;
  auto flush = [&] {
    if (have) out.push_back(cur);
    cur.clear();
    have = false;
  };
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
      else cur += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      have = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
      have = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      flush();
    } else if (c == '#' && !have) {
      break;  // comment to end of line
    } else if (c == ';' || c == '|' || c == '&' || c == '(' || c == ')' || c == '{' || c == '}') {
      flush();
      out.emplace_back(1, c);
    } else {
      cur += c;
      have = true;
    }
  }
  flush();
  return out;
}

std::string_view word_basename(std::string_view w) {
  if (auto eq = w.find('='); eq != std::string_view::npos && w.find('/') > eq) w = w.substr(eq + 1);
  auto slash = w.rfind('/');
  return slash == std::string_view::npos ? w : w.substr(slash + 1);
}

bool is_test_or_assignment(const std::vector<std::string>& w) {
  if (w.empty()) return false;
  const std::string& f = w.front();
  if (f == "[" || f == "[[" || f == "test" || f == "if" || f == "which" || f == "command" || f == "type") return true;
  auto eq = f.find('=');
  return eq != std::string::npos && eq > 0 && f.find('/') > eq && w.size() == 1;
}

}  // namespace ms
