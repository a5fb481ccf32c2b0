# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The start-up self-check of the first filter (src/selfcheck.h): latscope
# traces a child of its own making one getppid() and looks for it in the
# kernel's figures.  LATSCOPE_TEST_MISPLACE_STACKS=1 (a test hook) makes
# the BPF program mark the wrong stack_hint bytes, as on a kernel whose
# stacks are laid out otherwise: the check must see its call go missing,
# turn the filter off, and the counts must still be exact.

# The check's own process must leave nothing behind in the user's figures.
selfcheck_no_trace_of_check() {
	local l=$1
	jq -e '[.processes[]?.comm, .threads[]?.comm] | index("latscope") | not' "$l" >/dev/null ||
		fail "the snapshot has a latscope process: the check's figures leaked" || return 1
	jq -e '[.subsystems[].syscalls[] | select(.syscall == "getppid")] | length == 0' \
		"$l" >/dev/null || fail "a getppid row: the check's call leaked" || return 1
}

# selfcheck_launch NAME MISPLACE VERDICT LINE: democtl launched under
# latscope -v (LATSCOPE_TEST_MISPLACE_STACKS=MISPLACE); -v prints LINE
# (the start of a line), meta.self_check is VERDICT, the check's own call
# is nowhere, and every call of democtl is counted.
selfcheck_launch() {
	local d=$TMP/$1.democtl.json l=$TMP/$1.json e=$TMP/$1.err
	LATSCOPE_TEST_MISPLACE_STACKS=$2 "$LATSCOPE" -v record -q -o "$l" -- "$DEMOCTL" -q \
		-n 4 -i 20 -d 1 -p "$DEMO_PORT" -j "$d" >/dev/null 2>"$e" ||
		fail "record failed: $(tail -n3 "$e")" || return 1
	grep -q "^$4" "$e" || fail "-v did not say '$4': $(grep -i self-check "$e")" || return 1
	[ "$(jq -r .meta.self_check "$l")" = "$3" ] ||
		fail "meta.self_check is $(jq -c .meta.self_check "$l"), expected $3" || return 1
	selfcheck_no_trace_of_check "$l" || return 1
	tests/integration/compare-democtl.sh "$d" "$l" setup cycles teardown ||
		fail "counts differ from democtl's" || return 1
}

# Normal kernel: the check passes, -v says so, the snapshot records it.
test_selfcheck__normal__passed_and_counts_exact() {
	selfcheck_launch sc 0 passed \
		"self-check: the kernel counted latscope's test call (stack filter on)$"
}

# Misplaced stack marks, launch mode (new threads marked by the fork hook):
# the check falls back, and every call of the command is still counted.
test_selfcheck__misplaced_stacks_cmd__fallback_counts_exact() {
	selfcheck_launch scm 1 fallback "self-check: the stack filter missed latscope's test call"
}

# The same with -p: existing threads are marked by the task iterator.
test_selfcheck__misplaced_stacks_pid__fallback_counts_exact() {
	local d=$TMP/scp.democtl.json l=$TMP/scp.json e=$TMP/scp.err dpid lpid
	start_democtl_waiting "$d" -n 4 -i 20 -d 1 || return 1
	dpid=$DEMO_PID
	LATSCOPE_TEST_MISPLACE_STACKS=1 record_bg -p "$dpid" -o "$l" -q 2>"$e" ||
		fail "latscope did not attach: $(tail -n3 "$e")" || return 1
	lpid=$BG_PID
	kill -USR1 "$dpid"
	wait "$lpid" || fail "latscope exited with $?: $(tail -n3 "$e")" || return 1
	wait "$dpid" || fail "democtl failed: $(cat "$d.err")" || return 1
	[ "$(jq -r .meta.self_check "$l")" = fallback ] ||
		fail "meta.self_check is $(jq -c .meta.self_check "$l")" || return 1
	tests/integration/compare-democtl.sh "$d" "$l" cycles teardown ||
		fail "counts differ from democtl's after the fallback" || return 1
}

# hint_counts PID: how many tgid_hint and stack_hint bytes latscope PID has
# set, from its .bss map: {"tgid_hint":N,"stack_hint":M}.
hint_counts() {
	local id bss=""
	for id in $(awk '/^map_id:/ { print $2 }' /proc/"$1"/fdinfo/* | sort -u); do
		[ "$(bpftool -j map show id "$id" | jq -r .name)" = latscope.bss ] && bss=$id
	done
	[ -n "$bss" ] || { echo "no latscope.bss map among the fds of $1" >&2; return 1; }
	bpftool -j map dump id "$bss" | jq -c '.[0].formatted.value[".bss"] |
		map(to_entries[0] | select(.key == "tgid_hint" or .key == "stack_hint")) |
		map({(.key): (.value | map(select(. != 0)) | length)}) | add'
}

# A check that passed leaves the hint bytes as it found them: the dead
# child's kernel stack goes to the next process forked, which would take
# the slower untraced path for good.  One single-threaded target: its tgid
# byte and the two bytes of its stack, nothing else.
test_selfcheck__passed__only_the_targets_hints_set() {
	local l=$TMP/sch.json e=$TMP/sch.err spid lpid counts
	bg sleep 60
	spid=$BG_PID
	record_bg -p "$spid" -o "$l" -q 2>"$e" ||
		fail "latscope did not attach: $(tail -n3 "$e")" || return 1
	lpid=$BG_PID
	counts=$(hint_counts "$lpid")
	kill -INT "$lpid"
	wait "$lpid" || fail "latscope exited with $?: $(tail -n3 "$e")" || return 1
	kill "$spid"
	[ "$(jq -r .meta.self_check "$l")" = passed ] ||
		fail "meta.self_check is $(jq -c .meta.self_check "$l")" || return 1
	[ "$counts" = '{"tgid_hint":1,"stack_hint":2}' ] ||
		fail "hint bytes set: $counts, expected 1 tgid byte and 2 stack bytes" || return 1
}
