#!/usr/bin/python3
# Unit test of bench/vm/compare_report.py and current.py: CV, disagreement flags, samples, boots' spread, "current".
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare_report as C  # noqa: E402
import current  # noqa: E402
import cv_table  # noqa: E402


def git(repo, *args):
    subprocess.run(["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
                   check=True, capture_output=True)


def rev(repo):
    return subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


class Current(unittest.TestCase):
    def setUp(self):
        self.repo = tempfile.mkdtemp(prefix="lsf-current-")
        git(self.repo, "init", "-q")
        for d in ("bpf", "dispatcher", "policies", "bench", "docs"):
            os.makedirs(os.path.join(self.repo, d))
            open(os.path.join(self.repo, d, "f"), "w").write("1\n")
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-qm", "base")
        self.rev = rev(self.repo)

    def tearDown(self):
        shutil.rmtree(self.repo)

    def test_harness_and_docs_changes_keep_a_run_current(self):
        for d in ("bench", "docs"):
            open(os.path.join(self.repo, d, "f"), "w").write("2\n")
        git(self.repo, "commit", "-qam", "harness")
        self.assertEqual(current.changed_since(self.repo, self.rev), [])
        self.assertTrue(current.status(self.repo, self.rev)[0])

    def test_a_readme_beside_the_scheduler_keeps_a_run_current(self):
        open(os.path.join(self.repo, "bpf", "README.md"), "w").write("how it works\n")
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-qm", "bpf docs")
        self.assertEqual(current.changed_since(self.repo, self.rev), [])

    def test_scheduler_changes_are_named(self):
        open(os.path.join(self.repo, "bpf", "f"), "w").write("2\n")
        git(self.repo, "commit", "-qam", "bpf")
        open(os.path.join(self.repo, "dispatcher", "f"), "w").write("2\n")   # not committed
        open(os.path.join(self.repo, "policies", "new.lua"), "w").write("x\n")  # new, untracked
        self.assertEqual(current.changed_since(self.repo, self.rev), ["bpf/f", "dispatcher/f", "policies/new.lua"])
        ok, line = current.status(self.repo, self.rev)
        self.assertFalse(ok)
        self.assertIn("NOT CURRENT", line)
        self.assertIn("bpf/f", line)

    def test_unknown(self):
        self.assertIsNone(current.changed_since(self.repo, "unknown"))
        self.assertIsNone(current.changed_since(self.repo, "0123456789abcdef"))
        self.assertIsNone(current.status(self.repo, self.rev + "+dirty")[0])
        self.assertIsNone(current.status("/nonexistent-dir", self.rev)[0])


def result_lines(rep_scale=1.0, shift=1.0):
    """compare.result of 6 reps, variants eevdf, eevdf2, lsf."""
    out = []
    for r in range(1, 7):
        for v in ("eevdf", "eevdf2", "lsf"):
            f = shift if v == "lsf" else 1.0
            out.append(f"R {r} {v} http_p99_us {1000 * f * (1 + 0.01 * r * rep_scale):.1f}")
            out.append(f"R {r} {v} wrk_corrected_p99_us {2000 * f:.1f}")
            out.append(f"R {r} {v} hackbench_s {1.0 + 0.1 * (r % 2):.2f}")
            out.append(f'J {r} {v} samples {{"http": {1000 if v != "lsf" else 80}, "wrk": 5000}}')
            out.append(f'J {r} {v} help {{"worker_policy": 0, "worker_nice": 0, "worker_slice_ns": 1500000}}')
            if v == "lsf":
                out.append(f'J {r} lsf stats {{"misses": {100 + r}}}')
        out.append(f"REPDONE {r}")
    return "\n".join(out) + "\n"


class Summary(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lsf-compare-report-")
        self.meta = {"command": "bench/vm/compare (test)", "variants": ["eevdf", "eevdf2", "lsf"], "clock": "virtual",
                     "git": "unknown", "reps": 6}

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_one_boot(self):
        json.dump(self.meta, open(os.path.join(self.dir, "compare.json"), "w"))
        open(os.path.join(self.dir, "compare.result"), "w").write(result_lines(shift=0.5))
        self.assertEqual(C.write(self.dir, self.dir), 0)
        s = json.load(open(os.path.join(self.dir, "summary.json")))
        md = open(os.path.join(self.dir, "summary.md")).read()
        self.assertEqual(list(s["metrics"])[0], "http_p99_us")   # the primary row first
        self.assertAlmostEqual(s["metrics"]["hackbench_s"]["cv"]["eevdf"], 0.05216, places=4)   # sd 0.0548 / mean 1.05
        self.assertAlmostEqual(s["metrics"]["http_p99_us"]["lsf/eevdf"]["ratio"], 0.5)
        self.assertEqual(s["samples"]["http"]["lsf"]["1"], 80)
        self.assertEqual(s["counters"]["misses"]["lsf"]["6"], 106)
        self.assertNotIn("http", s["counters"])
        self.assertIn("clock: **virtual**", md)
        self.assertIn("corrected for coordinated omission", md)
        self.assertIn("80–80 ⚠", md)          # a p99 from fewer than 100 samples is flagged
        self.assertIn("0/0/1500000", md)

    def test_disagreement_is_flagged(self):
        json.dump(dict(self.meta, variants=["eevdf", "lsf"]), open(os.path.join(self.dir, "compare.json"), "w"))
        rows = []
        for r, (x, b) in enumerate([(10, 11), (10, 11), (10, 11), (1, 0.5), (1, 0.5)], 1):
            rows += [f"R {r} eevdf q_per_s {b}", f"R {r} lsf q_per_s {x}", f"REPDONE {r}"]
        open(os.path.join(self.dir, "compare.result"), "w").write("\n".join(rows) + "\n")
        C.write(self.dir, self.dir)
        s = json.load(open(os.path.join(self.dir, "summary.json")))
        self.assertTrue(s["metrics"]["q_per_s"]["lsf/eevdf"]["disagree"])
        self.assertIn("⚠ medians 0.91", open(os.path.join(self.dir, "summary.md")).read())

    def test_noise_floor_names_rows_wider_than_5_percent(self):
        json.dump(dict(self.meta, variants=["eevdf", "eevdf2"]), open(os.path.join(self.dir, "compare.json"), "w"))
        rows = []
        for r in range(1, 7):
            sign = 1 if r % 2 else -1
            rows += [f"R {r} eevdf tight_s 1.0", f"R {r} eevdf2 tight_s {1.0 + 0.01 * sign:.3f}",   # +-1%
                     f"R {r} eevdf wide_us 100", f"R {r} eevdf2 wide_us {100 * (1 + 0.3 * sign):.0f}",  # +-30%
                     f"R {r} eevdf zero_us 0", f"R {r} eevdf2 zero_us 0", f"REPDONE {r}"]
        open(os.path.join(self.dir, "compare.result"), "w").write("\n".join(rows) + "\n")
        C.write(self.dir, self.dir)
        nf = json.load(open(os.path.join(self.dir, "summary.json")))["noise_floor"]
        self.assertEqual(nf["pair"], "eevdf2/eevdf")
        self.assertTrue(nf["rows"]["tight_s"]["within"])
        self.assertFalse(nf["rows"]["wide_us"]["within"])
        self.assertGreater(nf["rows"]["wide_us"]["deviation"], 0.05)
        self.assertIsNone(nf["rows"]["zero_us"]["within"])
        md = open(os.path.join(self.dir, "summary.md")).read()
        self.assertIn("1 of 2 rows have their whole 95% interval within 1 ± 5%", md)
        self.assertIn("- wide_us:", md)
        self.assertNotIn("- tight_s:", md)
        self.assertIn("No interval (too few reps or no values): zero_us", md)
        # without both EEVDF variants there is no noise floor
        json.dump(dict(self.meta, variants=["eevdf", "lsf"]), open(os.path.join(self.dir, "compare.json"), "w"))
        open(os.path.join(self.dir, "compare.result"), "w").write(result_lines())
        C.write(self.dir, self.dir)
        self.assertNotIn("noise_floor", json.load(open(os.path.join(self.dir, "summary.json"))))

    def test_boots_spread(self):
        json.dump(dict(self.meta, boots=2), open(os.path.join(self.dir, "compare.json"), "w"))
        for b, shift in ((1, 0.5), (2, 0.6)):
            os.makedirs(os.path.join(self.dir, f"boot{b}"))
            open(os.path.join(self.dir, f"boot{b}", "compare.result"), "w").write(result_lines(shift=shift))
        C.write(self.dir, self.dir)
        s = json.load(open(os.path.join(self.dir, "summary.json")))
        c = s["metrics"]["wrk_corrected_p99_us"]["lsf/eevdf"]
        self.assertAlmostEqual(c["spread"], 1.2)
        self.assertTrue(c["disagree"])        # 0.5 and 0.6, each with a point interval: they do not overlap
        self.assertFalse(s["metrics"]["hackbench_s"]["eevdf2/eevdf"]["disagree"])
        self.assertTrue(os.path.exists(os.path.join(self.dir, "boot2", "summary.md")))
        self.assertIn("spread 1.20x ⚠", open(os.path.join(self.dir, "summary.md")).read())

    def test_not_current_is_in_the_headline(self):
        repo = tempfile.mkdtemp(prefix="lsf-current-")
        try:
            git(repo, "init", "-q")
            os.makedirs(os.path.join(repo, "policies"))
            open(os.path.join(repo, "policies", "p.lua"), "w").write("1\n")
            git(repo, "add", "-A")
            git(repo, "commit", "-qm", "base")
            json.dump(dict(self.meta, git=rev(repo)), open(os.path.join(self.dir, "compare.json"), "w"))
            open(os.path.join(self.dir, "compare.result"), "w").write(result_lines())
            open(os.path.join(repo, "policies", "p.lua"), "w").write("2\n")
            git(repo, "commit", "-qam", "policy")
            C.write(self.dir, repo)
            md = open(os.path.join(self.dir, "summary.md")).read()
            self.assertIn("NOT CURRENT", md.splitlines()[0])
            self.assertIn("policies/p.lua", md.splitlines()[0])
            self.assertFalse(json.load(open(os.path.join(self.dir, "summary.json")))["current"])
        finally:
            shutil.rmtree(repo)


class CvTable(unittest.TestCase):
    def test_real_beside_virtual(self):
        d = tempfile.mkdtemp(prefix="lsf-cv-")
        try:
            for clock, scale in (("real", 5.0), ("virtual", 0.5)):
                f = os.path.join(d, clock)
                os.makedirs(f)
                json.dump({"command": "c", "variants": ["eevdf", "eevdf2", "lsf"], "clock": clock, "git": "unknown"},
                          open(os.path.join(f, "compare.json"), "w"))
                open(os.path.join(f, "compare.result"), "w").write(result_lines(rep_scale=scale))
                C.write(f, f)
            t = cv_table.table([os.path.join(d, "real"), os.path.join(d, "virtual")])
            head = [x for x in t.splitlines() if x.startswith("| row")][0]
            self.assertIn("eevdf real | eevdf virtual | eevdf2 real", head)
            http = [x for x in t.splitlines() if x.startswith("| http_p99_us")][0].split(" | ")
            self.assertGreater(float(http[1].rstrip("%")), 5 * float(http[2].rstrip("%")))   # real noisier here
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main(verbosity=2)
