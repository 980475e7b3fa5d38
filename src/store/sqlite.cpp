#include "store/sqlite.hpp"

#include <fmt/format.h>

namespace ms::store {

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (s_) sqlite3_finalize(s_);
    db_ = o.db_;
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() {
  if (s_) sqlite3_finalize(s_);
}

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::string_view v) {
  sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}
Stmt& Stmt::bind_opt(int i, const std::optional<int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
Stmt& Stmt::bind_opt(int i, const std::optional<std::string>& v) {
  return v ? bind(i, std::string_view(*v)) : bind_null(i);
}

int Stmt::step() { return sqlite3_step(s_); }

Result<void> Stmt::run() {
  int rc = sqlite3_step(s_);
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return fail(Error{Error::Kind::kIo, "", 0, fmt::format("sqlite: {} (rc {})", sqlite3_errmsg(db_), rc)});
  return {};
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::optional<int64_t> Stmt::col_opt_int(int i) const {
  if (col_null(i)) return std::nullopt;
  return col_int(i);
}
std::string Stmt::col_text(int i) const {
  auto* p = sqlite3_column_text(s_, i);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, i)));
}
std::optional<std::string> Stmt::col_opt_text(int i) const {
  if (col_null(i)) return std::nullopt;
  return col_text(i);
}
std::string_view Stmt::col_blob(int i) const {
  const void* p = sqlite3_column_blob(s_, i);
  if (!p) return {};
  return {static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, i))};
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    if (db_) sqlite3_close_v2(db_);
    db_ = o.db_;
    path_ = std::move(o.path_);
    last_rc_ = o.last_rc_;
    o.db_ = nullptr;
  }
  return *this;
}

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

Result<Db> Db::open(const std::string& path, bool read_only) {
  Db d;
  d.path_ = path;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &d.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e{rc == SQLITE_CANTOPEN ? Error::Kind::kNotFound : Error::Kind::kIo, path, 0,
            fmt::format("cannot open database: {}", d.db_ ? sqlite3_errmsg(d.db_) : sqlite3_errstr(rc))};
    return fail(e);
  }
  // A busy writer (the recorder) must not make a reader fail at once.
  sqlite3_busy_timeout(d.db_, 2000);
  sqlite3_extended_result_codes(d.db_, 0);
  return d;
}

Error Db::error(std::string_view what) const {
  last_rc_ = sqlite3_errcode(db_);
  return Error{Error::Kind::kIo, path_, 0, fmt::format("{}: {} (sqlite rc {})", what, sqlite3_errmsg(db_), last_rc_)};
}

Result<void> Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  last_rc_ = rc;
  if (rc != SQLITE_OK) {
    Error e{Error::Kind::kIo, path_, 0, fmt::format("sqlite: {} (rc {}) in: {:.80}", err ? err : "?", rc, s)};
    sqlite3_free(err);
    return fail(e);
  }
  return {};
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  last_rc_ = rc;
  if (rc != SQLITE_OK) return fail(error(fmt::format("prepare {:.60}", sql)));
  return Stmt(db_, s);
}

Result<int64_t> Db::query_int(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return fail(st.error());
  int rc = st->step();
  last_rc_ = rc;
  if (rc != SQLITE_ROW) return fail(error(fmt::format("query {:.60}", sql)));
  return st->col_int(0);
}

bool is_transient(int rc) {
  return rc == SQLITE_FULL || rc == SQLITE_BUSY || rc == SQLITE_LOCKED || rc == SQLITE_IOERR;
}

}  // namespace ms::store
