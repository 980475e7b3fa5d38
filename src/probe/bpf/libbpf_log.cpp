#include "probe/bpf/libbpf_log.hpp"

#if MEMSLEUTH_HAVE_BPF
#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string_view>

namespace ms::bpf {

namespace {

constexpr size_t kKeepLines = 4;
constexpr size_t kMaxLine = 240;

std::mutex g_mu;
int g_active = 0;                 // live LibbpfLog objects
std::deque<std::string> g_lines;  // their warnings, the last kKeepLines

bool debug_to_stderr() {
  static const bool on = std::getenv("MEMSLEUTH_BPF_DEBUG") != nullptr;
  return on;
}

int print(enum libbpf_print_level level, const char* format, va_list args) {
  if (debug_to_stderr()) {
    va_list copy;
    va_copy(copy, args);
    std::vfprintf(stderr, format, copy);
    va_end(copy);
  }
  if (level == LIBBPF_DEBUG) return 0;
  char line[kMaxLine + 1];
  int n = std::vsnprintf(line, sizeof line, format, args);
  if (n <= 0) return 0;
  std::string_view text(line, std::min<size_t>(static_cast<size_t>(n), kMaxLine));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  // The verifier log's frame lines say nothing on their own.
  if (text.empty() || text.find("PROG LOAD LOG --") != std::string_view::npos) return 0;
  std::lock_guard lock(g_mu);
  if (g_active == 0) return 0;
  g_lines.emplace_back(text);
  if (g_lines.size() > kKeepLines) g_lines.pop_front();
  return 0;
}

}  // namespace

void quiet_libbpf() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(print); });
}

LibbpfLog::LibbpfLog() {
  quiet_libbpf();
  std::lock_guard lock(g_mu);
  if (g_active++ == 0) g_lines.clear();
}

LibbpfLog::~LibbpfLog() {
  std::lock_guard lock(g_mu);
  --g_active;
}

std::string LibbpfLog::tail() const {
  std::lock_guard lock(g_mu);
  std::string out;
  for (const auto& l : g_lines) {
    if (!out.empty()) out += "; ";
    out += l;
  }
  return out;
}

}  // namespace ms::bpf
#endif
