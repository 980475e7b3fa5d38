#include "agent/http_request.hpp"

#include <fmt/format.h>
#include <time.h>

#include <cctype>

namespace ms::agent::http {

namespace {

constexpr size_t kMaxHeaders = 100;

bool is_tchar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

ParsedHead bad(int status, std::string why) {
  ParsedHead h;
  h.status = Parse::kBad;
  h.error_status = status;
  h.error = std::move(why);
  return h;
}

// "Connection: close, Upgrade" -> looks for one token of the comma list.
bool list_has(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    auto comma = value.find(',');
    if (iequals(trim_ows(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> b64_decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = b64_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace

ParsedHead parse_request_head(std::string_view buf, size_t max_head) {
  // A server SHOULD ignore empty lines before the request line (RFC 9112 2.2).
  size_t pos = 0;
  while (pos < buf.size() && (buf[pos] == '\r' || buf[pos] == '\n') && pos < max_head) ++pos;
  std::vector<std::string_view> lines;
  size_t end = std::string_view::npos;
  while (true) {
    size_t nl = buf.find('\n', pos);
    if (nl == std::string_view::npos || nl >= max_head) {
      if (buf.size() >= max_head) return bad(431, fmt::format("request head longer than {} bytes", max_head));
      return {};
    }
    std::string_view line = buf.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.empty()) {
      if (lines.empty()) continue;  // only reachable past max_head's skip of leading blank lines
      end = pos;
      break;
    }
    if (lines.size() > kMaxHeaders) return bad(431, fmt::format("more than {} header fields", kMaxHeaders));
    lines.push_back(line);
  }
  for (auto l : lines)
    for (char c : l)
      if (c == '\0' || c == '\r') return bad(400, "NUL or bare CR in the request head");

  ParsedHead h;
  Request& r = h.request;
  // request-line = method SP request-target SP HTTP-version
  std::string_view rl = lines[0];
  auto sp1 = rl.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || rl.find(' ', sp2 + 1) != std::string_view::npos)
    return bad(400, "malformed request line");
  std::string_view method = rl.substr(0, sp1), target = rl.substr(sp1 + 1, sp2 - sp1 - 1), version = rl.substr(sp2 + 1);
  if (!is_token(method)) return bad(400, "malformed method");
  if (target.empty()) return bad(400, "empty request target");
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad(400, "control character in the request target");
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !std::isdigit(static_cast<unsigned char>(version[5])) ||
      version[6] != '.' || !std::isdigit(static_cast<unsigned char>(version[7])))
    return bad(400, "malformed HTTP version");
  if (version[5] != '1') return bad(505, fmt::format("{} is not supported; this endpoint speaks HTTP/1.1", version));
  r.minor = version[7] - '0';
  r.method = std::string(method);
  // absolute-form (a proxy's request) carries the path after the authority.
  if (target.starts_with("http://") || target.starts_with("https://")) {
    auto slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  r.path = std::string(target.substr(0, target.find_first_of("?#")));

  bool connection_close = false, connection_keep_alive = false;
  std::optional<std::string_view> content_length;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (l.front() == ' ' || l.front() == '\t') return bad(400, "obsolete line folding in a header");
    auto colon = l.find(':');
    if (colon == std::string_view::npos) return bad(400, "header line without a colon");
    std::string_view name = l.substr(0, colon), value = trim_ows(l.substr(colon + 1));
    if (!is_token(name)) return bad(400, "malformed header name");
    if (iequals(name, "connection")) {
      connection_close = connection_close || list_has(value, "close");
      connection_keep_alive = connection_keep_alive || list_has(value, "keep-alive");
    } else if (iequals(name, "content-length")) {
      if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string_view::npos)
        return bad(400, "malformed Content-Length");
      if (content_length && *content_length != value) return bad(400, "conflicting Content-Length headers");
      content_length = value;
      if (value.find_first_not_of('0') != std::string_view::npos) r.has_body = true;
    } else if (iequals(name, "transfer-encoding")) {
      r.has_body = true;
    } else if (iequals(name, "authorization")) {
      if (r.authorization) return bad(400, "more than one Authorization header");
      r.authorization = std::string(value);
    }
  }
  r.keep_alive = r.minor >= 1 ? !connection_close : (connection_keep_alive && !connection_close);
  h.status = Parse::kComplete;
  h.consumed = end;
  return h;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string response_head(int status, std::string_view content_type, size_t content_length, bool keep_alive,
                          const std::vector<std::pair<std::string, std::string>>& extra) {
  char date[64] = "";
  time_t now = time(nullptr);
  struct tm tm {};
  if (gmtime_r(&now, &tm)) strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  std::string h = fmt::format("HTTP/1.1 {} {}\r\nDate: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", status,
                              reason_phrase(status), date, content_type, content_length);
  if (!keep_alive) h += "Connection: close\r\n";
  for (const auto& [k, v] : extra) h += fmt::format("{}: {}\r\n", k, v);
  h += "\r\n";
  return h;
}

std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header) {
  header = trim_ows(header);
  auto sp = header.find(' ');
  if (sp == std::string_view::npos || !iequals(header.substr(0, sp), "basic")) return std::nullopt;
  auto decoded = b64_decode(trim_ows(header.substr(sp + 1)));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace ms::agent::http
