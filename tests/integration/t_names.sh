# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Names from outside (comms, thread names, file names, hosts) reach the
# terminal escaped, as strace prints them; JSON keeps them as they are.

# no_escape_byte FILE...: none holds an ESC (or BEL) byte that a terminal
# would act on.
no_escape_byte() {
	local f
	for f in "$@"; do
		if grep -q $'[\e\a]' "$f"; then
			grep -n $'[\e\a]' "$f" | cat -A | head -3 >&2
			fail "$f holds a raw control byte"
			return 1
		fi
	done
}

# A command that names its own thread with an OSC title sequence and runs a
# child whose comm (from its file name) holds a colour sequence.
test_record_cmd__hostile_comms__escaped_in_text_csv_markdown_raw_in_json() {
	local d=$TMP/names esc=$'\e' l=$TMP/names/run.json f by
	# Debian's python3 (TEST_PKGS), not whatever PATH finds first: a pyenv
	# shim is a shell script that forks dozens of helpers before python
	# runs, and the test must not depend on a user's setup
	[ -x /usr/bin/python3 ] || skip "Debian's python3 is not installed" || return $?
	mkdir -p "$d"
	ln -sf /bin/true "$d/t${esc}[31mX"
	"$LATSCOPE" record -o "$l" -- /usr/bin/python3 -c '
import os, subprocess, sys
open("/proc/self/comm", "w").write("py\x1b]0;pwn\x07")
os.getppid()
subprocess.run([sys.argv[1]], check=True)
' "$d/t${esc}[31mX" > "$d/record.txt" 2> "$d/record.err" ||
		fail "record failed: $(cat "$d/record.err")" || return 1
	# the snapshot keeps the names as they were, JSON-escaped
	jq -e '[.subsystems[].name] | index("exec:t\u001b[31mX")' "$l" >/dev/null ||
		fail "exec:<comm> is not in the snapshot as it was; it holds" \
			"$(jq -c '[.subsystems[] | [.name, .count]], .meta.lost' "$l" | cat -v);" \
			"the command said: $(tail -3 "$d/record.err" | cat -v)" ||
		return 1
	jq -e '[.threads[].name | select(endswith("py\u001b]0;pwn\u0007"))] | length == 1' "$l" \
		>/dev/null || fail "the thread name is not in the snapshot as it was" || return 1
	for f in text csv markdown; do
		for by in subsystem thread; do
			"$LATSCOPE" report -f "$f" --by "$by" "$l" > "$d/report.$f.$by" ||
				fail "report -f $f --by $by failed" || return 1
		done
	done
	no_escape_byte "$d/record.txt" "$d/record.err" "$d"/report.* || return 1
	grep -qF 'exec:t\x1b[31mX ' "$d/report.text.subsystem" ||
		fail "text: exec:<comm> not shown escaped" || return 1
	grep -qF 'py\x1b]0;pwn\x07 ' "$d/report.text.thread" ||
		fail "text: the thread name not shown escaped" || return 1
	grep -qF 'exec:t\x1b[31mX,' "$d/report.csv.subsystem" ||
		fail "csv: exec:<comm> not shown escaped" || return 1
	# Markdown: the backslash of the escape is escaped for Markdown in turn
	grep -qF '| exec:t\\x1b\[31mX |' "$d/report.markdown.subsystem" ||
		fail "markdown: exec:<comm> not shown escaped" || return 1
}

# Snapshot file names and a host in diff's header and warnings, and a name
# in a loader error, on stdout and stderr.
test_diff__hostile_file_name_and_host__escaped() {
	local d=$TMP/names2 esc=$'\e' l out rc
	mkdir -p "$d"
	l=$d/b${esc}[2J.json
	"$LATSCOPE" record -q -o "$d/run.json" -- true || fail "record failed" || return 1
	cp "$d/run.json" "$l"
	jq '.meta.host = "evil\u001b[31m"' "$d/run.json" > "$d/a.json"
	"$LATSCOPE" diff "$l" "$d/a.json" > "$d/diff.out" 2> "$d/diff.err" ||
		fail "diff failed: $(cat "$d/diff.err")" || return 1
	"$LATSCOPE" diff -f markdown "$l" "$d/a.json" > "$d/diff.md" 2>/dev/null ||
		fail "diff -f markdown failed" || return 1
	jq '.subsystems += [.subsystems[0]] | .subsystems[-1].name = "x\u001b[5m"
		| .subsystems[-2].name = "x\u001b[5m"' "$d/run.json" > "$d/dup.json"
	out=$("$LATSCOPE" report "$d/dup.json" 2>&1)
	rc=$?
	printf '%s\n' "$out" > "$d/report.err"
	no_escape_byte "$d/diff.out" "$d/diff.err" "$d/diff.md" "$d/report.err" || return 1
	grep -qF "b\\x1b[2J.json -> " "$d/diff.out" || fail "the file name not shown escaped" ||
		return 1
	grep -qF 'evil\x1b[31m' "$d/diff.err" || fail "the host not shown escaped" || return 1
	[ "$rc" -eq 6 ] && [[ "$out" == *'duplicate subsystem "x\x1b[5m"'* ]] ||
		fail "loader error ($rc): $out" || return 1
}
