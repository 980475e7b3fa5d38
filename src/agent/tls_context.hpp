#pragma once
// An OpenSSL server context built from a web configuration's tls_server_config (agent/web_config.hpp).
#include <memory>
#include <string>

#include "agent/web_config.hpp"
#include "util/result.hpp"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace ms::agent {

class TlsContext {
 public:
  static Result<std::shared_ptr<TlsContext>> build(const TlsServerConfig& cfg);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  SSL_CTX* ctx() const { return ctx_; }
  // After the handshake: the client's certificate carries one of client_allowed_sans (true when the
  // list is empty). Why not, in `why`.
  bool peer_allowed(SSL* ssl, std::string& why) const;

 private:
  TlsContext() = default;
  SSL_CTX* ctx_ = nullptr;
  std::vector<std::string> allowed_sans_;
};

}  // namespace ms::agent
