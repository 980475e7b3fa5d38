#include "agent/http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "agent/basic_auth.hpp"
#include "agent/tls_context.hpp"
#include "agent/web_config.hpp"

namespace ms::agent {

namespace {

constexpr size_t kReadChunk = 16384;
constexpr double kReloadCheckSeconds = 5;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::shared_ptr<const std::string> text(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

// What identifies a file's version: a rotated certificate (cert-manager renames a new file into
// place) changes the inode or the mtime.
std::string file_stamp(const std::vector<std::string>& files) {
  std::string s;
  for (const auto& f : files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) {
      s += "missing;";
      continue;
    }
    s +=
        fmt::format("{}:{}:{}.{}:{};", st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ctim.tv_sec);
  }
  return s;
}

struct Out {
  std::string head;
  std::shared_ptr<const std::string> body;  // null for HEAD or none
  size_t off = 0;                           // bytes of head + body written
  size_t size() const { return head.size() + (body ? body->size() : 0); }
};

enum class St { kHandshake, kReading, kAuthWait };

struct Conn {
  uint64_t id = 0;
  int fd = -1;
  SSL* ssl = nullptr;
  St st = St::kReading;
  std::string in;
  std::deque<Out> out;
  size_t out_bytes = 0;
  bool head_started = true;  // bytes of a request (or a new connection) wait: the head timer runs
  double head_since = 0, idle_since = 0, out_since = 0, auth_since = 0;
  bool close_after = false;  // close once the queued output is written
  bool peer_eof = false;
  bool dead = false;
  bool read_wants_write = false, write_wants_read = false, hs_wants_write = false;
  http::Request pending;  // kAuthWait: the request whose password is being checked
};

struct AuthJob {
  uint64_t conn;
  std::string user, password;
  std::shared_ptr<PasswordVerifier> verifier;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions opts;
  Handler handler;
  int listen_fd = -1;
  int wake_r = -1, wake_w = -1;
  int bound_port = 0;
  std::atomic<bool> stopping{false};
  std::thread loop_thread;

  // Web configuration (reloaded when its files change).
  std::optional<WebConfig> web;
  std::string web_stamp;
  double next_reload_check = 0;
  std::shared_ptr<TlsContext> tls;
  std::shared_ptr<PasswordVerifier> verifier;
  double tokens = 0, tokens_at = 0;  // rate_limit token bucket

  std::map<uint64_t, std::unique_ptr<Conn>> conns;  // by accept order: the first is the oldest
  uint64_t next_id = 1;
  double accept_paused_until = 0;

  // Password checks, off the loop.
  std::mutex auth_mu;
  std::condition_variable auth_cv;
  std::deque<AuthJob> auth_jobs;
  std::vector<std::pair<uint64_t, bool>> auth_results;
  std::thread auth_thread;

  ~Impl() {
    for (int fd : {listen_fd, wake_r, wake_w})
      if (fd >= 0) ::close(fd);
  }

  void log(const std::string& m) const {
    if (opts.log) opts.log(m);
  }

  void wake() {
    char c = 1;
    [[maybe_unused]] auto n = ::write(wake_w, &c, 1);
  }

  // ---- configuration ---------------------------------------------------------------------------

  Result<void> apply_web_config(WebConfig w, bool initial) {
    if (!initial && w.tls.has_value() != (tls != nullptr))
      return fail(Error::invalid("turning TLS on or off needs a restart of the recorder"));
    std::shared_ptr<TlsContext> t;
    if (w.tls) {
      auto built = TlsContext::build(*w.tls);
      if (!built) return fail(built.error());
      t = *built;
    }
    tls = t;
    verifier = w.users.empty() ? nullptr : std::make_shared<PasswordVerifier>(w.users);
    if (initial || w.rate_burst != (web ? web->rate_burst : -1)) tokens = w.rate_burst;
    web = std::move(w);
    return {};
  }

  void maybe_reload(double now) {
    if (opts.web_config.empty() || now < next_reload_check) return;
    next_reload_check = now + kReloadCheckSeconds;
    std::vector<std::string> files = web ? web->watched_files : std::vector<std::string>{opts.web_config};
    std::string stamp = file_stamp(files);
    if (stamp == web_stamp) return;
    web_stamp = stamp;
    auto w = load_web_config(opts.web_config);
    if (!w) {
      log("web config: " + w.error().describe() + " (keeping the previous configuration)");
      return;
    }
    web_stamp = file_stamp(w->watched_files);
    if (auto r = apply_web_config(std::move(*w), false); !r) {
      log("web config: " + r.error().describe() + " (keeping the previous configuration)");
      return;
    }
    log("web config: reloaded " + opts.web_config);
  }

  // ---- connections -----------------------------------------------------------------------------

  void close_conn(Conn& c, bool graceful) {
    if (c.dead) return;
    if (c.ssl) {
      if (graceful && c.st != St::kHandshake) {
        ERR_clear_error();
        SSL_shutdown(c.ssl);  // close_notify, best effort: the socket is non-blocking
      }
      SSL_free(c.ssl);
      c.ssl = nullptr;
    }
    ::close(c.fd);
    c.fd = -1;
    c.dead = true;
    ERR_clear_error();
  }

  // The oldest connection that is idle or mid-request (not writing a response, not waiting for a
  // password check) makes room for a new one.
  bool evict_one() {
    for (auto& [id, c] : conns)
      if (!c->dead && c->out.empty() && c->st != St::kAuthWait) {
        close_conn(*c, false);
        return true;
      }
    return false;
  }

  void accept_new(double now) {
    for (int i = 0; i < 64; ++i) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: make room (the slot is freed now, the entry goes at the sweep).
          if (!evict_one()) accept_paused_until = now + 0.1;
        }
        return;
      }
      size_t live =
          static_cast<size_t>(std::count_if(conns.begin(), conns.end(), [](auto& kv) { return !kv.second->dead; }));
      if (live >= opts.limits.max_connections && !evict_one()) {
        ::close(fd);
        continue;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto c = std::make_unique<Conn>();
      c->id = next_id++;
      c->fd = fd;
      c->head_since = now;
      if (tls) {
        c->ssl = SSL_new(tls->ctx());
        if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
          if (c->ssl) SSL_free(c->ssl);
          ::close(fd);
          ERR_clear_error();
          continue;
        }
        SSL_set_accept_state(c->ssl);
        c->st = St::kHandshake;
      }
      Conn& ref = *c;
      conns.emplace(c->id, std::move(c));
      service(ref, now);
    }
  }

  void sweep() {
    for (auto it = conns.begin(); it != conns.end();) it = it->second->dead ? conns.erase(it) : std::next(it);
  }

  double deadline_of(const Conn& c) const {
    const auto& l = opts.limits;
    if (!c.out.empty()) return c.out_since + l.write_timeout_s;
    switch (c.st) {
      case St::kHandshake:
        return c.head_since + l.header_timeout_s;
      case St::kAuthWait:
        return c.auth_since + l.auth_timeout_s;
      case St::kReading:
        return c.head_started ? c.head_since + l.header_timeout_s : c.idle_since + l.idle_timeout_s;
    }
    return c.head_since;
  }

  // ---- I/O -------------------------------------------------------------------------------------

  // > 0 bytes read, 0 nothing now, -1 closed or failed.
  ssize_t read_some(Conn& c) {
    char buf[kReadChunk];
    size_t room =
        std::min(sizeof buf, opts.limits.max_head_bytes + 1 - std::min(c.in.size(), opts.limits.max_head_bytes));
    if (!c.ssl) {
      ssize_t n = ::recv(c.fd, buf, room, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        return n;
      }
      if (n == 0) return -1;
      return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    }
    ERR_clear_error();
    c.read_wants_write = false;
    int n = SSL_read(c.ssl, buf, static_cast<int>(room));
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      return n;
    }
    int e = SSL_get_error(c.ssl, n);
    if (e == SSL_ERROR_WANT_READ) return 0;
    if (e == SSL_ERROR_WANT_WRITE) {
      c.read_wants_write = true;
      return 0;
    }
    return -1;
  }

  // > 0 bytes written, 0 would block, -1 failed.
  ssize_t write_some(Conn& c) {
    if (!c.ssl) {
      iovec iov[16];
      int n = 0;
      for (auto it = c.out.begin(); it != c.out.end() && n + 2 <= 16; ++it) {
        size_t off = it == c.out.begin() ? it->off : 0;
        if (off < it->head.size()) iov[n++] = {const_cast<char*>(it->head.data()) + off, it->head.size() - off};
        size_t boff = off > it->head.size() ? off - it->head.size() : 0;
        if (it->body && boff < it->body->size())
          iov[n++] = {const_cast<char*>(it->body->data()) + boff, it->body->size() - boff};
      }
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<size_t>(n);
      ssize_t w = ::sendmsg(c.fd, &msg, MSG_NOSIGNAL);
      if (w < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
      consume(c, static_cast<size_t>(w));
      return w;
    }
    Out& o = c.out.front();
    const char* p;
    size_t len;
    if (o.off < o.head.size()) {
      p = o.head.data() + o.off;
      len = o.head.size() - o.off;
    } else {
      size_t boff = o.off - o.head.size();
      p = o.body->data() + boff;
      len = o.body->size() - boff;
    }
    ERR_clear_error();
    c.write_wants_read = false;
    int w = SSL_write(c.ssl, p, static_cast<int>(std::min<size_t>(len, 1 << 20)));
    if (w > 0) {
      consume(c, static_cast<size_t>(w));
      return w;
    }
    int e = SSL_get_error(c.ssl, w);
    if (e == SSL_ERROR_WANT_WRITE) return 0;
    if (e == SSL_ERROR_WANT_READ) {
      c.write_wants_read = true;
      return 0;
    }
    return -1;
  }

  void consume(Conn& c, size_t n) {
    c.out_bytes -= n;
    while (n > 0 && !c.out.empty()) {
      Out& o = c.out.front();
      size_t take = std::min(n, o.size() - o.off);
      o.off += take;
      n -= take;
      if (o.off == o.size()) c.out.pop_front();
    }
    while (!c.out.empty() && c.out.front().off == c.out.front().size()) c.out.pop_front();
  }

  // ---- requests --------------------------------------------------------------------------------

  void queue(Conn& c, double now, int status, std::string_view content_type, std::shared_ptr<const std::string> body,
             bool keep_alive, bool head_only, std::vector<std::pair<std::string, std::string>> extra = {}) {
    if (web)
      for (const auto& h : web->headers) extra.push_back(h);
    size_t len = body ? body->size() : 0;
    Out o;
    o.head = http::response_head(status, content_type, len, keep_alive, extra);
    if (!head_only) o.body = std::move(body);
    if (c.out.empty()) c.out_since = now;
    c.out_bytes += o.size();
    c.out.push_back(std::move(o));
    if (!keep_alive) c.close_after = true;
  }

  void queue_text(Conn& c, double now, int status, const std::string& msg, bool keep_alive,
                  std::vector<std::pair<std::string, std::string>> extra = {}) {
    queue(c, now, status, "text/plain; charset=utf-8", text(msg + "\n"), keep_alive, false, std::move(extra));
  }

  bool rate_limited(double now) {
    if (!web || web->rate_interval_s <= 0) return false;
    tokens = std::min<double>(web->rate_burst, tokens + (now - tokens_at) / web->rate_interval_s);
    tokens_at = now;
    if (tokens < 1) return true;
    tokens -= 1;
    return false;
  }

  void respond(Conn& c, double now, const http::Request& r) {
    bool keep = r.keep_alive && !r.has_body;
    bool head = r.method == "HEAD";
    if (r.method != "GET" && !head) {
      queue_text(c, now, 405, "only GET and HEAD", keep, {{"Allow", "GET, HEAD"}});
      return;
    }
    HttpResponse res;
    try {
      res = handler(r);
    } catch (const std::exception& e) {
      res.status = 500;
      res.body = text(std::string("internal error: ") + e.what() + "\n");
    }
    queue(c, now, res.status, res.content_type, res.body ? res.body : text(""), keep, head);
  }

  void handle(Conn& c, double now, http::Request r) {
    if (rate_limited(now)) {
      queue_text(c, now, 429, "too many requests", r.keep_alive && !r.has_body, {{"Retry-After", "1"}});
      return;
    }
    bool open = std::find(opts.open_paths.begin(), opts.open_paths.end(), r.path) != opts.open_paths.end();
    if (verifier && !open) {
      auto creds = r.authorization ? http::parse_basic_auth(*r.authorization) : std::nullopt;
      if (!creds) {
        queue_text(c, now, 401, "unauthorized", r.keep_alive && !r.has_body,
                   {{"WWW-Authenticate", "Basic realm=\"memsleuth\", charset=\"UTF-8\""}});
        return;
      }
      if (!verifier->cached(creds->first, creds->second)) {
        std::lock_guard lk(auth_mu);
        if (auth_jobs.size() >= opts.limits.max_auth_pending) {
          queue_text(c, now, 503, "busy checking passwords", false, {{"Retry-After", "1"}});
          return;
        }
        auth_jobs.push_back({c.id, std::move(creds->first), std::move(creds->second), verifier});
        auth_cv.notify_one();
        c.st = St::kAuthWait;
        c.auth_since = now;
        c.pending = std::move(r);
        return;
      }
    }
    respond(c, now, r);
  }

  void parse_requests(Conn& c, double now) {
    while (c.st == St::kReading && !c.close_after && c.out_bytes < opts.limits.output_high_water && !c.in.empty()) {
      auto h = http::parse_request_head(c.in, opts.limits.max_head_bytes);
      if (h.status == http::Parse::kIncomplete) return;
      if (h.status == http::Parse::kBad) {
        c.in.clear();
        queue_text(c, now, h.error_status, h.error, false);
        return;
      }
      c.in.erase(0, h.consumed);
      c.head_started = !c.in.empty();
      c.head_since = now;
      c.idle_since = now;
      handle(c, now, std::move(h.request));
    }
  }

  bool can_read(const Conn& c) const {
    return c.st == St::kReading && !c.peer_eof && !c.close_after && c.in.size() <= opts.limits.max_head_bytes &&
           c.out_bytes < opts.limits.output_high_water;
  }

  // Moves a connection as far as it can go without blocking: handshake, read, parse, answer, write.
  void service(Conn& c, double now) {
    for (int rounds = 0; rounds < 64 && !c.dead; ++rounds) {
      bool progress = false;
      if (c.st == St::kHandshake) {
        ERR_clear_error();
        c.hs_wants_write = false;
        int r = SSL_accept(c.ssl);
        if (r == 1) {
          std::string why;
          if (!tls->peer_allowed(c.ssl, why)) {
            close_conn(c, false);
            return;
          }
          c.st = St::kReading;
          progress = true;
        } else {
          int e = SSL_get_error(c.ssl, r);
          if (e == SSL_ERROR_WANT_WRITE)
            c.hs_wants_write = true;
          else if (e != SSL_ERROR_WANT_READ) {
            close_conn(c, false);
            return;
          }
        }
      }
      if (can_read(c)) {
        bool was_waiting = c.in.empty();
        ssize_t n = read_some(c);
        if (n < 0) c.peer_eof = true;
        if (n > 0) {
          progress = true;
          if (was_waiting && !c.head_started) {
            c.head_started = true;
            c.head_since = now;
          }
        }
      }
      if (c.st == St::kReading) parse_requests(c, now);
      if (!c.out.empty()) {
        ssize_t n = write_some(c);
        if (n < 0) {
          close_conn(c, false);
          return;
        }
        if (n > 0) progress = true;
        if (c.out.empty()) {
          c.idle_since = now;
          if (c.head_started) c.head_since = now;  // a pipelined head waited for the answer before it
        }
      }
      if (c.out.empty() && c.close_after) {
        close_conn(c, true);
        return;
      }
      if (c.peer_eof && c.out.empty() && c.st != St::kAuthWait) {
        close_conn(c, false);
        return;
      }
      if (!progress) return;
    }
  }

  short events_of(const Conn& c) const {
    short ev = 0;
    if (c.st == St::kHandshake) return c.hs_wants_write ? POLLOUT : POLLIN;
    if (can_read(c)) ev |= c.read_wants_write ? POLLOUT : POLLIN;
    if (!c.out.empty()) ev |= c.write_wants_read ? POLLIN : POLLOUT;
    return ev;
  }

  void take_auth_results(double now) {
    std::vector<std::pair<uint64_t, bool>> results;
    {
      std::lock_guard lk(auth_mu);
      results.swap(auth_results);
    }
    for (auto [id, ok] : results) {
      auto it = conns.find(id);
      if (it == conns.end() || it->second->dead || it->second->st != St::kAuthWait) continue;
      Conn& c = *it->second;
      c.st = St::kReading;
      http::Request r = std::move(c.pending);
      if (ok)
        respond(c, now, r);
      else
        queue_text(c, now, 401, "unauthorized", r.keep_alive && !r.has_body,
                   {{"WWW-Authenticate", "Basic realm=\"memsleuth\", charset=\"UTF-8\""}});
      service(c, now);
    }
  }

  void auth_loop() {
    while (true) {
      AuthJob job;
      {
        std::unique_lock lk(auth_mu);
        auth_cv.wait(lk, [&] { return stopping.load() || !auth_jobs.empty(); });
        if (stopping.load()) return;
        job = std::move(auth_jobs.front());
        auth_jobs.pop_front();
      }
      bool ok = job.verifier->verify(job.user, job.password);
      OPENSSL_cleanse(job.password.data(), job.password.size());
      {
        std::lock_guard lk(auth_mu);
        auth_results.emplace_back(job.conn, ok);
      }
      wake();
    }
  }

  // ---- the loop --------------------------------------------------------------------------------

  void loop() {
    std::vector<pollfd> fds;
    std::vector<Conn*> owners;
    while (!stopping.load()) {
      double now = now_s();
      maybe_reload(now);
      fds.clear();
      owners.clear();
      fds.push_back({wake_r, POLLIN, 0});
      owners.push_back(nullptr);
      if (now >= accept_paused_until) {
        fds.push_back({listen_fd, POLLIN, 0});
        owners.push_back(nullptr);
      }
      double next = now + 1.0;
      for (auto& [id, c] : conns) {
        if (c->dead) continue;
        fds.push_back({c->fd, events_of(*c), 0});
        owners.push_back(c.get());
        next = std::min(next, deadline_of(*c));
        // Bytes OpenSSL already decrypted wait in its buffer, not in the socket.
        if (c->ssl && can_read(*c) && SSL_pending(c->ssl) > 0) next = now;
      }
      int timeout = static_cast<int>(std::clamp((next - now) * 1000.0 + 1, 0.0, 1000.0));
      int n = ::poll(fds.data(), fds.size(), timeout);
      if (n < 0 && errno != EINTR) {
        log(fmt::format("http: poll: {}", std::strerror(errno)));
        break;
      }
      if (stopping.load()) break;
      now = now_s();
      if (fds[0].revents) {
        char buf[256];
        while (::read(wake_r, buf, sizeof buf) > 0) {
        }
      }
      take_auth_results(now);
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!fds[i].revents) continue;
        if (!owners[i]) {
          accept_new(now);
          continue;
        }
        Conn& c = *owners[i];
        if (c.dead) continue;
        if ((fds[i].revents & (POLLERR | POLLNVAL | POLLHUP)) != 0) {
          close_conn(c, false);
          continue;
        }
        service(c, now);
      }
      for (auto& [id, c] : conns) {
        if (c->dead) continue;
        if (c->ssl && can_read(*c) && SSL_pending(c->ssl) > 0) service(*c, now);
        if (!c->dead && now >= deadline_of(*c)) close_conn(*c, false);
      }
      sweep();
    }
    for (auto& [id, c] : conns) close_conn(*c, false);
    conns.clear();
    // Connections the kernel completed but the loop never accepted end too (they are reset).
    ::close(listen_fd);
    listen_fd = -1;
  }

  Result<void> bind_listen() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    std::string port = std::to_string(opts.port);
    int rc = ::getaddrinfo(opts.host.empty() ? nullptr : opts.host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) return fail(Error::invalid(fmt::format("cannot resolve '{}': {}", opts.host, gai_strerror(rc))));
    int err = 0;
    for (addrinfo* a = res; a; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) {
        err = errno;
        continue;
      }
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
        listen_fd = fd;
        break;
      }
      err = errno;
      ::close(fd);
    }
    ::freeaddrinfo(res);
    if (listen_fd < 0) return fail(Error::from_errno(fmt::format("{}:{}", opts.host, opts.port), err));
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
      bound_port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                                  : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    return {};
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerOptions opts, Handler handler) {
  auto impl = std::make_unique<Impl>();
  impl->opts = std::move(opts);
  impl->handler = std::move(handler);
  if (!impl->opts.web_config.empty()) {
    auto w = load_web_config(impl->opts.web_config);
    if (!w) return fail(w.error());
    impl->web_stamp = file_stamp(w->watched_files);
    if (auto r = impl->apply_web_config(std::move(*w), true); !r) return fail(r.error());
    impl->next_reload_check = now_s() + kReloadCheckSeconds;
  }
  int p[2];
  if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return fail(Error::from_errno("pipe", errno));
  impl->wake_r = p[0];
  impl->wake_w = p[1];
  if (auto r = impl->bind_listen(); !r) return fail(r.error());
  // A peer that resets the connection under a TLS write (OpenSSL writes with write(2)) must not
  // kill the recorder.
  struct sigaction old {};
  if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
  Impl* raw = impl.get();
  raw->loop_thread = std::thread([raw] { raw->loop(); });
  raw->auth_thread = std::thread([raw] { raw->auth_loop(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->stopping.store(true);
  impl_->wake();
  {
    std::lock_guard lk(impl_->auth_mu);
    impl_->auth_cv.notify_all();
  }
  if (impl_->loop_thread.joinable()) impl_->loop_thread.join();
  if (impl_->auth_thread.joinable()) impl_->auth_thread.join();
}

int HttpServer::port() const {
  return impl_->bound_port;
}
bool HttpServer::tls() const {
  return impl_->tls != nullptr;
}

}  // namespace ms::agent
