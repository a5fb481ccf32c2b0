#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Integration tests: the real BPF programs, loaded and attached, tracing real
# processes doing real ICMP / netlink / TCP / UDP work, checked against
# oracles that do not come from latscope (democtl's own counts, strace -c,
# clock_gettime).  Needs root.  Run from the top of the tree:
#   bash tests/integration/run.sh [TEST_NAME...]
# Tests listed in tests/integration/pending.list (written ahead of the code
# that makes them pass) run only when named, or with PENDING=1.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
for f in tests/integration/t_*.sh; do
	. "$f"
done

passed=0 failed=0 skipped=0
failed_names=()

# Can this machine load and attach latscope at all?  Outside CI a machine
# without BPF skips the suite visibly; in CI that is a failure.
bpf_preflight() {
	local err
	if [ "$(id -u)" -ne 0 ]; then
		err="not root"
	elif ! err=$("$LATSCOPE" record -d 0.2 -- true 2>&1 >/dev/null); then
		err=${err:-latscope record failed}
	else
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		echo "FAIL: BPF integration tests cannot run in CI: $err" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "SKIP: all integration tests: $err" >&2
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

run_test() {
	local name=$1 rc
	printf '  %-50s ' "$name"
	# the subshell owns what the test starts in the background: clean it there
	( set -uo pipefail; trap cleanup_bg EXIT; "test_$name" ) > "$TMP/$name.log" 2>&1
	rc=$?
	case $rc in
	0)
		echo "ok"
		passed=$((passed + 1))
		;;
	77)
		if [ "${CI:-}" = true ]; then
			echo "FAIL (skipped in CI)"
			failed=$((failed + 1))
			failed_names+=("$name")
		else
			echo "skip"
			skipped=$((skipped + 1))
		fi
		sed 's/^/      /' "$TMP/$name.log"
		;;
	*)
		echo "FAIL"
		failed=$((failed + 1))
		failed_names+=("$name")
		sed 's/^/      /' "$TMP/$name.log"
		;;
	esac
}

bpf_preflight
echo "Integration tests (logs in $TMP):"
pending=()
if [ $# -gt 0 ]; then
	tests=("$@")
else
	mapfile -t tests < <(declare -F | awk '{print $3}' | sed -n 's/^test_//p')
	# written ahead of the code that makes them pass: named, or PENDING=1
	if [ "${PENDING:-}" != 1 ]; then
		mapfile -t pending < <(sed 's/#.*//; /^[[:space:]]*$/d' tests/integration/pending.list)
		mapfile -t tests < <(printf '%s\n' "${tests[@]}" | grep -vxF -f <(printf '%s\n' "${pending[@]}"))
	fi
fi
for t in "${tests[@]}"; do
	run_test "$t"
done
[ "$failed" -eq 0 ] || echo "Failed: ${failed_names[*]}"
echo "$passed passed, $failed failed, $skipped skipped${pending:+, ${#pending[@]} pending (tests/integration/pending.list)}"
[ "$failed" -eq 0 ]
