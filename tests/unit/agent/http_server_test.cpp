// The recorder's HTTP endpoint on loopback: request heads, pipelining, clients that never finish,
// the connection bound, basic auth, and the web configuration's checks. TLS is tested end to end
// with openssl and curl (tests/e2e/recorder_http_hold.sh).
#include "agent/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/http_request.hpp"
#include "agent/web_config.hpp"

using namespace ms;
using namespace ms::agent;

namespace {

// bcrypt of "pw" at cost 4 (the cheapest: the tests check the path, not the cost).
constexpr const char* kPwHash = "$2b$04$rPSB8F02MCMtqSgKKSEBUObvYmi2L/JFchqIBFXDsItP6dh2cxAgu";

HttpServer::Handler echo_handler() {
  return [](const http::Request& r) {
    HttpResponse res;
    if (r.path == "/metrics" || r.path == "/healthz") {
      res.body = std::make_shared<const std::string>("body of " + r.path + "\n");
    } else {
      res.status = 404;
      res.body = std::make_shared<const std::string>("nope\n");
    }
    return res;
  };
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Reads until `want` responses (by Content-Length) arrived, the peer closed, or `timeout_s` passed.
// Returns the status codes and bodies, in order.
struct Reply {
  int status;
  std::string body;
};
std::vector<Reply> read_replies(int fd, size_t want, double timeout_s, bool* closed = nullptr) {
  std::vector<Reply> out;
  std::string buf;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (out.size() < want) {
    auto head_end = buf.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::string head = buf.substr(0, head_end);
      auto cl = head.find("Content-Length: ");
      size_t len = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
      if (buf.size() >= head_end + 4 + len) {
        out.push_back({std::stoi(head.substr(9, 3)), buf.substr(head_end + 4, len)});
        buf.erase(0, head_end + 4 + len);
        continue;
      }
    }
    auto left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left * 1000) + 1) <= 0) break;
    char tmp[65536];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    buf.append(tmp, static_cast<size_t>(n));
  }
  return out;
}

using Clock = std::chrono::steady_clock;
Clock::time_point in_seconds(double s) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// True once the server closed the connection (recv returns 0) before `deadline`.
bool closed_by(int fd, Clock::time_point deadline) {
  do {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char tmp[4096];
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return true;
    }
  } while (Clock::now() < deadline);
  return false;
}

std::unique_ptr<HttpServer> start(HttpLimits limits = {}, std::string web_config = {}) {
  HttpServerOptions o;
  o.port = 0;
  o.limits = limits;
  o.web_config = std::move(web_config);
  auto s = HttpServer::start(std::move(o), echo_handler());
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().describe());
  return s ? std::move(*s) : nullptr;
}

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/ms-http-test-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path + "/" + name) << text;
    return path + "/" + name;
  }
};

}  // namespace

TEST(HttpRequest, ParsesHeads) {
  auto h = http::parse_request_head("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAuthorization: Basic eDp5\r\n\r\nGET");
  ASSERT_EQ(h.status, http::Parse::kComplete);
  EXPECT_EQ(h.request.method, "GET");
  EXPECT_EQ(h.request.path, "/metrics");
  EXPECT_TRUE(h.request.keep_alive);
  EXPECT_EQ(h.request.authorization, "Basic eDp5");
  EXPECT_EQ(h.consumed,
            std::string_view("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAuthorization: Basic eDp5\r\n\r\n").size());

  h = http::parse_request_head("\r\nGET http://node:9465/healthz HTTP/1.0\nConnection: keep-alive\n\n");
  ASSERT_EQ(h.status, http::Parse::kComplete);
  EXPECT_EQ(h.request.path, "/healthz");
  EXPECT_TRUE(h.request.keep_alive);
  EXPECT_FALSE(http::parse_request_head("GET / HTTP/1.0\r\n\r\n").request.keep_alive);
  EXPECT_FALSE(http::parse_request_head("GET / HTTP/1.1\r\nConnection: Upgrade, close\r\n\r\n").request.keep_alive);
  EXPECT_TRUE(http::parse_request_head("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n").request.has_body);
  EXPECT_TRUE(http::parse_request_head("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").request.has_body);
  EXPECT_FALSE(http::parse_request_head("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").request.has_body);

  EXPECT_EQ(http::parse_request_head("GET /metrics HTTP/1.1\r\nHost: a\r\n").status, http::Parse::kIncomplete);
  EXPECT_EQ(http::parse_request_head("").status, http::Parse::kIncomplete);
}

TEST(HttpRequest, RejectsBadHeads) {
  struct Bad {
    const char* head;
    int status;
  };
  for (auto [head, status] : std::vector<Bad>{
           {"GET /\r\n\r\n", 400},
           {"GET  / HTTP/1.1\r\n\r\n", 400},
           {"GET / HTTP/1.1 x\r\n\r\n", 400},
           {"G(T / HTTP/1.1\r\n\r\n", 400},
           {"GET / HTTP/2.0\r\n\r\n", 505},
           {"PRI * HTTP/2.0\r\n\r\n", 505},
           {"GET / HTTX/1.1\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\n folded: x\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 400},
       }) {
    auto h = http::parse_request_head(head);
    EXPECT_EQ(h.status, http::Parse::kBad) << head;
    EXPECT_EQ(h.error_status, status) << head;
  }
  std::string big = "GET / HTTP/1.1\r\nX: " + std::string(20000, 'a');
  auto h = http::parse_request_head(big, 16384);
  EXPECT_EQ(h.status, http::Parse::kBad);
  EXPECT_EQ(h.error_status, 431);
}

TEST(HttpRequest, BasicAuthHeader) {
  EXPECT_EQ(http::parse_basic_auth("Basic dXNlcjpwYTpzcw=="), (std::pair<std::string, std::string>{"user", "pa:ss"}));
  EXPECT_EQ(http::parse_basic_auth("basic   dXNlcjo="), (std::pair<std::string, std::string>{"user", ""}));
  EXPECT_FALSE(http::parse_basic_auth("Bearer abc"));
  EXPECT_FALSE(http::parse_basic_auth("Basic !!!"));
  EXPECT_FALSE(http::parse_basic_auth("Basic dXNlcg=="));  // "user": no colon
}

TEST(HttpServer, AnswersPipelinedRequestsInOrder) {
  auto s = start();
  ASSERT_TRUE(s);
  int fd = connect_to(s->port());
  ASSERT_GE(fd, 0);
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += get(i % 2 ? "/healthz" : "/metrics");
  send_all(fd, batch);
  auto replies = read_replies(fd, 100, 30);
  ASSERT_EQ(replies.size(), 100u);
  for (size_t i = 0; i < replies.size(); ++i) {
    EXPECT_EQ(replies[i].status, 200);
    EXPECT_EQ(replies[i].body, i % 2 ? "body of /healthz\n" : "body of /metrics\n");
  }
  // Keep-alive: the same connection takes one more.
  send_all(fd, get("/nothing"));
  auto more = read_replies(fd, 1, 10);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].status, 404);
  ::close(fd);
}

TEST(HttpServer, HeadMethodAndBadRequests) {
  auto s = start();
  ASSERT_TRUE(s);
  int fd = connect_to(s->port());
  send_all(fd, "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n" + get("/metrics"));
  // HEAD: the head of the GET answer, no body; then the GET answer in full.
  std::string buf;
  char tmp[4096];
  while (buf.find("body of /metrics") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    ASSERT_GT(::poll(&p, 1, 10000), 0);
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    ASSERT_GT(n, 0);
    buf.append(tmp, static_cast<size_t>(n));
  }
  EXPECT_EQ(buf.find("HTTP/1.1 200"), 0u);
  EXPECT_EQ(buf.find("body of"), buf.rfind("body of"));  // one body only
  ::close(fd);

  fd = connect_to(s->port());
  send_all(fd, "DELETE /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  auto r = read_replies(fd, 1, 10);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 405);
  ::close(fd);

  fd = connect_to(s->port());
  send_all(fd, "GARBAGE\r\n\r\n" + get("/metrics"));
  bool closed = false;
  r = read_replies(fd, 2, 10, &closed);
  ASSERT_EQ(r.size(), 1u);  // the bad request is answered, then the connection ends
  EXPECT_EQ(r[0].status, 400);
  EXPECT_TRUE(closed);
  ::close(fd);
}

TEST(HttpServer, ClientsThatNeverFinishDoNotBlockOthers) {
  HttpLimits l;
  l.header_timeout_s = 0.5;
  auto s = start(l);
  ASSERT_TRUE(s);
  std::vector<int> held;
  for (int i = 0; i < 100; ++i) {
    int fd = connect_to(s->port());
    ASSERT_GE(fd, 0);
    if (i % 2) send_all(fd, "GET /metrics HTTP/1.1\r\nHost: slow\r\n");
    held.push_back(fd);
  }
  int fd = connect_to(s->port());
  send_all(fd, get("/metrics"));
  auto r = read_replies(fd, 1, 10);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  ::close(fd);
  // Each unfinished head is cut off at the header timeout: the server closes them.
  auto deadline = in_seconds(10);
  for (int h : held) EXPECT_TRUE(closed_by(h, deadline));
  for (int h : held) ::close(h);
}

TEST(HttpServer, ConnectionBoundMakesRoomForNewClients) {
  HttpLimits l;
  l.max_connections = 8;
  auto s = start(l);
  ASSERT_TRUE(s);
  std::vector<int> held;
  for (int i = 0; i < 20; ++i) {
    held.push_back(connect_to(s->port()));
    send_all(held.back(), "GET /metrics HTTP/1.1\r\n");
  }
  int fd = connect_to(s->port());
  send_all(fd, get("/metrics"));
  auto r = read_replies(fd, 1, 10);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  ::close(fd);
  // The oldest were closed to make room: at most 8 of the held ones are still open.
  int closed = 0;
  for (int h : held) closed += closed_by(h, in_seconds(0.3)) ? 1 : 0;
  EXPECT_GE(closed, 20 - 8);
  for (int h : held) ::close(h);
}

TEST(HttpServer, StopReturnsWithClientsHeld) {
  auto s = start();
  ASSERT_TRUE(s);
  std::vector<int> held;
  for (int i = 0; i < 20; ++i) {
    held.push_back(connect_to(s->port()));
    send_all(held.back(), "GET /metrics HTTP/1.1\r\n");
  }
  // A reader that never reads: its answers fill the socket buffers.
  int stuck = connect_to(s->port());
  std::string batch;
  for (int i = 0; i < 2000; ++i) batch += get("/metrics");
  send_all(stuck, batch);
  s->stop();  // must not wait for any of them (a hang here fails the test by its ctest timeout)
  auto deadline = in_seconds(5);
  for (int h : held) EXPECT_TRUE(closed_by(h, deadline));
  for (int h : held) ::close(h);
  ::close(stuck);
}

TEST(HttpServer, BasicAuth) {
  TempDir d;
  auto cfg = d.write("web.yml", std::string("basic_auth_users:\n  prometheus: ") + kPwHash + "\n");
  auto s = start({}, cfg);
  ASSERT_TRUE(s);
  auto ask = [&](const std::string& path, const std::string& auth) {
    int fd = connect_to(s->port());
    send_all(fd, get(path, auth.empty() ? "" : "Authorization: Basic " + auth + "\r\n"));
    auto r = read_replies(fd, 1, 20);
    ::close(fd);
    return r.empty() ? 0 : r[0].status;
  };
  EXPECT_EQ(ask("/metrics", ""), 401);
  EXPECT_EQ(ask("/metrics", "cHJvbWV0aGV1czp3cm9uZw=="), 401);  // prometheus:wrong
  EXPECT_EQ(ask("/metrics", "bm9ib2R5OnB3"), 401);              // nobody:pw
  EXPECT_EQ(ask("/metrics", "cHJvbWV0aGV1czpwdw=="), 200);      // prometheus:pw
  EXPECT_EQ(ask("/metrics", "cHJvbWV0aGV1czpwdw=="), 200);      // again, from the cache
  EXPECT_EQ(ask("/healthz", ""), 200);                          // probes carry no credentials
}

TEST(WebConfig, ParsesTheExportersFormat) {
  auto w = parse_web_config(R"(
tls_server_config:
  cert_file: server.crt
  key_file: /etc/k/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  client_allowed_sans: [prometheus.monitoring.svc]
  min_version: TLS13
  curve_preferences: [X25519]
http_server_config:
  http2: true
  headers:
    X-Frame-Options: deny
basic_auth_users:
  alice: $2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze
rate_limit:
  interval: 500ms
  burst: 5
)",
                            "web.yml", "/etc/memsleuth");
  ASSERT_TRUE(w) << w.error().describe();
  ASSERT_TRUE(w->tls);
  EXPECT_EQ(w->tls->cert_file, "/etc/memsleuth/server.crt");
  EXPECT_EQ(w->tls->key_file, "/etc/k/server.key");
  EXPECT_EQ(w->tls->client_ca_file, "/etc/memsleuth/ca.crt");
  EXPECT_EQ(w->tls->client_auth, ClientAuth::kRequireAndVerify);
  EXPECT_EQ(w->tls->min_version, 0x0304);
  EXPECT_EQ(w->users.size(), 1u);
  EXPECT_EQ(w->headers.size(), 1u);
  EXPECT_DOUBLE_EQ(w->rate_interval_s, 0.5);
  EXPECT_EQ(w->rate_burst, 5);
  auto empty = parse_web_config("", "web.yml", "");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->tls);
  EXPECT_TRUE(empty->users.empty());
}

TEST(WebConfig, RejectsWhatWouldLeaveItOpen) {
  for (const char* bad : {
           "tls_server_confg: {}\n",                                                    // typo: unknown key
           "tls_server_config:\n  cert_file: a\n",                                      // no key
           "tls_server_config:\n  key_file: a\n",                                       // no cert
           "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n",  // CA without a policy
           "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n",
           "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes\n",
           "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n",
           "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n",
           "tls_server_config:\n  cert: x\n  cert_file: a\n  key_file: b\n",
           "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [x]\n",
           "basic_auth_users:\n  alice: hunter2\n",     // a plain password
           "basic_auth_users:\n  alice: $1$abc$def\n",  // md5-crypt: too weak
           "basic_auth_users: [alice]\n",
           "http_server_config:\n  headers:\n    Set-Cookie: x\n",
           "rate_limit:\n  interval: 1 fortnight\n  burst: 1\n",
           "rate_limit:\n  interval: 1s\n",
           "[unbalanced\n",
       }) {
    auto w = parse_web_config(bad, "web.yml", "/etc");
    EXPECT_FALSE(w) << bad;
    if (!w) {
      EXPECT_NE(w.error().describe().find("web.yml"), std::string::npos) << w.error().describe();
    }
  }
}

TEST(WebConfig, StartFailsOnAMissingCertificate) {
  TempDir d;
  auto cfg = d.write("web.yml", "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n");
  HttpServerOptions o;
  o.port = 0;
  o.web_config = cfg;
  auto s = HttpServer::start(std::move(o), echo_handler());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().describe().find("nope.crt"), std::string::npos) << s.error().describe();
}
