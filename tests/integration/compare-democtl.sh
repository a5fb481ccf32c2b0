#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# compare-democtl.sh DEMOCTL_JSON LATSCOPE_JSON PHASES...
# Prints one line per (subsystem, syscall) whose counts differ between what
# democtl says it made (summed over PHASES) and what latscope recorded, for
# democtl's network subsystems; exits 1 if any differ.  latscope's rows of
# one syscall in several roles (an idle accept, a busy one) are added up;
# its "request" rows are not syscalls.
set -euo pipefail
d=$1 l=$2
shift 2
phases=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
diff -u \
	<(jq -r --argjson ph "$phases" '
		[.phases | to_entries[] | select(.key as $k | $ph | index($k)) | .value
		 | to_entries[] | .key as $s | .value | to_entries[]
		 | {s: $s, c: .key, n: .value.calls, e: .value.errors}]
		| group_by([.s, .c])[] | "\(.[0].s) \(.[0].c) calls=\(map(.n) | add) errors=\(map(.e) | add)"' "$d" | sort) \
	<(jq -r --slurpfile d "$d" '
		($d[0].phases | [.[] | keys[]] | unique) as $subs
		| [.subsystems[] | select(.name as $n | $subs | index($n)) | .name as $s
		   | .syscalls[] | select(.syscall != "request")
		   | {s: $s, c: .syscall, n: .count, e: .errors}]
		| group_by([.s, .c])[]
		| "\(.[0].s) \(.[0].c) calls=\(map(.n) | add) errors=\(map(.e) | add)"' "$l" | sort)
