# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Churn (issue 11): daemons that start a thread per cycle, restart, or fork
# thousands of children must be traced with default options and lose
# nothing, or say what they lost (docs/design.md, "Folding exited
# threads").

FORKLOAD=${FORKLOAD:-$PWD/build/forkload}

# sum of meta.lost: 0 when nothing at all was lost
lost_sum() {
	jq '[.meta.lost[]] | add' "$1"
}

# exact_nothing_lost SNAPSHOT GOT WANT WHO: nothing dropped or lost, and
# the count equals the workload's own.
exact_nothing_lost() {
	echo "getppid: latscope $2, $4 $3; dropped $(jq .meta.dropped "$1"), lost $(jq -c .meta.lost "$1")"
	[ "$(jq .meta.dropped "$1")" -eq 0 ] || fail "$(jq .meta.dropped "$1") syscalls dropped" ||
		return 1
	[ "$(lost_sum "$1")" -eq 0 ] || fail "lost: $(jq -c .meta.lost "$1")" || return 1
	[ "$2" -eq "$3" ] || fail "latscope counted $2 getppid calls, $4 made $3"
}

# A Python daemon that starts a thread per 20 ms for 60 s (3000 threads),
# each counting its getppid calls: latscope's count equals the daemon's with
# the default --max-keys, and nothing is dropped or lost.
test_churn_threads__thread_per_20ms_for_60s__exact_nothing_lost() {
	local name=lsd-churn-thr-$$ l=$TMP/churn-thr.json lpid
	make_daemon "$name" || return $?
	record_bg --cmdline "$name" -d 600 -q -o "$l" || fail "latscope did not attach" || return 1
	lpid=$BG_PID
	"$PYTHON" "$TMP/$name.py" --thread-per-cycle --period 0.02 --cycles 3000 --calls 5 \
		"$TMP/thr.count" || fail "the daemon failed" || return 1
	kill -INT "$lpid"
	wait "$lpid" || fail "latscope exited with $?" || return 1
	exact_nothing_lost "$l" "$(getppid_count "$l")" "$(daemon_count "$TMP/thr.count")" \
		"the daemon ($(cut -d' ' -f2 "$TMP/thr.count") threads)"
}

# -c on a daemon restarted 100 times (a new process, a new pid each time):
# every run's calls are counted, with the default --max-keys.
test_churn_restarts__100_restarts_under_comm__exact_nothing_lost() {
	local name=lsd-churn-rst-$$ comm=lsrst$$ l=$TMP/churn-rst.json lpid i want=0
	make_daemon "$name" || return $?
	# a copy of python3 with a name of its own: -c must not meet other python3s
	mkdir -p "$TMP/bin" && cp "$(readlink -f "$PYTHON")" "$TMP/bin/$comm" ||
		fail "cannot copy python3" || return 1
	record_bg -c "$comm" -d 600 -q -o "$l" 2>/dev/null || fail "latscope did not attach" ||
		return 1
	lpid=$BG_PID
	for i in $(seq 100); do
		"$TMP/bin/$comm" "$TMP/$name.py" --cycles 2 --calls 5 --period 0 "$TMP/rst.count" ||
			fail "run $i failed" || return 1
		want=$((want + $(daemon_count "$TMP/rst.count")))
	done
	kill -INT "$lpid"
	wait "$lpid" || fail "latscope exited with $?" || return 1
	exact_nothing_lost "$l" "$(getppid_count "$l")" "$want" "the 100 runs" || return 1
	[ "$(jq '.processes | length' "$l")" -eq 100 ] ||
		fail "$(jq '.processes | length' "$l") processes listed, expected 100" || return 1
}

# 5,000 children alive at once under --follow, more than the 4,096
# processes latscope can trace at a time: either nothing is lost, or the
# snapshot and the report's header say how much, and the count of what was
# traced plus what was reported lost covers the children's own count.
test_churn_children__5000_at_once_followed__loss_zero_or_reported() {
	local l=$TMP/churn-kids.json out=$TMP/churn-kids.txt k=3 want got dropped notr lost
	"$LATSCOPE" record --follow -o "$l" -- "$FORKLOAD" -n 5000 -k $k -t \
		> "$out" 2>"$TMP/churn-kids.err" || fail "record failed: $(cat "$TMP/churn-kids.err")" ||
		return 1
	want=$(grep -o '"getppid": [0-9]*' "$out" | awk '{ print $2 }')
	[ -n "$want" ] && [ "$want" -gt 0 ] || fail "no count from forkload: $(head -3 "$out")" ||
		return 1
	got=$(getppid_count "$l")
	dropped=$(jq .meta.dropped "$l")
	notr=$(jq .meta.lost.processes_not_traced "$l")
	lost=$(lost_sum "$l")
	echo "getppid: latscope $got, the children $want; dropped $dropped, lost $(jq -c .meta.lost "$l")"
	if [ "$got" -eq "$want" ] && [ "$lost" -eq 0 ]; then
		return 0
	fi
	[ "$got" -le "$want" ] || fail "latscope counted $got getppid calls, more than the $want made" ||
		return 1
	[ "$lost" -gt 0 ] || fail "$((want - got)) calls missing and nothing said lost" || return 1
	# each untraced child makes exactly k calls; a dropped call is one
	[ $((want - got)) -le $((dropped + k * notr)) ] ||
		fail "$((want - got)) calls missing, only $dropped dropped and $notr processes x $k reported" ||
		return 1
	grep -q "^Lost: " "$out" || fail "the report's header does not say what was lost" || return 1
	"$LATSCOPE" report "$l" |
		grep "^Lost: .*processes not traced\|^Lost: .*syscalls not aggregated" >/dev/null ||
		fail "report does not say what was lost" || return 1
}

# A thread id used again while latscope still holds the keys of the thread
# that had it (pid_max is 32768 by default: it wraps): tools/tidreuse's
# thread B, given exited thread A's tid (ns_last_pid), spins without a
# system call while latscope folds exited threads (--max-keys 32: short of
# room at once), then calls again.  Folding A's keys would take B's too,
# and give away the slot B still adds to from its cache: every call must
# still be counted once.
test_churn_tid_reused__exited_thread_folded_later__exact() {
	local name=lsd-tidreuse-$$ l=$TMP/tidreuse.json lpid dpid made reused
	[ -w /proc/sys/kernel/ns_last_pid ] || skip "no /proc/sys/kernel/ns_last_pid" || return $?
	cp "$PWD/build/tidreuse" "$TMP/$name" || fail "no build/tidreuse" || return 1
	bg "$TMP/$name" 500 "$TMP/tidreuse.count" >"$TMP/tidreuse.out"
	dpid=$BG_PID
	wait_for grep -q ready "$TMP/tidreuse.out" || fail "tidreuse did not start" || return 1
	record_bg --cmdline "$name" --max-keys 32 -d 60 -q -o "$l" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	kill -USR1 "$dpid"
	wait "$dpid" || fail "tidreuse failed" || return 1
	kill -INT "$lpid"
	wait "$lpid" || fail "latscope exited with $?" || return 1
	read -r made reused <"$TMP/tidreuse.count"
	[ "$reused" = 1 ] || skip "no new thread got the old thread id (busy pid space)" ||
		return $?
	echo "threads: $(jq -c '[.threads[] | {name, getppid: ([.subsystems[].syscalls[]
		| select(.syscall == "getppid") | .count] | add)}]' "$l")"
	[ "$(jq .meta.dropped "$l")" -eq 0 ] || fail "$(jq .meta.dropped "$l") dropped" ||
		return 1
	[ "$(getppid_count "$l")" -eq "$made" ] ||
		fail "latscope counted $(getppid_count "$l") getppid, tidreuse made $made"
}
