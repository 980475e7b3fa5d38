#pragma once
// Basic auth against the web configuration's password hashes (libxcrypt's crypt: bcrypt $2b$/$2y$,
// yescrypt, sha512crypt). A bcrypt check costs tens of milliseconds by design, so the server runs it
// off its event loop (agent/http_server.cpp) and keeps the last successes, as exporter-toolkit does:
// a scraper presenting the same credentials every 15 s pays once.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

namespace ms::agent {

class PasswordVerifier {
 public:
  explicit PasswordVerifier(std::map<std::string, std::string> users);
  ~PasswordVerifier();
  bool empty() const { return users_.empty(); }
  // True when these credentials passed verify() recently (no hashing; safe on the event loop).
  bool cached(const std::string& user, const std::string& password) const;
  // Hashes and compares; an unknown user costs the same as a known one. Thread-safe.
  bool verify(const std::string& user, const std::string& password);

 private:
  std::string cache_key(const std::string& user, const std::string& password) const;
  std::map<std::string, std::string> users_;
  std::string dummy_hash_;  // hashed against for unknown users
  mutable std::mutex mu_;
  std::unordered_set<std::string> ok_;  // SHA-256 of user, password and hash: never the password itself
  std::string salt_;                    // random per process, in every cache key
};

}  // namespace ms::agent
