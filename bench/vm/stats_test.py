#!/usr/bin/python3
# Unit test of bench/vm/stats.py: balanced orders, paired ratios, bootstrap intervals, met/tie/missed.
import os
import sys
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
