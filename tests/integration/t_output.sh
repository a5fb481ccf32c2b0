# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Output files (record -o, report -o, diff -o), intervals (-i) and a launched
# command's lifetime: nothing lost, nothing overwritten, nothing left running.

SNAP_FIXTURE=tests/fixtures/snapshot_v1.json

# The race of issue 12: a user who owns the output directory swaps run.json
# between a link to /dev/null and a link to a root-only file while root
# writes there again and again.  The root-only file must never change.
test_output__symlink_swapped_in_user_dir__victim_never_changes() {
	local base dir victim i rc=0
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing" || return $?
	base=$(mktemp -d /tmp/latscope-race.XXXXXX)
	chmod 755 "$base"
	dir=$base/user
	mkdir "$dir" "$base/private"
	chown 65534:65534 "$dir"
	chmod 700 "$base/private"
	victim=$base/private/victim
	printf 'root-only secret\n' > "$victim"
	chmod 600 "$victim"
	cp -p "$victim" "$base/victim.orig"
	bg setpriv --reuid=65534 --regid=65534 --clear-groups bash -c '
		cd "$1" || exit 1
		while :; do
			ln -sfn /dev/null .a && mv -fT .a run.json
			ln -sfn "$2" .b && mv -fT .b run.json
		done' swap "$dir" "$victim"
	wait_for [ -L "$dir/run.json" ] || fail "the swapping loop did not start" || return 1
	for i in $(seq 15); do
		"$LATSCOPE" record -q -o "$dir/run.json" -- true 2>>"$base/err" ||
			{ rc=1; fail "record -o exited $?"; }
	done
	for i in $(seq 100); do
		"$LATSCOPE" report -o "$dir/run.json" "$SNAP_FIXTURE" 2>>"$base/err" ||
			{ rc=1; fail "report -o exited $?"; }
		"$LATSCOPE" diff -o "$dir/run.json" "$SNAP_FIXTURE" "$SNAP_FIXTURE" 2>>"$base/err" ||
			{ rc=1; fail "diff -o exited $?"; }
	done
	cleanup_bg
	cmp "$victim" "$base/victim.orig" || { rc=1; fail "the victim was overwritten"; }
	[ "$(stat -c %a "$victim")" = 600 ] || { rc=1; fail "the victim's mode changed"; }
	cat "$base/err" >&2
	rm -rf "$base"
	return $rc
}

# strace and perf open their output first: a bad -o must cost nothing.
test_record_output__missing_or_readonly_dir__fails_before_tracing() {
	local out rc mnt
	out=$("$LATSCOPE" record -q -o "$TMP/nodir/run.json" -- touch "$TMP/nodir.ran" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || fail "exit code $rc, expected 1 ($out)" || return 1
	[ "$out" = "Error: cannot write '$TMP/nodir/run.json': No such file or directory" ] ||
		fail "message: $out" || return 1
	[ ! -e "$TMP/nodir.ran" ] || fail "the command ran although -o was bad" || return 1

	mnt=$(mktemp -d /tmp/latscope-ro.XXXXXX)
	mount -t tmpfs -o ro,size=64k tmpfs "$mnt" || { rmdir "$mnt"; fail "cannot mount a tmpfs"; return 1; }
	out=$("$LATSCOPE" record -q -o "$mnt/run.json" -- touch "$TMP/ro.ran" 2>&1)
	rc=$?
	umount "$mnt"
	rmdir "$mnt"
	[ "$rc" -eq 1 ] || fail "read-only: exit code $rc, expected 1 ($out)" || return 1
	[ "$out" = "Error: cannot write '$mnt/run.json': Read-only file system" ] ||
		fail "read-only: message: $out" || return 1
	[ ! -e "$TMP/ro.ran" ] || fail "the command ran although -o was read-only" || return 1
}

# Full disk: each command fails with the real cause, and leaves the old file
# whole and no temporary file behind.  Then, with room, the mode and owner of
# the old file are kept.
enospc_checks() {
	local mnt=$1 f out rc
	for f in run.json report.txt diff.txt; do
		printf 'old %s\n' "$f" > "$mnt/$f"
		chmod 600 "$mnt/$f"
		chown 65534:65534 "$mnt/$f"
	done
	dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
	out=$("$LATSCOPE" record -q -o "$mnt/run.json" -- true 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || fail "record: exit code $rc ($out)" || return 1
	[ "$out" = "Error: cannot write '$mnt/run.json': No space left on device" ] ||
		fail "record: message: $out" || return 1
	out=$("$LATSCOPE" report -o "$mnt/report.txt" "$SNAP_FIXTURE" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || fail "report: exit code $rc ($out)" || return 1
	[ "$out" = "Error: cannot write '$mnt/report.txt': No space left on device" ] ||
		fail "report: message: $out" || return 1
	out=$("$LATSCOPE" diff -o "$mnt/diff.txt" "$SNAP_FIXTURE" "$SNAP_FIXTURE" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || fail "diff: exit code $rc ($out)" || return 1
	[ "$out" = "Error: cannot write '$mnt/diff.txt': No space left on device" ] ||
		fail "diff: message: $out" || return 1
	for f in run.json report.txt diff.txt; do
		[ "$(cat "$mnt/$f")" = "old $f" ] || fail "$f was damaged: $(head -c 80 "$mnt/$f")" ||
			return 1
	done
	[ "$(ls -A "$mnt" | wc -l)" -eq 4 ] || fail "left behind: $(ls -A "$mnt")" || return 1

	rm "$mnt/fill"
	"$LATSCOPE" record -q -o "$mnt/run.json" -- true || fail "record with room failed" || return 1
	"$LATSCOPE" report -o "$mnt/report.txt" "$SNAP_FIXTURE" || fail "report failed" || return 1
	"$LATSCOPE" diff -o "$mnt/diff.txt" "$SNAP_FIXTURE" "$SNAP_FIXTURE" || fail "diff failed" ||
		return 1
	jq -e '.schema == "latscope-snapshot"' "$mnt/run.json" >/dev/null ||
		fail "run.json is not a snapshot" || return 1
	grep -q '^SUBSYSTEM' "$mnt/report.txt" || fail "report.txt holds no report" || return 1
	for f in run.json report.txt diff.txt; do
		[ "$(stat -c '%a %u:%g' "$mnt/$f")" = "600 65534:65534" ] ||
			fail "$f: mode and owner now $(stat -c '%a %u:%g' "$mnt/$f")" || return 1
	done
}

test_output__disk_full__old_file_intact_then_mode_kept() {
	local mnt rc
	mnt=$(mktemp -d /tmp/latscope-full.XXXXXX)
	mount -t tmpfs -o size=256k tmpfs "$mnt" || { rmdir "$mnt"; fail "cannot mount a tmpfs"; return 1; }
	enospc_checks "$mnt"
	rc=$?
	umount "$mnt"
	rmdir "$mnt"
	return $rc
}

# A FIFO with no reader fails at once (it used to hang at the end of the
# run); with a reader, reached through a link in our own directory, the
# snapshot is written into it.
test_record_output__fifo__no_reader_fails_at_once_reader_gets_snapshot() {
	local out rc rpid
	mkfifo "$TMP/out.fifo"
	out=$(timeout 30 "$LATSCOPE" record -q -o "$TMP/out.fifo" -- touch "$TMP/fifo.ran" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || fail "exit code $rc, expected 1 ($out)" || return 1
	[[ "$out" == *"no process is reading this FIFO"* ]] || fail "message: $out" || return 1
	[ ! -e "$TMP/fifo.ran" ] || fail "the command ran although -o had no reader" || return 1

	ln -s out.fifo "$TMP/out.link"
	# read-write: a reader at once, which never sees EOF; killed below
	bg bash -c 'exec 3<>"$1"; exec cat <&3 >"$2"' reader "$TMP/out.fifo" "$TMP/fifo.json"
	rpid=$BG_PID
	wait_for [ -e "/proc/$rpid/fd/3" ] || wait_for [ -e "/proc/$rpid/fd/0" ] ||
		fail "the reader did not start" || return 1
	"$LATSCOPE" record -q -o "$TMP/out.link" -- true || fail "record into the FIFO failed" || return 1
	wait_for jq -e '.schema == "latscope-snapshot"' "$TMP/fifo.json" >/dev/null 2>&1 ||
		fail "the reader got no snapshot" || return 1
	[ -p "$TMP/out.fifo" ] && [ -L "$TMP/out.link" ] || fail "the FIFO or the link was replaced" ||
		return 1
}

# The command lives no longer than latscope: not after a SIGKILL
# (PR_SET_PDEATHSIG), not after -d ends the run (SIGTERM).
proc_gone() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat")" = Z ]
}

test_record_cmd__latscope_ends__command_does_not_survive() {
	local lpid cpid
	bg "$LATSCOPE" record -q -o "$TMP/orphan.json" -- sh -c 'echo $$ > "$1"; exec sleep 60' sh \
		"$TMP/orphan.pid"
	lpid=$BG_PID
	wait_for [ -s "$TMP/orphan.pid" ] || fail "the command did not start" || return 1
	cpid=$(cat "$TMP/orphan.pid")
	kill -KILL "$lpid"
	wait "$lpid" 2>/dev/null
	wait_for proc_gone "$cpid" || fail "the command (pid $cpid) survived latscope's SIGKILL" ||
		return 1
	[ -z "$(ls "$TMP" | grep '^orphan\.json')" ] || fail "left behind: $(ls "$TMP" | grep orphan)" ||
		return 1

	rm -f "$TMP/orphan.pid"
	"$LATSCOPE" record -q -d 0.5 -o "$TMP/orphan.json" -- sh -c 'echo $$ > "$1"; exec sleep 60' \
		sh "$TMP/orphan.pid" || fail "record -d failed" || return 1
	cpid=$(cat "$TMP/orphan.pid")
	wait_for proc_gone "$cpid" || fail "the command (pid $cpid) survived the end of the run" ||
		return 1
}

# intervals_add_up FILE: FILE is `record -i -f json` output, interval
# documents then the final one; every (subsystem, syscall) count and the
# syscall total of the intervals equal the final report's.
intervals_add_up() {
	jq -se '
		def counts: [.subsystems[] | .name as $s | .syscalls[]
			     | {k: "\($s) \(.syscall) \(.role // "work")", n: .count}];
		def sums: group_by(.k) | map({(.[0].k): (map(.n) | add)}) | add;
		(.[:-1] | map(counts) | add | sums) as $iv
		| (.[-1] | counts | sums) as $total
		| ($iv == $total) and ((.[:-1] | map(.meta.events) | add) == .[-1].meta.events)' "$1" \
		>/dev/null || {
		jq -sc '[.[] | {target: .meta.target, events: .meta.events}]' "$1" >&2
		return 1
	}
}

test_record_interval__run_ends_mid_interval__intervals_add_up_to_totals() {
	local out=$TMP/iv.json n sleeps dpid lpid
	"$LATSCOPE" record -i 1 -f json -- sleep 1.5 > "$out" || fail "record failed" || return 1
	n=$(jq -s length "$out")
	[ "$n" -eq 3 ] || fail "$n documents, expected 2 intervals and the total" || return 1
	jq -se '.[1].meta.target | endswith("(partial)")' "$out" >/dev/null ||
		fail "the last interval is not marked partial" || return 1
	# the 1.5 s sleep is in an interval (it used to be in none)
	sleeps=$(jq -s '[.[:-1][].subsystems[].syscalls[] | select(.syscall == "clock_nanosleep") | .count] | add' "$out")
	[ "$sleeps" = 1 ] || fail "clock_nanosleep in the intervals: $sleeps, expected 1" || return 1
	intervals_add_up "$out" || fail "sleep 1.5: the intervals do not add up to the totals" || return 1

	# -p, the run ending with its target: every call of democtl's is in an interval
	start_democtl_waiting "$TMP/iv.democtl.json" -n 6 -i 100 -d 2 || return 1
	dpid=$DEMO_PID
	record_bg -p "$dpid" -i 0.25 -f json > "$TMP/iv.p.json" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	kill -USR1 "$dpid"
	wait "$lpid" || fail "latscope exited with $?" || return 1
	intervals_add_up "$TMP/iv.p.json" || fail "-p: the intervals do not add up to the totals" ||
		return 1
}

# A full stdout: said once, with its cause, not "cannot read" every interval.
test_record_interval__stdout_full__error_said_once() {
	local rc n
	"$LATSCOPE" record -i 0.2 -- sleep 1.2 > /dev/full 2> "$TMP/ivfull.err"
	rc=$?
	cat "$TMP/ivfull.err"
	[ "$rc" -eq 1 ] || fail "exit code $rc, expected 1 (the report could not be written)" || return 1
	n=$(grep -c "interval" "$TMP/ivfull.err")
	[ "$n" -eq 1 ] || fail "$n lines about intervals, expected 1" || return 1
	grep -qx "Warning: cannot write the interval table to stdout: No space left on device; no more interval tables" \
		"$TMP/ivfull.err" || fail "the interval message does not give the cause" || return 1
	! grep -q "cannot read" "$TMP/ivfull.err" || fail "a write error reported as a read error"
}
