#pragma once
// libbpf prints its warnings (a verifier log, a missing BTF type, a failed relocation) to stderr by
// default. memsleuth keeps them out of its output and hands them to the error of the operation
// that caused them instead: LibbpfLog collects what libbpf prints while it is alive. Outside one,
// libbpf stays silent unless MEMSLEUTH_BPF_DEBUG is set (then everything goes to stderr).
// Only for files compiled with MEMSLEUTH_HAVE_BPF=1 (src/probe/bpf and its tests).
#include <string>

namespace ms::bpf {

class LibbpfLog {
 public:
  LibbpfLog();
  ~LibbpfLog();
  LibbpfLog(const LibbpfLog&) = delete;
  LibbpfLog& operator=(const LibbpfLog&) = delete;
  // The last few warning lines libbpf printed (joined with "; "), empty if it printed none.
  std::string tail() const;
};

// Installs the quiet printer; called by every LibbpfLog, harmless to call again.
void quiet_libbpf();

}  // namespace ms::bpf
