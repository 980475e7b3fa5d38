#pragma once
// Versioned schema (PRAGMA user_version). Migrations are applied in order, each in its own
// transaction; a database written by a newer memsleuth is refused rather than misread.
#include "store/sqlite.hpp"

namespace ms::store {

inline constexpr int kSchemaVersion = 4;

// Creates or upgrades the schema of a writable database.
Result<void> migrate(Db& db);
// Sets the per-connection pragmas of the recorder: WAL, synchronous=NORMAL, bounded cache.
Result<void> configure_writer(Db& db);
Result<int> schema_version(Db& db);

}  // namespace ms::store
