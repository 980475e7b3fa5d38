#include "agent/tls_context.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstring>

namespace ms::agent {

namespace {

std::string ssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr mem_bio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

Error tls_error(const std::string& what) {
  return Error::invalid(fmt::format("TLS: {}: {}", what, ssl_errors()));
}

// The certificate and its chain, from PEM text (cert_file's content or the inline cert).
Result<void> use_chain(SSL_CTX* ctx, const std::string& pem, const std::string& name) {
  auto bio = mem_bio(pem);
  X509* leaf = PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr);
  if (!leaf) return fail(tls_error("no certificate in " + name));
  int ok = SSL_CTX_use_certificate(ctx, leaf);
  X509_free(leaf);
  if (ok != 1) return fail(tls_error("cannot use the certificate of " + name));
  SSL_CTX_clear_chain_certs(ctx);
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
      X509_free(ca);
      return fail(tls_error("cannot add a chain certificate of " + name));
    }
  ERR_clear_error();  // the loop ends on "no start line"
  return {};
}

Result<void> use_key(SSL_CTX* ctx, const std::string& pem, const std::string& name) {
  auto bio = mem_bio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) return fail(tls_error("no private key in " + name));
  int ok = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (ok != 1) return fail(tls_error("cannot use the private key of " + name));
  if (SSL_CTX_check_private_key(ctx) != 1) return fail(tls_error("the private key does not match the certificate"));
  return {};
}

Result<void> use_client_ca(SSL_CTX* ctx, const std::string& pem, const std::string& name) {
  auto bio = mem_bio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int n = 0;
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, ca);
    SSL_CTX_add_client_CA(ctx, ca);  // the names sent in the CertificateRequest
    X509_free(ca);
    ++n;
  }
  ERR_clear_error();
  if (n == 0) return fail(Error::invalid("TLS: no certificate in " + name));
  return {};
}

int accept_any(int, X509_STORE_CTX*) {
  return 1;
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = "";
  int len = ASN1_STRING_length(ip);
  const unsigned char* d = ASN1_STRING_get0_data(ip);
  if (len == 4) inet_ntop(AF_INET, d, buf, sizeof buf);
  if (len == 16) inet_ntop(AF_INET6, d, buf, sizeof buf);
  return buf;
}

// "10.0.0.1" and "::ffff:..." as inet_ntop writes them, so that a configured address matches its
// certificate form whatever its spelling.
std::string normalise_ip(const std::string& s) {
  unsigned char b[16];
  char buf[INET6_ADDRSTRLEN] = "";
  if (inet_pton(AF_INET, s.c_str(), b) == 1)
    inet_ntop(AF_INET, b, buf, sizeof buf);
  else if (inet_pton(AF_INET6, s.c_str(), b) == 1)
    inet_ntop(AF_INET6, b, buf, sizeof buf);
  else
    return s;
  return buf;
}

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::build(const TlsServerConfig& cfg) {
  std::shared_ptr<TlsContext> t(new TlsContext());
  t->ctx_ = SSL_CTX_new(TLS_server_method());
  if (!t->ctx_) return fail(tls_error("cannot create a context"));
  SSL_CTX* ctx = t->ctx_;
  SSL_CTX_set_min_proto_version(ctx, cfg.min_version);
  SSL_CTX_set_max_proto_version(ctx, cfg.max_version);
  // No renegotiation (a client-driven CPU sink), partial writes for the non-blocking loop.
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_RENEGOTIATION | (cfg.prefer_server_cipher_suites ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  std::string cert_name = cfg.cert_file.empty() ? "the inline cert" : cfg.cert_file;
  std::string key_name = cfg.key_file.empty() ? "the inline key" : cfg.key_file;
  if (auto r = use_chain(ctx, cfg.cert, cert_name); !r) return fail(r.error());
  if (auto r = use_key(ctx, cfg.key, key_name); !r) return fail(r.error());
  if (!cfg.client_ca.empty())
    if (auto r =
            use_client_ca(ctx, cfg.client_ca, cfg.client_ca_file.empty() ? "the inline client_ca" : cfg.client_ca_file);
        !r)
      return fail(r.error());
  switch (cfg.client_auth) {
    case ClientAuth::kNone:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuth::kRequest:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
      break;
    case ClientAuth::kRequireAny:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
      break;
    case ClientAuth::kVerifyIfGiven:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuth::kRequireAndVerify:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  if (!cfg.cipher_suites.empty()) {
    // Go's (IANA) names, as in the exporters' files, mapped to OpenSSL's.
    std::string list;
    for (const auto& name : cfg.cipher_suites) {
      const char* o = OPENSSL_cipher_name(name.c_str());
      if (!o || std::strcmp(o, "(NONE)") == 0)
        return fail(
            Error::invalid(fmt::format("TLS: unknown cipher suite '{}' (use IANA names such as "
                                       "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)",
                                       name)));
      list += (list.empty() ? "" : ":") + std::string(o);
    }
    if (SSL_CTX_set_cipher_list(ctx, list.c_str()) != 1) return fail(tls_error("cipher_suites " + list));
  }
  if (!cfg.curve_preferences.empty()) {
    std::string list;
    for (const auto& c : cfg.curve_preferences) {
      std::string o = c == "CurveP256"   ? "P-256"
                      : c == "CurveP384" ? "P-384"
                      : c == "CurveP521" ? "P-521"
                      : c == "X25519"    ? "X25519"
                                         : "";
      if (o.empty())
        return fail(
            Error::invalid(fmt::format("TLS: unknown curve '{}' (CurveP256, CurveP384, CurveP521, X25519)", c)));
      list += (list.empty() ? "" : ":") + o;
    }
    if (SSL_CTX_set1_groups_list(ctx, list.c_str()) != 1) return fail(tls_error("curve_preferences " + list));
  }
  // No ticket keys or session cache to keep across connections: a scrape is one handshake.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  t->allowed_sans_ = cfg.client_allowed_sans;
  return t;
}

TlsContext::~TlsContext() {
  if (ctx_) SSL_CTX_free(ctx_);
}

bool TlsContext::peer_allowed(SSL* ssl, std::string& why) const {
  if (allowed_sans_.empty()) return true;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) {
    why = "no client certificate";
    return false;
  }
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  bool ok = false;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && !ok; ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    std::string v;
    if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI) {
      const ASN1_IA5STRING* s = g->d.ia5;
      v.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (g->type == GEN_IPADD) {
      v = ip_text(g->d.ip);
    } else {
      continue;
    }
    for (const auto& a : allowed_sans_) ok = ok || a == v || (g->type == GEN_IPADD && normalise_ip(a) == v);
  }
  if (names) GENERAL_NAMES_free(names);
  X509_free(cert);
  if (!ok) why = "the client certificate carries none of client_allowed_sans";
  return ok;
}

}  // namespace ms::agent
