#pragma once
// What a doctor rule reports. Plain data: rules fill it, render/doctor_* prints it, nothing else.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ms {

enum class Severity { kInfo = 0, kWarning = 1, kCritical = 2 };
const char* to_string(Severity s);  // "info", "warning", "critical"

// One number (or fact) and where it was read: "/proc/meminfo MemAvailable", "kubelet config evictionHard".
struct Evidence {
  std::string what;               // "MemAvailable"
  std::string value;              // human text with its unit: "1.2Gi", "12.5%", "90s"
  std::optional<double> number;   // the raw value in `unit`, for JSON consumers
  std::string unit;               // "bytes", "percent", "seconds", "count", "bytes/s", "" (text)
  std::string source;             // file and field it came from
};

Evidence ev_bytes(std::string what, uint64_t bytes, std::string source);
Evidence ev_signed_bytes(std::string what, int64_t bytes, std::string source);
Evidence ev_percent(std::string what, double percent, std::string source);
Evidence ev_seconds(std::string what, double seconds, std::string source);
Evidence ev_count(std::string what, uint64_t n, std::string source);
Evidence ev_rate(std::string what, double bytes_per_second, std::string source);
Evidence ev_text(std::string what, std::string text, std::string source);

// Who or what the finding is about; any subset may be set.
struct Subject {
  std::optional<int> pid;
  std::optional<std::string> comm;
  std::optional<std::string> cgroup;      // memory cgroup path relative to the hierarchy root
  std::optional<std::string> owner;       // Owner::label()
  std::optional<std::string> owner_kind;  // "pod", "cron", ...
  std::optional<std::string> path;        // a mount point, a config file, a slab cache
};

struct Finding {
  std::string id;  // stable rule-specific id: "unbounded-outside-kubepods", "eviction-hard-too-small"
  Severity severity = Severity::kInfo;
  std::string title;  // one line with the key number
  std::vector<Evidence> evidence;
  std::string why;               // 1-2 sentences; names the threshold and why it is that
  std::vector<std::string> fix;  // exact commands or config lines, one per entry
  Subject subject;
  uint64_t bytes_at_stake = 0;  // ranking key within a severity
  std::string rule;             // name of the rule that produced it (filled by the engine)
};

}  // namespace ms
