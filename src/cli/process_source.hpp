#pragma once
// What a one-shot command says about where it read the processes (--source, probe/task_source.hpp).
#include <string_view>

#include "model/snapshot.hpp"
#include "render/json_util.hpp"

namespace ms::cli {

// The one line on stderr when a read allowed BPF (--source auto|bpf) and read procfs: why.
void note_process_source(std::string_view note);
void note_process_source(const Snapshot& s);
// "process_source" ("bpf", "procfs"; "history" for a replayed moment) and "process_source_note" (why
// procfs, or null). Not "source": explain's and available's JSON use that word for other things.
void add_source_json(Json& j, std::string_view source, std::string_view note);
void add_source_json(Json& j, const Snapshot& s, bool replayed);

}  // namespace ms::cli
