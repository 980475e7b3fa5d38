#pragma once
// kubectl-like aligned tables. Cells are bounded (render/text_layout.hpp) and escaped for the
// terminal here, once. Rendered for a width, the table fits it: text columns are cut (with `…`),
// the widest first, numbers never.
#include <string>
#include <vector>

#include "render/text_layout.hpp"

namespace ms {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  // Right-align columns holding numbers/sizes; they are never cut.
  void align_right(size_t column);
  // Cut this column in the middle rather than at the end (paths: both ends say something).
  void elide_middle(size_t column);
  // Cut this text column only when cutting every other one to its minimum is not enough (times).
  void keep(size_t column);
  // When the table does not fit the width, print each row as a wrapped list of "HEADER value" instead
  // of cutting cells (rows whose every column matters, like an ancestry chain).
  void list_when_narrow() { list_when_narrow_ = true; }
  // What render() prints instead of a lone header when there is no row ("no processes").
  void when_empty(std::string message);
  void add(std::vector<std::string> row);
  std::string render(const TextLayout& layout = {}) const;
  size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_, middle_, keep_;
  std::vector<std::vector<std::string>> rows_;
  std::string empty_;
  bool list_when_narrow_ = false;
};

}  // namespace ms
