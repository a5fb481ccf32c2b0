# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# What tracing costs (docs/design.md, "the Tracing cost line"): the kernel's
# BPF run-time statistics are on only in short windows, and the cost of the
# traced calls is told apart from what every other process pays.

# The run_cnt of the programs process $1 holds: it grows only while the
# kernel's statistics are on.
run_cnt_of() {
	grep -h '^run_cnt:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ s += $2 } END { print s + 0 }'
}

# The issue-13 case: a host busy with someone else's syscalls (dd: a read
# and a write per byte) and a target making a few hundred calls a second.
# Dividing all run time by the target's calls read hundreds of us "per
# traced syscall"; the traced calls' share must stay what a call costs.
test_cost__busy_host__stats_sampled_and_traced_share_apart() {
	local d=$TMP/cost lp i prev now grew=0 polls=0 ns untraced line
	mkdir -p "$d"
	bg dd if=/dev/zero of=/dev/null bs=1 count=2000000000
	record_bg -o "$d/snap.json" -- "$DEMOCTL" -q -n 300 -i 10 -p "$DEMO_PORT" \
		>"$d/report.txt" 2>"$d/err" || { cat "$d/err" >&2; return 1; }
	lp=$BG_PID
	# every 0.1 s: did the statistics count anything since the last look?
	prev=$(run_cnt_of "$lp")
	while kill -0 "$lp" 2>/dev/null; do
		sleep 0.1
		now=$(run_cnt_of "$lp")
		[ -n "$now" ] && [ "$now" -gt 0 ] || continue
		polls=$((polls + 1))
		[ "$now" -gt "$prev" ] && grew=$((grew + 1))
		prev=$now
	done
	wait "$lp" || { cat "$d/err" >&2; fail "record exited $?"; return 1; }
	cat "$d/report.txt" | sed -n '/^Tracing cost/,$p' >&2
	# 10 ms of each 500: a 0.1 s look sees growth in ~22% of them, not all
	[ "$polls" -ge 15 ] || fail "only $polls looks at the counters" || return 1
	[ $((grew * 100 / polls)) -le 50 ] ||
		fail "the statistics counted in $grew of $polls looks: left on?" || return 1

	grep -qE '^Tracing cost, an estimate from the kernel.s BPF run-time statistics, on for [0-9.]+ s of the [0-9.]+ s run \([0-9.]+%, [0-9]+ windows of 10 ms every 500 ms\):$' \
		"$d/report.txt" || fail "no estimate header" || return 1
	line=$(grep '^  on the traced processes: ' "$d/report.txt") ||
		fail "no line for the traced processes" || return 1
	ns=$(sed -n 's/^  on the traced processes: \([0-9]*\) ns per traced syscall.*/\1/p' \
		<<<"$line")
	[ -n "$ns" ] || fail "no figure per traced syscall: $line" || return 1
	# a traced call is a few hundred ns of BPF; the old figure was ~1000x that
	[ "$ns" -gt 0 ] && [ "$ns" -lt 5000 ] || fail "$ns ns per traced syscall" || return 1
	untraced=$(sed -n 's/^  imposed on the rest of the host: \([0-9]*\) ns per untraced syscall (\([0-9]*\)\/s).*/\1 \2/p' \
		"$d/report.txt")
	set -- $untraced
	[ $# -eq 2 ] || fail "no host line" || return 1
	[ "$1" -gt 0 ] && [ "$1" -lt "$ns" ] ||
		fail "an untraced syscall ($1 ns) should cost less than a traced one ($ns ns)" || return 1
	# dd alone makes far more than 100000 syscalls a second
	[ "$2" -gt 100000 ] || fail "$2 untraced syscalls per second with dd running" || return 1

	# the snapshot: the same estimate, sampled calls within what was traced
	jq -e --argjson ns "$ns" '.cost.traced_calls > 0 and .cost.traced_calls <= .meta.events
		and ((.cost.estimate.traced_ns_per_syscall - $ns) | fabs) <= 1
		and .cost.sampled_ns < .cost.run_ns / 4' "$d/snap.json" >/dev/null ||
		fail "snapshot cost: $(jq -c '.cost | del(.programs)' "$d/snap.json")" || return 1
	# and `report` prints the same paragraph from it
	"$LATSCOPE" report "$d/snap.json" | sed -n '/^Tracing cost/,$p' >"$d/again.txt"
	sed -n '/^Tracing cost/,$p' "$d/report.txt" | diff - "$d/again.txt" >&2 ||
		fail "report prints another cost paragraph" || return 1
}

# The metrics: the sampled counters and the estimate; --no-cost: none of it.
test_cost__metrics__sampled_counters_and_estimate_or_none() {
	local d=$TMP/cost-m secs
	mkdir -p "$d"
	"$LATSCOPE" record -q -o /dev/null --prom-file "$d/m.prom" -- \
		"$DEMOCTL" -q -n 150 -i 10 -p "$DEMO_PORT" >/dev/null 2>"$d/err" ||
		{ cat "$d/err" >&2; fail "record exited $?"; return 1; }
	grep -E '^latscope_(bpf|tracing)' "$d/m.prom" >&2
	secs=$(awk '$1 == "latscope_bpf_sampled_seconds_total" { print $2 }' "$d/m.prom")
	# about 1.5 s of run: the first window and two or three more, 10 ms each
	awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 0.01 && s < 0.1) }' ||
		fail "sampled seconds: '$secs'" || return 1
	grep -qE '^latscope_bpf_runs_total\{program="handle_sys_enter"\} [1-9][0-9]*$' "$d/m.prom" ||
		fail "no runs of handle_sys_enter" || return 1
	grep -qE '^latscope_tracing_cost_seconds\{per="untraced_syscall"\} [0-9.e-]+$' "$d/m.prom" ||
		fail "no cost per untraced syscall" || return 1
	grep -qE '^latscope_tracing_cost_cpu_ratio\{on="host"\} [0-9.e-]+$' "$d/m.prom" ||
		fail "no host CPU ratio" || return 1
	command -v promtool >/dev/null && { promtool check metrics <"$d/m.prom" >&2 ||
		fail "promtool rejects the page" || return 1; }

	"$LATSCOPE" record -q -o /dev/null --no-cost --prom-file "$d/n.prom" -- \
		"$DEMOCTL" -q -n 5 -i 10 -p "$DEMO_PORT" >/dev/null 2>"$d/err" ||
		{ cat "$d/err" >&2; fail "record --no-cost exited $?"; return 1; }
	! grep -qE '^latscope_(bpf|tracing)' "$d/n.prom" ||
		fail "--no-cost still exports cost figures" || return 1
}
