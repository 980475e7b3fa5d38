#pragma once
// Turns recorded history into the data of the HTML incident report: picks the window, recomputes
// both views of available memory from raw readings, finds the worst moment, the top consumers then,
// the doctor's findings for that moment, and writes the plain-language story from the numbers.
#include <cstdint>
#include <optional>
#include <string>

#include "attribution/classify.hpp"
#include "k8s/kubelet_config.hpp"
#include "render/report_html.hpp"
#include "store/history.hpp"
#include "util/result.hpp"

namespace ms {

struct ReportOptions {
  std::optional<int64_t> since, until;  // both unset: 24 h around the worst moment
  std::string node;                     // hostname shown in the title
  // Thresholds to draw and judge against: these settings, else (recorded_kubelet) the kubelet settings
  // the recorder stored with the worst moment's sample, else none.
  std::optional<k8s::KubeletConfig> kubelet;
  bool recorded_kubelet = true;
  const ClassifySources* sources = nullptr;   // the node's pod/unit/user names, for the doctor's attribution
  int64_t now = 0;
  size_t top_n = 15;
};

Result<ReportData> build_report(store::History& history, const ReportOptions& opts);

// The window the report covers when none is given: 24 h centred on the worst moment (the latest
// OOM kill or eviction, else the lowest available memory in either view), clipped to what exists.
struct ReportWindow {
  int64_t since = 0, until = 0;
  std::optional<int64_t> worst;
  std::string worst_reason;
};
Result<ReportWindow> choose_window(store::History& history, const ReportOptions& opts);

}  // namespace ms
