#include "cli/one_shot.hpp"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace ms::cli {

// A one-shot scan grows its heap by ~10-20 MB (processes, memory.stat keys, owners), and each
// first touch of a 4 KiB page is a page fault: ~2,500 of them at 2,000 processes, ~8% of the CPU on
// a VM where every trap is dear (perf: asm_exc_page_fault under malloc, the Process and Owner
// vectors). So, for this process only: one heap for both workers (a second thread's own arena grows
// by mprotect page run after page run: ~550 calls), grown by brk in one 32 MiB step, never trimmed,
// and marked for transparent huge pages (a fault per 2 MiB) where the kernel allows it (THP
// "madvise" or "always"; a no-op under "never"). Peak RSS grows by at most the unused part of the
// last huge page.
void prepare_one_shot_heap() {
  constexpr size_t kPad = size_t{32} << 20, kHuge = size_t{2} << 20;
  ::mallopt(M_ARENA_MAX, 1);
  ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(kPad));  // also stops glibc's dynamic threshold
  ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * kPad));
  ::mallopt(M_TOP_PAD, static_cast<int>(kPad));
  // A block larger than what is left at the top makes malloc extend the brk heap by it plus kPad.
  void* probe = std::malloc(kHuge);
  if (!probe) return;
  auto at = reinterpret_cast<uintptr_t>(probe);
  auto from = (at + kHuge - 1) & ~(kHuge - 1);
  auto to = reinterpret_cast<uintptr_t>(::sbrk(0)) & ~(kHuge - 1);
  std::free(probe);  // back into the top chunk, which now starts where probe did
  if (to <= from) return;
  // A huge page fills only a 2 MiB range with no small page in it: the (never touched, never freed)
  // filler takes the heap up to the first such boundary, so the next allocations land in it.
  if (from - at > 64) {
    [[maybe_unused]] static void* filler = std::malloc(from - at - 32);
  }
  ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
}

void keep_alive(std::shared_ptr<void> v) {
  static auto* kept = new std::vector<std::shared_ptr<void>>();
  kept->push_back(std::move(v));
}

}  // namespace ms::cli
