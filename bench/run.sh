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
# Configurations run interleaved (A B C ... A B C ...), RUNS times each.
#
# Environment (all optional):
#   QUICK=1          fewer iterations and runs (about 1.5 minutes)
#   RUNS=N           interleaved rounds per workload (default 7, QUICK 5)
#   WORKLOADS="..."  subset of: getppid udp_rr icmp_echo netlink_dump
#   CONFIGS="..."    subset/order of: none latscope latscope-nocost
#                    untargeted untargeted-nocost floor clockpair bpftrace
#                    perf strace
#                    (plus latscope@NAME, untargeted-nocost@NAME, ...);
#                    QUICK leaves out the two -nocost ones
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
if [ -n "$QUICK" ]; then
	CONFIGS=${CONFIGS:-none latscope untargeted floor clockpair bpftrace perf strace}
else
	CONFIGS=${CONFIGS:-none latscope latscope-nocost untargeted untargeted-nocost floor clockpair bpftrace perf strace}
fi
VARIANTS=${VARIANTS:-}
SECTIONS=${SECTIONS:-overhead memory accuracy bpfstats helpers}
CPU=${BENCH_CPU:-$(($(nproc) - 1))}
SCALE=${SCALE:-1}
START_TIME=$(date +%s)

# Iterations per run.  "fast" is every BPF configuration without maps of
# its own in user space; bpftrace adds about 1 us per syscall, strace and
# perf trace 30 to 300 us, so they get fewer iterations for similar run
# times.  ns per op does not depend on N: only the loop is timed.
# QUICK divides all of them by QUICK_DIV.
declare -A N_FAST=([getppid]=600000 [udp_rr]=20000 [icmp_echo]=40000 [netlink_dump]=12000)
declare -A N_BPFTRACE=([getppid]=200000 [udp_rr]=8000 [icmp_echo]=16000 [netlink_dump]=6000)
declare -A N_SLOW=([getppid]=5000 [udp_rr]=500 [icmp_echo]=2000 [netlink_dump]=1000)
QUICK_DIV=5
N_MEM=$([ -n "$QUICK" ] && echo 20000 || echo 200000)	# memory runs
ACC_RUNS=$([ -n "$QUICK" ] && echo 1 || echo 5)
ACC_N=$([ -n "$QUICK" ] && echo 100000 || echo 1000000)
declare -A STATS_N=([getppid]=3000000 [icmp_echo]=100000)	# bpfstats runs
[ -n "$QUICK" ] && STATS_N=([getppid]=1000000 [icmp_echo]=50000)
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

# Extra `record` options of a latscope configuration: -nocost turns off the
# run-time statistics latscope keeps by default (kernel.bpf_stats_enabled
# for every BPF program on the host while it records).
ls_opts_of() {
	case ${1%%@*} in
	*-nocost) echo --no-cost ;;
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

first_line() { "$@" 2>&1 | head -n1; }

machine_json() {
	local cpu vuln
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
	vuln=$(for f in spectre_v2 spec_rstack_overflow retbleed; do
		[ -r /sys/devices/system/cpu/vulnerabilities/$f ] &&
			echo "$f: $(cat /sys/devices/system/cpu/vulnerabilities/$f)"
	done)
	jq -n --arg kernel "$(uname -r)" --arg kver "$(uname -v)" --arg cpu "$cpu" \
		--argjson ncpus "$(nproc)" --argjson bench_cpu "$CPU" \
		--arg clocksource "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)" \
		--arg mitigations "$vuln" \
		--arg latscope "$(first_line "$LATSCOPE" --version)" \
		--arg clang "$(first_line clang --version)" \
		--arg bpftool "$(first_line bpftool version)" \
		--arg libbpf "$(pkg-config --modversion libbpf 2>/dev/null)" \
		--arg bpftrace "$(command -v bpftrace >/dev/null && first_line bpftrace --version)" \
		--arg perf "$(command -v perf >/dev/null && first_line perf version)" \
		--arg strace "$(command -v strace >/dev/null && first_line strace -V)" \
		--arg loadavg "$(cat /proc/loadavg)" \
		'{kernel: $kernel, kernel_build: $kver, cpu: $cpu, ncpus: $ncpus,
		  bench_cpu: $bench_cpu, clocksource: $clocksource,
		  mitigations: ($mitigations | split("\n")), loadavg_at_start: $loadavg,
		  tools: {latscope: $latscope, clang: $clang, bpftool: $bpftool,
			  libbpf: $libbpf, bpftrace: $bpftrace, perf: $perf, strace: $strace}}'
}

# Tracing programs loaded by someone else add to every configuration.  The
# floor's and helpercost's names are ours alone; a program outlives its last
# fd briefly.
foreign_progs() {
	bpftool prog show -j 2>/dev/null | jq -r '[.[] | select(.type == "tracing" or
		.type == "raw_tracepoint" or .type == "tracepoint" or .type == "kprobe")
		| select((.name // "") | startswith("floor_sys_") or startswith("hc_") | not)
		| "\(.id):\(.name // "?")"] | join(" ")'
}

declare -A SKIPPED=()

check_tools() {
	local err=$TMPD/check.err cfg tool key
	declare -A TRIED=()
	for cfg in $CONFIGS; do
		case $cfg in
		none) ;;
		latscope | latscope[-@]* | untargeted | untargeted[-@]*)
			tool=$(latscope_of "$cfg")
			key="$tool $(ls_opts_of "$cfg")"
			# one trial per binary and options (loading takes a second)
			if [ -z "${TRIED[$key]+set}" ]; then
				TRIED[$key]=
				# shellcheck disable=SC2046
				if [ ! -x "$tool" ]; then
					TRIED[$key]="$tool is not an executable (make, or fix VARIANTS)"
				elif ! "$tool" record -q -o /dev/null $(ls_opts_of "$cfg") -- /bin/true 2>"$err"; then
					TRIED[$key]="$tool record $(ls_opts_of "$cfg") fails: $(tail -n1 "$err")"
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
	case $cfg in
	none)
		"${WL[@]}" >/dev/null 2>"$err"
		rc=$?
		;;
	latscope | latscope[-@]*)
		tool=$(latscope_of "$cfg")
		# shellcheck disable=SC2046
		"$tool" record -q -o /dev/null $(ls_opts_of "$cfg") -- "${WL[@]}" >/dev/null 2>"$err"
		rc=$?
		;;
	untargeted | untargeted[-@]*)
		tool=$(latscope_of "$cfg")
		bg sleep 1000
		sp=$BG_PID
		# shellcheck disable=SC2046
		bg "$tool" -v record -q -o /dev/null $(ls_opts_of "$cfg") -p "$sp" >/dev/null 2>"$side"
		lp=$BG_PID
		if wait_grep "$side" '^tracing ' 20; then
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
	if [ "$rc" -eq 0 ] && [ -s "$res" ] && jq -e . "$res" >/dev/null 2>&1; then
		jq -c --arg cfg "$cfg" --argjson run "$run" \
			--argjson wall "$((($(date +%s%N) - t0) / 1000000))" \
			'{workload, config: $cfg, run: $run, ok: true, iters, ns_per_op,
			  syscalls_per_op, wall_ms: $wall}' "$res" >>"$RUNS_FILE"
		RUN_RESULT=$(jq -r '.ns_per_op' "$res")
	else
		jq -nc --arg wl "$wl" --arg cfg "$cfg" --argjson run "$run" --argjson n "$n" \
			--arg why "$(grep -v -e '^$' -e RLIMIT_MEMLOCK "$err" | tail -n1)" \
			'{workload: $wl, config: $cfg, run: $run, ok: false, iters: $n, why: $why}' \
			>>"$RUNS_FILE"
		RUN_RESULT=FAIL
		echo "  FAIL: $wl under $cfg (run $run, exit $rc): $(grep -v -e '^$' -e RLIMIT_MEMLOCK "$err" | tail -n1)" >&2
	fi
}

# ---- summaries -------------------------------------------------------------

# runs.jsonl -> per workload, per config (in CONFIGS order) statistics.
summarize() {
	jq -s --arg order "$ACTIVE_CONFIGS" '
	def median: sort | if length == 0 then null
		elif length % 2 == 1 then .[(length - 1) / 2]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def r1: if . == null then null else (. * 10 | round) / 10 end;
	def r2: if . == null then null else (. * 100 | round) / 100 end;
	($order | split(" ")) as $ord
	| group_by(.workload) | map(
		. as $rows
		| ($rows | map(select(.ok and .config == "none") | .ns_per_op) | median) as $base
		| ($rows | map(select(.ok and .config == "none") | .ns_per_op) | min) as $base_min
		| ($rows | map(select(.ok and .config == "floor")) |
			{ns: (map(.ns_per_op) | median), spo: (map(.syscalls_per_op) | median)}) as $fl
		| (if $base != null and $fl.ns != null then ($fl.ns - $base) / $fl.spo
		   else null end) as $floor_added
		| ($rows | map(select(.ok and .config == "none") | .ns_per_op)) as $nv
		| ($rows | map(select(.ok) | .syscalls_per_op) | median) as $wspo
		# half the spread of the untraced runs, per syscall: differences
		# smaller than this are noise
		| (if ($nv | length) > 1 then (($nv | max) - ($nv | min)) / 2 / $wspo
		   else null end) as $noise
		| {workload: $rows[0].workload,
		   syscalls_per_op: ($wspo | r2),
		   noise_ns_per_syscall: ($noise | r1),
		   floor_above_noise: ($floor_added != null and $noise != null and
				       $floor_added > $noise),
		   baseline_ns_per_op: ($base | r1),
		   floor_added_ns_per_syscall: ($floor_added | r1),
		   configs: [ $ord[] as $c | $rows | map(select(.config == $c))
			| select(length > 0)
			| (map(select(.ok))) as $ok
			| ($ok | map(.ns_per_op)) as $v
			| ($ok | map(.syscalls_per_op) | median) as $spo
			| ($v | median) as $med
			| (if $med != null and $base != null then ($med - $base) / $spo
			   else null end) as $added
			| {config: $c, iters: .[0].iters, runs: length, failed: (length - ($ok | length)),
			   ns_per_op: ($med | r1), min: ($v | min | r1), max: ($v | max | r1),
			   all: ($v | map(r1)),
			   ratio: (if $med != null and $base != null then $med / $base | r2 else null end),
			   added_ns_per_syscall: ($added | r1),
			   # the same from the fastest runs: interference only ever
			   # slows a run down, so on a busy machine this is steadier
			   added_ns_per_syscall_min: (if ($v | length) > 0 and $base_min != null
				then (($v | min) - $base_min) / $spo | r1 else null end),
			   x_floor: (if $added != null and $floor_added != null and $floor_added > 0
				and $c != "none" and $c != "floor"
				then $added / $floor_added | r2 else null end),
			   why: ([.[] | select(.ok | not) | .why] | unique)} ]
		})' "$RUNS_FILE"
}

fmt() {	# value printf-format: "-" for null
	# shellcheck disable=SC2059
	if [ "$1" = null ] || [ -z "$1" ]; then echo "-"; else printf "$2" "$1"; fi
}

# overhead tables, text (stdout) and markdown ($1)
render_overhead() {
	local summary=$1 md=$2 w
	for w in $(jq -r '.[].workload' "$summary"); do
		jq -r --arg w "$w" '.[] | select(.workload == $w) |
			"\(.workload)\t\(.syscalls_per_op)\t\(.baseline_ns_per_op)\t\(.floor_added_ns_per_syscall)\t\(.noise_ns_per_syscall)\t\(.floor_above_noise)"' \
			"$summary" | {
			IFS=$'\t' read -r name spo base fl noise above
			echo
			echo "== $name: syscalls per op $spo; no tracer $(fmt "$base" %.1f) ns/op (noise +-$(fmt "$noise" %.1f) ns per syscall); the floor adds $(fmt "$fl" %.1f) ns per syscall"
			[ "$above" = true ] ||
				echo "   the floor's cost is within the noise here: its x floor figures (marked ?) mean little"
			printf '%-18s %7s  %-27s %7s  %11s  %7s  %11s\n' config N "ns/op median (min-max)" \
				"x none" "+ns/syscall" "x floor" "(from mins)"
			{
				echo
				echo "### $name (syscalls per op: $spo)"
				echo
				echo "No tracer: $(fmt "$base" %.1f) ns/op, run-to-run noise ±$(fmt "$noise" %.1f) ns per syscall (half the spread of the untraced runs). The floor adds $(fmt "$fl" %.1f) ns per syscall.$([ "$above" = true ] || echo " That is within the noise, so the × floor figures (marked ?) mean little here.")"
				echo
				echo "| config | N | ns/op median (min–max) | × no tracer | added ns/syscall | × floor | added ns/syscall from the fastest runs |"
				echo "|---|---:|---:|---:|---:|---:|---:|"
			} >>"$md"
		}
		local mark
		mark=$(jq -r --arg w "$w" '.[] | select(.workload == $w) |
			if .floor_above_noise then "" else "?" end' "$summary")
		jq -r --arg w "$w" '.[] | select(.workload == $w) | .configs[] |
			"\(.config)\t\(.iters)\t\(.ns_per_op)\t\(.min)\t\(.max)\t\(.ratio)\t\(.added_ns_per_syscall)\t\(.x_floor)\t\(.failed)\t\(.runs)\t\(.added_ns_per_syscall_min)"' \
			"$summary" | while IFS=$'\t' read -r c n med mn mx ratio added xf failed runs amin; do
			local cell
			if [ "$med" = null ]; then
				cell="FAILED ($failed/$runs)"
			else
				cell="$(fmt "$med" %.1f) ($(fmt "$mn" %.1f)-$(fmt "$mx" %.1f))"
				[ "$failed" != 0 ] && cell="$cell [$failed failed]"
			fi
			printf '%-18s %7s  %-27s %7s  %11s  %7s  %11s\n' "$c" "$n" "$cell" \
				"$(fmt "$ratio" %.2f)" "$(fmt "$added" %+.1f)" "$(fmt "$xf" "%.2f$mark")" \
				"$(fmt "$amin" %+.1f)"
			echo "| $c | $n | ${cell/-/–} | $(fmt "$ratio" %.2f) | $(fmt "$added" %+.1f) | $(fmt "$xf" "%.2f$mark") | $(fmt "$amin" %+.1f) |" >>"$md"
		done
	done
}

# ---- memory ----------------------------------------------------------------

# BPF maps and programs a process holds fds to: [{id,name,type,memlock}...]
bpf_objs_of() {
	local pid=$1 f id
	for f in /proc/"$pid"/fdinfo/*; do
		id=$(sed -n 's/^map_id:[[:space:]]*//p' "$f" 2>/dev/null)
		if [ -n "$id" ]; then
			bpftool map show id "$id" -j 2>/dev/null |
				jq -c '{kind: "map", id, name, type, bytes: .bytes_memlock}'
			continue
		fi
		id=$(sed -n 's/^prog_id:[[:space:]]*//p' "$f" 2>/dev/null)
		[ -z "$id" ] && continue
		bpftool prog show id "$id" -j 2>/dev/null |
			jq -c '{kind: "prog", id, name, type, bytes: .bytes_memlock,
				bytes_jited, bytes_xlated}'
	done | jq -s 'unique_by(.kind, .id)'
}

# Sum of memlock over the BPF maps a process holds fds to (fdinfo only).
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
	bpf_objs_of "$lpid" >"$d/objs.json"
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
	jq -n --arg lbl "$label" --arg wl "$wl" --argjson n "$n" \
		--slurpfile rss "$d/rss.json" --slurpfile objs "$d/objs.json" \
		--argjson mapbytes "$(cat "$d/mapbytes")" \
		--slurpfile snap "$d/snap.json" '
		($objs[0]) as $o
		| {label: $lbl, workload: $wl, iters: $n,
		   peak_rss_kib: $rss[0].maxrss_kb,
		   subsystems: ($snap[0].subsystems | length),
		   subsystem_syscall_pairs: ([$snap[0].subsystems[].syscalls | length] | add),
		   events: $snap[0].meta.events,
		   map_bytes: $mapbytes,
		   prog_bytes_jited: ([$o[] | select(.kind == "prog") | .bytes_jited] | add),
		   maps: [$o[] | select(.kind == "map") | {name, type, bytes}]}'
}

render_memory() {
	local mem=$1 md=$2
	echo
	echo "== memory: latscope record (default options), launch mode"
	printf '%-28s %10s %11s %8s %10s %12s\n' run "peak RSS" "map memory" subsys "pairs" "JIT code"
	{
		echo
		echo "### Memory (latscope record, default options)"
		echo
		echo "| run | peak RSS | BPF map memory | subsystems | (subsystem, syscall) pairs | JITed code |"
		echo "|---|---:|---:|---:|---:|---:|"
	} >>"$md"
	jq -r '.[] | "\(.label)\t\(.peak_rss_kib)\t\(.map_bytes)\t\(.subsystems)\t\(.subsystem_syscall_pairs)\t\(.prog_bytes_jited)"' "$mem" |
		while IFS=$'\t' read -r l rss mb ss pairs jit; do
			local rs ms js
			rs="$(awk -v k="$rss" 'BEGIN { printf "%.1f MiB", k / 1024 }')"
			ms="$(awk -v b="$mb" 'BEGIN { printf "%.2f MiB", b / 1048576 }')"
			js="$(awk -v b="$jit" 'BEGIN { printf "%.1f KiB", b / 1024 }')"
			printf '%-28s %10s %11s %8s %10s %12s\n' "$l" "$rs" "$ms" "$ss" "$pairs" "$js"
			echo "| $l | $rs | $ms | $ss | $pairs | $js |" >>"$md"
		done
	echo "maps of the first run (bytes_memlock, as the kernel accounts them):"
	jq -r '.[0].maps[] | "  \(.name) (\(.type)): \(.bytes)"' "$mem"
	{
		echo
		echo "Maps of the first run, as the kernel accounts them (\`bpftool map show\` bytes_memlock):"
		echo
		jq -r '.[0].maps[] | "- `\(.name)` (\(.type)): \(.bytes) bytes"' "$mem"
	} >>"$md"
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
				kill -USR1 "$wp"
				wait "$wp"
			fi
			stop_bg "$cp"
			grep '^{' "$d/cp.out" | tail -n1 >"$d/cp.json"
			[ -s "$d/cp.json" ] || echo '{}' >"$d/cp.json"
		fi
		stop_bg "$wp"
	fi
	jq -n --slurpfile p "$d/plain.json" --slurpfile t "$d/traced.json" \
		--slurpfile s "$d/snap.json" --slurpfile tn "$d/traced-nc.json" \
		--slurpfile sn "$d/snap-nc.json" --slurpfile cp "$d/cp.json" '
		def sc($snap; $n): [$snap.subsystems[] | select(.name == "other") | .syscalls[]
			| select(.syscall == $n)][0];
		def ls($snap; $n): sc($snap; $n) | if . == null then null
			else {count, p50_ns, mean_ns: (.total_ns / .count)} end;
		(if sc($s[0]; "clock_nanosleep") then "clock_nanosleep" else "nanosleep" end) as $sl
		| {untraced: $p[0], traced: $t[0], traced_nocost: $tn[0],
		   sleep_syscall: $sl,
		   ls_sleep: ls($s[0]; $sl), ls_getppid: ls($s[0]; "getppid"),
		   lsnc_sleep: ls($sn[0]; $sl), lsnc_getppid: ls($sn[0]; "getppid"),
		   clockpair: $cp[0]}'
}

accuracy_summary() {	# files... -> medians over runs
	jq -s '
	def median: sort | if length == 0 then null
		elif length % 2 == 1 then .[(length - 1) / 2]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def r1: (. * 10 | round) / 10;
	def m(f): map(f) | map(select(. != null)) | median | if . == null then null else r1 end;
	# slot width of the log-linear histogram at v (include/latscope.h)
	def width(v): if v < 64 then 1 else pow(2; (v | log2 | floor) - 5) end;
	{runs: length, sleep_syscall: .[0].sleep_syscall,
	 sleep: {requested_ns: .[0].untraced.sleep_req_ns, calls: .[0].untraced.sleep_n,
		 user_median_untraced_ns: m(.untraced.sleep_median_ns),
		 user_median_traced_ns: m(.traced.sleep_median_ns),
		 latscope_p50_ns: m(.ls_sleep.p50_ns),
		 latscope_mean_ns: m(.ls_sleep.mean_ns),
		 user_mean_traced_ns: m(.traced.sleep_mean_ns),
		 p50_bias_ns: m(.ls_sleep.p50_ns - .traced.sleep_median_ns),
		 mean_bias_ns: m(.ls_sleep.mean_ns - .traced.sleep_mean_ns),
		 nocost_p50_bias_ns: m(if .lsnc_sleep then .lsnc_sleep.p50_ns - .traced_nocost.sleep_median_ns else null end),
		 user_median_hist_ns: m(.traced.sleep_median_hist_ns),
		 p50_bias_vs_hist_ns: m(.ls_sleep.p50_ns - .traced.sleep_median_hist_ns),
		 nocost_p50_bias_vs_hist_ns: m(if .lsnc_sleep then .lsnc_sleep.p50_ns - .traced_nocost.sleep_median_hist_ns else null end),
		 histogram_slot_ns: width(map(.ls_sleep.p50_ns) | median)},
	 getppid: {calls: .[0].untraced.iters,
		 untraced_loop_ns_per_call: m(.untraced.ns_per_op),
		 traced_loop_ns_per_call: m(.traced.ns_per_op),
		 user_median_untraced_ns: m(.untraced.getppid_median_ns),
		 user_median_traced_ns: m(.traced.getppid_median_ns),
		 clock_pair_ns: m(.untraced.clock_pair_median_ns),
		 latscope_p50_ns: m(.ls_getppid.p50_ns),
		 latscope_mean_ns: m(.ls_getppid.mean_ns),
		 p50_minus_untraced_median_ns: m(.ls_getppid.p50_ns - .untraced.getppid_median_ns),
		 mean_minus_untraced_loop_ns: m(.ls_getppid.mean_ns - .untraced.ns_per_op),
		 nocost_latscope_p50_ns: m(.lsnc_getppid.p50_ns),
		 nocost_latscope_mean_ns: m(.lsnc_getppid.mean_ns),
		 nocost_mean_minus_untraced_loop_ns:
			m(if .lsnc_getppid then .lsnc_getppid.mean_ns - .untraced.ns_per_op else null end),
		 clockpair_mean_ns: m(.clockpair.mean_ns),
		 latscope_mean_minus_clockpair_ns:
			m(if .clockpair.mean_ns then .ls_getppid.mean_ns - .clockpair.mean_ns else null end),
		 nocost_mean_minus_clockpair_ns:
			m(if .clockpair.mean_ns and .lsnc_getppid then .lsnc_getppid.mean_ns - .clockpair.mean_ns
			  else null end),
		 clockpair_mean_minus_untraced_loop_ns:
			m(if .clockpair.mean_ns then .clockpair.mean_ns - .untraced.ns_per_op else null end)}}' "$@"
}

render_accuracy() {
	local acc=$1 md=$2
	jq -r '
	"",
	"== accuracy: latscope vs clock_gettime around each call (median of \(.runs) runs)",
	"\(.sleep.calls // "n/a") x nanosleep(\(.sleep.requested_ns // "n/a") ns), syscall \(.sleep_syscall):",
	"  workload median per call (traced run)  \(.sleep.user_median_traced_ns // "n/a") ns  (untraced run \(.sleep.user_median_untraced_ns // "n/a"))",
	"  latscope p50                           \(.sleep.latscope_p50_ns // "n/a") ns  (histogram slot \(.sleep.histogram_slot_ns // "n/a") ns wide)",
	"  p50 bias                               \(.sleep.p50_bias_ns // "n/a") ns",
	"  mean: latscope \(.sleep.latscope_mean_ns // "n/a") ns, workload \(.sleep.user_mean_traced_ns // "n/a") ns, bias \(.sleep.mean_bias_ns // "n/a") ns",
	"  p50 bias with --no-cost                \(.sleep.nocost_p50_bias_ns // "n/a") ns",
	"  workload samples read through latscope'"'"'s histogram: p50 \(.sleep.user_median_hist_ns // "n/a") ns; latscope p50 minus it \(.sleep.p50_bias_vs_hist_ns // "n/a") ns (--no-cost: \(.sleep.nocost_p50_bias_vs_hist_ns // "n/a") ns)",
	"\(.getppid.calls // "n/a") x getppid:",
	"  untraced: plain loop per call          \(.getppid.untraced_loop_ns_per_call // "n/a") ns; median with clock_gettime around \(.getppid.user_median_untraced_ns // "n/a") ns (one clock read \(.getppid.clock_pair_ns // "n/a") ns)",
	"  traced:   plain loop per call          \(.getppid.traced_loop_ns_per_call // "n/a") ns; median with clock_gettime around \(.getppid.user_median_traced_ns // "n/a") ns",
	"  latscope p50                           \(.getppid.latscope_p50_ns // "n/a") ns  (minus the untraced median: \(.getppid.p50_minus_untraced_median_ns // "n/a") ns)",
	"  latscope mean                          \(.getppid.latscope_mean_ns // "n/a") ns  (minus the untraced per-call time: \(.getppid.mean_minus_untraced_loop_ns // "n/a") ns)",
	"  latscope --no-cost p50, mean           \(.getppid.nocost_latscope_p50_ns // "n/a") ns, \(.getppid.nocost_latscope_mean_ns // "n/a") ns  (mean minus the untraced per-call time: \(.getppid.nocost_mean_minus_untraced_loop_ns // "n/a") ns)",
	"  clock pair mean                        \(.getppid.clockpair_mean_ns // "n/a") ns  (minus the untraced per-call time: \(.getppid.clockpair_mean_minus_untraced_loop_ns // "n/a") ns: the bias of the method)",
	"  latscope mean minus the clock pair'"'"'s     \(.getppid.latscope_mean_minus_clockpair_ns // "n/a") ns (--no-cost: \(.getppid.nocost_mean_minus_clockpair_ns // "n/a") ns)"' "$acc"
	jq -r '
	"",
	"### Accuracy (median of \(.runs) runs)",
	"",
	"| measurement | workload (clock_gettime around each call) | latscope | bias |",
	"|---|---:|---:|---:|",
	"| \(.sleep.calls // "n/a") × nanosleep(1 ms) (`\(.sleep_syscall)`), median | \(.sleep.user_median_traced_ns // "n/a") ns | p50 \(.sleep.latscope_p50_ns // "n/a") ns (slot \(.sleep.histogram_slot_ns // "n/a") ns wide) | \(.sleep.p50_bias_ns // "n/a") ns |",
	"| nanosleep median, the workload'"'"'s samples read through latscope'"'"'s histogram (default / --no-cost) | \(.sleep.user_median_hist_ns // "n/a") ns | p50 \(.sleep.latscope_p50_ns // "n/a") ns | \(.sleep.p50_bias_vs_hist_ns // "n/a") / \(.sleep.nocost_p50_bias_vs_hist_ns // "n/a") ns |",
	"| nanosleep, mean | \(.sleep.user_mean_traced_ns // "n/a") ns | \(.sleep.latscope_mean_ns // "n/a") ns | \(.sleep.mean_bias_ns // "n/a") ns |",
	"| \(.getppid.calls // "n/a") × getppid, median | untraced \(.getppid.user_median_untraced_ns // "n/a") ns (one clock read \(.getppid.clock_pair_ns // "n/a") ns), traced \(.getppid.user_median_traced_ns // "n/a") ns | p50 \(.getppid.latscope_p50_ns // "n/a") ns | \(.getppid.p50_minus_untraced_median_ns // "n/a") ns vs untraced |",
	"| getppid, mean vs untraced per-call time | \(.getppid.untraced_loop_ns_per_call // "n/a") ns (plain loop, untraced; traced \(.getppid.traced_loop_ns_per_call // "n/a") ns) | \(.getppid.latscope_mean_ns // "n/a") ns | \(.getppid.mean_minus_untraced_loop_ns // "n/a") ns |",
	"| the same, latscope --no-cost | | p50 \(.getppid.nocost_latscope_p50_ns // "n/a") ns, mean \(.getppid.nocost_latscope_mean_ns // "n/a") ns | \(.getppid.nocost_mean_minus_untraced_loop_ns // "n/a") ns |",
	"| the same, clock pair (two bpf_ktime_get_ns, nothing else) | | mean \(.getppid.clockpair_mean_ns // "n/a") ns | \(.getppid.clockpair_mean_minus_untraced_loop_ns // "n/a") ns |",
	"| getppid, latscope mean minus the clock pair'"'"'s (default / --no-cost) | | | \(.getppid.latscope_mean_minus_clockpair_ns // "n/a") / \(.getppid.nocost_mean_minus_clockpair_ns // "n/a") ns |",
	"| nanosleep p50, latscope --no-cost | | | \(.sleep.nocost_p50_bias_ns // "n/a") ns |"' \
		"$acc" >>"$md"
}

# ---- BPF run time per program (kernel.bpf_stats_enabled) -------------------

# {"prog id": [run_time_ns, run_cnt], ...} straight from /proc/PID/fdinfo:
# fast enough to read twice while a loop of a second runs (bpftool is not).
prog_stats_of() {
	awk '/^prog_id:/ { id = $2 } /^run_time_ns:/ { rt = $2 }
		/^run_cnt:/ { if (id != "") printf "%s %s %s\n", id, rt, $2; id = "" }' \
		/proc/"$1"/fdinfo/* 2>/dev/null |
		jq -Rn '[inputs | split(" ") | {(.[0]): [(.[1] | tonumber), (.[2] | tonumber)]}]
			| add // {}'
}

prog_names_of() {	# pid -> {"prog id": "name", ...}
	local id
	for id in $(sed -n 's/^prog_id:[[:space:]]*//p' /proc/"$1"/fdinfo/* 2>/dev/null | sort -u); do
		bpftool prog show id "$id" -j 2>/dev/null | jq -c '{(.id | tostring): .name}'
	done | jq -s 'add // {}'
}

# stats_run TRACER WORKLOAD: the workload under TRACER (latscope,
# untargeted, floor); per-program ns per run from two readings of the
# kernel's counters taken while its loop runs.
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
		bg "$LATSCOPE" -v record -q -o /dev/null -p "$sp" >/dev/null 2>"$d/side"
		tp=$BG_PID
		wait_grep "$d/side" '^tracing ' 20 || { stop_bg "$tp"; stop_bg "$sp"; return 1; }
		bg "${WL[@]}" >/dev/null 2>"$d/err"
		;;
	floor)
		bg "$FLOOR" >"$d/side" 2>&1
		tp=$BG_PID
		wait_grep "$d/side" '^floor: attached' 20 || { stop_bg "$tp"; return 1; }
		bg "${WL[@]}" >/dev/null 2>"$d/err"
		;;
	esac
	wlp=$BG_PID
	if ! wait_grep "$d/err" 'waiting for SIGUSR1' 20; then
		stop_bg "$wlp"
		[ -n "$tp" ] && stop_bg "$tp"
		[ -n "$sp" ] && stop_bg "$sp"
		return 1
	fi
	wpid=$(sed -n 's/.* pid \([0-9]*\) set up.*/\1/p' "$d/err" | head -n1)
	[ "$label" = latscope ] && tp=$(awk '{ print $4 }' "/proc/$wpid/stat")
	prog_names_of "$tp" >"$d/names.json"
	kill -USR1 "$wpid"
	sleep 0.1
	prog_stats_of "$tp" >"$d/a.json"
	for i in $(seq 300); do
		kill -0 "$wpid" 2>/dev/null || break
		prog_stats_of "$tp" >"$d/b.tmp" && kill -0 "$wpid" 2>/dev/null &&
			mv "$d/b.tmp" "$d/b.json"
		sleep 0.1
	done
	wait "$wlp"
	[ "$label" != latscope ] && stop_bg "$tp"
	[ -n "$sp" ] && stop_bg "$sp"
	[ -s "$d/b.json" ] || return 1
	jq -n --arg lbl "$label" --arg wl "$wl" --slurpfile a "$d/a.json" \
		--slurpfile b "$d/b.json" --slurpfile names "$d/names.json" '
		$a[0] as $a | $b[0] as $b | $names[0] as $nm
		| {tracer: $lbl, workload: $wl, progs: [$b | keys[] as $k
			| ($b[$k][1] - ($a[$k][1] // 0)) as $cnt
			| select($cnt > 0)
			| {prog: ($nm[$k] // $k), runs: $cnt,
			   ns_per_run: ((($b[$k][0] - ($a[$k][0] // 0)) / $cnt) * 10 | round / 10)}]}'
}

# Each sys_enter/sys_exit program next to the floor's on the same workload.
stats_summary() {
	jq -s '
	def hook: if test("sys_enter") then "enter" elif test("sys_exit") then "exit"
		else null end;
	(map(select(.tracer == "floor")) | map({(.workload):
		(.progs | map({((.prog | hook) // "other"): .ns_per_run}) | add)}) | add // {})
	as $fl
	| map(. as $r | .progs |= map(. + {above_floor_ns: ((.prog | hook) as $h
		| if $h != null and $fl[$r.workload][$h] != null and $r.tracer != "floor"
		  then ((.ns_per_run - $fl[$r.workload][$h]) * 10 | round / 10) else null end)}))' "$@"
}

render_stats() {
	local st=$1 md=$2
	echo
	echo "== BPF run time per program run (kernel.bpf_stats_enabled=1; the floor's is the cost of measuring)"
	{
		echo
		echo "### BPF run time per program run (kernel.bpf_stats_enabled=1)"
		echo
		echo "An empty program reads as the floor's ns/run: that is what the measurement itself costs. The last column is each program's own cost above it."
		echo
		echo "| tracer | workload | program | runs | ns per run | above the empty program |"
		echo "|---|---|---|---:|---:|---:|"
	} >>"$md"
	jq -r '.[] | .tracer as $t | .workload as $w | .progs[]
		| "\($t)\t\($w)\t\(.prog)\t\(.runs)\t\(.ns_per_run)\t\(.above_floor_ns)"' "$st" |
		while IFS=$'\t' read -r t w p r ns ab; do
			printf '  %-11s %-10s %-17s %9s runs %7s ns/run  %s\n' "$t" "$w" "$p" "$r" "$ns" \
				"$([ "$ab" = null ] || printf '(+%s above empty)' "$ab")"
			echo "| $t | $w | $p | $r | $ns | $(fmt "$ab" %+.1f) |" >>"$md"
		done
}

# ---- what single BPF operations cost (build/bench/helpercost) ----------------

# helpers_run OP ROUND: OP's sys_enter program (bench/helpercost.bpf.c)
# attached alone, the getppid loop pinned to $CPU, and the program's
# run_time_ns / run_cnt from the kernel's counters read before and after
# it: one JSON line on stdout.  Not for $(...): BG_PIDS must stay ours.
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
	prog_stats_of "$lp" >"$d/a.json"
	"$B/getppid" -n "$HELPERS_N" -W 0 -c "$CPU" >"$d/wl.json" 2>"$d/err"
	rc=$?
	prog_stats_of "$lp" >"$d/b.json"
	stop_bg "$lp"
	if [ "$rc" -ne 0 ]; then
		HELPERS_WHY="getppid failed (exit $rc): $(grep -v '^$' "$d/err" | tail -n1)"
		return 1
	fi
	jq -nec --arg op "$op" --arg id "${id:-none}" --argjson round "$round" \
		--slurpfile a "$d/a.json" --slurpfile b "$d/b.json" '
		($a[0][$id] // [0, 0]) as $a | $b[0][$id] as $b
		| select($b != null and $b[1] > $a[1])
		| ($b[1] - $a[1]) as $cnt
		| {op: $op, round: $round, ok: true, runs: $cnt,
		   ns_per_run: ((($b[0] - $a[0]) / $cnt) * 10 | round / 10)}' || {
		HELPERS_WHY="the run count of $op's program (id ${id:-?}) did not grow: kernel.bpf_stats_enabled reset by someone?"
		return 1
	}
}

# helpers.jsonl -> {workload, iters, cpu, rounds, empty_ns_per_run, ops: [...]}
# ops in the order run; above_empty_ns: median over rounds of the op's
# ns/run minus the empty program's in the same round (a slow round then
# shifts both sides); above_base_ns: the same against the op it builds on
# (e.g. the task).
helpers_summary() {	# jsonl ops-tsv skipped-json
	jq -s --rawfile tsv "$2" --slurpfile skipped "$3" --arg order "$HELPER_OPS_RUN" \
		--argjson n "$HELPERS_N" --argjson cpu "$CPU" --argjson rounds "$HELPER_ROUNDS" \
		--argjson elapsed "$HELPERS_ELAPSED" '
	def median: sort | if length == 0 then null
		elif length % 2 == 1 then .[(length - 1) / 2]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def r1: if . == null then null else (. * 10 | round) / 10 end;
	($tsv | split("\n") | map(select(length > 0) | split("\t")
		| {(.[0]): {base: (if .[1] == "-" then null else .[1] end), what: .[2]}}) | add) as $desc
	| . as $rows
	| (reduce ($rows[] | select(.ok)) as $r ({}; .[$r.op] += [$r.ns_per_run])) as $v
	| ($v | with_entries(.value |= median)) as $med
	| (reduce ($rows[] | select(.ok)) as $r ({}; .["\($r.round)"][$r.op] = $r.ns_per_run)) as $byround
	| def above($o; $ref): [$byround[] | select(.[$o] != null and .[$ref] != null)
		| .[$o] - .[$ref]] | median;
	{workload: "getppid", iters: $n, cpu: $cpu, rounds: $rounds, elapsed_s: $elapsed,
	   empty_ns_per_run: ($med.empty | r1),
	   ops: [$order | split(" ")[] as $o | $desc[$o] as $d
		| ($rows | map(select(.op == $o))) as $all
		| {op: $o, what: $d.what, base: $d.base,
		   ns_per_run: ($med[$o] | r1),
		   min: ($v[$o] // [] | min | r1), max: ($v[$o] // [] | max | r1),
		   all: ($v[$o] // []), rounds_ok: ($v[$o] // [] | length),
		   failed: ($all | map(select(.ok | not)) | length),
		   runs_per_round: ($all | map(select(.ok) | .runs) | median),
		   above_empty_ns: (if $o != "empty" then above($o; "empty") | r1 else null end),
		   above_base_ns: (if $d.base != null then above($o; $d.base) | r1 else null end),
		   skipped: ($skipped[0][$o] // null),
		   why: ($all | map(select(.ok | not) | .why) | unique)}]}' "$1"
}

render_helpers() {
	local h=$1 md=$2
	echo
	echo "== What single BPF operations cost: ns per sys_enter run, median of $HELPER_ROUNDS rounds (kernel.bpf_stats_enabled=1; getppid x $HELPERS_N pinned to CPU $CPU; $(jq .elapsed_s "$h") s)"
	printf '  %-13s %-24s %-30s %s\n' op "ns/run median (min-max)" "above empty (above its base)" "what one run does"
	{
		echo
		echo "### What single BPF operations cost (kernel.bpf_stats_enabled=1)"
		echo
		echo "Each row is one \`tp_btf/sys_enter\` program doing only that operation (bench/helpercost.bpf.c), attached alone (with an empty sys_exit) while \`getppid\` runs $HELPERS_N times pinned to CPU $CPU; ns per run is the kernel's run_time_ns / run_cnt of that program, median of $HELPER_ROUNDS interleaved rounds. The empty program's ns/run is what running a program and measuring it cost; the difference to it is the operation's own cost. Ops with a base do the base's work first; the last column is their cost above it. Reproduce: \`SECTIONS=helpers bash bench/run.sh\`."
		echo
		echo "| op | what one run does | ns per run, median (min–max) | above the empty program | above its base |"
		echo "|---|---|---:|---:|---:|"
	} >>"$md"
	jq -r '.ops[] | [.op, .what, .ns_per_run, .min, .max, .above_empty_ns, (.base // "-"),
		.above_base_ns, (.skipped // "-"), .failed, .rounds_ok] | map(tostring) | join("\u001f")' "$h" |
		while IFS=$'\x1f' read -r op what med mn mx ae base ab skipped failed ok; do
			local cell above md_above md_base=""
			if [ "$skipped" != - ]; then
				cell="skipped"
			elif [ "$med" = null ]; then
				cell="FAILED ($failed/$((failed + ok)))"
			else
				cell="$(fmt "$med" %.1f) ($(fmt "$mn" %.1f)-$(fmt "$mx" %.1f))"
				[ "$failed" != 0 ] && cell="$cell [$failed failed]"
			fi
			above=$(fmt "$ae" %+.1f)
			[ "$op" = empty ] && above="(reference)"
			md_above=$above
			if [ "$base" != - ] && [ "$ab" != null ]; then
				md_base="$(fmt "$ab" %+.1f) above $base"
				above="$above ($md_base)"
			fi
			printf '  %-13s %-24s %-30s %s\n' "$op" "$cell" "$above" "$what"
			echo "| $op | $what | ${cell/-/–} | $md_above | $md_base |" >>"$md"
		done
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
for x in jq bpftool; do
	command -v $x >/dev/null || { echo "Error: $x is needed" >&2; exit 1; }
done
for v in $VARIANTS; do
	CONFIGS="$CONFIGS latscope@${v%%=*}"
done

echo "latscope bench$([ -n "$QUICK" ] && echo " (QUICK)"): $RUNS interleaved runs per configuration, workloads pinned to CPU $CPU"
machine_json >"$TMPD/machine.json"
jq -r '"kernel \(.kernel), \(.ncpus) x \(.cpu), clocksource \(.clocksource)",
	(.mitigations[] | "  \(.)"),
	(.tools | to_entries[] | "  \(.key): \(.value)")' "$TMPD/machine.json"
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
{
	echo "## latscope bench results"
	echo
	echo "- Command: \`make bench$([ -n "$QUICK" ] && echo " QUICK=1")\`$([ -n "$VARIANTS" ] && echo " with VARIANTS=\"$VARIANTS\""), $(date -u '+%Y-%m-%d %H:%M UTC')."
	jq -r '"- Machine: kernel \(.kernel), \(.ncpus) × \(.cpu), clocksource \(.clocksource); workloads pinned to CPU \(.bench_cpu).",
		"- Mitigations: \(.mitigations | join("; ")).",
		"- Tools: \(.tools | to_entries | map("\(.key) `\(.value)`") | join(", "))."' "$TMPD/machine.json"
	echo
	echo "ns/op: median over $RUNS interleaved runs (min–max). added ns/syscall = (ns/op − no tracer's ns/op) / syscalls per op."
	echo "× floor = added ns/syscall divided by the floor's (empty tp_btf sys_enter + sys_exit programs)."
	echo "strace and perf run fewer iterations (N column); only the loop is timed, so ns/op is comparable."
} >"$MD"

SUMMARY='[]'
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
	summarize >"$TMPD/summary.json" || FAILED=1
	render_overhead "$TMPD/summary.json" "$MD"
	SUMMARY=$(cat "$TMPD/summary.json")
	jq -e 'all(.[].configs[]; .failed == 0)' "$TMPD/summary.json" >/dev/null || FAILED=1
fi

MEMORY='[]'
if [[ " $SECTIONS " == *" memory "* ]]; then
	: >"$TMPD/mem.jsonl"
	mem_run "default (getppid)" getppid "$N_MEM" >>"$TMPD/mem.jsonl" || FAILED=1
	mem_run "64 subsystems (udp_fanout)" udp_fanout "$N_MEM" >>"$TMPD/mem.jsonl" || FAILED=1
	jq -s . "$TMPD/mem.jsonl" >"$TMPD/memory.json"
	MEMORY=$(cat "$TMPD/memory.json")
	[ "$MEMORY" != '[]' ] && render_memory "$TMPD/memory.json" "$MD"
fi

ACCURACY=null
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
		accuracy_summary "${files[@]}" >"$TMPD/accuracy.json"
		ACCURACY=$(cat "$TMPD/accuracy.json")
		render_accuracy "$TMPD/accuracy.json" "$MD"
	fi
fi

STATS='[]'
if [[ " $SECTIONS " == *" bpfstats "* ]]; then
	OLD_BPF_STATS=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	: >"$TMPD/stats.jsonl"
	STATS_RUNS="latscope:getppid untargeted:getppid floor:getppid latscope:icmp_echo floor:icmp_echo"
	[ -n "$QUICK" ] && STATS_RUNS=${STATS_RUNS/untargeted:getppid /}
	for tw in $STATS_RUNS; do
		stats_run "${tw%%:*}" "${tw#*:}" >>"$TMPD/stats.jsonl" ||
			{ echo "  FAIL: bpf stats of ${tw#*:} under ${tw%%:*}" >&2; FAILED=1; }
	done
	sysctl -qw kernel.bpf_stats_enabled="$OLD_BPF_STATS" && OLD_BPF_STATS=
	stats_summary "$TMPD/stats.jsonl" >"$TMPD/stats.json"
	STATS=$(cat "$TMPD/stats.json")
	render_stats "$TMPD/stats.json" "$MD"
fi

HELPERS=null
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
				helpers_run "$op" "$r" >"$TMPD/helper-run.json"
				case $? in
				0)
					cat "$TMPD/helper-run.json" >>"$TMPD/helpers.jsonl"
					line="$line $op $(jq -r .ns_per_run "$TMPD/helper-run.json")"
					;;
				2)
					HELPER_SKIPPED[$op]=$HELPERS_WHY
					skip_note "helpers: $op: $HELPERS_WHY"
					line="$line $op SKIP"
					;;
				*)
					jq -nc --arg op "$op" --argjson round "$r" --arg why "$HELPERS_WHY" \
						'{op: $op, round: $round, ok: false, why: $why}' >>"$TMPD/helpers.jsonl"
					echo "  FAIL: helpers $op (round $r): $HELPERS_WHY" >&2
					line="$line $op FAIL"
					;;
				esac
			done
			echo "  $line"
		done
		sysctl -qw kernel.bpf_stats_enabled="$OLD_BPF_STATS" && OLD_BPF_STATS=
		for op in "${!HELPER_SKIPPED[@]}"; do
			jq -n --arg op "$op" --arg why "${HELPER_SKIPPED[$op]}" '{($op): $why}'
		done | jq -s 'add // {}' >"$TMPD/helper-skipped.json"
		HELPERS_ELAPSED=$(($(date +%s) - HELPERS_T0))
		if helpers_summary "$TMPD/helpers.jsonl" "$TMPD/helper-ops.tsv" \
			"$TMPD/helper-skipped.json" >"$TMPD/helpers.json"; then
			HELPERS=$(cat "$TMPD/helpers.json")
			render_helpers "$TMPD/helpers.json" "$MD"
			# a skipped operation is a note; a failed run or no reference is not
			jq -e '(.empty_ns_per_run != null) and all(.ops[]; .failed == 0)' \
				"$TMPD/helpers.json" >/dev/null || FAILED=1
		else
			FAILED=1
		fi
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

jq -n --argjson machine "$(cat "$TMPD/machine.json")" --argjson overhead "$SUMMARY" \
	--argjson memory "$MEMORY" --argjson accuracy "$ACCURACY" --argjson bpf_stats "$STATS" \
	--argjson helpers "$HELPERS" \
	--arg quick "${QUICK:+1}" --argjson runs "$RUNS" --arg configs "$ACTIVE_CONFIGS" \
	--arg variants "$VARIANTS" --argjson elapsed "$ELAPSED" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --rawfile notes "$NOTES_FILE" \
	--arg loadavg "$(cat /proc/loadavg)" \
	'{schema: "latscope-bench", version: 1, date: $date, quick: ($quick == "1"),
	  runs: $runs, configs: ($configs | split(" ")), variants: $variants,
	  elapsed_s: $elapsed, machine: ($machine + {loadavg_at_end: $loadavg}),
	  notes: ($notes | split("\n") | map(select(length > 0))),
	  overhead: $overhead, memory: $memory, accuracy: $accuracy,
	  bpf_stats: $bpf_stats, helpers: $helpers}' >"$OUT/results.json"
cp "$MD" "$OUT/results.md"
cp "$RUNS_FILE" "$OUT/runs.jsonl"
echo
echo "bench took ${ELAPSED} s; wrote $OUT/results.json, $OUT/results.md and $OUT/runs.jsonl"
exit $FAILED
