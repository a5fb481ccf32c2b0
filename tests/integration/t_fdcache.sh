# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# latscope record against fdreuse: an fd number that is reused, by this
# thread or another, is named after what it is now, never after what the
# thread's fd cache remembers.

FDREUSE=${FDREUSE:-$PWD/build/fdreuse}
# BASE, BASE + 1, BASE + 2: outside the ephemeral range, away from
# waitload's and democtl's
FDREUSE_PORT=${FDREUSE_PORT:-18520}
FDREUSE_ITERS=20
# the whole range, as bench/run.sh sets it
PING_RANGE_ALL="0 2147483647"

# fd_count FILE SUBSYSTEM SYSCALL: latscope's "count errors", "0 0" when absent.
fd_count() {
	jq -r --arg s "$2" --arg c "$3" \
		'[.subsystems[] | select(.name == $s) | .syscalls[] | select(.syscall == $c)]
		 | "\(map(.count) | add // 0) \(map(.errors) | add // 0)"' "$1"
}

# Ping sockets need our group (root's, 0) in net.ipv4.ping_group_range.
# Widened only when it does not hold it, and put back by fd_ping_restore.
FD_OLD_PING_RANGE=
fd_ping_open() {
	local cur lo hi
	cur=$(sysctl -n net.ipv4.ping_group_range | tr '\t' ' ') || return 1
	read -r lo hi <<< "$cur"
	[ "$lo" -le 0 ] && [ "$hi" -ge 0 ] && return 0
	sysctl -qw net.ipv4.ping_group_range="$PING_RANGE_ALL" || return 1
	FD_OLD_PING_RANGE=$cur
}

fd_ping_restore() {
	[ -n "$FD_OLD_PING_RANGE" ] || return 0
	sysctl -qw net.ipv4.ping_group_range="$FD_OLD_PING_RANGE" ||
		echo "could not restore net.ipv4.ping_group_range to '$FD_OLD_PING_RANGE'" >&2
	FD_OLD_PING_RANGE=
}

# Each iteration fdreuse gives one fd number five sockets in turn: a UDP
# socket that gets bound (udp:unconnected, then udp-in:BASE), one that
# sends to BASE+1 and then connects to BASE+2, a ping socket another thread
# dup3s over it (icmp), a unix socket another thread puts there after
# closing it (unix).  The first call of the main thread after each change
# must carry the new name.  Last, an unconnected UDP socket the main thread
# sends on to BASE+1 and a second thread to BASE+2: the main thread's later
# calls on it, also those after an unrelated close, are named after its own
# send (udp:127.0.0.1:BASE+1), a third thread's receive after the socket's
# last send (udp:127.0.0.1:BASE+2).  Counts exact, errors included.
test_record_cmd__fd_reused_across_threads__named_after_what_it_is_now() {
	local d=$TMP/fdcache.oracle.json l=$TMP/fdcache.json rc
	# the subshell run_test made is ours: restore the sysctl on any exit
	trap 'fd_ping_restore; cleanup_bg' EXIT
	fd_ping_open || fail "cannot let root open ping sockets (net.ipv4.ping_group_range)" ||
		return 1
	"$LATSCOPE" record -q -o "$l" -- "$FDREUSE" -n $FDREUSE_ITERS -p "$FDREUSE_PORT" \
		-j "$d" >/dev/null 2>"$TMP/fdcache.err"
	rc=$?
	fd_ping_restore
	[ "$rc" -eq 0 ] || fail "latscope record failed: $(cat "$TMP/fdcache.err")" || return 1
	tests/integration/compare-democtl.sh "$d" "$l" setup run teardown ||
		fail "per-(subsystem, syscall) counts differ from fdreuse's" || return 1

	# the oracle must say what the workload is meant to do, or the
	# comparison above proves nothing: the calls a stale cache entry would
	# name after the fd's previous socket, and their neighbours.  (Wherever
	# a stale name puts a call, it is missing from its own subsystem, which
	# the comparison catches.)  Totals over the phases: setup's two binds
	# are the sinks'.  Step e's calls on FD after its two sends: under
	# BASE+1 the main thread's getsockname, its two recvfroms (the second
	# after the unrelated close) and its close; under BASE+2 the third
	# thread's recvfrom.
	local n=$FDREUSE_ITERS b=$FDREUSE_PORT s c calls errs got
	while read -r s c calls errs; do
		got=$(fd_count "$l" "$s" "$c")
		[ "$got" = "$calls $errs" ] ||
			fail "$s $c: latscope counted (calls errors) $got, want $calls $errs" ||
			return 1
	done <<EOF
udp:unconnected recvfrom $n $n
udp:unconnected bind $((n + 2)) 0
udp:unconnected setsockopt $n 0
udp-in:$b recvfrom $n $n
udp-in:$b close $n 0
udp:127.0.0.1:$((b + 1)) sendto $((3 * n)) 0
udp:127.0.0.1:$((b + 1)) getsockname $n 0
udp:127.0.0.1:$((b + 1)) recvfrom $((2 * n)) 0
udp:127.0.0.1:$((b + 1)) close $n 0
udp:127.0.0.1:$((b + 2)) connect $n 0
udp:127.0.0.1:$((b + 2)) sendto $((3 * n)) 0
udp:127.0.0.1:$((b + 2)) recvfrom $n 0
icmp dup3 $n 0
icmp sendto $n 0
icmp recvfrom $n 0
icmp close $((2 * n)) 0
unix write $n 0
unix read $n 0
udp-in:$((b + 1)) recvfrom $((3 * n)) 0
udp-in:$((b + 2)) sendto $((3 * n)) 0
udp-in:$((b + 2)) recvfrom $((3 * n)) 0
EOF
}
