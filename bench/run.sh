#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# make bench: what a tracer adds to a syscall, latscope next to the tools a
# user would otherwise reach for and to two reference tracers: the floor
# (empty tp_btf programs) and the clock pair (two clock reads, nothing
# else).  Then latscope's memory, its accuracy against the workload's own
# clock, the kernel's run time per BPF program run, and what single BPF
# operations (helpers, map lookups, probe reads) cost per run.
# docs/performance.md explains every configuration and the output.
#
# Each workload (build/bench/*) times its own loop after a warm-up, so
# tracer start-up is never measured.  Every tracer launches the workload
# itself and is attached before its execve, so no configuration races the
# workload; "untargeted" and "floor" are started first and waited for, and
# the clock pair attaches to a workload waiting for SIGUSR1 (-w).
# No workload starts while an RCU Tasks Trace grace period from an attach
# or a detach is pending (build/bench/gpwait says why): one would slow
# every syscall of the workload that runs across it, in whichever
# configuration came next.  latscope's start-up queues none (docs/design.md,
# "Exits"); the bench waits for the previous run's detach, and for the
# reference tracers' attach before their workload starts.
# Configurations run interleaved (A B C ... A B C ...), RUNS times each.
# This script only runs things and keeps their raw output: every figure,
# table and verdict comes from bench/benchstat.py, which has unit tests.
#
# Environment (all optional):
#   QUICK=1          fewer iterations and runs (about 1.5 minutes)
#   RUNS=N           interleaved rounds per workload (default 7, QUICK 5)
#   WORKLOADS="..."  subset of: getppid udp_rr icmp_echo netlink_dump
#   CONFIGS="..."    subset/order of: none latscope-default latscope
#                    latscope-nocost untargeted-default untargeted
#                    untargeted-nocost floor clockpair bpftrace perf strace
#                    (plus latscope@NAME, untargeted-nocost@NAME, ...);
#                    the -nocost ones only when asked for
#   VARIANTS="NAME=PATH ..."  other latscope binaries, run interleaved as
#                    latscope@NAME (and untargeted@NAME if listed in CONFIGS)
#   LATSCOPE=PATH    the latscope under test (default build/latscope)
#   FLOOR=PATH       another loader in place of build/bench/floor (to time a
#                    hand-made program against the same workloads)
#   HELPERCOST=PATH  another loader in place of build/bench/helpercost
#   BENCH_CPU=N      CPU the workloads are pinned to (default: the last one)
#   SECTIONS="..."   subset of: overhead memory accuracy bpfstats helpers
#   HELPER_OPS="..." the helpers section's operations (default: all that
#                    build/bench/helpercost --list lists; empty always runs)
#   HELPER_ROUNDS=N  interleaved rounds of the helpers section (default 3,
#                    QUICK 2)
#   SCALE=F          multiply every iteration count by F
#   FROM_RUNS=FILE   no overhead runs: summarize FILE (a runs.jsonl) again
#
# Output: tables on stdout; build/bench/results.json, results.md and
# runs.jsonl (every single run).  Needs root.  Exit 0 when every section
# ran (tools that are not installed are skipped with a note), 1 otherwise.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
OUT=build/bench
B=$OUT
LATSCOPE=${LATSCOPE:-build/latscope}
FLOOR=${FLOOR:-$B/floor}
CLOCKPAIR=$B/clockpair
HELPERCOST=${HELPERCOST:-$B/helpercost}
QUICK=${QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
RUNS=${RUNS:-$([ -n "$QUICK" ] && echo 5 || echo 7)}
WORKLOADS=${WORKLOADS:-getppid udp_rr icmp_echo netlink_dump}
CONFIGS=${CONFIGS:-none latscope-default latscope untargeted-default untargeted floor clockpair bpftrace perf strace}
VARIANTS=${VARIANTS:-}
SECTIONS=${SECTIONS:-overhead memory accuracy bpfstats helpers}
CPU=${BENCH_CPU:-$(($(nproc) - 1))}
SCALE=${SCALE:-1}
START_TIME=$(date +%s)
PYTHON=${PYTHON:-python3}
bs() { "$PYTHON" bench/benchstat.py "$@"; }

# Iterations per run.  "fast" is every BPF configuration without maps of
# its own in user space; bpftrace adds about 1 us per syscall, strace and
# perf trace 30 to 300 us, so they get fewer iterations for similar run
# times.  ns per op does not depend on N: only the loop is timed.
# getppid's loop spans about three of the cost sampler's 500 ms periods
# under latscope (1.3 s): a shorter one holds a 10 ms window of statistics
# in some runs and none in others, and the median of default use read
# that, not the steady state (docs/performance.md).
# QUICK divides all of them by QUICK_DIV.
declare -A N_FAST=([getppid]=3000000 [udp_rr]=20000 [icmp_echo]=40000 [netlink_dump]=12000)
declare -A N_BPFTRACE=([getppid]=200000 [udp_rr]=8000 [icmp_echo]=16000 [netlink_dump]=6000)
declare -A N_SLOW=([getppid]=5000 [udp_rr]=500 [icmp_echo]=2000 [netlink_dump]=1000)
QUICK_DIV=5
N_MEM=$([ -n "$QUICK" ] && echo 20000 || echo 200000)	# memory runs
ACC_RUNS=$([ -n "$QUICK" ] && echo 1 || echo 5)
ACC_N=$([ -n "$QUICK" ] && echo 100000 || echo 1000000)
declare -A STATS_N=([getppid]=3000000 [icmp_echo]=100000 [udp_rr]=100000)	# bpfstats runs
[ -n "$QUICK" ] && STATS_N=([getppid]=1000000 [icmp_echo]=50000 [udp_rr]=40000)
# helpers: getppid iterations per run (every one counted), interleaved rounds
HELPERS_N=$([ -n "$QUICK" ] && echo 600000 || echo 1200000)
HELPERS_N=$(awk -v n="$HELPERS_N" -v s="$SCALE" 'BEGIN { n = int(n * s); print n < 1 ? 1 : n }')
HELPER_ROUNDS=${HELPER_ROUNDS:-$([ -n "$QUICK" ] && echo 2 || echo 3)}

TMPD=$(mktemp -d /tmp/latscope-bench.XXXXXX)
RUNS_FILE=$TMPD/runs.jsonl
NOTES_FILE=$TMPD/notes.txt
: >"$RUNS_FILE"
: >"$NOTES_FILE"
BG_PIDS=()
OLD_PING_RANGE=
OLD_BPF_STATS=
MOUNTED_TRACEFS=
FAILED=0

# ---- housekeeping ------------------------------------------------------

note() {
	echo "NOTE: $*"
	echo "$*" >>"$NOTES_FILE"
}

skip_note() {
	echo "SKIP: $*"
	echo "SKIP: $*" >>"$NOTES_FILE"
}

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ -n "$OLD_PING_RANGE" ]; then
		sysctl -qw net.ipv4.ping_group_range="$OLD_PING_RANGE" ||
			echo "Error: could not restore net.ipv4.ping_group_range to '$OLD_PING_RANGE'" >&2
	fi
	if [ -n "$OLD_BPF_STATS" ]; then
		sysctl -qw kernel.bpf_stats_enabled="$OLD_BPF_STATS" ||
			echo "Error: could not restore kernel.bpf_stats_enabled to $OLD_BPF_STATS" >&2
	fi
	[ -n "$MOUNTED_TRACEFS" ] && umount /sys/kernel/tracing 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT
trap 'echo "bench: terminated" >&2; exit 143' TERM

bg() {
	"$@" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# Stop a background process we started.  SIGTERM: a non-interactive shell
# starts background commands with SIGINT ignored; latscope and floor stop
# cleanly on either.
stop_bg() {
	local p=$1 i
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}

# quiesce: until the RCU Tasks Trace grace periods queued so far are over.
quiesce() {
	"$B/gpwait" >/dev/null 2>>"$TMPD/gpwait.err" ||
		note "gpwait failed: $(tail -n1 "$TMPD/gpwait.err")"
}

# wait_grep FILE REGEX [SECONDS]: until FILE has a line matching REGEX.
wait_grep() {
	local i
	for i in $(seq $((${3:-10} * 20))); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

n_for() {	# class workload
	local n
	case $1 in
	slow) n=${N_SLOW[$2]} ;;
	bpftrace) n=${N_BPFTRACE[$2]} ;;
	*) n=${N_FAST[$2]} ;;
	esac
	[ -n "$QUICK" ] && n=$((n / QUICK_DIV))
	n=$(awk -v n="$n" -v s="$SCALE" 'BEGIN { n = int(n * s); print n < 1 ? 1 : n }')
	echo "$n"
}

class_of() {
	case $1 in
	strace | perf) echo slow ;;
	bpftrace) echo bpftrace ;;
	*) echo fast ;;
	esac
}

# `record` options of a latscope configuration: -default is latscope as a
# user runs it, a text report on stdout, so it turns on the kernel's BPF
# run-time statistics for its cost line (kernel.bpf_stats_enabled, for
# every BPF program on the host while it records); the others are quiet
# (-q -o /dev/null), and -nocost adds --no-cost.
ls_args_of() {
	case ${1%%@*} in
	*-default) ;;
	*-nocost) echo -q -o /dev/null --no-cost ;;
	*) echo -q -o /dev/null ;;
	esac
}

# latscope binary of a configuration: latscope@NAME is a VARIANTS entry.
latscope_of() {
	local name=${1#*@} v
	if [ "$name" = "$1" ]; then
		echo "$LATSCOPE"
		return
	fi
	for v in $VARIANTS; do
		[ "${v%%=*}" = "$name" ] && { echo "${v#*=}"; return; }
	done
	echo "/nonexistent-variant-$name"
}

# ---- machine and tools ---------------------------------------------------

# Tracing programs loaded by someone else add to every configuration.
foreign_progs() { bs foreign-progs; }

declare -A SKIPPED=()

check_tools() {
	local err=$TMPD/check.err cfg tool key
	declare -A TRIED=()
	for cfg in $CONFIGS; do
		case $cfg in
		none) ;;
		latscope | latscope[-@]* | untargeted | untargeted[-@]*)
			tool=$(latscope_of "$cfg")
			key="$tool $(ls_args_of "$cfg")"
			# one trial per binary and options (loading takes a second)
			if [ -z "${TRIED[$key]+set}" ]; then
				TRIED[$key]=
				# shellcheck disable=SC2046
				if [ ! -x "$tool" ]; then
					TRIED[$key]="$tool is not an executable (make, or fix VARIANTS)"
				elif ! "$tool" record $(ls_args_of "$cfg") -- /bin/true >/dev/null 2>"$err"; then
					TRIED[$key]="$tool record $(ls_args_of "$cfg") fails: $(tail -n1 "$err")"
				fi
			fi
			[ -n "${TRIED[$key]}" ] && SKIPPED[$cfg]=${TRIED[$key]}
			;;
		floor)
			[ -x "$FLOOR" ] || SKIPPED[$cfg]="$FLOOR is missing (make bench builds it)"
			;;
		clockpair)
			[ -x "$CLOCKPAIR" ] ||
				SKIPPED[$cfg]="$CLOCKPAIR is missing (make bench builds it)"
			;;
		strace)
			command -v strace >/dev/null ||
				SKIPPED[$cfg]="strace is not installed (apt-get install strace)"
			;;
		perf)
			if ! command -v perf >/dev/null; then
				SKIPPED[$cfg]="perf is not installed (apt-get install linux-perf)"
			elif ! perf trace -s -o /dev/null -- /bin/true 2>"$err"; then
				SKIPPED[$cfg]="'perf trace -s -- true' fails on this kernel: $(grep -v '^$' "$err" | head -n1)"
			fi
			;;
		bpftrace)
			if ! command -v bpftrace >/dev/null; then
				SKIPPED[$cfg]="bpftrace is not installed (apt-get install bpftrace)"
			elif ! bpftrace_works "$err"; then
				SKIPPED[$cfg]="bpftrace cannot attach to tracepoint:raw_syscalls: $(grep -v -e '^$' -e RLIMIT_MEMLOCK "$err" | tail -n1)"
			fi
			;;
		*) SKIPPED[$cfg]="unknown configuration" ;;
		esac
		[ -n "${SKIPPED[$cfg]:-}" ] && skip_note "$cfg: ${SKIPPED[$cfg]}"
	done
	return 0
}

# bpftrace 0.17 finds tracepoints through tracefs (or debugfs/tracing).
bpftrace_works() {
	local prog='tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @n = count(); }'
	timeout 60 bpftrace -e "$prog" -c /bin/true >/dev/null 2>"$1" && return 0
	if [ -d /sys/kernel/tracing ] && [ -z "$(ls -A /sys/kernel/tracing 2>/dev/null)" ]; then
		mount -t tracefs nodev /sys/kernel/tracing 2>>"$1" || return 1
		MOUNTED_TRACEFS=1
		note "mounted tracefs on /sys/kernel/tracing for bpftrace (unmounted at the end)"
		timeout 60 bpftrace -e "$prog" -c /bin/true >/dev/null 2>"$1" && return 0
	fi
	return 1
}

open_ping_sockets() {
	OLD_PING_RANGE=$(sysctl -n net.ipv4.ping_group_range | tr '\t' ' ')
	sysctl -qw net.ipv4.ping_group_range="0 2147483647" || {
		note "cannot set net.ipv4.ping_group_range: icmp_echo will fail"
		OLD_PING_RANGE=
	}
}

# ---- one run -------------------------------------------------------------

BT_PROG='tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @start[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /pid == cpid && @start[tid]/ {
	@ns[args->id] = hist(nsecs - @start[tid]); delete(@start[tid]); }'

# run_one WORKLOAD CONFIG RUN: one run, appended to $RUNS_FILE; its ns/op
# (or FAIL) in $RUN_RESULT.  Not for $(...): BG_PIDS must stay ours.
run_one() {
	local wl=$1 cfg=$2 run=$3 n res=$TMPD/res.json err=$TMPD/run.err rc tool
	local side=$TMPD/side.log sp lp wp
	n=$(n_for "$(class_of "$cfg")" "$wl")
	local WL=("$B/$wl" -n "$n" -c "$CPU" -o "$res") t0
	t0=$(date +%s%N)
	rm -f "$res"
	: >"$err"
	# someone may have reset it meanwhile (a test that restores its own copy)
	if [ "$wl" = icmp_echo ] && [ -n "$OLD_PING_RANGE" ] &&
		[ "$(sysctl -n net.ipv4.ping_group_range | tr '\t' ' ')" != "0 2147483647" ]; then
		note "net.ipv4.ping_group_range was changed by someone else during the run; set again"
		sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	fi
	# the previous run's detach
	quiesce
	case $cfg in
	none)
		"${WL[@]}" >/dev/null 2>"$err"
		rc=$?
		;;
	latscope | latscope[-@]*)
		tool=$(latscope_of "$cfg")
		# shellcheck disable=SC2046
		"$tool" record $(ls_args_of "$cfg") -- "${WL[@]}" >/dev/null 2>"$err"
		rc=$?
		;;
	untargeted | untargeted[-@]*)
		tool=$(latscope_of "$cfg")
		bg sleep 1000
		sp=$BG_PID
		# shellcheck disable=SC2046
		bg "$tool" record --ready-fd 2 $(ls_args_of "$cfg") -p "$sp" >/dev/null 2>"$side"
		lp=$BG_PID
		if wait_grep "$side" '^latscope: ready: ' 20; then
			"${WL[@]}" >/dev/null 2>"$err"
			rc=$?
		else
			tail -n3 "$side" >"$err"
			rc=1
		fi
		stop_bg "$lp"
		stop_bg "$sp"
		;;
	floor)
		bg "$FLOOR" >"$side" 2>&1
		lp=$BG_PID
		if wait_grep "$side" '^floor: attached' 20; then
			quiesce
			"${WL[@]}" >/dev/null 2>"$err"
			rc=$?
		else
			tail -n3 "$side" >"$err"
			rc=1
		fi
		stop_bg "$lp"
		;;
	clockpair)
		# the one configuration that needs the PID first: -w, then attach
		bg "${WL[@]}" -w >/dev/null 2>"$err"
		wp=$BG_PID
		if wait_grep "$err" 'waiting for SIGUSR1' 20; then
			bg "$CLOCKPAIR" "$wp" >"$side" 2>&1
			lp=$BG_PID
			if wait_grep "$side" '^clockpair: attached' 20; then
				quiesce
				kill -USR1 "$wp"
				wait "$wp"
				rc=$?
			else
				tail -n3 "$side" >"$err"
				rc=1
			fi
			stop_bg "$lp"
		else
			rc=1
		fi
		stop_bg "$wp"
		;;
	strace)
		strace -c -f -o /dev/null -- "${WL[@]}" >/dev/null 2>"$err"
		rc=$?
		;;
	perf)
		perf trace -s -o /dev/null -- "${WL[@]}" >/dev/null 2>"$err"
		rc=$?
		;;
	bpftrace)
		bpftrace -e "$BT_PROG" -c "${WL[*]}" >/dev/null 2>"$err"
		rc=$?
		;;
	esac
	if RUN_RESULT=$(bs run --runs "$RUNS_FILE" --workload "$wl" --config "$cfg" \
		--run "$run" --iters "$n" --wall-ms $((($(date +%s%N) - t0) / 1000000)) \
		--result "$res" --err "$err" $([ "$rc" -eq 0 ] && echo --ok)); then
		return
	fi
	RUN_RESULT=FAIL
	echo "  FAIL: $wl under $cfg (run $run, exit $rc): $(grep -v -e '^$' -e RLIMIT_MEMLOCK "$err" | tail -n1)" >&2
}

# ---- memory ----------------------------------------------------------------

# Sum of memlock over the BPF maps a process holds fds to (fdinfo only): read
# every 0.1 s while the workload runs.
map_bytes_of() {
	awk 'FNR == 1 { m = 0; b = 0 } /^memlock:/ { b = $2 } /^map_id:/ { m = 1 }
		/^map_id:/ && !seen[$2]++ { sum += b } END { print sum + 0 }' \
		/proc/"$1"/fdinfo/* 2>/dev/null
}

# mem_run LABEL WORKLOAD N: peak RSS of latscope (launch mode, default
# options) and the memory of its BPF objects, sampled while the workload runs.
mem_run() {
	local label=$1 wl=$2 n=$3 d=$TMPD/mem-$1 wpid lpid prss i
	mkdir -p "$d"
	bg "$B/peakrss" -o "$d/rss.json" -- "$LATSCOPE" record -q -o "$d/snap.json" -- \
		"$B/$wl" -n "$n" -c "$CPU" -w -o "$d/wl.json" >/dev/null 2>"$d/err"
	prss=$BG_PID
	if ! wait_grep "$d/err" 'waiting for SIGUSR1' 20; then
		echo "  FAIL: memory/$label: the workload did not start: $(tail -n1 "$d/err")" >&2
		stop_bg "$prss"
		return 1
	fi
	wpid=$(sed -n 's/.* pid \([0-9]*\) set up.*/\1/p' "$d/err" | head -n1)
	lpid=$(awk '{ print $4 }' "/proc/$wpid/stat")
	bs bpf-objs "$lpid" >"$d/objs.json"
	map_bytes_of "$lpid" >"$d/mapbytes"
	kill -USR1 "$wpid"
	# the largest total while the workload runs (task storage grows with
	# threads); a reading taken while latscope closes its fds is smaller
	for i in $(seq 600); do
		kill -0 "$wpid" 2>/dev/null || break
		local now
		now=$(map_bytes_of "$lpid")
		[ -n "$now" ] && [ "$now" -gt "$(cat "$d/mapbytes")" ] && echo "$now" >"$d/mapbytes"
		sleep 0.1
	done
	wait "$prss"
	if [ ! -s "$d/rss.json" ] || [ ! -s "$d/snap.json" ]; then
		echo "  FAIL: memory/$label: latscope did not finish: $(tail -n1 "$d/err")" >&2
		return 1
	fi
	bs memory-run --label "$label" --workload "$wl" --iters "$n" --rss "$d/rss.json" \
		--objs "$d/objs.json" --map-bytes "$(cat "$d/mapbytes")" --snap "$d/snap.json"
}

# ---- accuracy --------------------------------------------------------------

acc_run() {	# i -> JSON of one untraced run and its traced twins
	local d=$TMPD/acc-$1 wp cp
	local ACC=("$B/accuracy" -n "$ACC_N" -c "$CPU")
	mkdir -p "$d"
	"${ACC[@]}" -o "$d/plain.json" >/dev/null 2>"$d/err" || {
		echo "  FAIL: accuracy (untraced): $(tail -n1 "$d/err")" >&2
		return 1
	}
	"$LATSCOPE" record -q -o "$d/snap.json" -- "${ACC[@]}" -o "$d/traced.json" \
		>/dev/null 2>"$d/err" || {
		echo "  FAIL: accuracy (latscope): $(tail -n1 "$d/err")" >&2
		return 1
	}
	echo '{}' >"$d/traced-nc.json"
	echo '{"subsystems":[]}' >"$d/snap-nc.json"
	if [ -n "$LS_NOCOST" ] && [ -z "$QUICK" ]; then
		"$LATSCOPE" record -q --no-cost -o "$d/snap-nc.json" -- "${ACC[@]}" \
			-o "$d/traced-nc.json" >/dev/null 2>"$d/err" || {
			echo "  FAIL: accuracy (latscope --no-cost): $(tail -n1 "$d/err")" >&2
			return 1
		}
	fi
	# the clock pair on getppid alone: the bias no tp_btf tracer can avoid
	echo '{}' >"$d/cp.json"
	if [ -x "$CLOCKPAIR" ] && [ -n "$NR_GETPPID" ]; then
		bg "${ACC[@]}" -w -o "$d/cp-wl.json" >/dev/null 2>"$d/cp.err"
		wp=$BG_PID
		if wait_grep "$d/cp.err" 'waiting for SIGUSR1' 20; then
			bg "$CLOCKPAIR" -s "$NR_GETPPID" "$wp" >"$d/cp.out" 2>&1
			cp=$BG_PID
			if wait_grep "$d/cp.out" '^clockpair: attached' 20; then
				quiesce
				kill -USR1 "$wp"
				wait "$wp"
			fi
			stop_bg "$cp"
			grep '^{' "$d/cp.out" | tail -n1 >"$d/cp.json"
			[ -s "$d/cp.json" ] || echo '{}' >"$d/cp.json"
		fi
		stop_bg "$wp"
	fi
	bs accuracy-run --plain "$d/plain.json" --traced "$d/traced.json" --snap "$d/snap.json" \
		--traced-nocost "$d/traced-nc.json" --snap-nocost "$d/snap-nc.json" \
		--clockpair "$d/cp.json"
}

# ---- BPF run time per program (kernel.bpf_stats_enabled) -------------------

# "prog_id run_time_ns run_cnt" per program, straight from /proc/PID/fdinfo:
# fast enough to read twice while a loop of a second runs (bpftool and a
# Python start are not).
prog_stats_of() {
	awk '/^prog_id:/ { id = $2 } /^run_time_ns:/ { rt = $2 }
		/^run_cnt:/ { if (id != "") printf "%s %s %s\n", id, rt, $2; id = "" }' \
		/proc/"$1"/fdinfo/* 2>/dev/null
}

# stats_run TRACER WORKLOAD: the workload under TRACER (latscope,
# untargeted, floor, clockpair); per-program ns per run from two readings
# of the kernel's counters taken while its loop runs.
stats_run() {
	local label=$1 wl=$2 d=$TMPD/stats-$1-$2 n tp="" wpid sp="" i wlp
	# long enough under any tracer for two readings 0.1 s apart
	n=$(awk -v n="${STATS_N[$wl]}" -v s="$SCALE" 'BEGIN { print int(n * s) }')
	local WL=("$B/$wl" -n "$n" -c "$CPU" -w -o "$d/wl.json")
	mkdir -p "$d"
	case $label in
	latscope)
		bg "$LATSCOPE" record -q -o /dev/null -- "${WL[@]}" >/dev/null 2>"$d/err"
		;;
	untargeted)
		bg sleep 1000
		sp=$BG_PID
		bg "$LATSCOPE" record --ready-fd 2 -q -o /dev/null -p "$sp" >/dev/null 2>"$d/side"
		tp=$BG_PID
		wait_grep "$d/side" '^latscope: ready: ' 20 || { stop_bg "$tp"; stop_bg "$sp"; return 1; }
		bg "${WL[@]}" >/dev/null 2>"$d/err"
		;;
	floor)
		bg "$FLOOR" >"$d/side" 2>&1
		tp=$BG_PID
		wait_grep "$d/side" '^floor: attached' 20 || { stop_bg "$tp"; return 1; }
		bg "${WL[@]}" >/dev/null 2>"$d/err"
		;;
	clockpair)
		# it needs the workload's pid: the workload first, waiting for SIGUSR1
		bg "${WL[@]}" >/dev/null 2>"$d/err"
		wlp=$BG_PID
		wait_grep "$d/err" 'waiting for SIGUSR1' 20 || { stop_bg "$wlp"; return 1; }
		bg "$CLOCKPAIR" "$wlp" >"$d/side" 2>&1
		tp=$BG_PID
		wait_grep "$d/side" '^clockpair: attached' 20 || { stop_bg "$tp"; stop_bg "$wlp"; return 1; }
		;;
	esac
	[ "$label" = clockpair ] || wlp=$BG_PID
	if ! wait_grep "$d/err" 'waiting for SIGUSR1' 20; then
		stop_bg "$wlp"
		[ -n "$tp" ] && stop_bg "$tp"
		[ -n "$sp" ] && stop_bg "$sp"
		return 1
	fi
	wpid=$(sed -n 's/.* pid \([0-9]*\) set up.*/\1/p' "$d/err" | head -n1)
	[ "$label" = latscope ] && tp=$(awk '{ print $4 }' "/proc/$wpid/stat")
	bs prog-names "$tp" >"$d/names.json"
	quiesce
	kill -USR1 "$wpid"
	sleep 0.1
	prog_stats_of "$tp" >"$d/a.txt"
	for i in $(seq 300); do
		kill -0 "$wpid" 2>/dev/null || break
		prog_stats_of "$tp" >"$d/b.tmp" && kill -0 "$wpid" 2>/dev/null &&
			mv "$d/b.tmp" "$d/b.txt"
		sleep 0.1
	done
	wait "$wlp"
	[ "$label" != latscope ] && stop_bg "$tp"
	[ -n "$sp" ] && stop_bg "$sp"
	[ -s "$d/b.txt" ] || return 1
	bs stats-run --tracer "$label" --workload "$wl" --before "$d/a.txt" --after "$d/b.txt" \
		--names "$d/names.json"
}

# ---- what single BPF operations cost (build/bench/helpercost) ----------------

# helpers_run OP ROUND: OP's sys_enter program (bench/helpercost.bpf.c)
# attached alone, the getppid loop pinned to $CPU, and the program's
# run_time_ns / run_cnt from the kernel's counters read before and after
# it: one line in helpers.jsonl, its ns per run on stdout.  Not for $(...): BG_PIDS must stay ours.
# Returns 2 when helpercost cannot load or attach OP, 1 when the run
# fails; the reason in $HELPERS_WHY.
helpers_run() {
	local op=$1 round=$2 d=$TMPD/helpers lp id rc
	mkdir -p "$d"
	HELPERS_WHY=
	bg "$HELPERCOST" "$op" >"$d/side" 2>&1
	lp=$BG_PID
	if ! wait_grep "$d/side" '^(helpercost: attached|Error: )' 20 ||
		! grep -q '^helpercost: attached' "$d/side"; then
		stop_bg "$lp"
		HELPERS_WHY=$(grep -v -e '^$' -e RLIMIT_MEMLOCK "$d/side" | tail -n1)
		HELPERS_WHY=${HELPERS_WHY#Error: }
		HELPERS_WHY=${HELPERS_WHY:-"helpercost $op did not attach within 20 s"}
		return 2
	fi
	id=$(sed -n 's/^helpercost: attached .*prog id \([0-9]*\)).*/\1/p' "$d/side")
	prog_stats_of "$lp" >"$d/a.txt"
	"$B/getppid" -n "$HELPERS_N" -W 0 -c "$CPU" >"$d/wl.json" 2>"$d/err"
	rc=$?
	prog_stats_of "$lp" >"$d/b.txt"
	stop_bg "$lp"
	if [ "$rc" -ne 0 ]; then
		HELPERS_WHY="getppid failed (exit $rc): $(grep -v '^$' "$d/err" | tail -n1)"
		return 1
	fi
	bs helpers-run --runs "$TMPD/helpers.jsonl" --op "$op" --id "${id:-none}" \
		--round "$round" --before "$d/a.txt" --after "$d/b.txt" || {
		HELPERS_WHY="the run count of $op's program (id ${id:-?}) did not grow: kernel.bpf_stats_enabled reset by someone?"
		return 1
	}
}

# ---- main ------------------------------------------------------------------

if [ "$(id -u)" != 0 ]; then
	echo "Error: make bench needs root (BPF, tracers, sysctls)" >&2
	exit 1
fi
# Two benches at once would time each other and fight over the sysctls.
exec 9>/run/latscope-bench.lock
if ! flock -n 9; then
	echo "bench: another bench is running; waiting for it (at most 15 minutes)" >&2
	flock -w 900 9 || { echo "Error: another bench is still running" >&2; exit 1; }
fi
for x in "$PYTHON" bpftool; do
	command -v "$x" >/dev/null || { echo "Error: $x is needed" >&2; exit 1; }
done
for v in $VARIANTS; do
	CONFIGS="$CONFIGS latscope@${v%%=*}"
done

echo "latscope bench$([ -n "$QUICK" ] && echo " (QUICK)"): $RUNS interleaved runs per configuration, workloads pinned to CPU $CPU"
bs machine --bench-cpu "$CPU" --latscope "$LATSCOPE" -o "$TMPD/machine.json"
FOREIGN=$(foreign_progs)
[ -n "$FOREIGN" ] && note "tracing BPF programs of someone else are loaded and may add to every configuration: $FOREIGN"
awk '$1 > 0.5 { exit 1 }' /proc/loadavg ||
	note "load average at start is $(cut -d' ' -f1-3 /proc/loadavg): another busy process makes every number noisier"

check_tools
LS_NOCOST=
"$LATSCOPE" record --help 2>/dev/null | grep -q -- --no-cost && LS_NOCOST=1
NR_GETPPID=$(printf '#include <sys/syscall.h>\nSYS_getppid\n' | ${CC:-cc} -E -P - 2>/dev/null |
	tail -n1 | grep -E '^[0-9]+$')
ACTIVE_CONFIGS=
for c in $CONFIGS; do
	[ -z "${SKIPPED[$c]:-}" ] && ACTIVE_CONFIGS="$ACTIVE_CONFIGS $c"
done
ACTIVE_CONFIGS=${ACTIVE_CONFIGS# }
case " $WORKLOADS $SECTIONS " in *" icmp_echo "* | *" bpfstats "*) open_ping_sockets ;; esac
echo "iterations per run: $(for w in $WORKLOADS; do
	printf '%s %s/%s/%s  ' "$w" "$(n_for fast "$w")" "$(n_for bpftrace "$w")" "$(n_for slow "$w")"
done)(BPF configs / bpftrace / strace and perf)"

MD=$TMPD/results.md
bs md-header --machine "$TMPD/machine.json" ${QUICK:+--quick} --variants "$VARIANTS" \
	--runs "$RUNS" --date "$(date -u '+%Y-%m-%d %H:%M UTC')" >"$MD"

echo '[]' >"$TMPD/overhead.json"
echo '[]' >"$TMPD/goals.json"
if [[ " $SECTIONS " == *" overhead "* ]]; then
	[ -n "${FROM_RUNS:-}" ] && WORKLOADS= && cp "$FROM_RUNS" "$RUNS_FILE"
	for wl in $WORKLOADS; do
		for ((r = 1; r <= RUNS; r++)); do
			line="$wl $r/$RUNS:"
			for cfg in $ACTIVE_CONFIGS; do
				run_one "$wl" "$cfg" "$r"
				line="$line $cfg $RUN_RESULT"
			done
			echo "  $line"
		done
	done
	bs overhead --runs "$RUNS_FILE" --order "$ACTIVE_CONFIGS" -o "$TMPD/overhead.json" \
		--goals "$TMPD/goals.json" --md "$MD" || FAILED=1
fi

echo '[]' >"$TMPD/memory.json"
if [[ " $SECTIONS " == *" memory "* ]]; then
	: >"$TMPD/mem.jsonl"
	mem_run "default (getppid)" getppid "$N_MEM" >>"$TMPD/mem.jsonl" || FAILED=1
	mem_run "64 subsystems (udp_fanout)" udp_fanout "$N_MEM" >>"$TMPD/mem.jsonl" || FAILED=1
	bs memory --runs "$TMPD/mem.jsonl" -o "$TMPD/memory.json" --md "$MD"
fi

echo null >"$TMPD/accuracy.json"
if [[ " $SECTIONS " == *" accuracy "* ]]; then
	files=()
	for ((i = 1; i <= ACC_RUNS; i++)); do
		if acc_run "$i" >"$TMPD/acc-$i.json"; then
			files+=("$TMPD/acc-$i.json")
		else
			FAILED=1
		fi
	done
	if [ ${#files[@]} -gt 0 ]; then
		bs accuracy -o "$TMPD/accuracy.json" --md "$MD" "${files[@]}"
	fi
fi

echo '[]' >"$TMPD/stats.json"
if [[ " $SECTIONS " == *" bpfstats "* ]]; then
	OLD_BPF_STATS=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	: >"$TMPD/stats.jsonl"
	# the clock pair for the goals' reasons; udp_rr for the scheduler hooks
	# (two threads on one CPU: context switches on every exchange)
	STATS_RUNS="latscope:getppid untargeted:getppid floor:getppid clockpair:getppid
		latscope:icmp_echo floor:icmp_echo clockpair:icmp_echo latscope:udp_rr untargeted:udp_rr"
	[ -n "$QUICK" ] && STATS_RUNS=${STATS_RUNS/untargeted:getppid /}
	for tw in $STATS_RUNS; do
		stats_run "${tw%%:*}" "${tw#*:}" >>"$TMPD/stats.jsonl" ||
			{ echo "  FAIL: bpf stats of ${tw#*:} under ${tw%%:*}" >&2; FAILED=1; }
	done
	sysctl -qw kernel.bpf_stats_enabled="$OLD_BPF_STATS" && OLD_BPF_STATS=
	bs stats --runs "$TMPD/stats.jsonl" -o "$TMPD/stats.json" --md "$MD"
fi
# the verdicts last: a goal not met says why from the run-time figures
if [[ " $SECTIONS " == *" overhead "* ]]; then
	bs goals --overhead "$TMPD/overhead.json" --stats "$TMPD/stats.json" -o "$TMPD/goals.json" \
		--md "$MD"
fi

echo null >"$TMPD/helpers.json"
if [[ " $SECTIONS " == *" helpers "* ]]; then
	if [ ! -x "$HELPERCOST" ] || ! "$HELPERCOST" --list >"$TMPD/helper-ops.tsv"; then
		skip_note "helpers: $HELPERCOST is missing (make bench builds it)"
		FAILED=1
	else
		# empty first, and an op's base (if any) before it
		HELPER_OPS_RUN=empty
		for op in ${HELPER_OPS:-$(cut -f1 "$TMPD/helper-ops.tsv")}; do
			base=$(awk -F'\t' -v op="$op" '$1 == op { print $2 }' "$TMPD/helper-ops.tsv")
			if [ -z "$base" ]; then
				note "helpers: no operation '$op' (HELPER_OPS; $HELPERCOST --help lists them)"
				continue
			fi
			for o in $base $op; do
				[ "$o" = - ] || [[ " $HELPER_OPS_RUN " == *" $o "* ]] ||
					HELPER_OPS_RUN="$HELPER_OPS_RUN $o"
			done
		done
		HELPERS_T0=$(date +%s)
		OLD_BPF_STATS=$(sysctl -n kernel.bpf_stats_enabled)
		sysctl -qw kernel.bpf_stats_enabled=1
		: >"$TMPD/helpers.jsonl"
		declare -A HELPER_SKIPPED=()
		for ((r = 1; r <= HELPER_ROUNDS; r++)); do
			line="helpers $r/$HELPER_ROUNDS:"
			for op in $HELPER_OPS_RUN; do
				[ -n "${HELPER_SKIPPED[$op]:-}" ] && continue
				helpers_run "$op" "$r" >"$TMPD/helper-run.txt"
				case $? in
				0)
					line="$line $op $(cat "$TMPD/helper-run.txt")"
					;;
				2)
					HELPER_SKIPPED[$op]=$HELPERS_WHY
					skip_note "helpers: $op: $HELPERS_WHY"
					line="$line $op SKIP"
					;;
				*)
					bs helpers-run --runs "$TMPD/helpers.jsonl" --op "$op" --round "$r" \
						--failed "$HELPERS_WHY"
					echo "  FAIL: helpers $op (round $r): $HELPERS_WHY" >&2
					line="$line $op FAIL"
					;;
				esac
			done
			echo "  $line"
		done
		sysctl -qw kernel.bpf_stats_enabled="$OLD_BPF_STATS" && OLD_BPF_STATS=
		skipped=()
		for op in "${!HELPER_SKIPPED[@]}"; do
			skipped+=(--skipped "$op=${HELPER_SKIPPED[$op]}")
		done
		# a skipped operation is a note; a failed run or no reference is not
		bs helpers --runs "$TMPD/helpers.jsonl" --ops "$TMPD/helper-ops.tsv" \
			--order "$HELPER_OPS_RUN" --iters "$HELPERS_N" --cpu "$CPU" \
			--rounds "$HELPER_ROUNDS" --elapsed $(($(date +%s) - HELPERS_T0)) \
			"${skipped[@]}" -o "$TMPD/helpers.json" --md "$MD" || FAILED=1
	fi
fi

# ours may still be on their way out: a program outlives its last fd briefly
for i in $(seq 30); do
	FOREIGN_END=$(foreign_progs)
	[ "$FOREIGN_END" = "$FOREIGN" ] && break
	sleep 0.1
done
[ -n "$FOREIGN_END" ] && [ "$FOREIGN_END" != "$FOREIGN" ] &&
	note "tracing BPF programs of someone else were loaded during the run: $FOREIGN_END"
ELAPSED=$(($(date +%s) - START_TIME))
if [ -s "$NOTES_FILE" ]; then
	{
		echo
		echo "Notes:"
		echo
		sed 's/^/- /' "$NOTES_FILE"
	} >>"$MD"
fi
echo >>"$MD"
echo "Wall time of the bench: ${ELAPSED} s." >>"$MD"

bs results --machine "$TMPD/machine.json" ${QUICK:+--quick} --runs "$RUNS" \
	--configs "$ACTIVE_CONFIGS" --variants "$VARIANTS" --elapsed "$ELAPSED" \
	--date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --notes "$NOTES_FILE" \
	--overhead "$TMPD/overhead.json" --goals "$TMPD/goals.json" \
	--memory "$TMPD/memory.json" --accuracy "$TMPD/accuracy.json" --stats "$TMPD/stats.json" \
	--helpers "$TMPD/helpers.json" -o "$OUT/results.json"
cp "$MD" "$OUT/results.md"
cp "$RUNS_FILE" "$OUT/runs.jsonl"
echo
echo "bench took ${ELAPSED} s; wrote $OUT/results.json, $OUT/results.md and $OUT/runs.jsonl"
exit $FAILED
