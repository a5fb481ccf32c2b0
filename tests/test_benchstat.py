# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Unit tests of bench/benchstat.py, the statistics of make bench.

Figures are chosen so that every expected value can be checked by hand.
Run from the top of the tree: python3 -m unittest tests/test_benchstat.py
(make unit-test does).
"""

import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import benchstat as bs  # noqa: E402


def run(wl, cfg, ns, spo=1, ok=True, r=1, iters=1000):
    if not ok:
        return {"workload": wl, "config": cfg, "run": r, "ok": False, "iters": iters,
                "why": "it broke"}
    return {"workload": wl, "config": cfg, "run": r, "ok": True, "iters": iters,
            "ns_per_op": ns, "syscalls_per_op": spo, "wall_ms": 10}


# getppid, one syscall per op: none 200/210/220 (median 210, noise 10),
# clockpair +100, floor +50, latscope +115, untargeted +52.
GETPPID = ([run("getppid", "none", v) for v in (200, 210, 220)]
           + [run("getppid", "clockpair", v) for v in (300, 310, 320)]
           + [run("getppid", "floor", v) for v in (255, 260, 265)]
           + [run("getppid", "latscope", v) for v in (320, 325, 330)]
           + [run("getppid", "untargeted-default", v) for v in (262, 262, 262)]
           + [run("getppid", "latscope-default", v) for v in (330, 340, 350)])


class Numbers(unittest.TestCase):
    def test_median__odd_even_empty_none(self):
        self.assertEqual(bs.median([3, 1, 2]), 2)
        self.assertEqual(bs.median([4, 1, 3, 2]), 2.5)
        self.assertIsNone(bs.median([]))
        self.assertEqual(bs.median([None, 5, None]), 5)
        self.assertIsNone(bs.median([None]))

    def test_round__half_away_from_zero_like_jq(self):
        self.assertEqual(bs.r1(0.25), 0.3)
        self.assertEqual(bs.r1(-0.25), -0.3)
        self.assertEqual(bs.r1(2.45), 2.5)
        self.assertEqual(bs.r2(1.005), 1.0)     # 1.005 is 1.00499999... in binary
        self.assertEqual(bs.r2(1.125), 1.13)
        self.assertIsNone(bs.r1(None))

    def test_num__integral_floats_plain(self):
        self.assertEqual(bs.num(258.0), "258")
        self.assertEqual(bs.num(177.4), "177.4")
        self.assertEqual(bs.num(None), "null")
        self.assertEqual(bs.fmt(None, "%.1f"), "-")
        self.assertEqual(bs.fmt(3.14159, "%+.1f"), "+3.1")

    def test_last_reason__skips_memlock_and_blank_lines(self):
        self.assertEqual(bs.last_reason("a\nError: b\n\nlibbpf: RLIMIT_MEMLOCK x\n"),
                         "Error: b")
        self.assertEqual(bs.last_reason(""), "")


class Overhead(unittest.TestCase):
    def setUp(self):
        self.order = ["none", "latscope-default", "latscope", "untargeted-default", "floor",
                      "clockpair"]
        self.s = bs.summarize_overhead(GETPPID, self.order)[0]
        self.c = {c["config"]: c for c in self.s["configs"]}

    def test_summary__medians_noise_and_references(self):
        self.assertEqual(self.s["workload"], "getppid")
        self.assertEqual(self.s["baseline_ns_per_op"], 210)
        self.assertEqual(self.s["noise_ns_per_syscall"], 10)
        self.assertEqual(self.s["clockpair_added_ns_per_syscall"], 100)
        self.assertEqual(self.s["floor_added_ns_per_syscall"], 50)
        self.assertTrue(self.s["clockpair_above_noise"])
        self.assertEqual([c["config"] for c in self.s["configs"]], self.order)

    def test_summary__ratios_to_no_tracer_clock_pair_and_floor(self):
        ls = self.c["latscope"]
        self.assertEqual(ls["ns_per_op"], 325)
        self.assertEqual((ls["min"], ls["max"]), (320, 330))
        self.assertEqual(ls["ratio"], round(325 / 210, 2))
        self.assertEqual(ls["added_ns_per_syscall"], 115)
        self.assertEqual(ls["x_clockpair"], 1.15)
        self.assertEqual(ls["x_floor"], 2.3)
        # from the fastest runs: 320 - 200
        self.assertEqual(ls["added_ns_per_syscall_min"], 120)
        # a reference has no ratio to itself, no tracer none at all
        self.assertIsNone(self.c["clockpair"]["x_clockpair"])
        self.assertEqual(self.c["clockpair"]["x_floor"], 2.0)
        self.assertIsNone(self.c["floor"]["x_floor"])
        self.assertIsNone(self.c["none"]["x_clockpair"])
        self.assertEqual(self.c["untargeted-default"]["x_floor"], 1.04)

    def test_summary__failed_runs_counted_and_left_out(self):
        rows = GETPPID + [run("getppid", "latscope", 0, ok=False, r=4)]
        c = {c["config"]: c for c in bs.summarize_overhead(rows, self.order)[0]["configs"]}
        self.assertEqual(c["latscope"]["runs"], 4)
        self.assertEqual(c["latscope"]["failed"], 1)
        self.assertEqual(c["latscope"]["ns_per_op"], 325)
        self.assertEqual(c["latscope"]["why"], ["it broke"])

    def test_summary__syscalls_per_op_divide_the_added_time(self):
        rows = ([run("udp_rr", "none", 1000, spo=4)] * 3
                + [run("udp_rr", "clockpair", 1400, spo=4)] * 3
                + [run("udp_rr", "latscope", 1600, spo=4)] * 3)
        s = bs.summarize_overhead(rows, ["none", "latscope", "clockpair"])[0]
        c = {c["config"]: c for c in s["configs"]}
        self.assertEqual(c["latscope"]["added_ns_per_syscall"], 150)
        self.assertEqual(c["latscope"]["x_clockpair"], 1.5)
        # identical untraced runs: no spread, no noise to speak of
        self.assertEqual(s["noise_ns_per_syscall"], 0)

    def test_summary__no_baseline__no_ratios(self):
        rows = [run("getppid", "latscope", 300)]
        c = bs.summarize_overhead(rows, ["latscope"])[0]["configs"][0]
        self.assertIsNone(c["ratio"])
        self.assertIsNone(c["added_ns_per_syscall"])
        self.assertIsNone(c["x_clockpair"])

    def test_goals__met_not_met_noise_not_measured(self):
        v = {g["name"]: g for g in bs.goal_verdicts([self.s])}
        self.assertEqual(v["quiet use"]["ratio"], 1.15)
        self.assertEqual(v["quiet use"]["verdict"], "not met")        # limit 1.10
        self.assertEqual(v["default use"]["ratio"], 1.3)
        self.assertEqual(v["default use"]["verdict"], "not met")
        self.assertEqual(v["untraced processes"]["ratio"], 1.04)
        self.assertEqual(v["untraced processes"]["verdict"], "met")   # limit 1.05
        self.assertEqual(v["ICMP with classification"]["verdict"], "not measured")
        goal = [dict(bs.GOALS[1], limit=1.2)]
        self.assertEqual(bs.goal_verdicts([self.s], goal)[0]["verdict"], "met")
        noisy = dict(self.s, noise_ns_per_syscall=150)
        self.assertEqual(bs.goal_verdicts([noisy], goal)[0]["verdict"], "within the noise")

    def test_render__text_and_markdown_rows(self):
        text, md = bs.render_overhead([self.s])
        self.assertIn("== getppid: syscalls per op 1;", text)
        self.assertIn("the clock pair adds 100.0 ns per syscall, the floor 50.0", text)
        line = next(ln for ln in text.splitlines() if ln.startswith("latscope "))
        self.assertEqual(line.split(), ["latscope", "1000", "325.0", "(320.0-330.0)", "1.55",
                                        "+115.0", "1.15", "+120.0"])
        self.assertIn("| latscope | 1000 | 325.0 (320.0–330.0) | 1.55 | +115.0 | 1.15 | +120.0 |",
                      md)
        self.assertIn("× clock pair", md)
        text, md = bs.render_goals(bs.goal_verdicts([self.s]))
        self.assertIn("GOAL quiet use: not met, 1.15x (latscope on getppid, limit 1.10x the "
                      "clock pair's added ns per syscall)", text)
        self.assertIn("| quiet use | getppid | latscope | clock pair | ≤ 1.10× | 1.15× | not met "
                      "|  |", md)

    def test_goals__reason_from_run_time_and_the_sampled_statistics(self):
        def rec(tracer, enter, exit_, wl="getppid"):
            return {"tracer": tracer, "workload": wl,
                    "progs": [{"prog": "x_sys_enter", "runs": 10, "ns_per_run": enter},
                              {"prog": "x_sys_exit", "runs": 10, "ns_per_run": exit_}]}
        stats = bs.stats_summary([rec("latscope", 180, 150), rec("clockpair", 100, 90),
                                  rec("untargeted", 62, 61), rec("floor", 60, 60)])
        v = {g["name"]: g for g in bs.goals_with_reasons(bs.goal_verdicts([self.s]), stats,
                                                         [self.s])}
        self.assertEqual(v["quiet use"]["reason"],
                         "BPF run time per traced syscall 330 ns (sys_enter 180, sys_exit 150) "
                         "against the clock pair's 190 (100 + 90): +140 ns of lookups, "
                         "classification and histogram")
        # default 340 - 210 = +130 added, quiet +115: the statistics' share is +15
        self.assertTrue(v["default use"]["reason"].endswith(
            "; the sampled cost statistics: +15 ns per syscall over quiet use"))
        self.assertIsNone(v["untraced processes"]["reason"])       # met
        # not met against the floor: the untraced path above the empty programs
        goal = [dict(bs.GOALS[2], limit=1.0)]
        r = bs.goals_with_reasons(bs.goal_verdicts([self.s], goal), stats, [self.s])[0]
        self.assertEqual(r["reason"], "the untraced path runs +2.0 / +1.0 ns (sys_enter / "
                                      "sys_exit) above the empty programs")
        # no bpfstats section: said, not guessed
        r = bs.goals_with_reasons(bs.goal_verdicts([self.s]), [], [self.s])
        self.assertIn("no run-time figures", r[1]["reason"])
        text, md = bs.render_goals(list(v.values()))
        self.assertIn("GOAL quiet use: not met, 1.15x (latscope on getppid, limit 1.10x the "
                      "clock pair's added ns per syscall): BPF run time per traced syscall 330 ns",
                      text)

    def test_render__failed_config_and_noise_mark(self):
        rows = GETPPID + [run("getppid", "strace", 0, ok=False)]
        s = bs.summarize_overhead(rows, self.order + ["strace"])[0]
        s["clockpair_above_noise"] = False
        text, _ = bs.render_overhead([s])
        self.assertIn("FAILED (1/1)", text)
        self.assertIn("1.15?", text)
        self.assertIn("marked ?", text)


class Records(unittest.TestCase):
    def test_run_record__ok_and_failed(self):
        res = {"workload": "getppid", "iters": 10, "ns_per_op": 250.5, "syscalls_per_op": 1}
        r = bs.run_record("getppid", "none", 2, 10, 7, res, "")
        self.assertEqual(r, {"workload": "getppid", "config": "none", "run": 2, "ok": True,
                             "iters": 10, "ns_per_op": 250.5, "syscalls_per_op": 1,
                             "wall_ms": 7})
        r = bs.run_record("getppid", "perf", 1, 10, 7, None, "no perf")
        self.assertEqual((r["ok"], r["why"], r["iters"]), (False, "no perf", 10))

    def test_cmd_run__appends_line_and_says_fail(self):
        with tempfile.TemporaryDirectory() as d:
            runs, res, err = (os.path.join(d, f) for f in ("runs.jsonl", "res.json", "err"))
            with open(res, "w") as f:
                f.write("not json")
            with open(err, "w") as f:
                f.write("Error: the workload broke\n")
            args = ["run", "--runs", runs, "--workload", "getppid", "--config", "none",
                    "--run", "1", "--iters", "5", "--result", res, "--err", err, "--ok"]
            with contextlib.redirect_stdout(io.StringIO()) as out:
                self.assertEqual(bs.main(args), 1)
            self.assertEqual(out.getvalue(), "FAIL\n")
            with open(runs) as f:
                rec = json.loads(f.read())
            self.assertEqual((rec["ok"], rec["why"]), (False, "Error: the workload broke"))

    def test_prog_stats__lines_of_three_numbers(self):
        self.assertEqual(bs.parse_prog_stats("41 5000 20\n42 7 1\n\nbad line here\n43 x 1\n"),
                         {"41": [5000, 20], "42": [7, 1]})

    def test_stats__per_run_and_above_the_floor(self):
        before = {"41": [1000, 10], "42": [50, 1]}
        after = {"41": [3000, 30], "42": [50, 1], "43": [600, 2]}
        rec = bs.stats_record("latscope", "getppid", before, after,
                              {"41": "handle_sys_enter", "43": "handle_fork"})
        self.assertEqual(rec["progs"], [{"prog": "handle_sys_enter", "runs": 20,
                                         "ns_per_run": 100.0},
                                        {"prog": "handle_fork", "runs": 2, "ns_per_run": 300.0}])
        floor = {"tracer": "floor", "workload": "getppid",
                 "progs": [{"prog": "floor_sys_enter", "runs": 5, "ns_per_run": 60.0}]}
        st = bs.stats_summary([rec, floor])
        self.assertEqual(st[0]["progs"][0]["above_floor_ns"], 40.0)
        self.assertIsNone(st[0]["progs"][1]["above_floor_ns"])   # not a syscall hook
        self.assertIsNone(st[1]["progs"][0]["above_floor_ns"])   # the floor itself
        text, md = bs.render_stats(st)
        self.assertIn("(+40 above empty)", text)
        self.assertIn("| latscope | getppid | handle_sys_enter | 20 | 100 | +40.0 |", md)

    def test_sched__per_context_switch_and_per_syscall(self):
        st = [{"tracer": "latscope", "workload": "udp_rr", "progs": [
                  {"prog": "handle_sys_enter", "runs": 400, "ns_per_run": 200.0},
                  {"prog": "handle_switch", "runs": 200, "ns_per_run": 100.0},
                  {"prog": "handle_waking", "runs": 100, "ns_per_run": 80.0},
                  {"prog": "handle_fork", "runs": 1, "ns_per_run": 900.0}]},
              {"tracer": "floor", "workload": "udp_rr", "progs": [
                  {"prog": "floor_sys_enter", "runs": 400, "ns_per_run": 60.0}]}]
        s = bs.sched_summary(st)
        self.assertEqual(len(s), 1)   # the floor has no scheduler hook
        # (200 * 100 + 100 * 80) ns over 200 switches and over 400 syscalls
        self.assertEqual((s[0]["ns_per_switch"], s[0]["ns_per_syscall"],
                          s[0]["switches_per_syscall"]), (140.0, 70.0, 0.5))
        text, md = bs.render_sched(s)
        self.assertIn("| latscope | udp_rr | 200 | 0.5 | 140 | 70 |", md)

    def test_foreign_progs__ours_and_non_tracing_left_out(self):
        progs = [{"id": 1, "type": "tracing", "name": "floor_sys_enter"},
                 {"id": 2, "type": "tracing", "name": "hc_ktime"},
                 {"id": 3, "type": "cgroup_skb", "name": "x"},
                 {"id": 4, "type": "kprobe", "name": "probe"},
                 {"id": 5, "type": "raw_tracepoint"}]
        self.assertEqual(bs.foreign_progs(progs), "4:probe 5:?")

    def test_memory__record_and_table(self):
        objs = [{"kind": "map", "id": 1, "name": "stats", "type": "array", "bytes": 2097152},
                {"kind": "prog", "id": 2, "name": "p", "bytes_jited": 1024},
                {"kind": "prog", "id": 3, "name": "q", "bytes_jited": 1024}]
        snap = {"meta": {"events": 9},
                "subsystems": [{"syscalls": [1, 2]}, {"syscalls": [3]}]}
        m = bs.memory_record("x", "getppid", 5, {"maxrss_kb": 2048}, objs, 2097152, snap)
        self.assertEqual((m["subsystems"], m["subsystem_syscall_pairs"], m["prog_bytes_jited"]),
                         (2, 3, 2048))
        text, md = bs.render_memory([m])
        self.assertIn("2.0 MiB", text)
        self.assertIn("| x | 2.0 MiB | 2.00 MiB | 2 | 3 | 2.0 KiB |", md)
        self.assertIn("- `stats` (array): 2097152 bytes", md)


def acc_round(sleep_med, ls_p50, ls_total, loop, cp_mean=None):
    snap = {"subsystems": [{"name": "other", "syscalls": [
        {"syscall": "clock_nanosleep", "count": 1000, "p50_ns": ls_p50, "total_ns": ls_total},
        {"syscall": "getppid", "count": 100, "p50_ns": 240, "total_ns": 29000}]}]}
    plain = {"iters": 100, "ns_per_op": loop, "sleep_n": 1000, "sleep_req_ns": 1000000,
             "getppid_median_ns": 230}
    traced = {"sleep_median_ns": sleep_med, "sleep_mean_ns": sleep_med + 10,
              "sleep_median_hist_ns": ls_p50}
    return bs.accuracy_record(plain, traced, snap, {}, {},
                              {"mean_ns": cp_mean} if cp_mean else {})


class Accuracy(unittest.TestCase):
    def test_summary__medians_of_per_round_differences(self):
        rounds = [acc_round(1100000, 1130496, 1120000000, 280, 270),
                  acc_round(1120000, 1130496, 1130000000, 270, 262),
                  acc_round(1090000, 1097728, 1100000000, 275)]
        a = bs.accuracy_summary(rounds)
        self.assertEqual(a["sleep_syscall"], "clock_nanosleep")
        self.assertEqual(a["sleep"]["user_median_traced_ns"], 1100000)
        self.assertEqual(a["sleep"]["p50_bias_ns"], 10496)   # of 30496, 10496, 7728
        self.assertEqual(a["sleep"]["p50_bias_vs_hist_ns"], 0)
        self.assertEqual(a["sleep"]["histogram_slot_ns"], 32768)
        # getppid mean 290 each round: minus the loop 10, 20, 15
        self.assertEqual(a["getppid"]["mean_minus_untraced_loop_ns"], 15)
        # the clock pair ran in two rounds: 290 - 270, 290 - 262
        self.assertEqual(a["getppid"]["latscope_mean_minus_clockpair_ns"], 24)
        self.assertIsNone(a["getppid"]["nocost_latscope_mean_ns"])
        text, md = bs.render_accuracy(a)
        self.assertIn("p50 bias                               10496 ns", text)
        self.assertIn("n/a", text)
        self.assertIn("(`clock_nanosleep`)", md)


class Helpers(unittest.TestCase):
    DESC = bs.parse_ops("empty\t-\tnothing\ntask\t-\tthe task\n"
                        "task_storage\ttask\ta lookup\n")

    def test_parse_ops__base_or_none(self):
        self.assertEqual(self.DESC["task_storage"], {"base": "task", "what": "a lookup"})
        self.assertIsNone(self.DESC["empty"]["base"])

    def test_record__count_must_grow(self):
        self.assertEqual(bs.helpers_record("task", "5", 1, {"5": [100, 10]}, {"5": [900, 20]}),
                         {"op": "task", "round": 1, "ok": True, "runs": 10, "ns_per_run": 80.0})
        self.assertIsNone(bs.helpers_record("task", "5", 1, {"5": [100, 10]}, {"5": [100, 10]}))
        self.assertIsNone(bs.helpers_record("task", "none", 1, {}, {"5": [100, 10]}))

    def test_summary__above_empty_and_base_within_each_round(self):
        def r(op, rnd, ns):
            return {"op": op, "round": rnd, "ok": True, "runs": 100, "ns_per_run": ns}
        # round 2 is slow for everyone by 30 ns: differences within a round hold
        rows = [r("empty", 1, 60), r("task", 1, 85), r("task_storage", 1, 120),
                r("empty", 2, 90), r("task", 2, 115), r("task_storage", 2, 148),
                r("empty", 3, 61), r("task", 3, 84), r("task_storage", 3, 119),
                {"op": "task", "round": 4, "ok": False, "why": "gone"}]
        h = bs.helpers_summary(rows, self.DESC, ["empty", "task", "task_storage"], 1000, 1, 3,
                               9, {})
        o = {x["op"]: x for x in h["ops"]}
        self.assertEqual(h["empty_ns_per_run"], 61)
        self.assertEqual(o["task"]["above_empty_ns"], 25)       # 25, 25, 23
        self.assertEqual(o["task_storage"]["above_base_ns"], 35)  # 35, 33, 35
        self.assertEqual(o["task"]["failed"], 1)
        self.assertFalse(bs.helpers_ok(h))
        text, md = bs.render_helpers(h)
        self.assertIn("+35.0 above task", text)
        self.assertIn("[1 failed]", text)
        self.assertIn("| empty | nothing | 61.0 (60.0–90.0) | (reference) |  |", md)

    def test_summary__skipped_is_a_note_not_a_failure(self):
        rows = [{"op": "empty", "round": 1, "ok": True, "runs": 1, "ns_per_run": 60}]
        h = bs.helpers_summary(rows, self.DESC, ["empty", "task"], 1, 1, 1, 1,
                               {"task": "cannot load"})
        self.assertTrue(bs.helpers_ok(h))
        self.assertIn("skipped", bs.render_helpers(h)[0])


class Compare(unittest.TestCase):
    def results(self, ns, x, key="x_clockpair"):
        return {"date": "d", "quick": False, "runs": 7, "machine": {"tools": {"latscope": "v"}},
                "overhead": [{"workload": "getppid", "configs": [
                    {"config": "latscope", "ns_per_op": ns, "added_ns_per_syscall": ns - 200,
                     key: x}]}],
                "bpf_stats": [], "memory": []}

    def test_compare__change_and_older_files(self):
        out = bs.compare(self.results(400, 2.0, key="x_floor"), self.results(300, 1.5))
        line = next(ln for ln in out.splitlines() if ln.startswith("getppid"))
        self.assertEqual(line.split(), ["getppid", "latscope", "400", "->", "300", "-25%",
                                        "200", "->", "100", "2", "->", "1.5"])


if __name__ == "__main__":
    unittest.main()
