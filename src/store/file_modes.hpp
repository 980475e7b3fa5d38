#pragma once
// The history database holds every stored process's command line, working directory and ancestry:
// it is created 0600 in a 0700 directory. What memsleuth made before with looser modes (a database
// of its own schema, a directory named after it and owned by us; DaemonSet hostPaths are created
// 0755 by the kubelet) is tightened; anything else is left as it is, with a warning.
#include <string>
#include <vector>

#include "util/result.hpp"

namespace ms::store {

// Before the database is opened: creates the directory (0700) and an empty database file (0600)
// when they do not exist; tightens or warns about an existing directory. Returns what it did or
// found, one sentence each, for the log.
Result<std::vector<std::string>> prepare_db_location(const std::string& db_path);

// After the database was opened as memsleuth's (its schema checked): the file, its -wal and -shm
// lose any group and other permission. Returns what it did, for the log.
std::vector<std::string> tighten_db_files(const std::string& db_path);

}  // namespace ms::store
