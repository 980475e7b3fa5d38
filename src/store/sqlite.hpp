#pragma once
// Thin RAII wrapper over the SQLite C API: Result on every call that can fail, the SQLite result code
// kept so the recorder can tell a full disk (SQLITE_FULL) or a read-only file from corruption.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace ms::store {

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind_blob(int i, std::string_view v);
  Stmt& bind_null(int i);
  Stmt& bind_opt(int i, const std::optional<int64_t>& v);
  Stmt& bind_opt(int i, const std::optional<std::string>& v);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Steps to completion (statements without rows); resets afterwards.
  Result<void> run();
  void reset();

  int64_t col_int(int i) const { return sqlite3_column_int64(s_, i); }
  bool col_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
  std::optional<int64_t> col_opt_int(int i) const;
  std::string col_text(int i) const;
  std::optional<std::string> col_opt_text(int i) const;
  std::string_view col_blob(int i) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  Db() = default;
  Db(Db&& o) noexcept : db_(o.db_), path_(std::move(o.path_)), last_rc_(o.last_rc_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  ~Db();

  static Result<Db> open(const std::string& path, bool read_only);
  Result<void> exec(std::string_view sql);
  Result<Stmt> prepare(std::string_view sql);
  // Runs a query returning one integer (PRAGMA page_count, SELECT count(*)...).
  Result<int64_t> query_int(std::string_view sql);
  int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  Error error(std::string_view what) const;
  int last_rc() const { return last_rc_; }
  sqlite3* raw() const { return db_; }
  const std::string& path() const { return path_; }
  bool is_open() const { return db_ != nullptr; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  mutable int last_rc_ = SQLITE_OK;
};

// True for errors after which writing may work again later without reopening (disk full, busy).
bool is_transient(int rc);

}  // namespace ms::store
