# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Naming targets: -p on what cannot be traced, --cmdline, --cgroup, --unit,
# --exe across a binary replaced with mv.

# exit_3_one_line OUT RC WANT: latscope refused with exit 3 and exactly WANT.
exit_3_one_line() {
	[ "$2" -eq 3 ] || fail "exit code $2, expected 3 ($1)" || return 1
	[ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ] || fail "more than one line: $1" || return 1
	[[ "$1" == $3 ]] || fail "message: $1" || return 1
}

# -p on a kernel thread: strace refuses it, so does latscope (it used to
# trace nothing and exit 0).
test_record_pid__kernel_thread__exit_3_one_line() {
	local pid="" p out rc
	for p in /proc/[0-9]*; do
		# field 9 of stat is the task's flags; PF_KTHREAD is 0x00200000
		if [ $(( $(awk '{ sub(/.*\) /, ""); print $7 }' "$p/stat" 2>/dev/null || echo 0) \
			& 0x00200000 )) -ne 0 ]; then
			pid=${p#/proc/}
			break
		fi
	done
	[ -n "$pid" ] || skip "no kernel thread visible (PID namespace)" || return $?
	out=$("$LATSCOPE" record -p "$pid" -d 1 2>&1)
	rc=$?
	exit_3_one_line "$out" "$rc" "Error: PID $pid (*) is a kernel thread: it makes no system calls to trace"
}

test_record_pid__zombie__exit_3_one_line() {
	local z out rc
	# the subshell's child exits at once; exec sleep never reaps it
	bg bash -c 'sleep 0 & exec sleep 30'
	wait_for pgrep -P "$BG_PID" -x sleep >/dev/null || fail "no zombie made" || return 1
	z=$(pgrep -P "$BG_PID" -x sleep)
	[ "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$z/stat")" = Z ] ||
		fail "$z is not a zombie" || return 1
	out=$("$LATSCOPE" record -p "$z" -d 1 2>&1)
	rc=$?
	exit_3_one_line "$out" "$rc" "Error: process $z (sleep) is a zombie: it has exited and waits for its parent (PID $BG_PID) to reap it; nothing is left to trace"
}
