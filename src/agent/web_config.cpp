#include "agent/web_config.hpp"

#include <crypt.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "probe/fs.hpp"
#include "util/text.hpp"

namespace ms::agent {

namespace {

// The headers exporter-toolkit lets a configuration set (http_server_config.headers).
const std::set<std::string, std::less<>> kAllowedHeaders = {"Content-Security-Policy", "X-Frame-Options",
                                                            "X-Content-Type-Options", "X-XSS-Protection",
                                                            "Strict-Transport-Security"};

struct Ctx {
  std::string path;
  std::string base_dir;
  Error err(const YAML::Node& n, const std::string& msg) const {
    int line = n.IsDefined() && n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
    return Error::malformed(path, line, msg);
  }
};

Result<std::string> scalar(const Ctx& c, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) return fail(c.err(n, key + " must be a string"));
  return n.Scalar();
}

Result<bool> boolean(const Ctx& c, const YAML::Node& n, const std::string& key) {
  bool b = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, b)) return fail(c.err(n, key + " must be true or false"));
  return b;
}

Result<std::vector<std::string>> string_list(const Ctx& c, const YAML::Node& n, const std::string& key) {
  std::vector<std::string> out;
  if (n.IsNull()) return out;
  if (!n.IsSequence()) return fail(c.err(n, key + " must be a list of strings"));
  for (const auto& e : n) {
    auto s = scalar(c, e, key);
    if (!s) return fail(s.error());
    out.push_back(*s);
  }
  return out;
}

// Keys of a mapping, each checked against the allowed set (a typo is an error, not an open door).
Result<void> only_keys(const Ctx& c, const YAML::Node& map, const std::string& where,
                       std::initializer_list<std::string_view> allowed) {
  if (!map.IsMap()) return fail(c.err(map, where + " must be a mapping"));
  for (const auto& kv : map) {
    std::string k = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k;
    if (!ok) return fail(c.err(kv.first, fmt::format("unknown key '{}' in {}", k, where)));
  }
  return {};
}

std::string resolve(const Ctx& c, const std::string& file) {
  if (file.empty() || file.front() == '/' || c.base_dir.empty()) return file;
  return (std::filesystem::path(c.base_dir) / file).string();
}

Result<int> tls_version(const Ctx& c, const YAML::Node& n, const std::string& key) {
  auto s = scalar(c, n, key);
  if (!s) return fail(s.error());
  if (*s == "TLS10") return 0x0301;
  if (*s == "TLS11") return 0x0302;
  if (*s == "TLS12") return 0x0303;
  if (*s == "TLS13") return 0x0304;
  return fail(c.err(n, fmt::format("{} '{}': expected TLS10, TLS11, TLS12 or TLS13", key, *s)));
}

Result<ClientAuth> client_auth(const Ctx& c, const YAML::Node& n) {
  auto s = scalar(c, n, "client_auth_type");
  if (!s) return fail(s.error());
  if (*s == "" || *s == "NoClientCert") return ClientAuth::kNone;
  if (*s == "RequestClientCert") return ClientAuth::kRequest;
  if (*s == "RequireAnyClientCert") return ClientAuth::kRequireAny;
  if (*s == "VerifyClientCertIfGiven") return ClientAuth::kVerifyIfGiven;
  if (*s == "RequireAndVerifyClientCert") return ClientAuth::kRequireAndVerify;
  return fail(c.err(n, fmt::format("client_auth_type '{}': expected NoClientCert, RequestClientCert, "
                                   "RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert",
                                   *s)));
}

Result<TlsServerConfig> parse_tls(const Ctx& c, const YAML::Node& n) {
  TlsServerConfig t;
  if (auto r = only_keys(c, n, "tls_server_config",
                         {"cert", "key", "client_ca", "cert_file", "key_file", "client_ca_file", "client_auth_type",
                          "client_allowed_sans", "min_version", "max_version", "cipher_suites",
                          "prefer_server_cipher_suites", "curve_preferences"});
      !r)
    return fail(r.error());
  bool ca_given = false;
  for (const auto& kv : n) {
    const std::string k = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (v.IsNull()) continue;
    if (k == "client_auth_type") {
      auto a = client_auth(c, v);
      if (!a) return fail(a.error());
      t.client_auth = *a;
      continue;
    }
    if (k == "min_version" || k == "max_version") {
      auto ver = tls_version(c, v, k);
      if (!ver) return fail(ver.error());
      (k == "min_version" ? t.min_version : t.max_version) = *ver;
      continue;
    }
    if (k == "prefer_server_cipher_suites") {
      auto b = boolean(c, v, k);
      if (!b) return fail(b.error());
      t.prefer_server_cipher_suites = *b;
      continue;
    }
    if (k == "client_allowed_sans" || k == "cipher_suites" || k == "curve_preferences") {
      auto l = string_list(c, v, k);
      if (!l) return fail(l.error());
      (k == "client_allowed_sans" ? t.client_allowed_sans
       : k == "cipher_suites"     ? t.cipher_suites
                                  : t.curve_preferences) = std::move(*l);
      continue;
    }
    auto s = scalar(c, v, k);
    if (!s) return fail(s.error());
    if (k == "cert") t.cert = *s;
    if (k == "key") t.key = *s;
    if (k == "client_ca") t.client_ca = *s;
    if (k == "cert_file") t.cert_file = resolve(c, *s);
    if (k == "key_file") t.key_file = resolve(c, *s);
    if (k == "client_ca_file") t.client_ca_file = resolve(c, *s);
    ca_given = ca_given || ((k == "client_ca" || k == "client_ca_file") && !s->empty());
  }
  if (!t.cert.empty() && !t.cert_file.empty()) return fail(c.err(n, "cert and cert_file are both given; keep one"));
  if (!t.key.empty() && !t.key_file.empty()) return fail(c.err(n, "key and key_file are both given; keep one"));
  if (!t.client_ca.empty() && !t.client_ca_file.empty())
    return fail(c.err(n, "client_ca and client_ca_file are both given; keep one"));
  if (t.cert.empty() && t.cert_file.empty()) return fail(c.err(n, "tls_server_config needs cert_file (or cert)"));
  if (t.key.empty() && t.key_file.empty()) return fail(c.err(n, "tls_server_config needs key_file (or key)"));
  if (ca_given && t.client_auth == ClientAuth::kNone)
    return fail(c.err(n,
                      "client_ca_file is given but client_auth_type is NoClientCert: clients would not be "
                      "checked (use RequireAndVerifyClientCert)"));
  bool verifies = t.client_auth == ClientAuth::kVerifyIfGiven || t.client_auth == ClientAuth::kRequireAndVerify;
  if (verifies && !ca_given)
    return fail(c.err(n, "client_auth_type verifies client certificates: client_ca_file is needed"));
  if (!t.client_allowed_sans.empty() && t.client_auth != ClientAuth::kRequireAny &&
      t.client_auth != ClientAuth::kRequireAndVerify)
    return fail(
        c.err(n, "client_allowed_sans needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert"));
  if (t.min_version > t.max_version) return fail(c.err(n, "min_version is above max_version"));
  return t;
}

Result<void> parse_http(const Ctx& c, const YAML::Node& n, WebConfig& w) {
  if (auto r = only_keys(c, n, "http_server_config", {"http2", "headers"}); !r) return fail(r.error());
  if (auto h2 = n["http2"]; h2 && !h2.IsNull())
    if (auto b = boolean(c, h2, "http2"); !b) return fail(b.error());  // accepted; this endpoint speaks HTTP/1.1
  auto headers = n["headers"];
  if (!headers || headers.IsNull()) return {};
  if (!headers.IsMap()) return fail(c.err(headers, "headers must be a mapping"));
  for (const auto& kv : headers) {
    std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (!kAllowedHeaders.contains(k))
      return fail(c.err(kv.first, fmt::format("header '{}' cannot be set (allowed: Content-Security-Policy, "
                                              "X-Frame-Options, X-Content-Type-Options, X-XSS-Protection, "
                                              "Strict-Transport-Security)",
                                              k)));
    auto v = scalar(c, kv.second, k);
    if (!v) return fail(v.error());
    if (v->find_first_of("\r\n") != std::string::npos || v->find('\0') != std::string::npos)
      return fail(c.err(kv.second, fmt::format("header {} holds a line break", k)));
    if (!v->empty()) w.headers.emplace_back(k, *v);
  }
  return {};
}

Result<double> duration_seconds(const Ctx& c, const YAML::Node& n) {
  auto s = scalar(c, n, "rate_limit.interval");
  if (!s) return fail(s.error());
  // Go durations as the exporters write them: "1s", "500ms", "1m", "0".
  double total = 0;
  std::string_view v = *s;
  if (v == "0") return 0.0;
  if (v.empty()) return fail(c.err(n, "rate_limit.interval is empty"));
  while (!v.empty()) {
    size_t i = 0;
    while (i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.')) ++i;
    if (i == 0 || i > 12) return fail(c.err(n, fmt::format("rate_limit.interval '{}' is not a duration", *s)));
    auto num = parse_double(v.substr(0, i));
    if (!num) return fail(c.err(n, fmt::format("rate_limit.interval '{}' is not a duration", *s)));
    v.remove_prefix(i);
    size_t j = 0;
    while (j < v.size() && std::isalpha(static_cast<unsigned char>(v[j]))) ++j;
    auto unit = v.substr(0, j);
    v.remove_prefix(j);
    double mult = unit == "ms" ? 1e-3 : unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
    if (mult < 0) return fail(c.err(n, fmt::format("rate_limit.interval '{}': unit must be ms, s, m or h", *s)));
    total += *num * mult;
  }
  return total;
}

}  // namespace

bool is_supported_password_hash(const std::string& hash) {
  bool known = hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$") ||
               hash.starts_with("$y$") || hash.starts_with("$6$");
  return known && crypt_checksalt(hash.c_str()) == CRYPT_SALT_OK;
}

Result<WebConfig> parse_web_config(std::string_view text, std::string_view path, std::string_view base_dir) {
  Ctx c{std::string(path), std::string(base_dir)};
  WebConfig w;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return fail(Error::malformed(c.path, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg));
  }
  try {
    if (root.IsNull()) return w;  // an empty file: plain HTTP, no auth (as the exporters)
    if (auto r = only_keys(c, root, "the web configuration",
                           {"tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"});
        !r)
      return fail(r.error());
    if (auto t = root["tls_server_config"]; t && !t.IsNull()) {
      auto tls = parse_tls(c, t);
      if (!tls) return fail(tls.error());
      w.tls = std::move(*tls);
    }
    if (auto h = root["http_server_config"]; h && !h.IsNull())
      if (auto r = parse_http(c, h, w); !r) return fail(r.error());
    if (auto u = root["basic_auth_users"]; u && !u.IsNull()) {
      if (!u.IsMap()) return fail(c.err(u, "basic_auth_users must map user names to password hashes"));
      for (const auto& kv : u) {
        auto user = scalar(c, kv.first, "a user name");
        if (!user) return fail(user.error());
        auto hash = scalar(c, kv.second, "the password hash of " + *user);
        if (!hash) return fail(hash.error());
        if (user->empty() || user->find(':') != std::string::npos)
          return fail(c.err(kv.first, fmt::format("user name '{}' is empty or holds a ':'", *user)));
        if (!is_supported_password_hash(*hash))
          return fail(c.err(kv.second, fmt::format("the password of '{}' is not a bcrypt hash ($2y$..., e.g. "
                                                   "`htpasswd -nBC 10 \"\" | tr -d ':\\n'`)",
                                                   *user)));
        w.users[*user] = *hash;
      }
    }
    if (auto rl = root["rate_limit"]; rl && !rl.IsNull()) {
      if (auto r = only_keys(c, rl, "rate_limit", {"interval", "burst"}); !r) return fail(r.error());
      if (auto iv = rl["interval"]; iv && !iv.IsNull()) {
        auto d = duration_seconds(c, iv);
        if (!d) return fail(d.error());
        w.rate_interval_s = *d;
      }
      if (auto b = rl["burst"]; b && !b.IsNull()) {
        int n = 0;
        if (!b.IsScalar() || !YAML::convert<int>::decode(b, n) || n < 0)
          return fail(c.err(b, "rate_limit.burst must be a whole number >= 0"));
        w.rate_burst = n;
      }
      if (w.rate_interval_s > 0 && w.rate_burst == 0)
        return fail(c.err(rl, "rate_limit.burst must be at least 1 when an interval is set"));
    }
  } catch (const YAML::Exception& e) {
    return fail(Error::malformed(c.path, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg));
  }
  return w;
}

Result<WebConfig> load_web_config(const std::string& path) {
  auto text = read_file(path, FileKind::kConfig);
  if (!text) return fail(text.error());
  auto dir = std::filesystem::path(path).parent_path().string();
  auto w = parse_web_config(*text, path, dir);
  if (!w) return w;
  w->watched_files.push_back(path);
  if (w->tls) {
    for (auto [file, pem] : {std::pair{&w->tls->cert_file, &w->tls->cert}, std::pair{&w->tls->key_file, &w->tls->key},
                             std::pair{&w->tls->client_ca_file, &w->tls->client_ca}}) {
      if (file->empty()) continue;
      auto t = read_file(*file, FileKind::kConfig);
      if (!t) return fail(t.error());
      *pem = std::move(*t);
      w->watched_files.push_back(*file);
    }
  }
  return w;
}

}  // namespace ms::agent
