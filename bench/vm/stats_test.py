#!/usr/bin/python3
# Unit test of bench/vm/stats.py: balanced orders, paired ratios, t intervals and their coverage, CV, met/tie/missed.
import math
import os
import random
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stats as S  # noqa: E402


class Orders(unittest.TestCase):
    def test_williams_is_balanced_for_2_to_8(self):
        for n in range(2, 9):
            rows = S.williams_rows(n)
            self.assertEqual(len(rows), n if n % 2 == 0 else 2 * n, n)
            for row in rows:
                self.assertEqual(sorted(row), list(range(n)))
            self.assertTrue(S.is_balanced(rows), n)
            adj = S.adjacency(rows)
            want = 1 if n % 2 == 0 else 2
            self.assertEqual(set(adj.values()), {want}, n)
            self.assertEqual(len(adj), n * (n - 1), n)

    def test_rotation_is_not_balanced(self):
        # the old cyclic rotation ABC, BCA, CAB: C always right after B
        rows = [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"]]
        self.assertFalse(S.is_balanced(rows))
        self.assertEqual(S.adjacency(rows).get(("c", "b"), 0), 0)

    def test_default_reps(self):
        self.assertEqual(S.default_reps(6), 6)
        self.assertEqual(S.default_reps(3), 6)
        self.assertEqual(S.default_reps(2), 6)
        self.assertEqual(S.default_reps(4), 8)
        self.assertEqual(S.default_reps(1), 5)

    def test_block_orders_cycle_and_keep_names(self):
        names = ["eevdf", "simple", "lsf", "qmap"]
        orders = S.block_orders(names, 8)
        self.assertEqual(len(orders), 8)
        self.assertTrue(S.is_balanced(orders))
        self.assertEqual(S.block_orders(names, 9)[8], orders[0])


class Ratios(unittest.TestCase):
    def test_paired_by_rep_and_direction(self):
        x = {1: 2.0, 2: 4.0, 3: 1.0}
        base = {1: 4.0, 2: 4.0, 4: 9.0}
        self.assertEqual(S.paired_ratios(x, base, "time"), [2.0, 1.0])   # speedup: base / x
        self.assertEqual(S.paired_ratios(x, base, "rate"), [0.5, 1.0])   # x / base
        self.assertEqual(S.paired_ratios(x, base, "latency"), [0.5, 1.0])
        self.assertEqual(S.paired_ratios({1: 0.0}, {1: 3.0}, "latency"), [])

    def test_constant_ratio_has_a_point_interval(self):
        c = S.compare({r: 2.0 for r in range(6)}, {r: 1.0 for r in range(6)}, "rate", "k")
        self.assertAlmostEqual(c["ratio"], 2.0)
        self.assertAlmostEqual(c["ci"][0], 2.0)
        self.assertAlmostEqual(c["ci"][1], 2.0)

    def test_interval_contains_estimate_and_is_reproducible(self):
        x = {1: 262, 2: 250, 3: 277, 4: 300, 5: 255, 6: 240}
        b = {1: 277, 2: 276, 3: 410, 4: 260, 5: 270, 6: 290}
        c1, c2 = S.compare(x, b, "time", "pipe"), S.compare(x, b, "time", "pipe")
        self.assertEqual(c1["ci"], c2["ci"])
        lo, hi = c1["ci"]
        self.assertLess(lo, c1["ratio"])
        self.assertGreater(hi, c1["ratio"])
        self.assertEqual(c1["n"], 6)

    def test_one_rep_has_no_interval(self):
        self.assertIsNone(S.compare({1: 1.0}, {1: 2.0}, "rate")["ci"])

    def test_t_interval_is_the_textbook_one(self):
        # logs 0.1, -0.1, 0.2, 0.0: mean 0.05, sd 0.12910, t(0.975, 3) = 3.18245
        vals = [math.exp(x) for x in (0.1, -0.1, 0.2, 0.0)]
        lo, hi = S.t_ci(vals)
        half = 3.182446305 * 0.1290994449 / 2
        self.assertAlmostEqual(math.log(lo), 0.05 - half, places=6)
        self.assertAlmostEqual(math.log(hi), 0.05 + half, places=6)
        self.assertEqual(S.compare({1: 2.0, 2: 2.0}, {1: 1.0, 2: 1.0}, "rate")["ci"], (2.0, 2.0))

    def test_t_quantiles(self):
        for df, want in ((1, 12.7062), (2, 4.3027), (3, 3.1824), (5, 2.5706), (11, 2.2010), (30, 2.0423), (1000, 1.9623)):
            self.assertAlmostEqual(S.t_quantile(0.975, df), want, places=3, msg=df)
        self.assertAlmostEqual(S.t_quantile(0.025, 5), -2.5706, places=3)
        self.assertAlmostEqual(S.t_cdf(0.0, 4), 0.5)

    def test_t_is_wider_than_the_old_bootstrap_at_small_n(self):
        vals = [1.05, 0.93, 1.10, 0.98]
        lo_t, hi_t = S.t_ci(vals)
        lo_b, hi_b = S.bootstrap_ci(vals, "k")
        self.assertLess(lo_t, lo_b)
        self.assertGreater(hi_t, hi_b)

    def test_ratio_of_medians_and_disagreement(self):
        # geometric mean of per-rep ratios > 1 but the medians say the other way: flagged
        x = {1: 10.0, 2: 10.0, 3: 10.0, 4: 1.0, 5: 1.0}
        b = {1: 11.0, 2: 11.0, 3: 11.0, 4: 0.5, 5: 0.5}
        c = S.compare(x, b, "rate")
        self.assertGreater(c["ratio"], 1.0)
        self.assertAlmostEqual(c["median_ratio"], 10.0 / 11.0)
        self.assertTrue(c["disagree"])
        same = S.compare({1: 2.0, 2: 3.0}, {1: 1.0, 2: 1.5}, "time")   # speedup base / x: 0.5 both ways
        self.assertAlmostEqual(same["median_ratio"], 0.5)
        self.assertFalse(same["disagree"])

    def test_cv(self):
        self.assertAlmostEqual(S.cv([9.0, 10.0, 11.0]), 0.1)
        self.assertIsNone(S.cv([3.0]))
        self.assertIsNone(S.cv([]))


class Coverage(unittest.TestCase):
    """stats.py --coverage: draws of n null log ratios, intervals that contain 1."""

    @staticmethod
    def units(k, reps, sd, second=False, seed=3):
        rnd = random.Random(seed)
        out = []
        for u in range(k):
            series = {"eevdf": {r: math.exp(rnd.gauss(0, sd)) for r in range(1, reps + 1)}}
            if second:
                series["eevdf2"] = {r: math.exp(rnd.gauss(0, sd)) for r in range(1, reps + 1)}
            out.append((f"u{u}", {"m": series}))
        return out

    def test_null_ratios_pair_eevdf2_by_rep_or_eevdf_with_itself(self):
        rng = random.Random(1)
        s = {"eevdf": {1: 1.0, 2: 2.0, 3: 4.0}, "eevdf2": {1: 2.0, 3: 4.0}}
        self.assertEqual(S.null_log_ratios(s, rng), [math.log(2.0), 0.0])
        r = S.null_log_ratios({"eevdf": {1: 1.0, 2: 2.0, 3: 4.0, 4: 8.0, 5: 1.0}}, rng)
        self.assertEqual(len(r), 2)   # disjoint pairs of the 5 reps
        self.assertEqual(sorted(abs(x) for x in r)[-1] <= math.log(8.0), True)

    def test_t_covers_and_the_old_bootstrap_does_not_at_n_4(self):
        cov = S.coverage(self.units(40, 12, 0.1), ns=(4, 12), draws=1500, seed=5, methods=("t", "bootstrap"))
        self.assertGreater(cov[4]["t"], 0.93)
        self.assertLess(cov[4]["t"], 0.97)
        self.assertLess(cov[4]["bootstrap"], 0.88)   # the percentile bootstrap's known shortfall at n = 4
        self.assertGreater(cov[12]["bootstrap"], cov[4]["bootstrap"])
        self.assertEqual(cov[4]["metrics"], 1)

    def test_too_little_data_is_no_draw(self):
        cov = S.coverage(self.units(1, 4, 0.1, second=True), ns=(4, 8), draws=50, methods=("t",))
        self.assertEqual(cov[4]["draws"], 50)
        self.assertEqual(cov[8]["draws"], 0)
        self.assertIsNone(cov[8]["t"])

    def test_cli_reads_compare_and_run_folders(self):
        d = tempfile.mkdtemp(prefix="lsf-coverage-")
        try:
            os.makedirs(os.path.join(d, "cmp"))
            rnd = random.Random(2)
            with open(os.path.join(d, "cmp", "compare.result"), "w") as f:
                for r in range(1, 13):
                    for v in ("eevdf", "eevdf2", "lsf"):
                        f.write(f"R {r} {v} hackbench_s {1 + rnd.random() / 10:.4f}\n")
            with open(os.path.join(d, "smp2.guest.log"), "w") as f:
                for r in range(1, 9):
                    f.write(f"M {r} eevdf pipe_us_per_op {100 + r}\nM {r} lsf pipe_us_per_op {90 + r}\n")
            units = dict(S.eevdf_units(d))
            self.assertEqual(sorted(units[os.path.join(d, "cmp")]["hackbench_s"]), ["eevdf", "eevdf2"])
            self.assertEqual(len(units[os.path.join(d, "smp2.guest.log")]["pipe_us_per_op"]["eevdf"]), 8)
            out = os.path.join(d, "cov.json")
            rc = S.main(["--coverage", d, "--draws", "40", "--json", out])
            self.assertEqual(rc, 0)
            with open(out) as f:
                got = __import__("json").load(f)["coverage"]
            self.assertEqual(got["4"]["metrics"], 2)
            self.assertEqual(got["12"]["metrics"], 1)   # only the compare folder has 12 eevdf2/eevdf pairs
        finally:
            shutil.rmtree(d)


class Verdicts(unittest.TestCase):
    def test_higher_is_better(self):
        self.assertEqual(S.verdict((1.01, 1.2), 1.0, True), "met")
        self.assertEqual(S.verdict((0.9, 1.2), 1.0, True), "tie")
        self.assertEqual(S.verdict((0.7, 0.99), 1.0, True), "missed")

    def test_lower_is_better(self):
        self.assertEqual(S.verdict((0.2, 0.5), 0.5, False), "met")
        self.assertEqual(S.verdict((0.4, 0.6), 0.5, False), "tie")
        self.assertEqual(S.verdict((0.51, 0.9), 0.5, False), "missed")
        self.assertEqual(S.verdict(None, 0.5, False), "too few reps")
        self.assertEqual(S.verdict((0.2, 0.3), 0.5, False, n=2), "too few reps")
        self.assertEqual(S.verdict((0.2, 0.3), 0.5, False, n=5), "met")

    def test_overlapping_reps_are_a_tie_not_met(self):
        # a median ratio above 1.0 whose paired ratios straddle 1.0 must not be "met"
        x = {1: 262, 2: 250, 3: 277, 4: 300, 5: 255, 6: 240}
        b = {1: 277, 2: 276, 3: 410, 4: 260, 5: 270, 6: 230}
        c = S.compare(x, b, "time", "pipe")
        self.assertGreater(c["ratio"], 1.0)
        self.assertEqual(S.verdict(c["ci"], 1.0, True), "tie")


if __name__ == "__main__":
    unittest.main(verbosity=2)
