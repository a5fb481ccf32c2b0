#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make demo: run the demo controller, attach latscope to it for 5 seconds,
# print the report.  DEMO_PORT and DEMO_SECONDS override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${DEMO_PORT:-18080}
seconds=${DEMO_SECONDS:-5}

if [ "$(id -u)" -ne 0 ]; then
	echo "make demo loads BPF programs: run it as root (sudo make demo)" >&2
	exit 4
fi

build/democtl -q -p "$port" -d 10 &
demo=$!
trap 'kill -INT $demo 2>/dev/null; wait $demo 2>/dev/null || true' EXIT
sleep 0.5
if ! kill -0 "$demo" 2>/dev/null; then
	echo "democtl did not start (is port $port in use? try DEMO_PORT=...)" >&2
	exit 1
fi

echo "democtl (pid $demo): every 500 ms an ICMP echo to 127.0.0.1, a netlink"
echo "RTM_GETQDISC dump and an HTTP GET to its own server thread (10 ms delay)."
echo
echo "+ latscope record -p $demo -d $seconds"
build/latscope record -p "$demo" -d "$seconds"
