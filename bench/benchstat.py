#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The statistics and tables of make bench (docs/performance.md).

bench/run.sh starts the tracers and workloads and keeps their raw output;
everything computed from it is here: the record of each run, medians,
ratios, the goal verdicts, the sections' summaries, the text tables on
stdout, results.md and results.json.  The functions take and return plain
data so that tests/test_benchstat.py can check them; main() only reads
and writes files.  Python 3 standard library only (docs/dependencies.md).
"""

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys

# The reference tracers of the overhead tables: the clock pair is the
# cheapest latency tracer (two clock reads), the floor the empty programs.
REF = "clockpair"
FLOOR = "floor"
BASE = "none"

# The performance goals (issue 13): the added ns per syscall of CONFIG on
# WORKLOAD at most LIMIT times REFERENCE's.
GOALS = [
    {"name": "default use", "workload": "getppid", "config": "latscope-default",
     "reference": REF, "limit": 1.15,
     "what": "latscope record -- CMD, text report with its cost line"},
    {"name": "quiet use", "workload": "getppid", "config": "latscope",
     "reference": REF, "limit": 1.10, "what": "latscope record -q -o FILE -- CMD"},
    {"name": "untraced processes", "workload": "getppid", "config": "untargeted-default",
     "reference": FLOOR, "limit": 1.05,
     "what": "another process, while latscope record (default) traces one"},
    {"name": "ICMP with classification", "workload": "icmp_echo", "config": "latscope",
     "reference": REF, "limit": 1.30, "what": "pings named icmp by their socket"},
]


# ---- numbers ---------------------------------------------------------------

def median(values):
    """The median of the numbers (None left out); None when there are none."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return None
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def _round(x, scale):
    # half away from zero, like jq's and C's round(): 0.25 -> 0.3, -0.25 -> -0.3
    if x is None:
        return None
    return math.copysign(math.floor(abs(x) * scale + 0.5), x) / scale


def r1(x):
    return _round(x, 10)


def r2(x):
    return _round(x, 100)


def num(x):
    """A number as results.json and the plain columns print it: 258, not 258.0."""
    if x is None:
        return "null"
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def fmt(x, spec):
    """x with a printf-style spec, or "-" when there is no value."""
    if x is None or x == "":
        return "-"
    return spec % x


def na(x):
    return "n/a" if x is None else num(x)


def last_reason(text):
    """The line that says why a run failed: the last non-empty one, not libbpf's
    RLIMIT_MEMLOCK remark."""
    lines = [ln for ln in text.splitlines() if ln.strip() and "RLIMIT_MEMLOCK" not in ln]
    return lines[-1] if lines else ""


# ---- one overhead run --------------------------------------------------------

def run_record(workload, config, run, iters, wall_ms, result, why):
    """The runs.jsonl line of one run: result is the workload's JSON (a dict),
    or None when the run failed (why says how)."""
    if result is not None:
        return {"workload": result.get("workload", workload), "config": config, "run": run,
                "ok": True, "iters": result.get("iters"), "ns_per_op": result.get("ns_per_op"),
                "syscalls_per_op": result.get("syscalls_per_op"), "wall_ms": wall_ms}
    return {"workload": workload, "config": config, "run": run, "ok": False, "iters": iters,
            "why": why}


# ---- overhead ----------------------------------------------------------------

def _added(med, base, spo):
    if med is None or base is None or not spo:
        return None
    return (med - base) / spo


def summarize_overhead(rows, order):
    """runs.jsonl rows -> per workload (sorted), per configuration (in order)
    the median ns/op, the ratio to no tracer, the added ns per syscall and
    the ratios to the clock pair's and the floor's added ns."""
    out = []
    for wl in sorted({r["workload"] for r in rows}):
        wrows = [r for r in rows if r["workload"] == wl]
        ok = [r for r in wrows if r.get("ok")]

        def ns_of(cfg):
            return [r["ns_per_op"] for r in ok if r["config"] == cfg]

        base_v = ns_of(BASE)
        base = median(base_v)
        base_min = min(base_v) if base_v else None
        wspo = median(r["syscalls_per_op"] for r in ok)
        # half the spread of the untraced runs, per syscall: differences
        # smaller than this are noise
        noise = ((max(base_v) - min(base_v)) / 2 / wspo
                 if len(base_v) > 1 and wspo else None)

        def ref_added(cfg):
            v = [r for r in ok if r["config"] == cfg]
            return _added(median(r["ns_per_op"] for r in v), base,
                          median(r["syscalls_per_op"] for r in v))

        ref = ref_added(REF)
        floor = ref_added(FLOOR)
        configs = []
        for cfg in order:
            crows = [r for r in wrows if r["config"] == cfg]
            if not crows:
                continue
            cok = [r for r in crows if r.get("ok")]
            v = [r["ns_per_op"] for r in cok]
            spo = median(r["syscalls_per_op"] for r in cok)
            med = median(v)
            added = _added(med, base, spo)

            def x(ref_ns, own):
                if added is None or ref_ns is None or ref_ns <= 0 or cfg in (BASE, own):
                    return None
                return r2(added / ref_ns)

            configs.append({
                "config": cfg, "iters": crows[0].get("iters"), "runs": len(crows),
                "failed": len(crows) - len(cok),
                "ns_per_op": r1(med), "min": r1(min(v)) if v else None,
                "max": r1(max(v)) if v else None, "all": [r1(a) for a in v],
                "ratio": r2(med / base) if med is not None and base else None,
                "added_ns_per_syscall": r1(added),
                # the same from the fastest runs: interference only ever
                # slows a run down, so on a busy machine this is steadier
                "added_ns_per_syscall_min": (r1((min(v) - base_min) / spo)
                                             if v and base_min is not None and spo else None),
                "x_clockpair": x(ref, REF),
                "x_floor": x(floor, FLOOR),
                "why": sorted({r.get("why", "") for r in crows if not r.get("ok")}),
            })
        out.append({
            "workload": wl, "syscalls_per_op": r2(wspo), "noise_ns_per_syscall": r1(noise),
            "baseline_ns_per_op": r1(base),
            "clockpair_added_ns_per_syscall": r1(ref),
            "clockpair_above_noise": ref is not None and noise is not None and ref > noise,
            "floor_added_ns_per_syscall": r1(floor),
            "floor_above_noise": floor is not None and noise is not None and floor > noise,
            "configs": configs,
        })
    return out


def goal_verdicts(summary, goals=GOALS):
    """Where each goal stands: its ratio, and met / not met / within the
    noise / not measured."""
    out = []
    for g in goals:
        w = next((s for s in summary if s["workload"] == g["workload"]), None)
        c = ref = None
        if w:
            c = next((c for c in w["configs"] if c["config"] == g["config"]), None)
            ref = w["%s_added_ns_per_syscall" % ("clockpair" if g["reference"] == REF
                                                 else "floor")]
        key = "x_clockpair" if g["reference"] == REF else "x_floor"
        ratio = c[key] if c else None
        noise = w["noise_ns_per_syscall"] if w else None
        if ratio is None:
            verdict = "not measured"
        elif noise is not None and ref is not None and ref <= noise:
            verdict = "within the noise"
        elif ratio <= g["limit"]:
            verdict = "met"
        else:
            verdict = "not met"
        out.append(dict(g, ratio=ratio, verdict=verdict,
                        added_ns_per_syscall=c["added_ns_per_syscall"] if c else None,
                        reference_added_ns_per_syscall=ref))
    return out


# Which bpfstats tracer a goal's configuration is: the run-time view of its
# programs, for the reason of a goal not met.
STATS_TRACER = {"latscope-default": "latscope", "latscope": "latscope",
                "untargeted-default": "untargeted", "untargeted": "untargeted"}


def syscall_run_time(stats, tracer, workload):
    """ns per run of tracer's sys_enter and sys_exit programs on workload (the
    kernel's run time, bpfstats section), and each above the empty program's:
    {"enter", "exit", "enter_above", "exit_above"}, or None."""
    rec = next((r for r in stats if r["tracer"] == tracer and r["workload"] == workload), None)
    if not rec:
        return None
    out = {}
    for p in rec["progs"]:
        h = _hook(p["prog"])
        if h:
            out[h] = p["ns_per_run"]
            out[h + "_above"] = p.get("above_floor_ns")
    return out if "enter" in out and "exit" in out else None


def goal_reason(v, stats, summary):
    """Why a goal is not met, from what was measured: the BPF run time of the
    configuration's programs next to the reference's, and for the default
    use what the sampled statistics add over quiet use.  None when met."""
    if v["verdict"] not in ("not met", "within the noise"):
        return None
    wl = v["workload"]
    parts = []
    mine = syscall_run_time(stats, STATS_TRACER.get(v["config"], v["config"]), wl)
    if v["reference"] == REF:
        ref = syscall_run_time(stats, REF, wl)
        if mine and ref:
            parts.append("BPF run time per traced syscall %.0f ns (sys_enter %.0f, sys_exit %.0f) "
                         "against the clock pair's %.0f (%.0f + %.0f): +%.0f ns of lookups, "
                         "classification and histogram"
                         % (mine["enter"] + mine["exit"], mine["enter"], mine["exit"],
                            ref["enter"] + ref["exit"], ref["enter"], ref["exit"],
                            mine["enter"] + mine["exit"] - ref["enter"] - ref["exit"]))
        if v["config"].endswith("-default"):
            w = next((w for w in summary if w["workload"] == wl), None)
            c = {c["config"]: c for c in (w["configs"] if w else [])}
            d, q = c.get(v["config"]), c.get(v["config"][:-len("-default")])
            if d and q and d["added_ns_per_syscall"] is not None and \
                    q["added_ns_per_syscall"] is not None:
                parts.append("the sampled cost statistics: %+.0f ns per syscall over quiet use"
                             % (d["added_ns_per_syscall"] - q["added_ns_per_syscall"]))
    elif mine and mine.get("enter_above") is not None and mine.get("exit_above") is not None:
        parts.append("the untraced path runs %+.1f / %+.1f ns (sys_enter / sys_exit) above the "
                     "empty programs" % (mine["enter_above"], mine["exit_above"]))
    if not parts:
        return ("no run-time figures to say why (run the bpfstats section with the overhead "
                "section)")
    return "; ".join(parts)


def goals_with_reasons(verdicts, stats, summary):
    return [dict(v, reason=goal_reason(v, stats, summary)) for v in verdicts]


OVERHEAD_COLS = "%-18s %7s  %-27s %7s  %11s  %8s  %11s"


def render_overhead(summary):
    """The overhead tables: (text for stdout, Markdown)."""
    text, md = [], []
    for w in summary:
        ref, noise = w["clockpair_added_ns_per_syscall"], w["noise_ns_per_syscall"]
        mark = "" if w["clockpair_above_noise"] else "?"
        head = ("no tracer %s ns/op (noise +-%s ns per syscall); the clock pair adds %s ns "
                "per syscall, the floor %s" % (fmt(w["baseline_ns_per_op"], "%.1f"),
                                               fmt(noise, "%.1f"), fmt(ref, "%.1f"),
                                               fmt(w["floor_added_ns_per_syscall"], "%.1f")))
        text += ["", "== %s: syscalls per op %s; %s" % (w["workload"], num(w["syscalls_per_op"]),
                                                       head)]
        if mark:
            text.append("   the clock pair's cost is within the noise here: its x clock pair "
                        "figures (marked ?) mean little")
        text.append(OVERHEAD_COLS % ("config", "N", "ns/op median (min-max)", "x none",
                                     "+ns/syscall", "x clkpair", "(from mins)"))
        md += ["", "### %s (syscalls per op: %s)" % (w["workload"], num(w["syscalls_per_op"])),
               "",
               "No tracer: %s ns/op, run-to-run noise ±%s ns per syscall (half the spread of "
               "the untraced runs). The clock pair adds %s ns per syscall, the floor %s.%s"
               % (fmt(w["baseline_ns_per_op"], "%.1f"), fmt(noise, "%.1f"), fmt(ref, "%.1f"),
                  fmt(w["floor_added_ns_per_syscall"], "%.1f"),
                  "" if not mark else " The clock pair's cost is within the noise, so the × "
                  "clock pair figures (marked ?) mean little here."),
               "",
               "| config | N | ns/op median (min–max) | × no tracer | added ns/syscall "
               "| × clock pair | added ns/syscall from the fastest runs |",
               "|---|---:|---:|---:|---:|---:|---:|"]
        for c in w["configs"]:
            if c["ns_per_op"] is None:
                cell = "FAILED (%d/%d)" % (c["failed"], c["runs"])
            else:
                cell = "%.1f (%.1f-%.1f)" % (c["ns_per_op"], c["min"], c["max"])
                if c["failed"]:
                    cell += " [%d failed]" % c["failed"]
            cols = (c["config"], num(c["iters"]), cell, fmt(c["ratio"], "%.2f"),
                    fmt(c["added_ns_per_syscall"], "%+.1f"),
                    fmt(c["x_clockpair"], "%.2f" + mark),
                    fmt(c["added_ns_per_syscall_min"], "%+.1f"))
            text.append(OVERHEAD_COLS % cols)
            md.append("| %s |" % " | ".join(cols[:2] + (cols[2].replace("-", "–", 1),)
                                             + cols[3:]))
    return "\n".join(text), "\n".join(md)


def render_goals(verdicts):
    """One verdict line per goal (and its reason when not met)."""
    text = ["", "== goals: added ns per syscall against the reference's"]
    md = ["", "### Goals", "",
          "Each goal bounds a configuration's added ns per syscall as a multiple of a "
          "reference tracer's on the same workload, in the same interleaved runs. A goal "
          "not met says why, from the BPF run-time section.", "",
          "| goal | workload | config | reference | limit | measured | verdict | why |",
          "|---|---|---|---|---:|---:|---|---|"]
    for v in verdicts:
        ref = "clock pair" if v["reference"] == REF else "floor"
        why = v.get("reason")
        text.append("GOAL %s: %s, %s (%s on %s, limit %.2fx the %s's added ns per syscall)%s"
                    % (v["name"], v["verdict"], fmt(v["ratio"], "%.2fx"), v["config"],
                       v["workload"], v["limit"], ref, ": " + why if why else ""))
        md.append("| %s | %s | %s | %s | ≤ %.2f× | %s | %s | %s |" % (
            v["name"], v["workload"], v["config"], ref, v["limit"],
            fmt(v["ratio"], "%.2f×"), v["verdict"], why or ""))
    return "\n".join(text), "\n".join(md)


# ---- memory ------------------------------------------------------------------

def memory_record(label, workload, iters, rss, objs, map_bytes, snap):
    jited = [o.get("bytes_jited") for o in objs if o["kind"] == "prog"]
    return {"label": label, "workload": workload, "iters": iters,
            "peak_rss_kib": rss.get("maxrss_kb"),
            "subsystems": len(snap["subsystems"]),
            "subsystem_syscall_pairs": sum(len(s["syscalls"]) for s in snap["subsystems"]),
            "events": snap["meta"]["events"], "map_bytes": map_bytes,
            "prog_bytes_jited": sum(j for j in jited if j is not None) if jited else None,
            "maps": [{"name": o.get("name"), "type": o.get("type"), "bytes": o.get("bytes")}
                     for o in objs if o["kind"] == "map"]}


def render_memory(mem):
    cols = "%-28s %10s %11s %8s %10s %12s"
    text = ["", "== memory: latscope record (default options), launch mode",
            cols % ("run", "peak RSS", "map memory", "subsys", "pairs", "JIT code")]
    md = ["", "### Memory (latscope record, default options)", "",
          "| run | peak RSS | BPF map memory | subsystems | (subsystem, syscall) pairs "
          "| JITed code |", "|---|---:|---:|---:|---:|---:|"]
    for m in mem:
        row = (m["label"], "%.1f MiB" % ((m["peak_rss_kib"] or 0) / 1024),
               "%.2f MiB" % ((m["map_bytes"] or 0) / 1048576), num(m["subsystems"]),
               num(m["subsystem_syscall_pairs"]),
               "%.1f KiB" % ((m["prog_bytes_jited"] or 0) / 1024))
        text.append(cols % row)
        md.append("| %s |" % " | ".join(row))
    if mem:
        text.append("maps of the first run (bytes_memlock, as the kernel accounts them):")
        text += ["  %s (%s): %s" % (m["name"], m["type"], num(m["bytes"]))
                 for m in mem[0]["maps"]]
        md += ["", "Maps of the first run, as the kernel accounts them "
               "(`bpftool map show` bytes_memlock):", ""]
        md += ["- `%s` (%s): %s bytes" % (m["name"], m["type"], num(m["bytes"]))
               for m in mem[0]["maps"]]
    return "\n".join(text), "\n".join(md)


# ---- accuracy ----------------------------------------------------------------

def _syscall(snap, name):
    for s in (snap or {}).get("subsystems", []):
        if s.get("name") == "other":
            for sc in s.get("syscalls", []):
                if sc.get("syscall") == name:
                    return sc
    return None


def _ls(snap, name):
    sc = _syscall(snap, name)
    if sc is None:
        return None
    return {"count": sc["count"], "p50_ns": sc["p50_ns"],
            "mean_ns": sc["total_ns"] / sc["count"] if sc["count"] else None}


def accuracy_record(plain, traced, snap, traced_nc, snap_nc, clockpair):
    """One accuracy round: the untraced run, its traced twins and their
    snapshots, the clock pair's reading of getppid."""
    sleep = "clock_nanosleep" if _syscall(snap, "clock_nanosleep") else "nanosleep"
    return {"untraced": plain, "traced": traced, "traced_nocost": traced_nc,
            "sleep_syscall": sleep,
            "ls_sleep": _ls(snap, sleep), "ls_getppid": _ls(snap, "getppid"),
            "lsnc_sleep": _ls(snap_nc, sleep), "lsnc_getppid": _ls(snap_nc, "getppid"),
            "clockpair": clockpair}


def _slot_width(v):
    # width of the log-linear histogram's slot at v (include/latscope.h)
    if v is None:
        return None
    return 1 if v < 64 else 2 ** (math.floor(math.log2(v)) - 5)


def accuracy_summary(rounds):
    """Medians over the rounds of each figure (a round without it is left out)."""
    def g(d, *path):
        for p in path:
            if not isinstance(d, dict):
                return None
            d = d.get(p)
        return d

    def m(f):
        v = median(f(r) for r in rounds)
        return None if v is None else r1(v)

    def diff(a, b):
        return None if a is None or b is None else a - b

    first = rounds[0] if rounds else {}
    return {
        "runs": len(rounds), "sleep_syscall": first.get("sleep_syscall"),
        "sleep": {
            "requested_ns": g(first, "untraced", "sleep_req_ns"),
            "calls": g(first, "untraced", "sleep_n"),
            "user_median_untraced_ns": m(lambda r: g(r, "untraced", "sleep_median_ns")),
            "user_median_traced_ns": m(lambda r: g(r, "traced", "sleep_median_ns")),
            "latscope_p50_ns": m(lambda r: g(r, "ls_sleep", "p50_ns")),
            "latscope_mean_ns": m(lambda r: g(r, "ls_sleep", "mean_ns")),
            "user_mean_traced_ns": m(lambda r: g(r, "traced", "sleep_mean_ns")),
            "p50_bias_ns": m(lambda r: diff(g(r, "ls_sleep", "p50_ns"),
                                            g(r, "traced", "sleep_median_ns"))),
            "mean_bias_ns": m(lambda r: diff(g(r, "ls_sleep", "mean_ns"),
                                             g(r, "traced", "sleep_mean_ns"))),
            "nocost_p50_bias_ns": m(lambda r: diff(g(r, "lsnc_sleep", "p50_ns"),
                                                   g(r, "traced_nocost", "sleep_median_ns"))),
            "user_median_hist_ns": m(lambda r: g(r, "traced", "sleep_median_hist_ns")),
            "p50_bias_vs_hist_ns": m(lambda r: diff(g(r, "ls_sleep", "p50_ns"),
                                                    g(r, "traced", "sleep_median_hist_ns"))),
            "nocost_p50_bias_vs_hist_ns": m(lambda r: diff(
                g(r, "lsnc_sleep", "p50_ns"), g(r, "traced_nocost", "sleep_median_hist_ns"))),
            "histogram_slot_ns": _slot_width(median(g(r, "ls_sleep", "p50_ns")
                                                    for r in rounds)),
        },
        "getppid": {
            "calls": g(first, "untraced", "iters"),
            "untraced_loop_ns_per_call": m(lambda r: g(r, "untraced", "ns_per_op")),
            "traced_loop_ns_per_call": m(lambda r: g(r, "traced", "ns_per_op")),
            "user_median_untraced_ns": m(lambda r: g(r, "untraced", "getppid_median_ns")),
            "user_median_traced_ns": m(lambda r: g(r, "traced", "getppid_median_ns")),
            "clock_pair_ns": m(lambda r: g(r, "untraced", "clock_pair_median_ns")),
            "latscope_p50_ns": m(lambda r: g(r, "ls_getppid", "p50_ns")),
            "latscope_mean_ns": m(lambda r: g(r, "ls_getppid", "mean_ns")),
            "p50_minus_untraced_median_ns": m(lambda r: diff(
                g(r, "ls_getppid", "p50_ns"), g(r, "untraced", "getppid_median_ns"))),
            "mean_minus_untraced_loop_ns": m(lambda r: diff(
                g(r, "ls_getppid", "mean_ns"), g(r, "untraced", "ns_per_op"))),
            "nocost_latscope_p50_ns": m(lambda r: g(r, "lsnc_getppid", "p50_ns")),
            "nocost_latscope_mean_ns": m(lambda r: g(r, "lsnc_getppid", "mean_ns")),
            "nocost_mean_minus_untraced_loop_ns": m(lambda r: diff(
                g(r, "lsnc_getppid", "mean_ns"), g(r, "untraced", "ns_per_op"))),
            "clockpair_mean_ns": m(lambda r: g(r, "clockpair", "mean_ns")),
            "latscope_mean_minus_clockpair_ns": m(lambda r: diff(
                g(r, "ls_getppid", "mean_ns"), g(r, "clockpair", "mean_ns"))),
            "nocost_mean_minus_clockpair_ns": m(lambda r: diff(
                g(r, "lsnc_getppid", "mean_ns"), g(r, "clockpair", "mean_ns"))),
            "clockpair_mean_minus_untraced_loop_ns": m(lambda r: diff(
                g(r, "clockpair", "mean_ns"), g(r, "untraced", "ns_per_op"))),
        },
    }


def render_accuracy(a):
    s, p = a["sleep"], a["getppid"]
    text = [
        "",
        "== accuracy: latscope vs clock_gettime around each call (median of %d runs)" % a["runs"],
        "%s x nanosleep(%s ns), syscall %s:" % (na(s["calls"]), na(s["requested_ns"]),
                                                a["sleep_syscall"]),
        "  workload median per call (traced run)  %s ns  (untraced run %s)"
        % (na(s["user_median_traced_ns"]), na(s["user_median_untraced_ns"])),
        "  latscope p50                           %s ns  (histogram slot %s ns wide)"
        % (na(s["latscope_p50_ns"]), na(s["histogram_slot_ns"])),
        "  p50 bias                               %s ns" % na(s["p50_bias_ns"]),
        "  mean: latscope %s ns, workload %s ns, bias %s ns"
        % (na(s["latscope_mean_ns"]), na(s["user_mean_traced_ns"]), na(s["mean_bias_ns"])),
        "  p50 bias with --no-cost                %s ns" % na(s["nocost_p50_bias_ns"]),
        "  workload samples read through latscope's histogram: p50 %s ns; latscope p50 minus "
        "it %s ns (--no-cost: %s ns)" % (na(s["user_median_hist_ns"]),
                                         na(s["p50_bias_vs_hist_ns"]),
                                         na(s["nocost_p50_bias_vs_hist_ns"])),
        "%s x getppid:" % na(p["calls"]),
        "  untraced: plain loop per call          %s ns; median with clock_gettime around %s ns "
        "(one clock read %s ns)" % (na(p["untraced_loop_ns_per_call"]),
                                    na(p["user_median_untraced_ns"]), na(p["clock_pair_ns"])),
        "  traced:   plain loop per call          %s ns; median with clock_gettime around %s ns"
        % (na(p["traced_loop_ns_per_call"]), na(p["user_median_traced_ns"])),
        "  latscope p50                           %s ns  (minus the untraced median: %s ns)"
        % (na(p["latscope_p50_ns"]), na(p["p50_minus_untraced_median_ns"])),
        "  latscope mean                          %s ns  (minus the untraced per-call time: "
        "%s ns)" % (na(p["latscope_mean_ns"]), na(p["mean_minus_untraced_loop_ns"])),
        "  latscope --no-cost p50, mean           %s ns, %s ns  (mean minus the untraced "
        "per-call time: %s ns)" % (na(p["nocost_latscope_p50_ns"]),
                                   na(p["nocost_latscope_mean_ns"]),
                                   na(p["nocost_mean_minus_untraced_loop_ns"])),
        "  clock pair mean                        %s ns  (minus the untraced per-call time: "
        "%s ns: the bias of the method)" % (na(p["clockpair_mean_ns"]),
                                            na(p["clockpair_mean_minus_untraced_loop_ns"])),
        "  latscope mean minus the clock pair's     %s ns (--no-cost: %s ns)"
        % (na(p["latscope_mean_minus_clockpair_ns"]), na(p["nocost_mean_minus_clockpair_ns"])),
    ]
    md = [
        "", "### Accuracy (median of %d runs)" % a["runs"], "",
        "| measurement | workload (clock_gettime around each call) | latscope | bias |",
        "|---|---:|---:|---:|",
        "| %s × nanosleep(1 ms) (`%s`), median | %s ns | p50 %s ns (slot %s ns wide) | %s ns |"
        % (na(s["calls"]), a["sleep_syscall"], na(s["user_median_traced_ns"]),
           na(s["latscope_p50_ns"]), na(s["histogram_slot_ns"]), na(s["p50_bias_ns"])),
        "| nanosleep median, the workload's samples read through latscope's histogram "
        "(default / --no-cost) | %s ns | p50 %s ns | %s / %s ns |"
        % (na(s["user_median_hist_ns"]), na(s["latscope_p50_ns"]),
           na(s["p50_bias_vs_hist_ns"]), na(s["nocost_p50_bias_vs_hist_ns"])),
        "| nanosleep, mean | %s ns | %s ns | %s ns |"
        % (na(s["user_mean_traced_ns"]), na(s["latscope_mean_ns"]), na(s["mean_bias_ns"])),
        "| %s × getppid, median | untraced %s ns (one clock read %s ns), traced %s ns "
        "| p50 %s ns | %s ns vs untraced |"
        % (na(p["calls"]), na(p["user_median_untraced_ns"]), na(p["clock_pair_ns"]),
           na(p["user_median_traced_ns"]), na(p["latscope_p50_ns"]),
           na(p["p50_minus_untraced_median_ns"])),
        "| getppid, mean vs untraced per-call time | %s ns (plain loop, untraced; traced "
        "%s ns) | %s ns | %s ns |"
        % (na(p["untraced_loop_ns_per_call"]), na(p["traced_loop_ns_per_call"]),
           na(p["latscope_mean_ns"]), na(p["mean_minus_untraced_loop_ns"])),
        "| the same, latscope --no-cost | | p50 %s ns, mean %s ns | %s ns |"
        % (na(p["nocost_latscope_p50_ns"]), na(p["nocost_latscope_mean_ns"]),
           na(p["nocost_mean_minus_untraced_loop_ns"])),
        "| the same, clock pair (two bpf_ktime_get_ns, nothing else) | | mean %s ns | %s ns |"
        % (na(p["clockpair_mean_ns"]), na(p["clockpair_mean_minus_untraced_loop_ns"])),
        "| getppid, latscope mean minus the clock pair's (default / --no-cost) | | | "
        "%s / %s ns |" % (na(p["latscope_mean_minus_clockpair_ns"]),
                          na(p["nocost_mean_minus_clockpair_ns"])),
        "| nanosleep p50, latscope --no-cost | | | %s ns |" % na(s["nocost_p50_bias_ns"]),
    ]
    return "\n".join(text), "\n".join(md)


# ---- BPF run time per program (kernel.bpf_stats_enabled) ---------------------

def parse_prog_stats(text):
    """{prog id: [run_time_ns, run_cnt]} from run.sh's prog_stats_of lines,
    "ID RUN_TIME_NS RUN_CNT"."""
    out = {}
    for ln in text.splitlines():
        f = ln.split()
        if len(f) == 3 and all(x.isdigit() for x in f):
            out[f[0]] = [int(f[1]), int(f[2])]
    return out


def stats_record(tracer, workload, before, after, names):
    """Per program of one run: the runs and ns per run between two readings."""
    progs = []
    for k in sorted(after):
        a = before.get(k, [0, 0])
        cnt = after[k][1] - a[1]
        if cnt > 0:
            progs.append({"prog": names.get(k, k), "runs": cnt,
                          "ns_per_run": r1((after[k][0] - a[0]) / cnt)})
    return {"tracer": tracer, "workload": workload, "progs": progs}


def _hook(prog):
    if "sys_enter" in prog:
        return "enter"
    if "sys_exit" in prog:
        return "exit"
    return None


def stats_summary(records):
    """Each sys_enter/sys_exit program next to the floor's on the same workload."""
    floor = {}
    for r in records:
        if r["tracer"] == FLOOR:
            floor[r["workload"]] = {(_hook(p["prog"]) or "other"): p["ns_per_run"]
                                    for p in r["progs"]}
    out = []
    for r in records:
        progs = []
        for p in r["progs"]:
            h = _hook(p["prog"])
            fl = floor.get(r["workload"], {}).get(h) if h else None
            above = (r1(p["ns_per_run"] - fl)
                     if fl is not None and r["tracer"] != FLOOR else None)
            progs.append(dict(p, above_floor_ns=above))
        out.append(dict(r, progs=progs))
    return out


SCHED_PROGS = ("handle_switch", "handle_waking", "handle_wakeup", "handle_wakeup_new")


def sched_summary(stats):
    """What latscope's scheduler hooks cost, per tracer and workload of the
    bpfstats section: their run time per context switch (handle_switch runs;
    wakeups included) and per syscall (handle_sys_enter runs: traced calls
    for latscope, untraced ones for untargeted)."""
    out = []
    for r in stats:
        progs = {p["prog"]: p for p in r["progs"]}
        if "handle_switch" not in progs or "handle_sys_enter" not in progs:
            continue
        ns = sum(p["ns_per_run"] * p["runs"] for name, p in progs.items()
                 if name in SCHED_PROGS)
        switches, calls = progs["handle_switch"]["runs"], progs["handle_sys_enter"]["runs"]
        out.append({"tracer": r["tracer"], "workload": r["workload"], "switches": switches,
                    "syscalls": calls, "switches_per_syscall": r2(switches / calls),
                    "ns_per_switch": r1(ns / switches) if switches else None,
                    "ns_per_syscall": r1(ns / calls) if calls else None})
    return out


def render_sched(sched):
    text = ["", "== scheduler hooks: BPF run time per context switch and per syscall "
            "(wakeups included)"]
    md = ["", "### Scheduler hooks (kernel.bpf_stats_enabled=1)", "",
          "latscope's sched_switch, sched_waking and sched_wakeup_new programs run for every "
          "context switch and wakeup on the host. Their run time (each run includes the "
          "measurement's own clock read, the empty program's ns/run) per context switch and "
          "per syscall of the workload: traced calls under `latscope`, untraced ones under "
          "`untargeted`.", "",
          "| tracer | workload | context switches | per syscall | ns per context switch "
          "| ns per syscall |", "|---|---|---:|---:|---:|---:|"]
    for s_ in sched:
        text.append("  %-11s %-10s %9s switches (%s per syscall)  %s ns per switch  %s ns "
                    "per syscall" % (s_["tracer"], s_["workload"], num(s_["switches"]),
                                     num(s_["switches_per_syscall"]), na(s_["ns_per_switch"]),
                                     na(s_["ns_per_syscall"])))
        md.append("| %s | %s | %s | %s | %s | %s |" % (
            s_["tracer"], s_["workload"], num(s_["switches"]), num(s_["switches_per_syscall"]),
            na(s_["ns_per_switch"]), na(s_["ns_per_syscall"])))
    return "\n".join(text), "\n".join(md)


def render_stats(stats):
    text = ["", "== BPF run time per program run (kernel.bpf_stats_enabled=1; the floor's is "
            "the cost of measuring)"]
    md = ["", "### BPF run time per program run (kernel.bpf_stats_enabled=1)", "",
          "An empty program reads as the floor's ns/run: that is what the measurement itself "
          "costs. The last column is each program's own cost above it.", "",
          "| tracer | workload | program | runs | ns per run | above the empty program |",
          "|---|---|---|---:|---:|---:|"]
    for r in stats:
        for p in r["progs"]:
            ab = p["above_floor_ns"]
            text.append("  %-11s %-10s %-17s %9s runs %7s ns/run  %s" % (
                r["tracer"], r["workload"], p["prog"], num(p["runs"]), num(p["ns_per_run"]),
                "" if ab is None else "(+%s above empty)" % num(ab)))
            md.append("| %s | %s | %s | %s | %s | %s |" % (
                r["tracer"], r["workload"], p["prog"], num(p["runs"]), num(p["ns_per_run"]),
                fmt(ab, "%+.1f")))
    return "\n".join(text), "\n".join(md)


# ---- what single BPF operations cost -----------------------------------------

def helpers_record(op, prog_id, rnd, before, after):
    """One op's run, or None when its program's run count did not grow."""
    a = before.get(prog_id, [0, 0])
    b = after.get(prog_id)
    if b is None or b[1] <= a[1]:
        return None
    cnt = b[1] - a[1]
    return {"op": op, "round": rnd, "ok": True, "runs": cnt,
            "ns_per_run": r1((b[0] - a[0]) / cnt)}


def parse_ops(tsv):
    """helpercost --list: OP<TAB>BASE<TAB>WHAT -> {op: {base, what}}, in order."""
    ops = {}
    for ln in tsv.splitlines():
        f = ln.split("\t")
        if len(f) >= 3:
            ops[f[0]] = {"base": None if f[1] == "-" else f[1], "what": f[2]}
    return ops


def helpers_summary(rows, desc, order, iters, cpu, rounds, elapsed, skipped):
    """Per op (in the order run): the median ns per run over rounds, and its
    cost above the empty program and above its base, each the median over
    rounds of the difference within a round (a slow round shifts both)."""
    ok = [r for r in rows if r.get("ok")]
    vals, by_round = {}, {}
    for r in ok:
        vals.setdefault(r["op"], []).append(r["ns_per_run"])
        by_round.setdefault(r["round"], {})[r["op"]] = r["ns_per_run"]
    med = {op: median(v) for op, v in vals.items()}

    def above(op, ref):
        return median(d[op] - d[ref] for d in by_round.values() if op in d and ref in d)

    ops = []
    for op in order:
        d = desc.get(op, {"base": None, "what": None})
        v = vals.get(op, [])
        every = [r for r in rows if r["op"] == op]
        ops.append({
            "op": op, "what": d["what"], "base": d["base"],
            "ns_per_run": r1(med.get(op)), "min": r1(min(v)) if v else None,
            "max": r1(max(v)) if v else None, "all": v, "rounds_ok": len(v),
            "failed": sum(1 for r in every if not r.get("ok")),
            "runs_per_round": median(r["runs"] for r in every if r.get("ok")),
            "above_empty_ns": r1(above(op, "empty")) if op != "empty" else None,
            "above_base_ns": r1(above(op, d["base"])) if d["base"] else None,
            "skipped": skipped.get(op),
            "why": sorted({r.get("why", "") for r in every if not r.get("ok")}),
        })
    return {"workload": "getppid", "iters": iters, "cpu": cpu, "rounds": rounds,
            "elapsed_s": elapsed, "empty_ns_per_run": r1(med.get("empty")), "ops": ops}


def helpers_ok(h):
    """A skipped op is a note; a failed run or no reference is a failure."""
    return h["empty_ns_per_run"] is not None and all(o["failed"] == 0 for o in h["ops"])


def render_helpers(h):
    text = ["", "== What single BPF operations cost: ns per sys_enter run, median of %d "
            "rounds (kernel.bpf_stats_enabled=1; getppid x %s pinned to CPU %s; %s s)"
            % (h["rounds"], num(h["iters"]), num(h["cpu"]), num(h["elapsed_s"])),
            "  %-13s %-24s %-30s %s" % ("op", "ns/run median (min-max)",
                                        "above empty (above its base)", "what one run does")]
    md = ["", "### What single BPF operations cost (kernel.bpf_stats_enabled=1)", "",
          "Each row is one `tp_btf/sys_enter` program doing only that operation "
          "(bench/helpercost.bpf.c), attached alone (with an empty sys_exit) while `getppid` "
          "runs %s times pinned to CPU %s; ns per run is the kernel's run_time_ns / run_cnt of "
          "that program, median of %d interleaved rounds. The empty program's ns/run is what "
          "running a program and measuring it cost; the difference to it is the operation's "
          "own cost. Ops with a base do the base's work first; the last column is their cost "
          "above it. Reproduce: `SECTIONS=helpers bash bench/run.sh`."
          % (num(h["iters"]), num(h["cpu"]), h["rounds"]), "",
          "| op | what one run does | ns per run, median (min–max) | above the empty program "
          "| above its base |", "|---|---|---:|---:|---:|"]
    for o in h["ops"]:
        if o["skipped"]:
            cell = "skipped"
        elif o["ns_per_run"] is None:
            cell = "FAILED (%d/%d)" % (o["failed"], o["failed"] + o["rounds_ok"])
        else:
            cell = "%.1f (%.1f-%.1f)" % (o["ns_per_run"], o["min"], o["max"])
            if o["failed"]:
                cell += " [%d failed]" % o["failed"]
        above = "(reference)" if o["op"] == "empty" else fmt(o["above_empty_ns"], "%+.1f")
        md_above, md_base = above, ""
        if o["base"] and o["above_base_ns"] is not None:
            md_base = "%s above %s" % (fmt(o["above_base_ns"], "%+.1f"), o["base"])
            above = "%s (%s)" % (above, md_base)
        text.append("  %-13s %-24s %-30s %s" % (o["op"], cell, above, o["what"]))
        md.append("| %s | %s | %s | %s | %s |" % (o["op"], o["what"],
                                                  cell.replace("-", "–", 1), md_above, md_base))
    return "\n".join(text), "\n".join(md)


# ---- machine, results and comparison -----------------------------------------

def foreign_progs(progs):
    """Tracing programs loaded by someone else (bpftool prog show -j): they add
    to every configuration.  The floor's and helpercost's names are ours."""
    out = []
    for p in progs:
        if p.get("type") not in ("tracing", "raw_tracepoint", "tracepoint", "kprobe"):
            continue
        name = p.get("name") or ""
        if name.startswith("floor_sys_") or name.startswith("hc_"):
            continue
        out.append("%s:%s" % (p.get("id"), name or "?"))
    return " ".join(out)


def md_header(machine, quick, variants, runs, date):
    tools = ", ".join("%s `%s`" % (k, v) for k, v in machine["tools"].items())
    return "\n".join([
        "## latscope bench results", "",
        "- Command: `make bench%s`%s, %s." % (" QUICK=1" if quick else "",
                                              ' with VARIANTS="%s"' % variants if variants
                                              else "", date),
        "- Machine: kernel %s, %s × %s, clocksource %s; workloads pinned to CPU %s."
        % (machine["kernel"], machine["ncpus"], machine["cpu"], machine["clocksource"],
           machine["bench_cpu"]),
        "- Mitigations: %s." % "; ".join(machine["mitigations"]),
        "- Tools: %s." % tools, "",
        "ns/op: median over %d interleaved runs (min–max). added ns/syscall = (ns/op − no "
        "tracer's ns/op) / syscalls per op." % runs,
        "× clock pair = added ns/syscall divided by the clock pair's (two bpf_ktime_get_ns "
        "in empty tp_btf sys_enter + sys_exit programs), the least a latency tracer costs.",
        "strace and perf run fewer iterations (N column); only the loop is timed, so ns/op "
        "is comparable."])


def machine_text(m):
    lines = ["kernel %s, %s x %s, clocksource %s" % (m["kernel"], m["ncpus"], m["cpu"],
                                                    m["clocksource"])]
    lines += ["  %s" % v for v in m["mitigations"]]
    lines += ["  %s: %s" % (k, v) for k, v in m["tools"].items()]
    return "\n".join(lines)


def _first_line(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ""
    out = (p.stdout + p.stderr).splitlines()
    return out[0] if out else ""


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def gather_machine(bench_cpu, latscope):
    cpu = next((ln.split(":", 1)[1].strip() for ln in _read("/proc/cpuinfo").splitlines()
                if ln.startswith("model name")), "")
    vuln = []
    for f in ("spectre_v2", "spec_rstack_overflow", "retbleed"):
        v = _read("/sys/devices/system/cpu/vulnerabilities/" + f).strip()
        if v:
            vuln.append("%s: %s" % (f, v))

    def tool(name, *args):
        return _first_line([name] + list(args)) if _which(name) else ""

    return {"kernel": platform.release(), "kernel_build": platform.version(), "cpu": cpu,
            "ncpus": os.cpu_count(), "bench_cpu": bench_cpu,
            "clocksource": _read("/sys/devices/system/clocksource/clocksource0/"
                                 "current_clocksource").strip(),
            "mitigations": vuln, "loadavg_at_start": _read("/proc/loadavg").strip(),
            "tools": {"latscope": _first_line([latscope, "--version"]),
                      "clang": tool("clang", "--version"),
                      "bpftool": tool("bpftool", "version"),
                      "libbpf": tool("pkg-config", "--modversion", "libbpf"),
                      "bpftrace": tool("bpftrace", "--version"),
                      "perf": tool("perf", "version"),
                      "strace": tool("strace", "-V")}}


def _which(name):
    return any(os.access(os.path.join(d, name), os.X_OK)
               for d in os.environ.get("PATH", "").split(os.pathsep) if d)


def results(machine, loadavg_end, quick, runs, configs, variants, elapsed, date, notes,
            overhead, goals, memory, accuracy, bpf_stats, helpers):
    return {"schema": "latscope-bench", "version": 2, "date": date, "quick": quick,
            "runs": runs, "configs": configs.split(), "variants": variants,
            "elapsed_s": elapsed, "machine": dict(machine, loadavg_at_end=loadavg_end),
            "notes": [n for n in notes.splitlines() if n], "overhead": overhead,
            "goals": goals, "memory": memory, "accuracy": accuracy,
            "bpf_stats": bpf_stats, "helpers": helpers}


def compare(a, b):
    """Two results.json side by side: the lines bench/compare.sh prints."""
    def f1(x):
        return "-" if x is None else num(r1(x))

    def pct(o, n):
        if o is None or n is None or o == 0:
            return "-"
        return num(r1((n - o) / o * 100)) + "%"

    def xref(c):
        # results.json before version 2 had no clock pair column
        return c.get("x_clockpair", c.get("x_floor"))

    def when(r):
        return "%s %s (%s, %s runs)" % (r.get("date"), r["machine"]["tools"].get("latscope"),
                                        "QUICK" if r.get("quick") else "full", r.get("runs"))

    out = ["old: " + when(a), "new: " + when(b), "",
           "%-13s %-20s %-22s %-8s %-24s %s" % ("workload", "config", "ns/op old -> new",
                                                "change", "+ns/syscall old -> new",
                                                "x clock pair old -> new")]
    for wa in a.get("overhead", []):
        wb = next((w for w in b.get("overhead", []) if w["workload"] == wa["workload"]), None)
        if not wb:
            continue
        for ca in wa["configs"]:
            cb = next((c for c in wb["configs"] if c["config"] == ca["config"]), None)
            if not cb:
                continue
            out.append("%-13s %-20s %-22s %-8s %-24s %s -> %s" % (
                wa["workload"], ca["config"],
                "%s -> %s" % (f1(ca["ns_per_op"]), f1(cb["ns_per_op"])),
                pct(ca["ns_per_op"], cb["ns_per_op"]),
                "%s -> %s" % (f1(ca["added_ns_per_syscall"]), f1(cb["added_ns_per_syscall"])),
                f1(xref(ca)), f1(xref(cb))))
    out += ["", "BPF run time (ns per run, kernel.bpf_stats_enabled):"]
    for sa in a.get("bpf_stats", []):
        sb = next((s for s in b.get("bpf_stats", []) if s["tracer"] == sa["tracer"]
                   and s["workload"] == sa["workload"]), None)
        if not sb:
            continue
        for pa in sa["progs"]:
            pb = next((p for p in sb["progs"] if p["prog"] == pa["prog"]), None)
            if pb and "sys_" in pa["prog"]:
                out.append("  %-11s %-10s %-17s %s -> %s" % (
                    sa["tracer"], sa["workload"], pa["prog"], f1(pa["ns_per_run"]),
                    f1(pb["ns_per_run"])))
    out += ["", "memory (peak RSS KiB, BPF map bytes):"]
    for ma in a.get("memory", []):
        mb = next((m for m in b.get("memory", []) if m["label"] == ma["label"]), None)
        if mb:
            out.append("  %-28s RSS %s -> %s, maps %s -> %s" % (
                ma["label"], num(ma["peak_rss_kib"]), num(mb["peak_rss_kib"]),
                num(ma["map_bytes"]), num(mb["map_bytes"])))
    return "\n".join(out)


# ---- command line --------------------------------------------------------------

def _load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def _load_lines(path):
    out = []
    try:
        with open(path) as f:
            for ln in f:
                ln = ln.strip()
                if ln:
                    out.append(json.loads(ln))
    except OSError:
        pass
    return out


def _dump(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def _emit(text_md, md_path):
    text, md = text_md
    print(text)
    if md_path:
        with open(md_path, "a") as f:
            f.write(md + "\n")


def _fdinfo_texts(pid):
    d = "/proc/%s/fdinfo" % pid
    try:
        names = os.listdir(d)
    except OSError:
        return []
    return [_read(os.path.join(d, n)) for n in names]


def _bpftool_json(*args):
    try:
        p = subprocess.run(["bpftool"] + list(args) + ["-j"], capture_output=True, text=True,
                           timeout=30)
        return json.loads(p.stdout) if p.returncode == 0 else None
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def _fdinfo_ids(pid, key):
    ids = set()
    for text in _fdinfo_texts(pid):
        for ln in text.splitlines():
            if ln.startswith(key + ":"):
                ids.add(ln.split(":", 1)[1].strip())
    return sorted(ids, key=int)


def cmd_run(a):
    result = _load(a.result) if a.ok else None
    rec = run_record(a.workload, a.config, a.run, a.iters, a.wall_ms, result,
                     last_reason(_read(a.err)))
    if rec["ok"] and rec["ns_per_op"] is None:
        rec = run_record(a.workload, a.config, a.run, a.iters, a.wall_ms, None,
                         "no ns_per_op in the workload's JSON")
    with open(a.runs, "a") as f:
        f.write(json.dumps(rec) + "\n")
    print(num(rec["ns_per_op"]) if rec["ok"] else "FAIL")
    return 0 if rec["ok"] else 1


def cmd_overhead(a):
    summary = summarize_overhead(_load_lines(a.runs), a.order.split())
    verdicts = goal_verdicts(summary)
    _dump(summary, a.output)
    _dump(verdicts, a.goals)
    _emit(render_overhead(summary), a.md)
    return 0 if all(c["failed"] == 0 for w in summary for c in w["configs"]) else 1


def cmd_memory_run(a):
    rec = memory_record(a.label, a.workload, a.iters, _load(a.rss, {}), _load(a.objs, []),
                        a.map_bytes, _load(a.snap))
    print(json.dumps(rec))
    return 0


def cmd_memory(a):
    mem = _load_lines(a.runs)
    _dump(mem, a.output)
    if mem:
        _emit(render_memory(mem), a.md)
    return 0


def cmd_accuracy_run(a):
    rec = accuracy_record(_load(a.plain, {}), _load(a.traced, {}), _load(a.snap, {}),
                          _load(a.traced_nocost, {}), _load(a.snap_nocost, {}),
                          _load(a.clockpair, {}))
    print(json.dumps(rec))
    return 0


def cmd_accuracy(a):
    acc = accuracy_summary([_load(p, {}) for p in a.rounds])
    _dump(acc, a.output)
    _emit(render_accuracy(acc), a.md)
    return 0


def cmd_bpf_objs(a):
    objs = []
    for i in _fdinfo_ids(a.pid, "map_id"):
        m = _bpftool_json("map", "show", "id", i)
        if m:
            objs.append({"kind": "map", "id": m.get("id"), "name": m.get("name"),
                         "type": m.get("type"), "bytes": m.get("bytes_memlock")})
    for i in _fdinfo_ids(a.pid, "prog_id"):
        p = _bpftool_json("prog", "show", "id", i)
        if p:
            objs.append({"kind": "prog", "id": p.get("id"), "name": p.get("name"),
                         "type": p.get("type"), "bytes": p.get("bytes_memlock"),
                         "bytes_jited": p.get("bytes_jited"),
                         "bytes_xlated": p.get("bytes_xlated")})
    print(json.dumps(objs))
    return 0


def cmd_prog_names(a):
    names = {}
    for i in _fdinfo_ids(a.pid, "prog_id"):
        p = _bpftool_json("prog", "show", "id", i)
        if p:
            names[str(p["id"])] = p.get("name")
    print(json.dumps(names))
    return 0


def cmd_stats_run(a):
    print(json.dumps(stats_record(a.tracer, a.workload, parse_prog_stats(_read(a.before)),
                                  parse_prog_stats(_read(a.after)), _load(a.names, {}))))
    return 0


def cmd_stats(a):
    st = stats_summary(_load_lines(a.runs))
    _dump(st, a.output)
    _emit(render_stats(st), a.md)
    sched = sched_summary(st)
    if sched:
        _emit(render_sched(sched), a.md)
    return 0


def cmd_goals(a):
    verdicts = goals_with_reasons(goal_verdicts(_load(a.overhead, [])), _load(a.stats, []),
                                  _load(a.overhead, []))
    _dump(verdicts, a.output)
    _emit(render_goals(verdicts), a.md)
    return 0


def cmd_helpers_run(a):
    if a.failed is not None:
        rec = {"op": a.op, "round": a.round, "ok": False, "why": a.failed}
    else:
        rec = helpers_record(a.op, a.id, a.round, parse_prog_stats(_read(a.before)),
                             parse_prog_stats(_read(a.after)))
        if rec is None:
            return 1
    with open(a.runs, "a") as f:
        f.write(json.dumps(rec) + "\n")
    if rec["ok"]:
        print(num(rec["ns_per_run"]))
    return 0


def cmd_helpers(a):
    skipped = dict(s.split("=", 1) for s in a.skipped)
    h = helpers_summary(_load_lines(a.runs), parse_ops(_read(a.ops)), a.order.split(),
                        a.iters, a.cpu, a.rounds, a.elapsed, skipped)
    _dump(h, a.output)
    _emit(render_helpers(h), a.md)
    return 0 if helpers_ok(h) else 1


def cmd_machine(a):
    m = gather_machine(a.bench_cpu, a.latscope)
    _dump(m, a.output)
    print(machine_text(m))
    return 0


def cmd_foreign(a):
    print(foreign_progs(_bpftool_json("prog", "show") or []))
    return 0


def cmd_md_header(a):
    print(md_header(_load(a.machine), a.quick, a.variants, a.runs, a.date))
    return 0


def cmd_results(a):
    r = results(_load(a.machine), _read("/proc/loadavg").strip(), a.quick, a.runs, a.configs,
                a.variants, a.elapsed, a.date, _read(a.notes), _load(a.overhead, []),
                _load(a.goals, []), _load(a.memory, []), _load(a.accuracy),
                _load(a.stats, []), _load(a.helpers))
    _dump(r, a.output)
    return 0


def cmd_compare(a):
    ra, rb = _load(a.old), _load(a.new)
    if ra is None or rb is None:
        print("Error: %s is not a results.json of make bench" % (a.old if ra is None else a.new),
              file=sys.stderr)
        return 1
    print(compare(ra, rb))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="benchstat.py", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name, fn, *args):
        s = sub.add_parser(name)
        for spec in args:
            flags, kw = spec
            s.add_argument(*flags, **kw)
        s.set_defaults(fn=fn)

    req = {"required": True}
    add("run", cmd_run, (["--runs"], req), (["--workload"], req), (["--config"], req),
        (["--run"], dict(type=int, **req)), (["--iters"], dict(type=int, **req)),
        (["--wall-ms"], dict(type=int, default=None)), (["--result"], req), (["--err"], req),
        (["--ok"], {"action": "store_true"}))
    add("overhead", cmd_overhead, (["--runs"], req), (["--order"], req), (["-o", "--output"], req),
        (["--goals"], req), (["--md"], {}))
    add("memory-run", cmd_memory_run, (["--label"], req), (["--workload"], req),
        (["--iters"], dict(type=int, **req)), (["--rss"], req), (["--objs"], req),
        (["--map-bytes"], dict(type=int, **req)), (["--snap"], req))
    add("memory", cmd_memory, (["--runs"], req), (["-o", "--output"], req), (["--md"], {}))
    add("accuracy-run", cmd_accuracy_run, (["--plain"], req), (["--traced"], req),
        (["--snap"], req), (["--traced-nocost"], req), (["--snap-nocost"], req),
        (["--clockpair"], req))
    add("accuracy", cmd_accuracy, (["-o", "--output"], req), (["--md"], {}),
        (["rounds"], {"nargs": "+"}))
    add("bpf-objs", cmd_bpf_objs, (["pid"], {}))
    add("prog-names", cmd_prog_names, (["pid"], {}))
    add("stats-run", cmd_stats_run, (["--tracer"], req), (["--workload"], req),
        (["--before"], req), (["--after"], req), (["--names"], req))
    add("stats", cmd_stats, (["--runs"], req), (["-o", "--output"], req), (["--md"], {}))
    add("goals", cmd_goals, (["--overhead"], req), (["--stats"], req), (["-o", "--output"], req),
        (["--md"], {}))
    add("helpers-run", cmd_helpers_run, (["--runs"], req), (["--op"], req), (["--id"], {}),
        (["--round"], dict(type=int, **req)), (["--before"], {}), (["--after"], {}),
        (["--failed"], {"metavar": "WHY"}))
    add("helpers", cmd_helpers, (["--runs"], req), (["--ops"], req), (["--order"], req),
        (["--iters"], dict(type=int, **req)), (["--cpu"], dict(type=int, **req)),
        (["--rounds"], dict(type=int, **req)), (["--elapsed"], dict(type=int, **req)),
        (["--skipped"], {"action": "append", "default": []}), (["-o", "--output"], req),
        (["--md"], {}))
    add("machine", cmd_machine, (["--bench-cpu"], dict(type=int, **req)), (["--latscope"], req),
        (["-o", "--output"], req))
    add("foreign-progs", cmd_foreign)
    add("md-header", cmd_md_header, (["--machine"], req), (["--quick"], {"action": "store_true"}),
        (["--variants"], {"default": ""}), (["--runs"], dict(type=int, **req)), (["--date"], req))
    add("results", cmd_results, (["--machine"], req), (["--quick"], {"action": "store_true"}),
        (["--runs"], dict(type=int, **req)), (["--configs"], req), (["--variants"], {"default": ""}),
        (["--elapsed"], dict(type=int, **req)), (["--date"], req), (["--notes"], req),
        (["--overhead"], req), (["--goals"], req), (["--memory"], req), (["--accuracy"], req),
        (["--stats"], req), (["--helpers"], req), (["-o", "--output"], req))
    add("compare", cmd_compare, (["old"], {}), (["new"], {}))
    a = p.parse_args(argv)
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
