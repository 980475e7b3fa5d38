#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace ms {

// kubectl-style binary units: 512Ki, 1.5Mi, 3.2Gi. Negative values keep their sign.
std::string human_bytes(int64_t bytes);
std::string human_bytes_u(uint64_t bytes);
std::string human_bytes_opt(const std::optional<uint64_t>& bytes, const char* none = "-");

// Wall-clock helpers.
std::string rfc3339_utc(int64_t unix_seconds);
int64_t now_unix();

}  // namespace ms
