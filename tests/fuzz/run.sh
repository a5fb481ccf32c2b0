#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Run the libFuzzer harnesses (built by `make fuzz-build`), each for SECONDS,
# seeded from tests/fixtures and tests/fuzz/seeds.  The corpus each run
# grows is kept in build/fuzz/corpus/NAME, so later runs start from it; a
# crash, leak or undefined behaviour leaves its input in
# build/fuzz/artifacts/ and fails the run.  docs/fuzzing.md has more.
#   tests/fuzz/run.sh SECONDS [NAME...]      NAME: snapshot diff rules gate options
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:?usage: tests/fuzz/run.sh SECONDS [NAME...]}
shift
out=build/fuzz
all=(snapshot diff rules gate options)
names=("${@:-${all[@]}}")
snapshots=(tests/fixtures/snapshot_v1.json tests/fixtures/report_basic.json
	   tests/fuzz/seeds/snapshot_threads_peers.json)

# seeds NAME DIR: the starting inputs of one harness, one file each
seeds() {
	local name=$1 dir=$2 a b i=0 line
	rm -rf "$dir"
	mkdir -p "$dir"
	case $name in
	snapshot)
		cp tests/fixtures/*.json tests/fuzz/seeds/*.json "$dir"/ ;;
	diff)
		for a in "${snapshots[@]}"; do
			for b in "${snapshots[@]}"; do
				i=$((i + 1))
				{ cat "$a"; printf '\0'; cat "$b"; } > "$dir/pair$i"
			done
		done ;;
	rules)
		cp tests/fixtures/*.conf "$dir"/ ;;
	gate | options)
		while IFS= read -r line; do
			i=$((i + 1))
			# options: words are NUL-separated, as in argv
			if [ "$name" = options ]; then
				printf '%s' "$line" | tr ' ' '\0' > "$dir/seed$i"
			else
				printf '%s' "$line" > "$dir/seed$i"
			fi
		done < "tests/fuzz/seeds/$name.txt" ;;
	esac
}

failed=()
mkdir -p "$out/artifacts"
for name in "${names[@]}"; do
	bin=$out/fuzz_$name
	[ -x "$bin" ] || { echo "$bin is missing: run make fuzz-build" >&2; exit 2; }
	mkdir -p "$out/corpus/$name"
	seeds "$name" "$out/seeds/$name"
	printf '  FUZZ     %-9s %ss ' "$name" "$secs"
	# -timeout: one input slower than 10 s is a hang; -rss_limit_mb: the
	# loader's memory bound (docs/snapshot-format.md) with room for ASan
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$name-" "$out/corpus/$name" "$out/seeds/$name" \
		> "$out/$name.log" 2>&1; then
		awk '/stat::number_of_executed_units/ { n = $2 }
		     /stat::peak_rss_mb/ { r = $2 }
		     END { printf "ok, %d runs, peak RSS %d MB\n", n, r }' "$out/$name.log"
	else
		echo "FAIL (log: $out/$name.log)"
		grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$out/$name.log" | head -20 | sed 's/^/      /'
		failed+=("$name")
	fi
done
[ ${#failed[@]} -eq 0 ] || { echo "Fuzzing found problems in: ${failed[*]}"; exit 1; }
