# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The HTML pages and the timeline of real recordings, opened by their real
# readers: Debian's Chromium, headless, must render every chart and log no
# console message (a blocked load or a script error would log one), and the
# timeline must have a track per thread of the snapshot.

# chromium_dom PAGE OUT: the DOM Chromium built from PAGE; its log in OUT.log.
chromium_dom() {
	local profile
	profile=$(mktemp -d "$TMP/chromium.XXXXXX")
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run \
		--user-data-dir="$profile" --enable-logging=stderr --v=0 \
		--dump-dom "file://$1" > "$2" 2> "$2.log"
}

# Console messages of the page (CSP violations, script errors), if any.
console_messages() {
	grep -h ':CONSOLE' "$1.log"
}

html_record() {
	"$LATSCOPE" record -q -o "$1" -- "$DEMOCTL" -q -n 20 -i 20 -d "$2" -p "$DEMO_PORT" \
		>/dev/null 2>"$1.err" || fail "latscope record failed: $(cat "$1.err")"
}

test_html__report_and_diff__chromium_renders_every_chart_silently() {
	local b=$TMP/html.before.json a=$TMP/html.after.json rows n
	command -v chromium >/dev/null || skip "chromium is not installed" || return $?
	html_record "$b" 5 || return 1
	html_record "$a" 20 || return 1
	"$LATSCOPE" report -f html "$b" > "$TMP/run.html" || fail "report -f html failed" || return 1
	"$LATSCOPE" diff -f html "$b" "$a" > "$TMP/diff.html" || fail "diff -f html failed" || return 1

	chromium_dom "$TMP/run.html" "$TMP/run.dom" || fail "chromium failed: $(tail -3 "$TMP/run.dom.log")" ||
		return 1
	[ -z "$(console_messages "$TMP/run.dom")" ] ||
		fail "console: $(console_messages "$TMP/run.dom")" || return 1
	rows=$(("$(wc -l < <("$LATSCOPE" report -f csv "$b"))" - 1))
	n=$(grep -o '<svg [^>]*class="histogram"' "$TMP/run.dom" | wc -l)
	echo "report: $rows rows, $n histograms"
	[ "$rows" -ge 5 ] && [ "$n" -eq "$rows" ] || fail "$n histograms for $rows rows" || return 1
	# every chart has bars and a line per default percentile (5)
	n=$(grep -A1 '<g class="bars"' "$TMP/run.dom" | grep -c '^<rect ')
	[ "$n" -eq "$rows" ] || fail "$n charts with bars" || return 1
	n=$(grep -o 'stroke-dasharray="4 3"' "$TMP/run.dom" | wc -l)
	[ "$n" -eq $((rows * 5)) ] || fail "$n percentile lines" || return 1
	grep -q '<h3>Per-syscall breakdown</h3>' "$TMP/run.dom" || fail "no breakdown" || return 1
	# the cycle budget of democtl's 20 ms loop, one bar part per component of the work
	n=$(jq '.cycle.budget | map(select(.pct_of_busy != null)) | length' "$b")
	[ "$n" -ge 3 ] && [ "$(grep -c '<svg [^>]*class="stacked-bar"' "$TMP/run.dom")" -eq 1 ] ||
		fail "no budget bar for $n components" || return 1
	[ "$(sed -n '/class="parts"/,/<\/g>/p' "$TMP/run.dom" | grep -c '^<rect ')" -eq "$n" ] ||
		fail "the budget bar has not $n parts" || return 1

	chromium_dom "$TMP/diff.html" "$TMP/diff.dom" || fail "chromium failed on the diff" || return 1
	[ -z "$(console_messages "$TMP/diff.dom")" ] ||
		fail "console: $(console_messages "$TMP/diff.dom")" || return 1
	rows=$("$LATSCOPE" diff -f json "$b" "$a" | jq '[.rows[].subsystem] | unique | length')
	n=$(grep -o '<svg [^>]*class="histogram"' "$TMP/diff.dom" | wc -l)
	echo "diff: $rows rows, $n histograms"
	[ "$n" -eq "$rows" ] || fail "$n histograms for $rows rows" || return 1
	# every chart overlays both runs (democtl makes the same calls twice)
	n=$(grep -c '^<g class="bars" fill="#4e79a7" fill-opacity="0.5">' "$TMP/diff.dom")
	[ "$n" -eq "$rows" ] || fail "$n charts with the before run's bars" || return 1
	n=$(grep -c '^<g class="bars" fill="#f28e2b" fill-opacity="0.5">' "$TMP/diff.dom")
	[ "$n" -eq "$rows" ] || fail "$n charts with the after run's bars" || return 1
	# the HTTP client's p90 is its recvfrom, which waits the 20 ms delay (and up to 20 ms more)
	grep -A3 '<title>tcp:127.0.0.1:'"$DEMO_PORT"': ' "$TMP/diff.dom" |
		grep 'after, 80 calls: p50 [^&]*&nbsp;&nbsp;p90 [23][0-9.]*ms' >/dev/null ||
		fail "the after run's p90 of the HTTP client is not the 20 ms delay" || return 1
}

# The timeline of a recording made with -i: a track per thread, names as
# in the snapshot, and counters per interval whose calls add up to the run's.
test_html__perfetto__track_per_thread_counters_per_interval() {
	local l=$TMP/timeline.json t=$TMP/timeline.trace.json want got
	"$LATSCOPE" record -q -i 0.1 -o "$l" -- "$DEMOCTL" -q -n 20 -i 20 -d 5 -p "$DEMO_PORT" \
		>/dev/null 2>"$l.err" || fail "latscope record failed: $(cat "$l.err")" || return 1
	"$LATSCOPE" report -f perfetto "$l" > "$t" || fail "report -f perfetto failed" || return 1
	want=$(jq -r '[.threads[].name | split(" ")[0] | tonumber] | sort | join(" ")' "$l")
	got=$(jq -r '[.traceEvents[] | select(.ph == "X" and .cat == "latscope") | .tid] | unique
		| sort | join(" ")' "$t")
	echo "threads: $want; tracks: $got"
	[ -n "$want" ] && [ "$want" = "$got" ] || fail "tracks $got, threads $want" || return 1
	# and one more: the cycles' own track
	got=$(jq '[.traceEvents[] | select(.ph == "M" and .name == "thread_name")] | length' "$t")
	[ "$got" -eq $(($(jq '.threads | length' "$l") + 1)) ] || fail "$got thread names" ||
		return 1
	# the intervals saved add up to the run, and each is a counter sample
	want=$(jq '.subsystems[] | select(.name == "tc") | .count' "$l")
	got=$(jq '[.intervals[].subsystems[] | select(.name == "tc") | .count] | add' "$l")
	echo "tc: $want calls, $got in $(jq '.intervals | length' "$l") intervals"
	[ "$got" = "$want" ] || fail "intervals hold $got tc calls, the run $want" || return 1
	got=$(jq '[.traceEvents[] | select(.ph == "C" and .name == "calls per second")] | length' "$t")
	[ "$got" -eq $(($(jq '.intervals | length' "$l") + 1)) ] ||
		fail "$got counter samples" || return 1
	# the slowest calls and the cycles (snapshot version 3)
	want=$(jq '.slowest | length' "$l")
	got=$(jq '[.traceEvents[] | select(.cat == "slowest")] | length' "$t")
	echo "slowest: $want in the snapshot, $got slices"
	[ "$want" -ge 1 ] && [ "$got" -eq "$want" ] || fail "$got slowest slices of $want" || return 1
	want=$(jq '.cycle.starts_unix_ns | length' "$l")
	got=$(jq '[.traceEvents[] | select(.cat == "cycle" and .ph == "X")] | length' "$t")
	echo "cycles: $(jq .cycle.count "$l") counted, $want starts, $got slices"
	[ "$want" -ge 10 ] && [ "$got" -eq "$want" ] || fail "$got cycle slices of $want starts" ||
		return 1
	# timestamps rise on every track, in the order written
	jq -e '[.traceEvents[] | select(.ph != "M")] | group_by([.pid, .tid])
		| map([.[].ts] | . == sort) | all' "$t" >/dev/null ||
		fail "timestamps go back on a track" || return 1
}
