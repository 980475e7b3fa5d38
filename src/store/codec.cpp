#include "store/codec.hpp"

#include <zlib.h>

namespace ms::store {

void Packer::u(uint64_t v) {
  while (v >= 0x80) {
    buf_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  buf_.push_back(static_cast<char>(v));
}

void Packer::bytes(uint64_t v) {
  // Low bit 0: value is KiB; 1: exact bytes. Values >= 2^63 that are not whole KiB cannot occur
  // (the kernel counts pages), so they are rounded to KiB rather than overflowing.
  if (v % 1024 == 0 || v >= (uint64_t{1} << 63)) u((v >> 10) << 1);
  else u((v << 1) | 1);
}

void Packer::opt_bytes(const std::optional<uint64_t>& v) {
  if (!v) {
    u(0);
    return;
  }
  uint64_t enc = (*v % 1024 == 0 || *v >= (uint64_t{1} << 63)) ? ((*v >> 10) << 1) : ((*v << 1) | 1);
  u(enc + 1);
}

void Packer::opt_u(const std::optional<uint64_t>& v) { u(v ? *v + 1 : 0); }

void Packer::str(std::string_view s) {
  u(s.size());
  buf_.append(s);
}

uint64_t Unpacker::u() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= s_.size()) {
      ok_ = false;
      return 0;
    }
    auto b = static_cast<unsigned char>(s_[pos_++]);
    v |= uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return v;
  }
  ok_ = false;
  return 0;
}

static uint64_t decode_bytes(uint64_t enc) { return (enc & 1) ? (enc >> 1) : ((enc >> 1) << 10); }

uint64_t Unpacker::bytes() { return decode_bytes(u()); }

std::optional<uint64_t> Unpacker::opt_bytes() {
  uint64_t e = u();
  if (e == 0) return std::nullopt;
  return decode_bytes(e - 1);
}

std::optional<uint64_t> Unpacker::opt_u() {
  uint64_t e = u();
  if (e == 0) return std::nullopt;
  return e - 1;
}

std::string Unpacker::str() {
  uint64_t n = u();
  if (!ok_ || n > s_.size() - pos_) {
    ok_ = false;
    return {};
  }
  std::string r(s_.substr(pos_, n));
  pos_ += n;
  return r;
}

std::string deflate_frame(std::string_view raw) {
  uLongf cap = compressBound(raw.size());
  std::string out(cap + 4, '\0');
  // 4-byte little-endian raw length first, so inflate knows the buffer size.
  uint32_t n = static_cast<uint32_t>(raw.size());
  for (int k = 0; k < 4; ++k) out[k] = static_cast<char>((n >> (8 * k)) & 0xff);
  int rc = compress2(reinterpret_cast<Bytef*>(out.data() + 4), &cap, reinterpret_cast<const Bytef*>(raw.data()),
                     raw.size(), 6);
  if (rc != Z_OK) return {};
  out.resize(cap + 4);
  return out;
}

Result<std::string> inflate_frame(std::string_view packed) {
  if (packed.size() < 4) return fail(Error::invalid("frame shorter than its header"));
  uint32_t n = 0;
  for (int k = 0; k < 4; ++k) n |= uint32_t{static_cast<unsigned char>(packed[k])} << (8 * k);
  if (n > (64u << 20)) return fail(Error::invalid("frame claims more than 64 MiB"));
  std::string out(n, '\0');
  uLongf len = n;
  int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &len, reinterpret_cast<const Bytef*>(packed.data() + 4),
                      packed.size() - 4);
  if (rc != Z_OK || len != n) return fail(Error::invalid("corrupt compressed frame"));
  return out;
}

}  // namespace ms::store
