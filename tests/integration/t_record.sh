# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# latscope record against democtl, strace and the kernel.

CYCLES=8

# Attach with -p to a running democtl: every thread, sockets opened before
# attach (icmp, netlink, the listener), counts equal to democtl's own.
test_record_pid__democtl_cycles__counts_equal_democtl() {
	local d=$TMP/pid.democtl.json l=$TMP/pid.latscope.json dpid lpid
	start_democtl_waiting "$d" -n $CYCLES -i 50 -d 5 || return 1
	dpid=$DEMO_PID
	record_bg -p "$dpid" -o "$l" -q ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	kill -USR1 "$dpid"
	wait "$lpid" || fail "latscope exited with $?" || return 1
	wait "$dpid" || fail "democtl failed: $(cat "$d.err")" || return 1
	tests/integration/compare-democtl.sh "$d" "$l" cycles teardown ||
		fail "per-(subsystem, syscall) counts differ from democtl's" || return 1
	local s
	# the netlink socket was opened before attach: its qdisc dumps are "tc"
	for s in icmp tc "tcp:127.0.0.1:$DEMO_PORT" "tcp-in:$DEMO_PORT"; do
		jq -e --arg s "$s" '.subsystems[] | select(.name == $s)' "$l" >/dev/null ||
			fail "subsystem $s missing" || return 1
	done
}

# Launch mode: traced from execve on, including setup and every thread.
test_record_cmd__democtl__counts_equal_democtl() {
	local d=$TMP/cmd.democtl.json l=$TMP/cmd.latscope.json
	"$LATSCOPE" record -q -o "$l" -- "$DEMOCTL" -q -n $CYCLES -i 20 -d 2 \
		-p "$DEMO_PORT" -j "$d" >/dev/null 2>"$TMP/cmd.err" ||
		fail "latscope record failed: $(cat "$TMP/cmd.err")" || return 1
	tests/integration/compare-democtl.sh "$d" "$l" setup cycles teardown ||
		fail "counts differ from democtl's" || return 1
}

# The HTTP client's recvfrom waits for the server's injected delay, and is
# part of the GET that democtl times with its own clock: latscope's p50 must
# lie between the delay and democtl's own median GET time, each widened by
# the histogram's bound (a reported value is within 1/64 of the true one,
# docs/histogram.md).  No allowance for a busy machine is guessed: the
# upper bound comes from the workload's clock, which sees the same load.
test_record__http_delay__recv_p50_matches_delay() {
	local l=$TMP/delay.json out=$TMP/delay.out delay_ms=25 p50 lo hi get_ns
	# democtl's cycle lines ("... http 25.412 ms") go to $out; latscope is quiet
	"$LATSCOPE" record -q -o "$l" -- "$DEMOCTL" -n 6 -i 10 -d $delay_ms \
		-p "$DEMO_PORT" >"$out" 2>&1 || fail "record failed: $(tail -n1 "$out")" || return 1
	p50=$(jq -er --arg s "tcp:127.0.0.1:$DEMO_PORT" \
		'.subsystems[] | select(.name == $s) | .syscalls[] | select(.syscall == "recvfrom") | .p50_ns' "$l") ||
		fail "no recvfrom in tcp:127.0.0.1:$DEMO_PORT" || return 1
	# the upper median of democtl's 6 GET times: no rank of the recvfroms'
	# middle is above it, since each recvfrom lies inside its GET
	get_ns=$(sed -n 's/.* http \([0-9.]*\) ms$/\1/p' "$out" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%d", v[int(NR / 2) + 1] * 1e6 }')
	[ -n "$get_ns" ] || fail "democtl printed no GET times: $(head -n3 "$out")" || return 1
	lo=$((delay_ms * 1000000 - delay_ms * 1000000 / 64))
	hi=$((get_ns + get_ns / 64 + 1000))	# + 1 us: democtl prints 3 decimals of ms
	echo "recvfrom p50 = $p50 ns; delay $((delay_ms * 1000000)) ns; democtl's median GET $get_ns ns"
	[ "$p50" -ge "$lo" ] || fail "p50 $p50 ns is below the injected delay (less 1/64: $lo ns)" ||
		return 1
	[ "$p50" -le "$hi" ] || fail "p50 $p50 ns is above democtl's own GET time (plus 1/64: $hi ns)" ||
		return 1
}

# strace -c -f as an independent oracle for the same deterministic workload:
# both count from the command's execve.  futex depends on thread timing and
# clock_nanosleep on how late a cycle ran, so they are left out.
test_record_cmd__democtl__counts_equal_strace() {
	local l=$TMP/strace.latscope.json s=$TMP/strace.txt
	command -v strace >/dev/null || skip "strace is not installed" || return $?
	strace -f -c -o "$s" "$DEMOCTL" -q -n $CYCLES -i 20 -d 1 -p "$DEMO_PORT" >/dev/null 2>&1 ||
		fail "democtl under strace failed" || return 1
	"$LATSCOPE" record -q -o "$l" -- "$DEMOCTL" -q -n $CYCLES -i 20 -d 1 \
		-p "$DEMO_PORT" >/dev/null 2>&1 || fail "record failed" || return 1
	awk 'NR > 2 && $1 !~ /^-/ && $NF != "total" { print $NF, $4 }' "$s" |
		grep -Ev '^(futex|clock_nanosleep) ' | sort > "$TMP/strace.counts"
	jq -r '[.subsystems[].syscalls[] | select(.syscall != "request")
		| {s: .syscall, n: .count}] | group_by(.s)[]
		| "\(.[0].s) \(map(.n) | add)"' "$l" |
		grep -Ev '^(futex|clock_nanosleep) ' | sort > "$TMP/latscope.counts"
	[ "$(wc -l < "$TMP/strace.counts")" -ge 15 ] || fail "strace output not understood" || return 1
	diff -u "$TMP/strace.counts" "$TMP/latscope.counts" ||
		fail "latscope's per-syscall counts differ from strace -c -f" || return 1
}

# A target that dies mid-trace: latscope notices, stops and still reports.
test_record_pid__target_killed__report_still_printed() {
	local d=$TMP/die.democtl.json l=$TMP/die.json dpid lpid start end
	start_democtl_waiting "$d" -n 0 -i 20 -d 1 || return 1
	dpid=$DEMO_PID
	start=$(date +%s)
	record_bg -p "$dpid" -d 60 -o "$l" > "$TMP/die.out" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	kill -USR1 "$dpid"
	sleep 1
	kill -KILL "$dpid"
	wait "$lpid" || fail "latscope exited with $?" || return 1
	end=$(date +%s)
	[ $((end - start)) -lt 20 ] || fail "latscope did not stop when the target died" || return 1
	grep -q "^SUBSYSTEM" "$TMP/die.out" || fail "no report on stdout" || return 1
	jq -e '.subsystems[] | select(.name == "icmp") | .syscalls[] | select(.syscall == "sendto") | .count > 0' \
		"$l" >/dev/null || fail "the saved run has no icmp sendto" || return 1
}

test_record__missing_pid__exit_3_one_line() {
	local out rc
	out=$("$LATSCOPE" record -p 999999999 -d 1 2>&1)
	rc=$?
	[ "$rc" -eq 3 ] || fail "exit code $rc, expected 3" || return 1
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "more than one line: $out" || return 1
	[[ "$out" == "Error: no process with PID 999999999" ]] || fail "message: $out" || return 1
}

test_record__command_not_found__exit_3() {
	local out rc
	out=$("$LATSCOPE" record -- /nonexistent/latscope-nothing 2>&1)
	rc=$?
	[ "$rc" -eq 3 ] || fail "exit code $rc, expected 3 ($out)" || return 1
	[[ "$out" == Error:* ]] || fail "message: $out" || return 1
}

test_record__bad_usage__exit_2() {
	local rc
	"$LATSCOPE" record 2>/dev/null; rc=$?
	[ "$rc" -eq 2 ] || fail "no target: exit $rc" || return 1
	"$LATSCOPE" record -p 1 -d 0 2>/dev/null; rc=$?
	[ "$rc" -eq 2 ] || fail "-d 0: exit $rc" || return 1
	"$LATSCOPE" record -p 1 -- true 2>/dev/null; rc=$?
	[ "$rc" -eq 2 ] || fail "-p and a command: exit $rc" || return 1
	"$LATSCOPE" frobnicate 2>/dev/null; rc=$?
	[ "$rc" -eq 2 ] || fail "unknown command: exit $rc" || return 1
}

# Without CAP_BPF/CAP_PERFMON: one line that names them, exit 4.
test_record__no_capabilities__exit_4_names_caps() {
	local out rc
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing" || return $?
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$LATSCOPE" record -p 1 -d 1 2>&1)
	rc=$?
	[ "$rc" -eq 4 ] || fail "exit code $rc, expected 4 ($out)" || return 1
	[[ "$out" == *CAP_BPF*CAP_PERFMON* ]] || fail "message does not name the capabilities: $out" || return 1
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "more than one line" || return 1
}

# BPF links belong to latscope's fds: SIGKILL must leave nothing attached.
test_record__sigkill__no_program_left() {
	local lpid ids
	record_bg -p $$ -d 60 -q -o "$TMP/killed.json" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	ids=$(prog_ids_of "$lpid")
	[ "$(echo "$ids" | wc -w)" -ge 4 ] || fail "found only programs '$ids'" || return 1
	bpftool prog show id $(echo "$ids" | head -1) >/dev/null || fail "bpftool cannot see them" || return 1
	kill -KILL "$lpid"
	wait "$lpid" 2>/dev/null
	# shellcheck disable=SC2086
	progs_unloaded $ids || fail "programs $ids still loaded after SIGKILL" || return 1
	[ ! -e "$TMP/killed.json" ] || fail "a snapshot appeared although latscope was killed" || return 1
}

tables_at_least() { [ "$(grep -c "interval to" "$1")" -ge "$2" ]; }

# SIGINT stops a run cleanly, with the report, and -i prints interval tables.
test_record__sigint_and_interval__report_printed() {
	local dpid lpid n ids
	start_democtl_waiting "$TMP/int.democtl.json" -n 0 -i 50 -d 1 || return 1
	dpid=$DEMO_PID
	kill -USR1 "$dpid"
	record_bg -p "$dpid" -i 0.5 > "$TMP/int.out" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	# two tables printed, however long the machine takes for them
	wait_for tables_at_least "$TMP/int.out" 2 || fail "no two interval tables in 10 s" || return 1
	kill -INT "$lpid"
	ids=$(prog_ids_of "$lpid")
	wait "$lpid" || fail "latscope exited with $? on SIGINT" || return 1
	n=$(grep -c "interval to" "$TMP/int.out")
	[ "$n" -ge 2 ] || fail "$n interval tables, expected at least 2" || return 1
	grep -q "^icmp " "$TMP/int.out" || fail "no icmp row" || return 1
	# shellcheck disable=SC2086
	progs_unloaded $ids || fail "programs left loaded" || return 1
}

# --ready-fd: one line once attached, the descriptor closed after it and not
# passed to the command; a bad descriptor is refused before anything loads.
test_record_ready_fd__line_once_attached__not_inherited() {
	local out rc line
	out=$("$LATSCOPE" record --ready-fd 9 -p $$ -d 1 2>&1 9>&-)
	rc=$?
	[ "$rc" -eq 2 ] || fail "closed descriptor: exit $rc, expected 2 ($out)" || return 1
	[ "$(head -n1 <<<"$out")" = "Error: --ready-fd 9: Bad file descriptor" ] ||
		fail "message: $out" || return 1
	# the command sees whether its fd 3 is open
	"$LATSCOPE" record -q -o /dev/null --ready-fd 3 -- \
		sh -c 'if [ -e /proc/$$/fd/3 ]; then echo inherited; else echo closed; fi' \
		>"$TMP/rfd.out" 3>"$TMP/rfd.line" || fail "record failed" || return 1
	[ "$(cat "$TMP/rfd.out")" = closed ] || fail "the command inherited --ready-fd" || return 1
	line=$(cat "$TMP/rfd.line")
	[[ "$line" == "latscope: ready: tracing cmd sh -c "* ]] || fail "ready line: '$line'" || return 1
	[ "$(wc -l <"$TMP/rfd.line")" -eq 1 ] || fail "more than one line" || return 1
	# 2: stderr, next to nothing else
	"$LATSCOPE" record -q -o /dev/null --ready-fd 2 -- true 2>"$TMP/rfd.err" ||
		fail "record --ready-fd 2 failed" || return 1
	[[ "$(cat "$TMP/rfd.err")" == "latscope: ready: tracing cmd true" ]] ||
		fail "stderr: $(cat "$TMP/rfd.err")" || return 1
}
