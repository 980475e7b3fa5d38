// libFuzzer target: every byte string is what a client sends to the recorder's /metrics port (a
// pipeline of request heads, parsed as the server does: one head, then the rest), an Authorization
// header, and a web configuration file (--web-config).
#include <string>

#include "agent/http_request.hpp"
#include "agent/web_config.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = ms::fuzz::text(data, size);
  std::string_view rest = t;
  for (int i = 0; i < 64 && !rest.empty(); ++i) {
    auto h = ms::agent::http::parse_request_head(rest, 4096);
    if (h.status != ms::agent::http::Parse::kComplete) {
      ms::fuzz::require(h.status == ms::agent::http::Parse::kBad || rest.size() < 4096,
                        "an incomplete head is shorter than the limit");
      break;
    }
    ms::fuzz::require(h.consumed > 0 && h.consumed <= rest.size() && h.consumed <= 4096, "head within its limit");
    if (h.request.authorization) (void)ms::agent::http::parse_basic_auth(*h.request.authorization);
    rest.remove_prefix(h.consumed);
  }
  if (auto creds = ms::agent::http::parse_basic_auth(t.substr(0, 512)))
    ms::fuzz::require(creds->first.find(':') == std::string::npos, "a user name holds no colon");
  (void)ms::agent::parse_web_config(t, "web.yml", "/etc/memsleuth");
  return 0;
}
