#pragma once
// Kubernetes resource.Quantity and eviction-percentage arithmetic, to the byte.
//
// Quantity syntax (k8s.io/apimachinery/pkg/api/resource): an optional sign, a decimal number, then
// one suffix: binary Ki Mi Gi Ti Pi Ei (powers of 1024), decimal n u m "" k M G T P E (powers of
// 1000), or a decimal exponent e<N>/E<N>. Fractions are allowed ("1.5Gi" = 1610612736). We keep
// Quantity.Value(): the value rounded UP to a whole number (so "0.5" → 1, "100m" → 1). Because
// available bytes are whole numbers, `threshold > available` (Quantity.Cmp, exact) is the same test
// as `Value() > available`, so nothing is lost for eviction decisions.
//
// Percentages follow pkg/kubelet/eviction/helpers.go parsePercentage: ParseFloat(s, 32), then a
// float32 division by 100; GetThresholdQuantity multiplies in float64 and truncates toward zero.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace ms::k8s {

struct Quantity {
  int64_t value = 0;        // Quantity.Value(): rounded up to a whole number of units (bytes)
  bool exact = true;        // false when the literal had a fractional part below one unit
  std::string text;         // the literal as written, trimmed
};

// Parses a Quantity literal. Errors (malformed, overflow beyond int64) name the literal; `what`
// (e.g. "--system-reserved memory") prefixes the message.
Result<Quantity> parse_quantity(std::string_view s, std::string_view what = "quantity");

// ParseFloat(TrimRight(s, "%"), 32) / 100 in float32, exactly as the kubelet does. `s` must end in
// '%'. Rejects NaN/Inf (Go would accept them and then compute garbage).
Result<float> parse_percentage(std::string_view s, std::string_view what = "percentage");

// GetThresholdQuantity for a percentage: int64(float64(capacity) * float64(p)).
int64_t percentage_of(float p, int64_t capacity);

// time.ParseDuration: "1m30s", "300ms", "2h", "1.5s", "-5s". Returns seconds.
Result<double> parse_go_duration(std::string_view s, std::string_view what = "duration");

}  // namespace ms::k8s
