#include "agent/basic_auth.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <vector>

namespace ms::agent {

namespace {
constexpr size_t kMaxCached = 64;
// bcrypt of a random string at cost 10: what an unknown user's attempt is hashed against.
constexpr const char* kDummyHash = "$2b$10$33sUcFIiJMBY7li7ozub5uj0d6o41HRM/zAl1e6a4KjHWNOKH1GRO";
}  // namespace

PasswordVerifier::PasswordVerifier(std::map<std::string, std::string> users) : users_(std::move(users)) {
  unsigned char r[16];
  if (RAND_bytes(r, sizeof r) != 1) std::memset(r, 0x5a, sizeof r);
  salt_.assign(reinterpret_cast<const char*>(r), sizeof r);
  // The dummy costs what the configured hashes cost (the first user's method and cost).
  dummy_hash_ = users_.empty() ? kDummyHash : users_.begin()->second;
}

PasswordVerifier::~PasswordVerifier() = default;

std::string PasswordVerifier::cache_key(const std::string& user, const std::string& password) const {
  auto it = users_.find(user);
  std::string material = salt_ + user + '\0' + password + '\0' + (it == users_.end() ? "" : it->second);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(material.data(), material.size(), md, &len, EVP_sha256(), nullptr);
  OPENSSL_cleanse(material.data(), material.size());
  return std::string(reinterpret_cast<const char*>(md), len);
}

bool PasswordVerifier::cached(const std::string& user, const std::string& password) const {
  if (!users_.contains(user)) return false;
  auto k = cache_key(user, password);
  std::lock_guard lk(mu_);
  return ok_.contains(k);
}

bool PasswordVerifier::verify(const std::string& user, const std::string& password) {
  auto it = users_.find(user);
  const std::string& hash = it == users_.end() ? dummy_hash_ : it->second;
  // crypt_data is 32 KiB: on the heap, one per call (calls are rare and serialised by the caller).
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  bool match = out && std::strlen(out) == hash.size() && CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  if (!match || it == users_.end() || password.find('\0') != std::string::npos) return false;
  auto k = cache_key(user, password);
  std::lock_guard lk(mu_);
  if (ok_.size() >= kMaxCached) ok_.clear();
  ok_.insert(std::move(k));
  return true;
}

}  // namespace ms::agent
