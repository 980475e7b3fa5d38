#pragma once
// Command-line quantities: durations ("10s", "500ms", "5m", "7d") and sizes ("512MiB", "512Mi",
// "1G", "4096"). Pure.
#include <cstdint>
#include <string_view>

#include "util/result.hpp"

namespace ms::cli {

Result<int64_t> parse_duration_ms(std::string_view s);
Result<uint64_t> parse_size_bytes(std::string_view s);

}  // namespace ms::cli
