#pragma once
// kubectl-like aligned tables. Cells are escaped for the terminal here, once.
#include <string>
#include <vector>

namespace ms {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  // Right-align columns holding numbers/sizes.
  void align_right(size_t column);
  void add(std::vector<std::string> row);
  std::string render() const;
  size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of an (already escaped) UTF-8 string: code points, not bytes.
size_t display_width(const std::string& s);

}  // namespace ms
