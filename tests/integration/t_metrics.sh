# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# record --listen and --prom-file, read by the real consumers: Debian's
# prometheus scraping latscope and answering PromQL, promtool's linter, and
# a textfile reader that must never see half a file.

TC_SENDTO='subsystem="tc",syscall="sendto",role="work"'

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	local p
	for p in $(shuf -i 20000-29999 -n 100); do
		ss -Hltn "sport = :$p" | grep . >/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# metrics_url ERRFILE: the URL latscope said it serves, once it said so.
metrics_url() {
	wait_for grep -q "^Serving metrics at " "$1" || return 1
	sed -n 's/^Serving metrics at //p' "$1" | head -1
}

# sample PAGE SELECTOR: the value of the one sample of PAGE that holds SELECTOR.
sample() {
	grep -F "$2" "$1" | grep -v '^#' | awk '{ print $NF }'
}

# prom_query PORT EXPR: the result vector of an instant query, as JSON.
prom_query() {
	curl -sf "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$2" |
		jq -ec 'select(.status == "success") | .data.result'
}

# prom_value PORT EXPR: the value of a query with a single result.
prom_value() {
	prom_query "$1" "$2" | jq -er 'if length == 1 then .[0].value[1] else error("results: \(length)") end'
}

# The le bounds latscope exports, in ns (docs/metrics.md).
LE_NS=(1000 2000 5000 10000 20000 50000 100000 200000 500000 1000000 2000000 5000000
       10000000 20000000 50000000 100000000 200000000 500000000 1000000000 2000000000
       5000000000 10000000000)

# bucket_width_ns NS: the width of the le bucket NS falls in.
bucket_width_ns() {
	local i lo=0
	for i in "${LE_NS[@]}"; do
		[ "$1" -le "$i" ] && { echo $((i - lo)); return 0; }
		lo=$i
	done
	return 1
}

# Prometheus scrapes latscope every second while it traces democtl, with a
# client connected that never sends a byte.  Prometheus's p50 of the tc
# request (sendto: one per cycle, one mode) must be latscope's own p50
# within the width of its bucket; every scrape succeeds; no counter resets;
# promtool finds nothing wrong with a page; democtl's own counts still
# equal latscope's.
test_metrics__prometheus_scrapes_democtl__p50_matches_snapshot() {
	local d=$TMP/prom.democtl.json l=$TMP/prom.latscope.json lpid url lport pport
	local data=$TMP/prom.tsdb cfg=$TMP/prometheus.yml q p50 width prom_ns n
	command -v prometheus >/dev/null || skip "prometheus is not installed" || return $?
	bg "$LATSCOPE" record -q -o "$l" --listen 127.0.0.1:0 -- "$DEMOCTL" -q -n 250 -i 100 \
		-d 2 -p "$DEMO_PORT" -j "$d" 2> "$TMP/prom.err"
	lpid=$BG_PID
	url=$(metrics_url "$TMP/prom.err") || fail "no URL: $(cat "$TMP/prom.err")" || return 1
	lport=${url##*:}
	lport=${lport%%/*}
	pport=$(free_port) || fail "no free port" || return 1
	cat > "$cfg" <<-EOF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: latscope
	    static_configs:
	      - targets: ['127.0.0.1:$lport']
	EOF
	bg prometheus --config.file="$cfg" --storage.tsdb.path="$data" \
		--web.listen-address="127.0.0.1:$pport" --log.level=warn 2> "$TMP/prometheus.log"
	wait_for curl -sf "http://127.0.0.1:$pport/-/ready" -o /dev/null ||
		fail "prometheus did not start: $(tail -5 "$TMP/prometheus.log")" || return 1
	# connects and sends nothing, for as long as the test runs
	exec 7<>"/dev/tcp/127.0.0.1/$lport" || fail "cannot connect to $lport" || return 1
	curl -sf -m 5 "$url" > "$TMP/prom.page" ||
		fail "no page while a silent client is connected" || return 1
	promtool check metrics < "$TMP/prom.page" > "$TMP/promtool.out" 2>&1 ||
		fail "promtool: $(cat "$TMP/promtool.out")" || return 1
	[ ! -s "$TMP/promtool.out" ] || fail "promtool: $(cat "$TMP/promtool.out")" || return 1
	# 14 scrapes in a row, all successful
	for n in $(seq 300); do
		n=$(prom_value "$pport" 'count_over_time(up{job="latscope"}[14s])' 2>/dev/null) &&
			[ "$n" -ge 14 ] && break
		sleep 0.1
	done
	[ "${n:-0}" -ge 14 ] || fail "only ${n:-0} scrapes in 14 s" || return 1
	n=$(prom_value "$pport" 'min_over_time(up{job="latscope"}[14s])')
	[ "$n" = 1 ] || fail "a scrape failed (min up = $n)" || return 1
	q="histogram_quantile(0.5, rate(latscope_syscall_duration_seconds_bucket{subsystem=\"tc\"}[10s]))"
	prom_query "$pport" "$q" > "$TMP/prom.q.json" || fail "query failed: $q" || return 1
	echo "query $q: $(cat "$TMP/prom.q.json")"
	n=$(prom_value "$pport" 'sum(resets(latscope_syscall_duration_seconds_count[1m]))')
	[ "$n" = 0 ] || fail "counters went backwards: $n resets" || return 1
	exec 7<&-
	wait "$lpid" || fail "latscope exited with $?" || return 1
	tests/integration/compare-democtl.sh "$d" "$l" setup cycles teardown ||
		fail "democtl's counts differ from latscope's" || return 1
	p50=$(jq -er '.subsystems[] | select(.name == "tc") | .syscalls[]
		| select(.syscall == "sendto") | .p50_ns' "$l") || fail "no tc sendto" || return 1
	prom_ns=$(jq -er '.[] | select(.metric.syscall == "sendto") | .value[1] | tonumber * 1e9 | floor' \
		"$TMP/prom.q.json") || fail "no sendto in the query's result" || return 1
	width=$(bucket_width_ns "$p50")
	echo "tc sendto p50: latscope $p50 ns, prometheus $prom_ns ns, bucket width $width ns"
	[ $((prom_ns > p50 ? prom_ns - p50 : p50 - prom_ns)) -le "$width" ] ||
		fail "prometheus's p50 $prom_ns ns is more than $width ns from latscope's $p50 ns" ||
		return 1
}

# A target restarted under --cmdline: the second run's calls add to the
# first's, in the series named after the pattern.
test_metrics__target_restarted__counts_add_up() {
	local lpid url first second i
	record_bg -q --cmdline metrics-restart --listen 127.0.0.1:0 2> "$TMP/restart.err" ||
		fail "latscope did not attach" || return 1
	lpid=$BG_PID
	url=$(metrics_url "$TMP/restart.err") || fail "no URL: $(cat "$TMP/restart.err")" || return 1
	for i in 1 2; do
		"$DEMOCTL" -q -n 5 -i 10 -d 1 -p "$DEMO_PORT" -j "$TMP/metrics-restart.$i.json" \
			>/dev/null 2>&1 || fail "democtl run $i failed" || return 1
		sleep 0.6	# scrapes closer than 0.5 s share one read
		curl -sf "$url" > "$TMP/restart.$i" || fail "scrape $i failed" || return 1
	done
	first=$(sample "$TMP/restart.1" "_count{$TC_SENDTO,process=\"metrics-restart\"}")
	second=$(sample "$TMP/restart.2" "_count{$TC_SENDTO,process=\"metrics-restart\"}")
	echo "tc sendto after run 1: $first, after run 2: $second"
	[ "$first" = 5 ] || fail "after one run of 5 cycles: '$first'" || return 1
	[ "$second" = 10 ] || fail "after two runs of 5 cycles: '$second'" || return 1
	kill -INT "$lpid"
	wait "$lpid" || fail "latscope exited with $?" || return 1
}

# --prom-file: replaced whole every interval (never a partial file, no
# temporary left), promtool-clean, and its last version has the run's
# counts, its threads' time and its cycles, as the snapshot of the same run.
test_metrics__prom_file__atomic_and_final_counts() {
	local f=$TMP/textfile/latscope.prom l=$TMP/pf.json lpid a b
	mkdir -p "$TMP/textfile"
	bg "$LATSCOPE" record -q -o "$l" --prom-file "$f" -i 0.3 -- "$DEMOCTL" -q -n 20 -i 50 \
		-d 1 -p "$DEMO_PORT" >/dev/null
	lpid=$BG_PID
	wait_for test -s "$f" || fail "no $f" || return 1
	# a reader racing the writer only ever sees whole files
	while kill -0 "$lpid" 2>/dev/null; do
		cp "$f" "$TMP/pf.read" 2>/dev/null || continue
		grep -q '^latscope_build_info{' "$TMP/pf.read" ||
			fail "a partial file was seen: $(wc -c < "$TMP/pf.read") bytes" || return 1
	done
	wait "$lpid" || fail "latscope exited with $?" || return 1
	promtool check metrics < "$f" > "$TMP/pf.lint" 2>&1 && [ ! -s "$TMP/pf.lint" ] ||
		fail "promtool: $(cat "$TMP/pf.lint")" || return 1
	a=$(sample "$f" "_count{$TC_SENDTO,process=\"democtl\"}")
	b=$(jq -er '.subsystems[] | select(.name == "tc") | .syscalls[]
		| select(.syscall == "sendto") | .count' "$l")
	[ "$a" = 20 ] && [ "$b" = 20 ] || fail "tc sendto: file $a, snapshot $b, expected 20" || return 1
	[ -z "$(ls "$TMP/textfile" | grep -v '^latscope.prom$')" ] ||
		fail "left behind: $(ls "$TMP/textfile")" || return 1
	# the threads' user CPU time, to the ns, as the snapshot's threads have it
	a=$(sample "$f" 'latscope_thread_seconds_total{process="democtl",state="user_cpu"}' | tr -d .)
	b=$(jq '[.threads[].time.user_cpu_ns] | add' "$l")
	echo "user CPU: file $a ns, snapshot $b ns"
	[ "$((10#$a))" -eq "$b" ] && [ "$b" -gt 0 ] || fail "user CPU: file $a, snapshot $b" ||
		return 1
	# the cycles: democtl's 50 ms loop, counted as the snapshot counts them
	a=$(sample "$f" 'latscope_cycles_total')
	b=$(jq '.cycle.count' "$l")
	echo "cycles: file $a, snapshot $b; period $(sample "$f" latscope_cycle_period_seconds) s"
	[ "$a" -ge $((b - 1)) ] && [ "$a" -le "$b" ] && [ "$b" -ge 15 ] ||
		fail "cycles: file $a, snapshot $b" || return 1
	sample "$f" latscope_cycle_period_seconds | grep -Eq '^0\.0(4[5-9]|5[0-5])' ||
		fail "cycle period $(sample "$f" latscope_cycle_period_seconds) s, not 50 ms" || return 1
}

# IPv6, OpenMetrics on request, and errors before anything is started.
test_metrics__listen_ipv6_and_errors__served_or_refused_early() {
	local lpid url port rc out
	bg "$LATSCOPE" record -q --listen '[::1]:0' -p $$ 2> "$TMP/v6.err"
	lpid=$BG_PID
	url=$(metrics_url "$TMP/v6.err") || fail "no URL: $(cat "$TMP/v6.err")" || return 1
	[[ "$url" == http://\[::1\]:*/metrics ]] || fail "URL $url" || return 1
	curl -sfg -H 'Accept: application/openmetrics-text;version=1.0.0' -D "$TMP/v6.hdr" \
		"$url" > "$TMP/v6.page" || fail "no page at $url" || return 1
	grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$TMP/v6.hdr" ||
		fail "content type: $(cat "$TMP/v6.hdr")" || return 1
	[ "$(tail -1 "$TMP/v6.page")" = "# EOF" ] || fail "no # EOF" || return 1
	[ "$(curl -sg -o /dev/null -w '%{http_code}' "${url%/metrics}/nothing")" = 404 ] ||
		fail "an unknown path is not 404" || return 1
	[ "$(curl -sg -o /dev/null -w '%{http_code}' -X POST "$url")" = 405 ] ||
		fail "POST is not 405" || return 1
	port=${url##*]:}
	port=${port%%/*}
	# the port is taken: exit 1 before the command is started
	out=$("$LATSCOPE" record --listen "[::1]:$port" -- touch "$TMP/v6.ran" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || fail "port in use: exit $rc ($out)" || return 1
	[[ "$out" == "Error: --listen [::1]:$port: Address already in use" ]] ||
		fail "message: $out" || return 1
	[ ! -e "$TMP/v6.ran" ] || fail "the command ran although latscope could not listen" || return 1
	out=$("$LATSCOPE" record --listen ":$port" -p $$ 2>&1)
	rc=$?
	[ "$rc" -eq 2 ] || fail "':PORT': exit $rc" || return 1
	[[ "$out" == *"0.0.0.0:$port"* ]] || fail "message: $out" || return 1
	out=$("$LATSCOPE" record --prom-file /nonexistent/dir/x.prom -- touch "$TMP/v6.ran" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] && [ ! -e "$TMP/v6.ran" ] || fail "bad --prom-file: exit $rc ($out)" || return 1
	kill -INT "$lpid"
	wait "$lpid" || fail "latscope exited with $?" || return 1
}
