#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""pydemo: a small Python controller, for tracing a daemon by command line.

Every PERIOD seconds a new worker thread (as Python daemons that start a
thread per request do) asks the daemon's own UDP echo server, another
thread, on 127.0.0.1:PORT and waits for the answer; every 4th cycle the
daemon also runs `ip -br link` as a child.  Its name is python3, like every
other Python program's: `latscope record --cmdline pydemo.py` finds it.
SIGINT or SIGTERM stops it.
"""
import argparse
import signal
import socket
import subprocess
import threading

stop = threading.Event()


def echo_server(sock):
    while not stop.is_set():
        try:
            data, peer = sock.recvfrom(512)
        except socket.timeout:
            continue
        sock.sendto(data, peer)


def ask(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        s.connect(("127.0.0.1", port))
        s.send(b"status?")
        s.recv(512)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=18500, help="UDP port of the echo server")
    ap.add_argument("--period", type=float, default=0.2, help="seconds between cycles")
    a = ap.parse_args()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, f: stop.set())
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", a.port))
    server.settimeout(0.5)
    threading.Thread(target=echo_server, args=(server,), daemon=True).start()
    cycle = 0
    while not stop.wait(a.period):
        worker = threading.Thread(target=ask, args=(a.port,))
        worker.start()
        worker.join()
        if cycle % 4 == 0:
            subprocess.run(["ip", "-br", "link"], stdout=subprocess.DEVNULL, check=False)
        cycle += 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
