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

# zombie_child_of PID: prints a child of PID that is a zombie
zombie_child_of() {
	local c
	for c in $(pgrep -P "$1"); do
		[ "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$c/stat" 2>/dev/null)" = Z ] &&
			echo "$c" && return 0
	done
	return 1
}

test_record_pid__zombie__exit_3_one_line() {
	local z out rc
	# the child exits after bash has become sleep, which never reaps it (a
	# child that exits before the exec is reaped by bash: no zombie)
	bg bash -c 'sleep 0.3 & exec sleep 30'
	wait_for zombie_child_of "$BG_PID" >/dev/null || fail "no zombie made" || return 1
	z=$(zombie_child_of "$BG_PID")
	out=$("$LATSCOPE" record -p "$z" -d 1 2>&1)
	rc=$?
	exit_3_one_line "$out" "$rc" "Error: process $z (sleep) is a zombie: it has exited and waits for its parent (PID $BG_PID) to reap it; nothing is left to trace"
}

PYTHON=/usr/bin/python3

# make_daemon NAME: the test daemon as $TMP/NAME.py, a name no other
# process has in its command line.
make_daemon() {
	[ -x "$PYTHON" ] || skip "Debian's python3 is not installed" || return $?
	cp tests/integration/pydaemon.py "$TMP/$1.py"
}

# getppid calls in snapshot $1, and the daemon's own count in file $2
getppid_count() {
	jq '[.subsystems[].syscalls[] | select(.syscall == "getppid") | .count] | add // 0' "$1"
}

daemon_count() {
	cut -d' ' -f1 "$1"
}

# stop_and_compare LPID SNAPSHOT WHO COUNT_FILE...: stop latscope, whose
# getppid count must then equal the sum of the daemons' own counts.
stop_and_compare() {
	local lpid=$1 l=$2 who=$3 want=0 got f
	shift 3
	kill -INT "$lpid"
	wait "$lpid" || fail "latscope exited with $?" || return 1
	for f in "$@"; do
		want=$((want + $(daemon_count "$f")))
	done
	got=$(getppid_count "$l")
	echo "getppid: latscope $got, $who $want"
	[ "$got" -eq "$want" ] || fail "latscope counted $got getppid calls, $who made $want"
}

# The unified hierarchy's mount point (/sys/fs/cgroup, or .../unified in
# the hybrid layout), or nothing.
cgroup2_mount() {
	awk '{ split($0, parts, " - "); split(parts[2], fs, " ");
	       if (fs[1] == "cgroup2") { print $5; exit } }' /proc/self/mountinfo
}

# "${IN_CGROUP[@]}" DIR CMD...: run CMD in the cgroup DIR, as systemd starts
# a unit (a command, not a function, so that bg's pid is CMD's)
IN_CGROUP=(bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' in_cgroup)

# A Python daemon named by its script: one instance running before latscope,
# one started meanwhile (picked up at its exec); a decoy python3 that is not
# matched.  latscope's getppid count equals the daemons' own.
test_record_cmdline__python_daemons__counts_equal_their_own() {
	local name=lsd-cmdline-$$ l=$TMP/cmdline.json lpid d1 n
	make_daemon "$name" || return $?
	make_daemon "lsdecoy-$$" || return $?
	bg "$PYTHON" "$TMP/lsdecoy-$$.py" --calls 5 --period 0.01 "$TMP/decoy.count"
	bg "$PYTHON" "$TMP/$name.py" --wait --ready "$TMP/d1.ready" --calls 10 "$TMP/d1.count"
	d1=$BG_PID
	wait_for test -e "$TMP/d1.ready" || fail "the daemon did not start" || return 1
	record_bg --cmdline "$name" -d 60 -q -o "$l" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	kill -USR1 "$d1"
	"$PYTHON" "$TMP/$name.py" --calls 7 --cycles 5 --period 0.01 "$TMP/d2.count" ||
		fail "the second daemon failed" || return 1
	sleep 0.3
	kill -TERM "$d1"
	wait "$d1" || fail "the first daemon failed" || return 1
	stop_and_compare "$lpid" "$l" "the daemons" "$TMP/d1.count" "$TMP/d2.count" || return 1
	n=$(jq '[.threads[] | select(.name | endswith(" python3"))] | length' "$l")
	[ "$n" -eq 2 ] || fail "$n python3 threads traced, expected the 2 daemons'" || return 1
	# which process was which: both by their command line, the second seen to end
	jq -e --arg s "$TMP/$name.py" '[.processes[] | select(.cmdline | startswith("/usr/bin/python3 " + $s))]
		| length == 2 and (map(select(.exited and .end_unix_ns > 0)) | length) == 2' "$l" \
		>/dev/null || fail "processes: $(jq -c .processes "$l")" || return 1
	[ "$(jq -r .meta.target "$l")" = "cmdline $name" ] || fail "meta.target: $(jq .meta.target "$l")" ||
		return 1
}

# --cgroup: the processes of a transient cgroup (as systemd makes for a
# unit), found running and as they start; a python3 outside is not traced.
test_record_cgroup__transient_cgroup__its_processes_counted_exactly() {
	local mnt cg name=lsd-cg-$$ l=$TMP/cgroup.json lpid d1
	mnt=$(cgroup2_mount)
	[ -n "$mnt" ] || skip "no unified cgroup hierarchy (cgroup2) is mounted" || return $?
	make_daemon "$name" || return $?
	cg=$mnt/latscope-test-$$.scope
	mkdir "$cg" || fail "cannot create $cg" || return 1
	# the processes first: a cgroup with processes cannot be removed
	trap 'cleanup_bg; rmdir "$cg"' RETURN
	bg "$PYTHON" "$TMP/$name.py" --calls 5 --period 0.01 "$TMP/outside.count"
	bg "${IN_CGROUP[@]}" "$cg" "$PYTHON" "$TMP/$name.py" --wait --ready "$TMP/cg1.ready" --calls 10 \
		"$TMP/cg1.count"
	d1=$BG_PID
	wait_for test -e "$TMP/cg1.ready" || fail "the daemon did not start" || return 1
	record_bg --cgroup "${cg#"$mnt"}" -d 60 -q -o "$l" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	kill -USR1 "$d1"
	"${IN_CGROUP[@]}" "$cg" "$PYTHON" "$TMP/$name.py" --calls 3 --cycles 4 "$TMP/cg2.count" ||
		fail "the second daemon failed" || return 1
	sleep 0.2
	kill -TERM "$d1"
	wait "$d1" || fail "the first daemon failed" || return 1
	stop_and_compare "$lpid" "$l" "the daemons in $cg" "$TMP/cg1.count" "$TMP/cg2.count"
}

# --unit NAME: not running when latscope starts; started, then restarted
# the way systemd does it (a new cgroup of the same name, hence a new id).
test_record_unit__started_then_restarted__both_runs_counted() {
	local mnt slice unit name=lsd-unit-$$ l=$TMP/unit.json lpid
	mnt=$(cgroup2_mount)
	[ -n "$mnt" ] || skip "no unified cgroup hierarchy (cgroup2) is mounted" || return $?
	make_daemon "$name" || return $?
	slice=$mnt/latscope-test-$$.slice
	unit=$slice/$name.service
	mkdir "$slice" || fail "cannot create $slice" || return 1
	trap 'cleanup_bg; rmdir "$unit" "$slice" 2>/dev/null' RETURN
	record_bg --unit "$name" -d 60 -q -o "$l" 2>"$TMP/unit.err" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	grep -q "no process matches unit $name.service yet" "$TMP/unit.err" ||
		fail "no warning that the unit is not running: $(cat "$TMP/unit.err")" || return 1
	mkdir "$unit" && "${IN_CGROUP[@]}" "$unit" "$PYTHON" "$TMP/$name.py" --calls 10 --cycles 5 \
		"$TMP/u1.count" || fail "the first run failed" || return 1
	rmdir "$unit" && mkdir "$unit" && "${IN_CGROUP[@]}" "$unit" "$PYTHON" "$TMP/$name.py" --calls 3 \
		--cycles 6 "$TMP/u2.count" || fail "the restarted run failed" || return 1
	stop_and_compare "$lpid" "$l" "the unit's two runs" "$TMP/u1.count" "$TMP/u2.count"
}

# --exe PATH follows the path: a binary replaced with mv (as a package
# upgrade does) and started again is traced too.
test_record_exe__binary_replaced_by_mv__both_runs_counted() {
	local bin=$TMP/bin/lspy-$$ l=$TMP/exe.json lpid
	make_daemon lsd-exe-$$ || return $?
	mkdir -p "$TMP/bin" && cp "$(readlink -f "$PYTHON")" "$bin" || fail "cannot copy python3" ||
		return 1
	record_bg --exe "$bin" -d 60 -q -o "$l" 2>/dev/null ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	"$bin" "$TMP/lsd-exe-$$.py" --calls 4 --cycles 5 "$TMP/e1.count" ||
		fail "the first run failed" || return 1
	cp "$bin" "$bin.new" && mv "$bin.new" "$bin" || fail "cannot replace $bin" || return 1
	"$bin" "$TMP/lsd-exe-$$.py" --calls 6 --cycles 5 "$TMP/e2.count" ||
		fail "the run of the new binary failed" || return 1
	stop_and_compare "$lpid" "$l" "the two binaries' runs" "$TMP/e1.count" "$TMP/e2.count"
}

# -c with a Python daemon's script name: nothing has that comm, and the
# warning comes at once with the processes to use --cmdline for.
test_record_comm__python_script_name__hint_lists_cmdline() {
	local name=lsd-hint-$$ d out
	make_daemon "$name" || return $?
	bg "$PYTHON" "$TMP/$name.py" --wait --ready "$TMP/hint.ready" "$TMP/hint.count"
	d=$BG_PID
	wait_for test -e "$TMP/hint.ready" || fail "the daemon did not start" || return 1
	out=$("$LATSCOPE" record -c "${name:0:15}" -d 0.5 2>&1 >/dev/null)
	echo "$out"
	grep -qx "Warning: no process matches comm ${name:0:15} yet; waiting for one to start" <<<"$out" ||
		fail "no warning" || return 1
	grep -q "^Hint: 1 process has '${name:0:15}' in its command line but another name; to trace it, use --cmdline ${name:0:15}$" <<<"$out" ||
		fail "no hint" || return 1
	grep -qx "Hint:   $d $PYTHON $TMP/$name.py --wait .*" <<<"$out" ||
		fail "the daemon is not listed" || return 1
}

test_record_exe__script__exit_3_suggests_cmdline() {
	local out rc
	make_daemon lsd-script-$$ || return $?
	out=$("$LATSCOPE" record --exe "$TMP/lsd-script-$$.py" -d 1 2>&1)
	rc=$?
	exit_3_one_line "$out" "$rc" "Error: --exe $TMP/lsd-script-$$.py: a script, not an executable: the kernel runs its interpreter (/usr/bin/python3); trace it by its command line: --cmdline lsd-script-$$.py"
}

# getppid calls in the report of one process, split out of a run (report --pid)
report_getppid() {
	"$LATSCOPE" report --pid "$2" -f json "$1" |
		jq '[.subsystems[].syscalls[] | select(.syscall == "getppid") | .count] | add // 0'
}

# -p A,B on two Python daemons (the same comm): the snapshot says which
# process is which (command line, exe, cgroup, start), and the run splits
# per daemon afterwards with counts equal to each daemon's own.
test_record_pid__two_python_daemons__split_per_process_afterwards() {
	local l=$TMP/split.json a b lpid p rows
	make_daemon lsd-split-a-$$ || return $?
	make_daemon lsd-split-b-$$ || return $?
	bg "$PYTHON" "$TMP/lsd-split-a-$$.py" --wait --ready "$TMP/a.ready" --calls 10 "$TMP/a.count"
	a=$BG_PID
	bg "$PYTHON" "$TMP/lsd-split-b-$$.py" --wait --ready "$TMP/b.ready" --calls 3 \
		--thread-per-cycle "$TMP/b.count"
	b=$BG_PID
	wait_for test -e "$TMP/a.ready" -a -e "$TMP/b.ready" || fail "the daemons did not start" ||
		return 1
	record_bg -p "$a,$b" -d 60 -q -o "$l" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	kill -USR1 "$a" "$b"
	sleep 1
	kill -TERM "$a" "$b"
	wait "$a" && wait "$b" || fail "a daemon failed" || return 1
	wait "$lpid" || fail "latscope exited with $?" || return 1
	for p in "$a:lsd-split-a-$$" "$b:lsd-split-b-$$"; do
		jq -e --argjson pid "${p%%:*}" --arg script "$TMP/${p#*:}.py" '.processes[] |
			select(.pid == $pid and .comm == "python3" and .exe == "/usr/bin/python3.11"
			       and (.cmdline | startswith("/usr/bin/python3 " + $script))
			       and (.cgroup | startswith("/")) and .start_unix_ns > 0
			       and .exited == true and .end_unix_ns > 0)' "$l" >/dev/null ||
			fail "process ${p%%:*} missing or incomplete: $(jq -c .processes "$l")" || return 1
	done
	# every thread names its process, and the threads of b include one per cycle
	jq -e --argjson a "$a" --argjson b "$b" '[.threads[].pid | select(. != $a and . != $b)] == []' \
		"$l" >/dev/null || fail "a thread without its process" || return 1
	[ "$(report_getppid "$l" "$a")" -eq "$(daemon_count "$TMP/a.count")" ] ||
		fail "report --pid $a: $(report_getppid "$l" "$a") getppid, the daemon made $(daemon_count "$TMP/a.count")" ||
		return 1
	[ "$(report_getppid "$l" "$b")" -eq "$(daemon_count "$TMP/b.count")" ] ||
		fail "report --pid $b: $(report_getppid "$l" "$b") getppid, the daemon made $(daemon_count "$TMP/b.count")" ||
		return 1
	"$LATSCOPE" report --by process "$l" > "$TMP/split.txt" || fail "report --by process" || return 1
	cat "$TMP/split.txt"
	# the main table: from its header to the first blank line
	rows=$(awk '/^PROCESS  / { on = 1 } on && /^$/ { exit } on' "$TMP/split.txt" | grep -c " python3 ")
	[ "$rows" -eq 2 ] || fail "$rows process rows, expected 2" || return 1
	grep -q "^$b python3 .*$TMP/lsd-split-b-$$.py" "$TMP/split.txt" ||
		fail "no command line for $b" || return 1
}
