#include "render/table.hpp"

#include "util/escape.hpp"

namespace ms {

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)), right_(headers_.size(), false) {}

void Table::align_right(size_t c) {
  if (c < right_.size()) right_[c] = true;
}

void Table::add(std::vector<std::string> row) {
  for (auto& cell : row) cell = escape_terminal(cell);
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

size_t display_width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++w;
  return w;
}

std::string Table::render() const {
  std::vector<size_t> width(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) width[i] = display_width(headers_[i]);
  for (const auto& r : rows_)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], display_width(r[i]));
  std::string out;
  auto emit = [&](const std::vector<std::string>& r) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      size_t pad = width[i] - display_width(r[i]);
      bool last = i + 1 == r.size();
      if (right_[i]) line += std::string(pad, ' ') + r[i];
      else line += r[i] + (last ? "" : std::string(pad, ' '));
      if (!last) line += "   ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(headers_);
  for (const auto& r : rows_) emit(r);
  return out;
}

}  // namespace ms
