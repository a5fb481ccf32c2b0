#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Touching a header must rebuild exactly the unit-test objects that include
# it, directly or through other headers.  For every header of the tree this
# asks make what it would rebuild (make -n -W HEADER, nothing is touched)
# and compares with the #include lines read here, independently of the
# compiler's .d files.  Run after make unit-test, from the top of the tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUTPUT:-build}

sources=$(ls tests/test_*.c src/*.c)
headers=$(ls src/*.h include/*.h tests/*.h)

# "file header" for every direct #include "x.h" of a source or header,
# x.h looked up as the compilers do (-Isrc -Iinclude -Itests, -Ibpf).  A
# skeleton, build/X.skel.h, is generated from bpf/X.bpf.c: it changes when
# anything that includes does.
bpf_files=$(ls bpf/*.c bpf/*.h)
edges=$(grep -H '^#include "' $sources $headers $bpf_files |
	sed 's/:#include "\([^"]*\)".*/ \1/' |
	while read -r f inc; do
		case $inc in
		*.skel.h)
			echo "$f bpf/${inc%.skel.h}.bpf.c"
			continue
			;;
		esac
		for dir in src include tests bpf; do
			if [ -f "$dir/$inc" ]; then
				echo "$f $dir/$inc"
				break
			fi
		done
	done)

# The files that include $1, directly or not.
includers() {
	awk -v h="$1" '
		{ inc[NR] = $1; hdr[NR] = $2 }
		END {
			want[h] = 1
			do {
				grew = 0
				for (i = 1; i <= NR; i++)
					if ((hdr[i] in want) && !(inc[i] in want)) {
						want[inc[i]] = 1
						grew = 1
					}
			} while (grew)
			for (f in want)
				print f
		}' <<<"$edges"
}

# The unit-test object of a source.
object() {
	case $1 in
	tests/*) echo "$out/tests/$(basename "${1%.c}").o" ;;
	src/*) echo "$out/san/$(basename "${1%.c}").o" ;;
	esac
}

fail=0 n=0
for h in $headers; do
	# the objects make unit-test built: the library, and what a test adds
	want=$(for f in $(includers "$h"); do
		case $f in *.c) o=$(object "$f"); [ ! -f "$o" ] || echo "$o" ;; esac
	done | sort -u)
	got=$("${MAKE:-make}" -n -W "$h" unit-test 2>/dev/null |
		{ grep -o -- " -c [^ ]*\.c -o [^ ]*\.o" || true; } |
		awk -v o="$out" 'index($4, o "/san/") == 1 || index($4, o "/tests/") == 1 { print $4 }' |
		sort -u)
	n=$((n + 1))
	if [ "$want" != "$got" ]; then
		echo "FAIL: touching $h rebuilds:"
		diff <(echo "$want") <(echo "$got") | sed -n 's/^</  missing/p; s/^>/  extra  /p'
		fail=1
	fi
done
[ "$fail" -eq 0 ] && echo "header deps: $n headers, each rebuilds exactly its includers"
exit "$fail"
