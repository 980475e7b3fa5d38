#include "render/table.hpp"

#include <algorithm>

#include "util/escape.hpp"

namespace ms {

namespace {

constexpr size_t kGap = 3;        // spaces between columns (fewer when a terminal is too narrow)
constexpr size_t kMinColumn = 6;  // a text column is never cut narrower ("abcde…")

size_t total_width(const std::vector<size_t>& w, size_t gap) {
  size_t total = 0;
  for (size_t x : w) total += x;
  return total + (w.empty() ? 0 : gap * (w.size() - 1));
}

// Column widths that fit `budget` columns in all: the widest text column is narrowed first, down to
// kMinColumn. Numbers (`fixed`) keep their width.
std::vector<size_t> fit(std::vector<size_t> w, const std::vector<bool>& fixed, size_t budget, size_t gap) {
  size_t total = total_width(w, gap);
  while (total > budget) {
    size_t widest = w.size(), second = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      if (fixed[i] || w[i] <= kMinColumn) continue;
      if (widest == w.size() || w[i] > w[widest]) widest = i;
    }
    if (widest == w.size()) break;  // nothing left to narrow: the line stays wider
    for (size_t i = 0; i < w.size(); ++i)
      if (i != widest && !fixed[i]) second = std::max(second, w[i]);
    // Down to the next widest column (then both shrink in turn), or by the whole excess.
    size_t floor = std::max(kMinColumn, std::min(second, w[widest] - 1));
    size_t cut = std::min(total - budget, w[widest] - floor);
    cut = std::max<size_t>(cut, 1);
    w[widest] -= cut;
    total -= cut;
  }
  return w;
}

}  // namespace

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)),
      right_(headers_.size(), false),
      middle_(headers_.size(), false),
      keep_(headers_.size(), false) {}

void Table::keep(size_t c) {
  if (c < keep_.size()) keep_[c] = true;
}

void Table::align_right(size_t c) {
  if (c < right_.size()) right_[c] = true;
}

void Table::elide_middle(size_t c) {
  if (c < middle_.size()) middle_[c] = true;
}

void Table::when_empty(std::string message) {
  empty_ = std::move(message);
}

void Table::add(std::vector<std::string> row) {
  for (auto& cell : row) cell = term_field(cell);
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

std::string Table::render(const TextLayout& layout) const {
  if (rows_.empty() && !empty_.empty()) return wrap_text(empty_, layout.width, "", "  ");
  std::vector<size_t> width(headers_.size());
  if (layout.headers)
    for (size_t i = 0; i < headers_.size(); ++i) width[i] = display_width(headers_[i]);
  for (const auto& r : rows_)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], display_width(r[i]));
  if (layout.width > 0 && list_when_narrow_ && total_width(width, kGap) > layout.width) {
    std::string out;
    for (const auto& r : rows_) {
      std::string item;
      for (size_t i = 0; i < r.size(); ++i) {
        if (r[i].empty()) continue;
        if (!item.empty()) item += "  ";
        item += headers_[i] + " " + r[i];
      }
      out += wrap_text(item, layout.width, "- ", "  ");
    }
    return out;
  }
  size_t gap = kGap;
  if (layout.width > 0) {
    // Kept columns (times) are cut only if the others at their minimum still do not fit; a table of
    // many numbers closes its gaps before it overflows.
    std::vector<bool> fixed(right_);
    for (size_t i = 0; i < fixed.size(); ++i) fixed[i] = fixed[i] || keep_[i];
    std::vector<size_t> natural = width;
    for (gap = kGap; gap >= 1; --gap) {
      width = fit(fit(natural, fixed, layout.width, gap), right_, layout.width, gap);
      if (total_width(width, gap) <= layout.width) break;
    }
    gap = std::max<size_t>(gap, 1);
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& r) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      bool header = &r == &headers_;
      std::string cell = middle_[i] && !header ? ms::elide_middle(r[i], width[i]) : truncate_display(r[i], width[i]);
      size_t cw = display_width(cell);
      size_t pad = width[i] > cw ? width[i] - cw : 0;
      bool last = i + 1 == r.size();
      if (right_[i])
        line += std::string(pad, ' ') + cell;
      else
        line += cell + (last ? "" : std::string(pad, ' '));
      if (!last) line += std::string(gap, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  if (layout.headers) emit(headers_);
  for (const auto& r : rows_) emit(r);
  return out;
}

}  // namespace ms
