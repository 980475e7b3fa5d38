#pragma once
// The part of HTTP/1.1 (RFC 9112) the recorder's endpoint needs: a request head parsed out of a
// connection's buffer, and a response head. Pure functions over strings; the bytes come from anyone
// who can reach the port, so every limit is checked here (tests/fuzz/http_fuzz.cpp).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ms::agent::http {

struct Request {
  std::string method;  // "GET"
  std::string path;    // "/metrics" (the target without its query)
  int minor = 1;       // HTTP/1.<minor>
  bool keep_alive = true;
  std::optional<std::string> authorization;  // the Authorization header's value
  // Content-Length > 0 or any Transfer-Encoding: the endpoint reads no body, so it answers and closes
  // rather than guess where the next request starts.
  bool has_body = false;
};

enum class Parse { kIncomplete, kComplete, kBad };

struct ParsedHead {
  Parse status = Parse::kIncomplete;
  size_t consumed = 0;  // bytes of the buffer the head took (kComplete)
  Request request;
  int error_status = 400;  // kBad: what to answer (400, 431, 505)
  std::string error;       // kBad: why, for the answer's body
};

// Parses the request head at the start of `buf`. kIncomplete while no blank line ended it within
// `max_head` bytes; past that, kBad with 431. Lines may end in CRLF or a bare LF (RFC 9112 2.2).
ParsedHead parse_request_head(std::string_view buf, size_t max_head = 16384);

std::string_view reason_phrase(int status);

// "HTTP/1.1 <status> <reason>\r\n...\r\n\r\n" with Content-Type, Content-Length, Date and, when the
// connection ends after it, "Connection: close".
std::string response_head(int status, std::string_view content_type, size_t content_length, bool keep_alive,
                          const std::vector<std::pair<std::string, std::string>>& extra = {});

// "Basic <base64(user:password)>" -> {user, password}; nullopt for any other scheme or bad base64.
std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header);

}  // namespace ms::agent::http
