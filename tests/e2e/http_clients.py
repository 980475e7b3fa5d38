#!/usr/bin/env python3
"""Hostile and ordinary HTTP clients for the recorder's /metrics server (tests/e2e/recorder_http_hold.sh).

  hold     PORT  hold partial connections and byte-a-second clients while scraping; print JSON figures
  pipeline PORT  send N pipelined GETs on one connection; print how many answers came back, in order
  sigterm  PORT PID  hold the same clients, SIGTERM PID, print the seconds until it exited

Plain sockets only (no TLS): this is the transport's test; TLS and auth are tested with curl.
"""
import argparse
import json
import os
import select
import signal
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def read_response(sock, deadline):
    """Reads one HTTP/1.1 response (status line, headers, Content-Length body). Returns (status, body)."""
    buf = sock.recv_buffer if hasattr(sock, "recv_buffer") else b""
    while b"\r\n\r\n" not in buf:
        chunk = recv_until(sock, deadline)
        if not chunk:
            raise EOFError("connection closed before the response head")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = recv_until(sock, deadline)
        if not chunk:
            raise EOFError("connection closed in the body")
        rest += chunk
    sock.recv_buffer = rest[length:]
    return status, rest[:length]


def recv_until(sock, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("no response in time")
    sock.settimeout(left)
    return sock.recv(65536)


class Sock(socket.socket):
    recv_buffer = b""


def connect(port, timeout):
    s = Sock(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((HOST, port))
    return s


def scrape(port, path, timeout):
    """One ordinary scrape on a new connection. Returns the latency in seconds, or raises."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    with connect(port, timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        status, body = read_response(s, deadline)
    if status != 200 or (path == "/metrics" and b"memsleuth_" not in body):
        raise RuntimeError(f"{path}: status {status}, {len(body)} bytes")
    return time.monotonic() - t0


class Holders:
    """Keeps `partial` connections open that never finish their request head (half say nothing, half
    send a partial head), reopening each one the server closes, plus `slow` clients that send one header
    byte every `gap` seconds: what an attacker does to starve a thread-per-connection server."""

    def __init__(self, port, partial, slow, gap):
        self.port, self.partial, self.slow, self.gap = port, partial, slow, gap
        self.stop = threading.Event()
        self.conns = []
        self.reopened = 0
        self.refused = 0
        self.threads = []

    def open_partial(self, i):
        try:
            s = connect(self.port, 2)
            if i % 2:
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: partial")
            s.setblocking(False)
            return s
        except OSError:
            self.refused += 1
            return None

    def partial_loop(self):
        self.conns = [self.open_partial(i) for i in range(self.partial)]
        while not self.stop.is_set():
            live = [s for s in self.conns if s is not None]
            readable = select.select(live, [], [], 0.2)[0] if live else []
            for i, s in enumerate(self.conns):
                if s is None or s in readable:
                    if s is not None:
                        try:
                            if s.recv(65536):
                                continue  # an answer (e.g. 408): the next read sees the close
                        except OSError:
                            pass
                        s.close()
                    self.conns[i] = self.open_partial(i)
                    self.reopened += 1
        for s in self.conns:
            if s is not None:
                s.close()

    def slow_loop(self):
        request = b"GET /metrics HTTP/1.1\r\nHost: slow\r\nX-Slow: " + b"a" * 4096
        while not self.stop.is_set():
            try:
                s = connect(self.port, 2)
                for b in request:
                    s.sendall(bytes([b]))
                    if self.stop.wait(self.gap):
                        break
            except OSError:
                time.sleep(0.2)
            finally:
                try:
                    s.close()
                except Exception:
                    pass

    def start(self):
        self.threads = [threading.Thread(target=self.partial_loop, daemon=True)]
        self.threads += [threading.Thread(target=self.slow_loop, daemon=True) for _ in range(self.slow)]
        for t in self.threads:
            t.start()
        # Let every partial connection be accepted before the first scrape.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sum(1 for s in self.conns if s) < self.partial * 0.9:
            time.sleep(0.1)
        time.sleep(0.5)

    def held(self):
        return sum(1 for s in self.conns if s is not None)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=5)


def percentile(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


def cmd_hold(a):
    h = Holders(a.port, a.partial, a.slow, a.gap)
    h.start()
    held_at_start = h.held()
    lat, failures = [], []
    t_end = time.monotonic() + a.duration
    while time.monotonic() < t_end:
        try:
            lat.append(scrape(a.port, "/metrics", a.timeout))
        except Exception as e:  # noqa: BLE001 - every failure is a figure
            failures.append(f"{type(e).__name__}: {e}")
        time.sleep(a.every)
    held_at_end = h.held()
    h.finish()
    out = {
        "partial": a.partial, "slow": a.slow, "held_at_start": held_at_start, "held_at_end": held_at_end,
        "reopened": h.reopened, "refused": h.refused,
        "scrapes": len(lat) + len(failures), "answered": len(lat), "failures": failures[:5],
        "p50_ms": round(1e3 * percentile(lat, 50), 1) if lat else None,
        "p99_ms": round(1e3 * percentile(lat, 99), 1) if lat else None,
        "max_ms": round(1e3 * max(lat), 1) if lat else None,
    }
    print(json.dumps(out))


def cmd_pipeline(a):
    paths = ["/metrics" if i % 2 == 0 else "/healthz" for i in range(a.n)]
    deadline = time.monotonic() + a.timeout
    answered = 0
    with connect(a.port, a.timeout) as s:
        s.sendall(b"".join(f"GET {p} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode() for p in paths))
        try:
            for p in paths:
                status, body = read_response(s, deadline)
                ok = status == 200 and (b"memsleuth_" in body if p == "/metrics" else body.startswith(b"ok"))
                if not ok:
                    print(f"answer {answered + 1} to {p}: status {status}, body {body[:40]!r}", file=sys.stderr)
                    break
                answered += 1
        except (EOFError, TimeoutError, OSError) as e:
            print(f"after {answered} answers: {e}", file=sys.stderr)
    print(json.dumps({"sent": a.n, "answered": answered}))


def exited(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def cmd_sigterm(a):
    h = Holders(a.port, a.partial, a.slow, a.gap)
    h.start()
    # One byte-a-second client has sent part of its head by now; a pipelined reader that never reads
    # holds a response in flight too.
    stuck = connect(a.port, 2)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 200)
    time.sleep(a.hold)
    t0 = time.monotonic()
    os.kill(a.pid, signal.SIGTERM)
    while not exited(a.pid) and time.monotonic() - t0 < a.timeout:
        time.sleep(0.02)
    took = time.monotonic() - t0
    gone = exited(a.pid)
    h.finish()
    stuck.close()
    print(json.dumps({"exited": gone, "seconds": round(took, 2), "held": h.held()}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("hold", "sigterm"):
        s = sub.add_parser(name)
        s.add_argument("port", type=int)
        if name == "sigterm":
            s.add_argument("pid", type=int)
            s.add_argument("--hold", type=float, default=4.0, help="seconds of holding before the signal")
            s.add_argument("--timeout", type=float, default=40.0)
        s.add_argument("--partial", type=int, default=200)
        s.add_argument("--slow", type=int, default=2)
        s.add_argument("--gap", type=float, default=3.0, help="seconds between a slow client's bytes")
        if name == "hold":
            s.add_argument("--duration", type=float, default=30.0, help="seconds of scraping")
            s.add_argument("--every", type=float, default=0.25, help="pause between scrapes")
            s.add_argument("--timeout", type=float, default=10.0, help="a scrape's own timeout")
    s = sub.add_parser("pipeline")
    s.add_argument("port", type=int)
    s.add_argument("-n", type=int, default=100)
    s.add_argument("--timeout", type=float, default=30.0)
    a = p.parse_args()
    {"hold": cmd_hold, "pipeline": cmd_pipeline, "sigterm": cmd_sigterm}[a.cmd](a)


if __name__ == "__main__":
    main()
