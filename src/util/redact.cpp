#include "util/redact.hpp"

#include <algorithm>
#include <cctype>

namespace ms {

namespace {

bool in(std::string_view w, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "keyStorePassword" -> key, store, password; "AWS_SECRET_ACCESS_KEY" -> aws, secret, access, key;
// "APIKey" -> api, key.
std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) words.push_back(std::move(cur));
    cur.clear();
  };
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!is_upper(c) && !is_lower(c) && !is_digit(c)) {
      flush();
      continue;
    }
    if (is_upper(c) && i > 0) {
      char p = name[i - 1];
      bool next_lower = i + 1 < name.size() && is_lower(name[i + 1]);
      if (is_lower(p) || is_digit(p) || (is_upper(p) && next_lower)) flush();
    }
    cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  flush();
  return words;
}

bool is_env_name(std::string_view name) {
  bool letter = false;
  for (char c : name) {
    if (is_upper(c))
      letter = true;
    else if (!is_digit(c) && c != '_')
      return false;
  }
  return letter;
}

// Values that are no secret whatever the name says: `--authentication-token-webhook=true`.
bool benign_value(std::string_view v) {
  std::string l;
  for (char c : v) l.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return l.empty() || l == "true" || l == "false" || v == kRedacted;
}

bool is_name_char(char c) {
  return is_upper(c) || is_lower(c) || is_digit(c) || c == '_' || c == '-' || c == '.';
}
// What may stand before NAME= inside an argument: its start, a separator of words, lists, queries.
bool is_name_start_delim(char c) {
  return std::string_view(" \t,;&?\"'({[|").find(c) != std::string_view::npos;
}
bool is_value_end(char c) {
  return std::string_view(" \t,;&\"'").find(c) != std::string_view::npos;
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n';
}

std::string strip_dashes(std::string_view s) {
  while (!s.empty() && s.front() == '-') s.remove_prefix(1);
  return std::string(s);
}

// Rule 3: scheme://user:PASSWORD@host.
std::string redact_urls(std::string s) {
  size_t from = 0;
  while (true) {
    size_t p = s.find("://", from);
    if (p == std::string::npos) break;
    from = p + 3;
    size_t b = p;
    while (b > 0 && (is_upper(s[b - 1]) || is_lower(s[b - 1]) || is_digit(s[b - 1]) || s[b - 1] == '+' ||
                     s[b - 1] == '.' || s[b - 1] == '-'))
      --b;
    if (b == p || !(is_upper(s[b]) || is_lower(s[b]))) continue;
    size_t a = p + 3, end = a;
    while (end < s.size() && std::string_view("/?# \t\"'").find(s[end]) == std::string_view::npos) ++end;
    size_t at = s.rfind('@', end == 0 ? 0 : end - 1);
    if (at == std::string::npos || at < a) continue;
    size_t colon = s.find(':', a);
    if (colon == std::string::npos || colon > at) continue;  // a user name alone is kept
    if (std::string_view(s).substr(colon + 1, at - colon - 1) == kRedacted) continue;
    s.replace(colon + 1, at - colon - 1, kRedacted);
    from = colon + 1 + kRedacted.size();
  }
  return s;
}

// Rule 2: NAME=VALUE anywhere inside an argument.
std::string redact_assignments(std::string s) {
  size_t from = 0;
  while (true) {
    size_t e = s.find('=', from);
    if (e == std::string::npos) break;
    from = e + 1;
    size_t b = e;
    while (b > 0 && is_name_char(s[b - 1])) --b;
    if (b == e || (b > 0 && !is_name_start_delim(s[b - 1]))) continue;
    if (!is_secret_name(strip_dashes(std::string_view(s).substr(b, e - b)))) continue;
    size_t v = e + 1, end = v;
    if (v < s.size() && (s[v] == '"' || s[v] == '\'')) {
      size_t close = s.find(s[v], v + 1);
      ++v;  // keep the quotes, drop what they hold
      end = close == std::string::npos ? s.size() : close;
    } else {
      while (end < s.size() && !is_value_end(s[end])) ++end;
    }
    if (benign_value(std::string_view(s).substr(v, end - v))) continue;
    s.replace(v, end - v, kRedacted);
    from = v + kRedacted.size();
  }
  return s;
}

std::string redact_inline(std::string s) {
  return redact_assignments(redact_urls(std::move(s)));
}

std::string after_colon(const std::string& a) {
  auto c = a.find(':');
  return c == std::string::npos ? a : a.substr(0, c + 1) + std::string(kRedacted);
}

enum class Prog { kOther, kMysql, kSshpass, kRedisCli, kCurl };

Prog program_of(std::string_view word) {
  auto slash = word.rfind('/');
  if (slash != std::string_view::npos) word.remove_prefix(slash + 1);
  if (in(word, {"mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mysqlshow", "mysqlpump", "mysqlslap",
                "mariadb", "mariadb-dump", "mariadb-admin", "mariadb-import", "mariadb-check"}))
    return Prog::kMysql;
  if (word == "sshpass") return Prog::kSshpass;
  if (word == "redis-cli") return Prog::kRedisCli;
  if (word == "curl") return Prog::kCurl;
  return Prog::kOther;
}

bool is_shell_separator(std::string_view w) {
  return in(w, {";", "|", "||", "&&", "&"});
}

void redact_words(std::vector<std::string>& words, bool inner);

// An argument holding spaces (a `sh -c` script): its words, with the option rules too.
std::string redact_script(const std::string& a) {
  std::vector<std::string> parts;
  std::vector<std::string> seps;
  size_t i = 0;
  while (i < a.size()) {
    size_t j = i;
    while (j < a.size() && !is_space(a[j])) ++j;
    parts.push_back(a.substr(i, j - i));
    size_t k = j;
    while (k < a.size() && is_space(a[k])) ++k;
    seps.push_back(a.substr(j, k - j));
    i = k;
  }
  size_t l = 0;
  while (l < a.size() && is_space(a[l])) ++l;
  if (l > 0) return a.substr(0, l) + redact_script(a.substr(l));
  redact_words(parts, true);
  std::string out;
  for (size_t n = 0; n < parts.size(); ++n) out += parts[n] + seps[n];
  return out;
}

void redact_words(std::vector<std::string>& words, bool inner) {
  Prog prog = Prog::kOther;
  enum class Next { kNone, kWhole, kAfterColon } next = Next::kNone;
  for (auto& a : words) {
    if (is_shell_separator(a)) {
      prog = Prog::kOther;
      next = Next::kNone;
      continue;
    }
    if (next != Next::kNone) {
      Next n = next;
      next = Next::kNone;
      if (!a.empty() && a[0] != '-') {
        a = n == Next::kAfterColon ? after_colon(a) : std::string(kRedacted);
        continue;
      }
    }
    if (Prog p = program_of(a); p != Prog::kOther) prog = p;
    if (a.size() > 1 && a[0] == '-') {
      std::string_view v(a);
      switch (prog) {
        case Prog::kMysql:
          // -pSECRET; a bare -p or --password prompts, so the next word is not a password.
          if (v.starts_with("-p") && v.size() > 2) {
            a = "-p" + std::string(kRedacted);
            continue;
          }
          if (v == "-p" || v == "--password") continue;
          break;
        case Prog::kSshpass:
          if (v == "-p") {
            next = Next::kWhole;
            continue;
          }
          if (v.starts_with("-p")) {
            a = "-p" + std::string(kRedacted);
            continue;
          }
          break;
        case Prog::kRedisCli:
          if (v == "-a") {
            next = Next::kWhole;
            continue;
          }
          break;
        case Prog::kCurl:
          if (v == "-u" || v == "--user" || v == "-U" || v == "--proxy-user") {
            next = Next::kAfterColon;
            continue;
          }
          if ((v.starts_with("-u") || v.starts_with("-U")) && !v.starts_with("--")) {
            a = a.substr(0, 2) + after_colon(a.substr(2));
            continue;
          }
          break;
        case Prog::kOther:
          break;
      }
      size_t dashes = v.starts_with("--") ? 2 : 1;
      size_t eq = v.find('=');
      std::string_view name = v.substr(dashes, eq == std::string_view::npos ? std::string_view::npos : eq - dashes);
      if (is_secret_name(name)) {
        if (eq == std::string_view::npos) {
          next = Next::kWhole;
          continue;
        }
        // Done with this argument whether the value goes or is kept (true, false, already
        // redacted): reading it again as a script would redact what the first pass kept.
        if (!benign_value(v.substr(eq + 1))) a = a.substr(0, eq + 1) + std::string(kRedacted);
        continue;
      }
    }
    a = redact_inline(std::move(a));
    if (!inner && std::any_of(a.begin(), a.end(), is_space)) a = redact_script(a);
  }
}

}  // namespace

bool is_secret_name(std::string_view name) {
  auto w = name_words(name);
  if (w.empty()) return false;
  const std::string& last = w.back();
  // Where a secret is kept, or how it is handled: the name of a file, a directory, a lifetime.
  if (in(last, {"file", "files", "path",   "paths", "dir",  "directory", "fd",     "length", "len",        "ttl",
                "type", "stdin", "prompt", "env",   "mode", "policy",    "format", "expiry", "expiration", "webhook"}))
    return false;
  for (const auto& x : w) {
    if (in(x, {"password", "passwd", "passphrase", "secret", "secrets", "credential", "credentials"})) return true;
    if (x.ends_with("password") || x.ends_with("passwd") || x.ends_with("secret")) return true;
  }
  if (last == "pass" || last.ends_with("token") || last.ends_with("apikey") ||
      in(last, {"accesskey", "secretkey", "privatekey"}))
    return true;
  if (last == "key" && w.size() >= 2) {
    if (is_env_name(name)) return true;  // *_KEY
    if (in(w[w.size() - 2], {"api", "access", "secret", "private", "auth", "encryption", "master", "license", "client",
                             "signing", "account", "session", "shared", "storage", "app"}))
      return true;
  }
  return false;
}

std::vector<std::string> redact_argv(const std::vector<std::string>& argv) {
  std::vector<std::string> out = argv;
  redact_words(out, false);
  return out;
}

std::string redact_command_line(std::string_view line) {
  return redact_script(std::string(line));
}

}  // namespace ms
