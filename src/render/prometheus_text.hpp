#pragma once
// Prometheus text exposition format 0.0.4: one HELP and TYPE per family, samples grouped under it,
// label values escaped (escape_prom_label). Formats only; the agent decides what to expose.
#include <string>
#include <utility>
#include <vector>

namespace ms {

struct PromSample {
  std::vector<std::pair<std::string, std::string>> labels;  // name, raw value (escaped on output)
  double value = 0;
};

struct PromFamily {
  std::string name;  // memsleuth_..., units in the name (_bytes, _seconds, _total)
  std::string type;  // gauge | counter
  std::string help;
  std::vector<PromSample> samples;
};

std::string render_prometheus(const std::vector<PromFamily>& families);

}  // namespace ms
