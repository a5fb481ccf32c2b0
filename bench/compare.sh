#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bench/compare.sh OLD.json NEW.json: two build/bench/results.json side by
# side, per workload and configuration found in both: ns/op, added ns per
# syscall and x clock pair (x floor for files from before the clock pair
# was the reference), then the BPF run time per program run and memory
# (bench/benchstat.py compare).  Runs from different times of day differ by
# their noise too: for a change to latscope, prefer one run with VARIANTS=
# (docs/performance.md), whose configurations are interleaved.
set -euo pipefail

if [ $# -ne 2 ] || [ ! -r "$1" ] || [ ! -r "$2" ]; then
	echo "Usage: bench/compare.sh OLD.json NEW.json (results.json of make bench)" >&2
	exit 2
fi
exec "${PYTHON:-python3}" "$(dirname "$0")/benchstat.py" compare "$1" "$2"
