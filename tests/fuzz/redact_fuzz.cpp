// libFuzzer target: every byte string is a command line (NUL-separated argv, and the same joined by
// spaces as the store keeps it). Redaction never crashes and is idempotent: redacting what was
// redacted changes nothing (the report redacts command lines the recorder already redacted).
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "util/redact.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = ms::fuzz::text(data, size);
  std::vector<std::string> argv;
  size_t start = 0;
  for (size_t i = 0; i <= t.size(); ++i)
    if (i == t.size() || t[i] == '\0') {
      argv.emplace_back(t.substr(start, i - start));
      start = i + 1;
    }
  auto once = ms::redact_argv(argv);
  ms::fuzz::require(once.size() == argv.size(), "redaction keeps the number of arguments");
  ms::fuzz::require(ms::redact_argv(once) == once, "redact_argv is idempotent");
  std::string joined;
  for (const auto& a : argv) joined += (joined.empty() ? "" : " ") + a;
  auto line = ms::redact_command_line(joined);
  ms::fuzz::require(ms::redact_command_line(line) == line, "redact_command_line is idempotent");
  (void)ms::is_secret_name(t.substr(0, 128));
  return 0;
}
