# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Helpers shared by the integration tests (sourced by run.sh).
#
# A test is a function test_<name> that returns 0 on pass and non-zero on
# failure, printing why with `fail "..."` (which returns 1).  `skip "why"`
# (return 77) is only allowed where the thing tested is genuinely absent,
# and it is a failure in CI (CI=true): CI must load and attach for real.

LATSCOPE=${LATSCOPE:-$PWD/build/latscope}
DEMOCTL=${DEMOCTL:-$PWD/build/democtl}
TMP=${TMP:-$(mktemp -d /tmp/latscope-it.XXXXXX)}
# a port outside the ephemeral range and away from the usual services
DEMO_PORT=${DEMO_PORT:-18481}

fail() {
	echo "    FAIL: $*" >&2
	return 1
}

skip() {
	echo "    SKIP: $*" >&2
	return 77
}

# Start a command in the background; its pid is in $BG_PID.  Everything
# started this way is killed by cleanup_bg (run after every test).
BG_PIDS=()
bg() {
	"$@" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

cleanup_bg() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	BG_PIDS=()
}

# wait_for CMD...: poll CMD every 0.1 s for up to 10 s.
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# jq_get FILE FILTER: one value from a JSON file, or fail.
jq_get() {
	jq -er "$2" "$1"
}

# Start democtl waiting for SIGUSR1 (setup done, nothing in flight); its
# pid is in $DEMO_PID.  Not for $(...): the pid must stay in BG_PIDS.
start_democtl_waiting() {
	local out=$1
	shift
	bg "$DEMOCTL" -w -q -p "$DEMO_PORT" -j "$out" "$@" >/dev/null 2>"$out.err"
	DEMO_PID=$BG_PID
	wait_for grep -q "waiting for SIGUSR1" "$out.err" || { cat "$out.err" >&2; return 1; }
}

# The ids of the BPF programs process $1 holds attached (its link fds).
prog_ids_of() {
	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u
}

# record_bg ARGS...: `latscope record --ready-fd 3 ARGS` in the background
# (its pid in $BG_PID), returning once it says it is attached: the line
# arrives through a FIFO, so no sleep guesses how long attaching takes,
# and a latscope that exits first closes the FIFO at once.  Redirections
# of the call apply to latscope.  Not for $(...): the pid must stay in
# BG_PIDS.
READY_SEQ=0
record_bg() {
	local fifo=$TMP/ready.$((READY_SEQ += 1)) line=""
	mkfifo "$fifo" || return 1
	# the FIFO is opened by the child: opening it here would wait for a reader
	bg bash -c 'exec "$@" 3>"$0"' "$fifo" "$LATSCOPE" record --ready-fd 3 "$@"
	read -r -t 60 line <"$fifo"
	rm -f "$fifo"
	[[ "$line" == "latscope: ready: "* ]] && return 0
	echo "    latscope did not say it was ready (read '$line')" >&2
	return 1
}

progs_gone() {
	local id
	for id in "$@"; do
		bpftool prog show id "$id" >/dev/null 2>&1 && return 1
	done
	return 0
}

# Program unloading finishes shortly after the last fd closes.
progs_unloaded() {
	wait_for progs_gone "$@"
}
