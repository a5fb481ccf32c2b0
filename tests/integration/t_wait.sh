# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# latscope record against waitload: wait syscalls named after their fds.

WAITLOAD=${WAITLOAD:-$PWD/build/waitload}
# a port outside the ephemeral range, away from democtl's
WAIT_PORT=${WAIT_PORT:-18490}
WAIT_ITERS=20

# wait_count FILE SUBSYSTEM SYSCALL: latscope's count, 0 when absent.
wait_count() {
	jq -r --arg s "$2" --arg c "$3" \
		'[.subsystems[] | select(.name == $s) | .syscalls[]
		  | select(.syscall == $c) | .count] | add // 0' "$1"
}

# poll, ppoll, select, pselect6, epoll_wait and epoll_pwait on one bound
# UDP socket are udp-in:PORT; a socket plus a pipe, or more than 16 fds, is
# wait:mixed; a pipe, alone or with fd -1 (which poll skips), is file; poll
# on no fd is other.  epoll_wait and epoll_pwait on an epoll set of exactly
# 16 pipes are file, on one of 17 pipes wait:mixed: latscope walks the
# interest set up to 16 entries.  Counts exact.
test_record_cmd__wait_syscalls__classified_by_their_fds() {
	local d=$TMP/wait.oracle.json l=$TMP/wait.json s c want got
	"$LATSCOPE" record -q -o "$l" -- "$WAITLOAD" -n $WAIT_ITERS -p "$WAIT_PORT" \
		-j "$d" 2>"$TMP/wait.err" ||
		fail "latscope record failed: $(cat "$TMP/wait.err")" || return 1
	tests/integration/compare-democtl.sh "$d" "$l" setup run teardown ||
		fail "per-(subsystem, syscall) counts differ from waitload's" || return 1

	# file and other also hold the loader's calls: compare waitload's own
	# (subsystem, syscall) pairs there one by one
	while read -r s c want; do
		got=$(wait_count "$l" "$s" "$c")
		[ "$got" = "$want" ] || fail "$s $c: latscope counted $got, waitload made $want" ||
			return 1
	done < <(jq -r '.shared | to_entries[] | .key as $s | .value | to_entries[]
		| "\($s) \(.key) \(.value.calls)"' "$d")

	# the oracle must also say what the workload is meant to do, or the
	# comparison above proves nothing.  arm64 has no poll, select and
	# epoll_wait syscalls: waitload makes ppoll, pselect6 and epoll_pwait.
	local n=$WAIT_ITERS expect
	if [ "$(uname -m)" = x86_64 ]; then
		expect="udp-in:$WAIT_PORT poll $n
udp-in:$WAIT_PORT ppoll $n
udp-in:$WAIT_PORT select $n
udp-in:$WAIT_PORT pselect6 $n
udp-in:$WAIT_PORT epoll_wait $n
udp-in:$WAIT_PORT epoll_pwait $n
wait:mixed poll $((2 * n))
wait:mixed epoll_wait $((2 * n))
wait:mixed epoll_pwait $n
file poll $((2 * n))
file epoll_wait $n
file epoll_pwait $n
other poll $n"
	else
		expect="udp-in:$WAIT_PORT ppoll $((2 * n))
udp-in:$WAIT_PORT pselect6 $((2 * n))
udp-in:$WAIT_PORT epoll_pwait $((2 * n))
wait:mixed ppoll $((2 * n))
wait:mixed epoll_pwait $((3 * n))
file ppoll $((2 * n))
file epoll_pwait $((2 * n))
other ppoll $n"
	fi
	while read -r s c want; do
		got=$(wait_count "$l" "$s" "$c")
		[ "$got" = "$want" ] || fail "$s $c: latscope counted $got, want $want" || return 1
	done <<< "$expect"
}
