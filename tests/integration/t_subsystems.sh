# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Subsystems a user can name: child processes, tc over netlink, rules,
# attach by name.  Real programs from Debian's packages (ping, tc).

# jq: count of syscall S in subsystem N of snapshot F (0 when absent)
count_of() {
	jq -r --arg n "$2" --arg s "$3" \
		'[.subsystems[] | select(.name == $n) | .syscalls[] | select(.syscall == $s) | .count] | add // 0' "$1"
}

# A shell loop that runs ping and tc: exec:ping and exec:tc with the right
# spawn counts, tc's RTM_GETQDISC dump as "tc", ping's echoes as "icmp".
test_record_cmd__shell_runs_ping_and_tc__children_attributed() {
	local l=$TMP/children.json n
	command -v ping >/dev/null || skip "ping (iputils-ping) is not installed" || return $?
	command -v tc >/dev/null || skip "tc (iproute2) is not installed" || return $?
	"$LATSCOPE" record -q -o "$l" -- sh -c \
		'for i in 1 2 3; do ping -c 2 -i 0.2 127.0.0.1 >/dev/null; tc -s qdisc show dev lo >/dev/null; done' \
		2>"$TMP/children.err" || fail "record failed: $(cat "$TMP/children.err")" || return 1
	n=$(count_of "$l" exec:ping spawn)
	[ "$n" -eq 3 ] || fail "exec:ping spawned $n times, expected 3" || return 1
	n=$(count_of "$l" exec:tc spawn)
	[ "$n" -eq 3 ] || fail "exec:tc spawned $n times, expected 3" || return 1
	# each ping child sends 2 echoes: 6 sends on its ICMP socket in all
	n=$(jq '[.subsystems[] | select(.name == "icmp") | .syscalls[] | select(.syscall == "sendto" or .syscall == "sendmsg") | .count] | add // 0' "$l")
	[ "$n" -eq 6 ] || fail "icmp has $n sends, expected 6 (2 per ping)" || return 1
	n=$(jq '[.subsystems[] | select(.name == "tc") | .syscalls[] | select(.syscall != "request")
		| .count] | add // 0' "$l")
	[ "$n" -ge 6 ] || fail "tc (rtnetlink qdisc dump) has $n calls" || return 1
	# spawn-to-reap of ping -c 2 -i 0.2 is at least its 0.2 s interval
	n=$(jq -r '.subsystems[] | select(.name == "exec:ping") | .syscalls[0].min_ns' "$l")
	[ "$n" -ge 200000000 ] || fail "exec:ping min $n ns is below ping's 0.2 s interval" || return 1
}

# Rules name democtl's HTTP calls after the peer and its network.
test_record_rules__tcp_peer_and_cidr__named_by_rule() {
	local l=$TMP/rules.json rules=$TMP/wan.rules d=$TMP/rules.democtl.json
	cat > "$rules" <<-EOF
	# the router's REST API, on loopback for the test
	router-rest: tcp peer 127.0.0.1 port $DEMO_PORT
	lan-other: tcp peer 127.0.0.0/8
	EOF
	"$LATSCOPE" record -q -o "$l" -r "$rules" --rule "ping-lo: icmp peer 127.0.0.1" \
		-- "$DEMOCTL" -q -n 5 -i 20 -d 1 -p "$DEMO_PORT" -j "$d" >/dev/null 2>"$TMP/rules.err" ||
		fail "record failed: $(cat "$TMP/rules.err")" || return 1
	[ "$(count_of "$l" router-rest connect)" -eq 5 ] || fail "router-rest connect count" || return 1
	[ "$(count_of "$l" router-rest recvfrom)" -eq 5 ] || fail "router-rest recvfrom count" || return 1
	[ "$(count_of "$l" "tcp:127.0.0.1:$DEMO_PORT" connect)" -eq 0 ] ||
		fail "the built-in name still has calls the rule should have taken" || return 1
	# serving side: an accepted socket's peer is the client on 127.0.0.1 at an
	# ephemeral port, which only the CIDR rule covers (the listener has no peer)
	[ "$(count_of "$l" lan-other recvfrom)" -eq 5 ] || fail "lan-other (CIDR rule) recvfrom count" || return 1
	[ "$(count_of "$l" "tcp-in:$DEMO_PORT" accept4)" -ge 5 ] || fail "listener accept4 count" || return 1
	# ICMP to 127.0.0.1: the echo request names the peer, the reply inherits it
	[ "$(count_of "$l" ping-lo sendto)" -eq 5 ] || fail "ping-lo sendto count" || return 1
	[ "$(count_of "$l" ping-lo recvfrom)" -eq 5 ] || fail "ping-lo recvfrom count" || return 1
}

test_record_rules__malformed_file__exit_2_names_line_and_column() {
	local out rc rules=$TMP/bad.rules
	printf 'ok: tcp port 443\n# fine\nbad: tcp port 99999\n' > "$rules"
	out=$("$LATSCOPE" record -r "$rules" -p $$ -d 1 2>&1)
	rc=$?
	[ "$rc" -eq 2 ] || fail "exit $rc, expected 2 ($out)" || return 1
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "more than one line: $out" || return 1
	[[ "$out" == "Error: $rules:3:"[0-9]*": "* ]] || fail "no file:line:column: $out" || return 1
}

# -c COMM follows a daemon by name, also one started after latscope.
test_record_comm__process_started_later__traced() {
	local l=$TMP/comm.json lpid name=lsdemo$$ d=$TMP/comm.democtl.json
	ln -sf "$DEMOCTL" "$TMP/$name"
	record_bg -c "$name" -d 4 -q -o "$l" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	"$TMP/$name" -q -n 4 -i 20 -d 1 -p "$DEMO_PORT" -j "$d" >/dev/null 2>&1 ||
		fail "democtl failed" || return 1
	wait "$lpid" || fail "latscope exited with $?" || return 1
	tests/integration/compare-democtl.sh "$d" "$l" setup cycles teardown ||
		fail "counts of the process started later differ from its own" || return 1
}

# --by thread: democtl's two threads, whose calls add up to the whole run;
# --by peer: the HTTP client's calls under the server's address.
test_report_by_thread_and_peer__democtl__rows_add_up() {
	local l=$TMP/views.json d=$TMP/views.democtl.json n total peer
	"$LATSCOPE" record -q -o "$l" -- "$DEMOCTL" -q -n 5 -i 20 -d 1 -p "$DEMO_PORT" -j "$d" \
		>/dev/null 2>&1 || fail "record failed" || return 1
	n=$(jq '.threads | length' "$l")
	[ "$n" -eq 2 ] || fail "$n threads, expected democtl's 2" || return 1
	total=$(jq '[.threads[].subsystems[].syscalls[] | select(.syscall != "request")
		| .count] | add' "$l")
	[ "$total" -eq "$(jq '.meta.events' "$l")" ] ||
		fail "thread rows add up to $total, the run has $(jq '.meta.events' "$l")" || return 1
	"$LATSCOPE" report --by thread "$l" > "$TMP/views.txt" || fail "report --by thread" || return 1
	# the main table's rows start with the thread; Top errors names threads too
	[ "$(sed '/^Top errors/,$d' "$TMP/views.txt" | grep -Ec '^[0-9]+ democtl ')" -eq 2 ] ||
		fail "no two democtl rows" || return 1
	# the client's connect, sendto, recvfrom and close, once per cycle
	peer=$(jq --arg p "127.0.0.1:$DEMO_PORT" \
		'[.peers[] | select(.name == $p) | .subsystems[].syscalls[]
		  | select(.syscall != "request") | .count] | add' "$l")
	[ "$peer" -eq 20 ] || fail "peer 127.0.0.1:$DEMO_PORT has $peer calls, expected 20" || return 1
	"$LATSCOPE" report --by peer "$l" | grep "^127.0.0.1:$DEMO_PORT " >/dev/null ||
		fail "report --by peer has no row for the server" || return 1
}
