#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A Python daemon for the integration tests, which counts its own calls.

Every PERIOD seconds it makes CALLS getppid() system calls, in its main
thread or, with --thread-per-cycle, in a new thread per cycle (as daemons
that start a thread per request do).  On SIGTERM, or after --cycles, it
writes how many getppid() calls it made to OUT and exits.  With --wait it
makes none before SIGUSR1, so a tracer can attach first.
"""
import argparse
import os
import signal
import sys
import threading
import time

stop = False
go = threading.Event()


def on_term(signum, frame):
    global stop
    stop = True


def work(calls):
    for _ in range(calls):
        os.getppid()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--period", type=float, default=0.02)
    ap.add_argument("--cycles", type=int, default=0, help="0: until SIGTERM")
    ap.add_argument("--thread-per-cycle", action="store_true")
    ap.add_argument("--wait", action="store_true", help="start on SIGUSR1")
    ap.add_argument("--ready", help="file to create once the handlers are set")
    ap.add_argument("out")
    a = ap.parse_args()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGUSR1, lambda s, f: go.set())
    if a.ready:
        open(a.ready, "w").close()
    if a.wait:
        while not go.wait(0.05) and not stop:
            pass
    made = cycles = 0
    next_at = time.monotonic()
    while not stop and (not a.cycles or cycles < a.cycles):
        if a.thread_per_cycle:
            t = threading.Thread(target=work, args=(a.calls,))
            t.start()
            t.join()
        else:
            work(a.calls)
        made += a.calls
        cycles += 1
        next_at += a.period
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    with open(a.out, "w") as f:
        f.write("%d %d\n" % (made, cycles))
    return 0


if __name__ == "__main__":
    sys.exit(main())
