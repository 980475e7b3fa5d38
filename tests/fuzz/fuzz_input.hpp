#pragma once
// Shared by the libFuzzer harnesses (tests/fuzz/*_fuzz.cpp): the input as text, and the few
// properties every parser must keep whatever it is given.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace ms::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property broken is a crash: libFuzzer keeps the input that broke it.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property broken: %s\n", what);
    std::abort();
  }
}

}  // namespace ms::fuzz
