#pragma once
// `record --web-config FILE`: TLS and basic auth for /metrics, in the format of Prometheus exporters'
// `--web.config.file` (prometheus/exporter-toolkit docs/web-configuration.md), so one file and one
// habit serve node_exporter and memsleuth alike. Unknown keys are errors, as there (a typo must not
// silently leave the endpoint open). Relative file names resolve against the file's directory.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace ms::agent {

enum class ClientAuth { kNone, kRequest, kRequireAny, kVerifyIfGiven, kRequireAndVerify };

struct TlsServerConfig {
  // PEM text given inline, or the file to read it from (exactly one of each pair).
  std::string cert, key, client_ca;
  std::string cert_file, key_file, client_ca_file;
  ClientAuth client_auth = ClientAuth::kNone;
  std::vector<std::string> client_allowed_sans;  // exact SAN matches (DNS, IP, e-mail, URI)
  int min_version = 0x0303;                      // TLS 1.2, as the exporters' default
  int max_version = 0x0304;                      // TLS 1.3
  std::vector<std::string> cipher_suites;        // IANA names (Go's), TLS <= 1.2; empty = OpenSSL's defaults
  bool prefer_server_cipher_suites = true;
  std::vector<std::string> curve_preferences;  // Go's names: CurveP256, CurveP384, CurveP521, X25519
};

struct WebConfig {
  std::optional<TlsServerConfig> tls;
  std::vector<std::pair<std::string, std::string>> headers;  // http_server_config.headers
  std::map<std::string, std::string> users;                  // basic_auth_users: user -> password hash
  double rate_interval_s = 0;                                // rate_limit (0 = none)
  int rate_burst = 0;
  // The files the configuration was read from (itself, certificates, CA): a change reloads it.
  std::vector<std::string> watched_files;
};

// Parses the YAML text of a web configuration; `base_dir` resolves relative file names.
Result<WebConfig> parse_web_config(std::string_view text, std::string_view path, std::string_view base_dir);
// Reads and parses `path`, and reads the PEM files it names (so an error names the missing file at
// start, not at the first scrape).
Result<WebConfig> load_web_config(const std::string& path);

// True when `hash` is a password hash the verifier accepts: bcrypt ($2a$, $2b$, $2y$) as the
// exporters', also yescrypt ($y$) and sha512crypt ($6$) (libxcrypt's strong methods).
bool is_supported_password_hash(const std::string& hash);

}  // namespace ms::agent
