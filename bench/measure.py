#!/usr/bin/env python3
"""Times commands round-robin (so load changes hit every tool alike) and prints JSON.

  measure.py RUNS name=command [name=command ...]  (split like a shell word list, no pipes; stdout to /dev/null)

For each name: every run's wall seconds, CPU seconds (user+sys of the child, from wait4) and peak
RSS (KiB), plus median/min/max of each. A non-zero exit status is recorded and reported.
"""
import json
import os
import shlex
import tempfile
import statistics
import subprocess
import sys
import time


def one(cmd):
    # Peak RSS comes from /usr/bin/time (a small C parent): a child forked from Python would carry
    # Python's RSS until exec and spoil ru_maxrss. CPU is wait4's (time + the tool, which it waits).
    with tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss.name] + shlex.split(cmd),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        err = p.stderr.read().decode(errors="replace")[-400:]
        p.stderr.close()
        lines = [l for l in rss.read().split("\n") if l.strip().isdigit()]
    return dict(wall=wall, cpu=ru.ru_utime + ru.ru_stime, user=ru.ru_utime, sys=ru.ru_stime,
                maxrss_kib=int(lines[-1]) if lines else 0, status=os.waitstatus_to_exitcode(status), err=err)


def summary(vals):
    return dict(median=statistics.median(vals), min=min(vals), max=max(vals))


def main():
    runs = int(sys.argv[1])
    tools = [a.split("=", 1) for a in sys.argv[2:]]
    res = {name: [] for name, _ in tools}
    for name, cmd in tools:  # warm-up: page cache, dentries
        one(cmd)
    for _ in range(runs):
        for name, cmd in tools:
            res[name].append(one(cmd))
    out = {}
    for name, cmd in tools:
        rs = res[name]
        out[name] = dict(cmd=cmd, runs=len(rs), failures=sum(r["status"] != 0 for r in rs),
                         last_err=next((r["err"] for r in rs if r["status"] != 0), ""),
                         wall=summary([r["wall"] for r in rs]), cpu=summary([r["cpu"] for r in rs]),
                         user=summary([r["user"] for r in rs]), sys=summary([r["sys"] for r in rs]),
                         maxrss_kib=summary([r["maxrss_kib"] for r in rs]))
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
