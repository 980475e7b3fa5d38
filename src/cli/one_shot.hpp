#pragma once
// Process-wide set-up for the one-shot commands that read the whole node (snapshot, top,
// available, doctor): they run once, allocate ~10-20 MB and exit. Not for `record`.
#include <memory>
#include <type_traits>
#include <utility>

namespace ms::cli {

// One malloc arena, grown in one step and never trimmed, on transparent huge pages where the
// kernel allows it: each first touch of a 4 KiB page is a page fault, dear on a VM (one_shot.cpp).
// Call before the first large allocation.
void prepare_one_shot_heap();

// Keeps what a command read alive until the process exits: the command exits right after
// printing, and freeing ~100,000 allocations one by one (~2% of a snapshot's CPU at 2,000
// processes) is work the kernel does at once for the whole heap. Reachable from a static, so leak
// checkers report nothing.
void keep_alive(std::shared_ptr<void> v);

template <class T>
void keep_until_exit(T&& v) {
  keep_alive(std::make_shared<std::decay_t<T>>(std::forward<T>(v)));
}

}  // namespace ms::cli
