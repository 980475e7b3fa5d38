#pragma once
// Compact encoding of one sample's raw readings: unsigned LEB128 varints, byte quantities stored in
// KiB when they are whole KiB (the kernel's resolution is a page; meminfo writes kB), the rest tagged
// as exact bytes. Lossless: decode(encode(x)) == x. The whole detail frame is then deflated.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace ms::store {

class Packer {
 public:
  void u(uint64_t v);
  void i(int64_t v) { u((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }  // zigzag
  void bytes(uint64_t v);                       // KiB-tagged byte quantity
  void opt_bytes(const std::optional<uint64_t>& v);  // 0 = absent
  void opt_u(const std::optional<uint64_t>& v);
  void str(std::string_view s);
  const std::string& data() const { return buf_; }
  std::string take() { return std::move(buf_); }

 private:
  std::string buf_;
};

class Unpacker {
 public:
  explicit Unpacker(std::string_view s) : s_(s) {}
  uint64_t u();
  int64_t i() {
    uint64_t z = u();
    return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  }
  uint64_t bytes();
  std::optional<uint64_t> opt_bytes();
  std::optional<uint64_t> opt_u();
  std::string str();
  // False once any read ran past the end or met a malformed varint; values read after that are 0.
  bool ok() const { return ok_; }
  bool done() const { return pos_ >= s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  bool ok_ = true;
};

std::string deflate_frame(std::string_view raw);
Result<std::string> inflate_frame(std::string_view packed);

}  // namespace ms::store
