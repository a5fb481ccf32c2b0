#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bench/compare.sh OLD.json NEW.json: two build/bench/results.json side by
# side, per workload and configuration found in both: ns/op, added ns per
# syscall and x floor, then the BPF run time per program run and memory.
# Runs from different times of day differ by their noise too: for a change
# to latscope, prefer one run with VARIANTS= (docs/performance.md), whose
# configurations are interleaved.
set -euo pipefail

if [ $# -ne 2 ] || [ ! -r "$1" ] || [ ! -r "$2" ]; then
	echo "Usage: bench/compare.sh OLD.json NEW.json (results.json of make bench)" >&2
	exit 2
fi
command -v jq >/dev/null || { echo "Error: jq is needed" >&2; exit 1; }

jq -rn --slurpfile a "$1" --slurpfile b "$2" '
def f1: if . == null then "-" else (. * 10 | round / 10 | tostring) end;
def pct($o; $n): if $o == null or $n == null or $o == 0 then "-"
	else ((($n - $o) / $o * 1000 | round) / 10 | tostring) + "%" end;
def pad($w): tostring | if length >= $w then . else . + (" " * ($w - length)) end;
$a[0] as $A | $b[0] as $B
| "old: \($A.date) \($A.machine.tools.latscope) (\(if $A.quick then "QUICK" else "full" end), \($A.runs) runs)",
  "new: \($B.date) \($B.machine.tools.latscope) (\(if $B.quick then "QUICK" else "full" end), \($B.runs) runs)",
  "",
  "workload      config               ns/op old -> new       change   +ns/syscall old -> new   x floor old -> new",
  ($A.overhead[] as $wa
   | ($B.overhead[] | select(.workload == $wa.workload)) as $wb
   | $wa.configs[] as $ca
   | ($wb.configs[] | select(.config == $ca.config)) as $cb
   | "\($wa.workload | pad(13)) \($ca.config | pad(20)) \(($ca.ns_per_op | f1) + " -> " + ($cb.ns_per_op | f1) | pad(22)) \(pct($ca.ns_per_op; $cb.ns_per_op) | pad(8)) \(($ca.added_ns_per_syscall | f1) + " -> " + ($cb.added_ns_per_syscall | f1) | pad(24)) \($ca.x_floor | f1) -> \($cb.x_floor | f1)"),
  "",
  "BPF run time (ns per run, kernel.bpf_stats_enabled):",
  ($A.bpf_stats[] as $sa
   | ($B.bpf_stats[] | select(.tracer == $sa.tracer and .workload == $sa.workload)) as $sb
   | $sa.progs[] as $pa
   | ($sb.progs[] | select(.prog == $pa.prog)) as $pb
   | select($pa.prog | test("sys_"))
   | "  \($sa.tracer | pad(11)) \($sa.workload | pad(10)) \($pa.prog | pad(17)) \($pa.ns_per_run | f1) -> \($pb.ns_per_run | f1)"),
  "",
  "memory (peak RSS KiB, BPF map bytes):",
  ($A.memory[] as $ma
   | ($B.memory[] | select(.label == $ma.label)) as $mb
   | "  \($ma.label | pad(28)) RSS \($ma.peak_rss_kib) -> \($mb.peak_rss_kib), maps \($ma.map_bytes) -> \($mb.map_bytes)")'
