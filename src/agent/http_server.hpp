#pragma once
// The recorder's HTTP endpoint (/metrics, /healthz): one thread multiplexes every connection with
// poll(2), so a slow or silent client costs a slot and a few KiB, never a worker. cpp-httplib (the
// Debian library the recorder used first) gives each connection a pool thread for its whole life and
// times out each read, not the request: two clients sending a header byte every 3 s held both
// threads, and 200 half-open connections queued every scrape for minutes (docs/metrics.md, "The
// endpoint"). The routes answer from text rendered once per sample, so answering is a copy and the
// loop never waits on anything but sockets.
//
// Bounded: connections (the oldest idle or unfinished one makes room for a new one), the request
// head's size and time, the time a response may take to be read, output queued by pipelining. Keep-
// alive and pipelining are answered in order. TLS (OpenSSL, non-blocking) and basic auth (hashes
// checked on a second thread, successes cached) come from a web configuration file.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/http_request.hpp"
#include "util/result.hpp"

namespace ms::agent {

struct HttpLimits {
  size_t max_connections = 256;
  double header_timeout_s = 10;  // a request head (and a TLS handshake) must arrive whole within this
  double idle_timeout_s = 120;   // a kept-alive connection waiting for its next request
  double write_timeout_s = 30;   // a queued response must be taken within this
  double auth_timeout_s = 30;    // a request waiting for its password check
  size_t max_head_bytes = 16384;
  size_t output_high_water = size_t{1} << 20;  // pipelined requests wait while this much is queued
  size_t max_auth_pending = 16;                // password checks queued; beyond, 503
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::shared_ptr<const std::string> body;  // shared: a scrape copies a pointer, not the exposition
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 9465;  // 0: any free port
  HttpLimits limits;
  std::string web_config;  // web configuration file (TLS, basic auth); "" = plain HTTP, no auth
  // Served without basic auth (the kubelet's probes carry no credentials). TLS still applies.
  std::vector<std::string> open_paths = {"/healthz"};
  std::function<void(const std::string&)> log;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const http::Request&)>;
  // Binds, reads the web configuration and starts serving on its own thread. The handler runs on
  // that thread and must not block.
  static Result<std::unique_ptr<HttpServer>> start(HttpServerOptions opts, Handler handler);
  ~HttpServer();
  // Closes every connection and joins the threads; returns at once whatever the clients do.
  void stop();
  int port() const;
  bool tls() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ms::agent
