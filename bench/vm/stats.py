#!/usr/bin/python3
# Statistics of bench/vm: balanced (Williams) block orders, per-rep paired ratios, t intervals, met/tie/missed.
#
# The interval of a ratio is a Student t interval on the per-rep log ratios (exp of mean +- t * sd / sqrt(n)),
# not a bootstrap: with the 4-12 reps a boot affords, a percentile bootstrap is too narrow (its resamples
# cannot vary more than the reps did, and the t quantile's widening for few reps is missing), and BCa is
# built on the same resamples. The paired log ratios of one boot are close to symmetric (the two blocks of a
# pair are exchangeable under "no difference"), which is the case where the t interval holds up even when
# the values are not normal. `stats.py --coverage DIR...` measures this on real EEVDF-vs-EEVDF data: the
# fraction of 95% intervals that contain the true ratio 1, for the t interval, the old percentile bootstrap
# and BCa, at n = 4, 6, 8, 12 (docs/benchmarks.md, Method).
import math
import statistics
import zlib

import numpy as np

BOOTSTRAP_RESAMPLES = 10000
CONFIDENCE = 0.95


def williams_rows(n):
    """Rows of a Williams design for n treatments (lists of 0..n-1).

    n rows for even n, 2n rows for odd n. Over all rows every treatment is in every position equally
    often, and every treatment comes immediately before every other one equally often (once for even n,
    twice for odd n), so no scheduler always runs right after the same one.
    """
    if n < 2:
        return [list(range(n))] if n else []
    first, lo, hi = [0], 1, n - 1
    while len(first) < n:
        first.append(lo if len(first) % 2 else hi)
        if len(first) % 2:
            hi -= 1
        else:
            lo += 1
    rows = [[(x + r) % n for x in first] for r in range(n)]
    if n % 2:
        rows += [list(reversed(row)) for row in rows]
    return rows


def period(n):
    """Reps after which the order of n schedulers is balanced."""
    return len(williams_rows(n))


def default_reps(n, at_least=5):
    """The smallest number of reps >= at_least that is a whole number of balanced periods."""
    p = max(period(n), 1)
    return p * math.ceil(at_least / p)


def block_orders(items, reps):
    """The order of the scheduler blocks of each rep: Williams rows, cycled when reps exceed a period."""
    rows = williams_rows(len(items))
    return [[items[i] for i in rows[r % len(rows)]] for r in range(reps)]


def adjacency(orders):
    """{(a, b): times a ran immediately before b} inside reps, from lists of scheduler names."""
    out = {}
    for order in orders:
        for a, b in zip(order, order[1:]):
            out[(a, b)] = out.get((a, b), 0) + 1
    return out


def is_balanced(orders):
    """Every ordered pair adjacent equally often and every item in every position equally often."""
    if not orders:
        return False
    items = sorted(set(orders[0]))
    adj = adjacency(orders)
    pairs = [adj.get((a, b), 0) for a in items for b in items if a != b]
    pos = [sum(1 for o in orders if o[k] == it) for k in range(len(items)) for it in items]
    return len(set(pairs)) <= 1 and len(set(pos)) == 1


def paired_ratios(x_by_rep, base_by_rep, kind):
    """Per-rep ratios of x to base, paired by rep (reps where both are positive).

    kind "time" (lower is better, reported as a speedup base/x), "rate" (higher is better, x/base),
    "latency" (lower is better, reported as x/base).
    """
    return [r for _, r in paired(x_by_rep, base_by_rep, kind)]


def paired(x_by_rep, base_by_rep, kind):
    """[(rep, ratio)] of the reps where both values are positive (see paired_ratios)."""
    out = []
    for rep in sorted(set(x_by_rep) & set(base_by_rep)):
        x, b = x_by_rep[rep], base_by_rep[rep]
        if x is None or b is None or x <= 0 or b <= 0:
            continue
        out.append((rep, b / x if kind == "time" else x / b))
    return out


def geomean(vals):
    return math.exp(sum(math.log(v) for v in vals) / len(vals)) if vals else None


def _betacf(a, b, x):
    """Continued fraction of the regularized incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _betainc(a, b, x):
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1 - x) / b


def t_cdf(t, df):
    """P(T <= t) for Student's t with df degrees of freedom."""
    p = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1 - p if t > 0 else p


def t_quantile(p, df):
    """The p quantile of Student's t with df degrees of freedom (bisection on t_cdf; 0 < p < 1)."""
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * hi:
            break
    return (lo + hi) / 2


def t_ci(vals, confidence=CONFIDENCE):
    """Student t interval of the geometric mean of vals (on their logs): (low, high), None for < 2 values."""
    if len(vals) < 2:
        return None
    logs = [math.log(v) for v in vals]
    m, sd = statistics.fmean(logs), statistics.stdev(logs)
    half = t_quantile(1 - (1 - confidence) / 2, len(logs) - 1) * sd / math.sqrt(len(logs))
    return math.exp(m - half), math.exp(m + half)


def bootstrap_ci(vals, key="", resamples=BOOTSTRAP_RESAMPLES, confidence=CONFIDENCE):
    """Percentile bootstrap interval of the geometric mean of vals: (low, high), None for < 2 values.

    The interval of reports written before the t interval (kept for --coverage). Seeded from key."""
    if len(vals) < 2:
        return None
    rng = np.random.default_rng(zlib.crc32(key.encode()) ^ len(vals))
    logs = np.log(np.asarray(vals, dtype=float))
    idx = rng.integers(0, len(logs), size=(resamples, len(logs)))
    means = np.sort(np.exp(logs[idx].mean(axis=1)))
    a = (1 - confidence) / 2
    lo = means[int(math.floor(a * (resamples - 1)))]
    hi = means[int(math.ceil((1 - a) * (resamples - 1)))]
    return float(min(lo, geomean(vals))), float(max(hi, geomean(vals)))


def bca_ci(vals, rng, resamples=2000, confidence=CONFIDENCE):
    """Bias-corrected and accelerated bootstrap interval of the geometric mean (for --coverage only)."""
    if len(vals) < 2:
        return None
    logs = np.log(np.asarray(vals, dtype=float))
    n, m = len(logs), logs.mean()
    means = logs[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    nd = statistics.NormalDist()
    frac = (np.sum(means < m) + 0.5 * np.sum(means == m)) / resamples
    if frac <= 0 or frac >= 1:  # every resample on one side: no finite bias correction
        return float(math.exp(means.min())), float(math.exp(means.max()))
    z0 = nd.inv_cdf(frac)
    jack = (logs.sum() - logs) / (n - 1)
    d = jack.mean() - jack
    den = 6 * (d * d).sum() ** 1.5
    acc = (d ** 3).sum() / den if den > 0 else 0.0
    out = []
    for a in ((1 - confidence) / 2, 1 - (1 - confidence) / 2):
        z = z0 + nd.inv_cdf(a)
        out.append(float(np.quantile(means, min(max(nd.cdf(z0 + z / (1 - acc * z)), 0.0), 1.0))))
    return math.exp(min(out[0], m)), math.exp(max(out[1], m))


def cv(vals):
    """Rep-to-rep coefficient of variation (sample sd / mean) of positive values, None below 2 values."""
    vals = [v for v in vals if v is not None]
    if len(vals) < 2 or statistics.fmean(vals) <= 0:
        return None
    return statistics.stdev(vals) / statistics.fmean(vals)


def compare(x_by_rep, base_by_rep, kind, key=""):
    """dict(ratio, ci, n, ratios, median_ratio, disagree): the geometric mean of the paired ratios and its t
    95% interval; the ratio of the medians of the same reps (same direction: > 1 better for time and rate, worse
    for latency) and whether the two disagree in direction (one above 1, the other below)."""
    pr = paired(x_by_rep, base_by_rep, kind)
    rs = [r for _, r in pr]
    med = None
    if rs:
        mx = statistics.median(x_by_rep[rep] for rep, _ in pr)
        mb = statistics.median(base_by_rep[rep] for rep, _ in pr)
        med = mb / mx if kind == "time" else mx / mb
    g = geomean(rs)
    return {"ratio": g, "ci": t_ci(rs), "n": len(rs), "ratios": rs, "median_ratio": med,
            "disagree": bool(g is not None and med is not None and (g - 1) * (med - 1) < 0)}


MIN_REPS_FOR_VERDICT = 5  # fewer paired reps: a verdict would rest on too few blocks to trust the order's balance


def verdict(ci, target, higher_is_better, n=MIN_REPS_FOR_VERDICT):
    """"met" / "missed" when the whole interval is on one side of the target, else "tie".

    "too few reps" with fewer than MIN_REPS_FOR_VERDICT paired reps (n) or no interval."""
    if ci is None or n < MIN_REPS_FOR_VERDICT:
        return "too few reps"
    lo, hi = ci
    if higher_is_better:
        return "met" if lo >= target else "missed" if hi < target else "tie"
    return "met" if hi <= target else "missed" if lo > target else "tie"


# ---- coverage of the intervals on real EEVDF-vs-EEVDF data (stats.py --coverage DIR...) ------------------------

def eevdf_units(folder):
    """[(unit name, {metric: {variant: {rep: value}}})] of EEVDF's blocks (variants eevdf, eevdf2) in a results
    folder and its subfolders: bench/vm/compare folders (compare.result, R lines) and bench/vm/run folders (one
    unit per smpN.guest.log). A unit is one boot's series: its blocks' values are comparable with each other."""
    import os
    import re
    import results as R
    out = []
    for dirpath, _, files in sorted(os.walk(folder)):
        if "compare.result" in files:
            data = {}
            for line in open(os.path.join(dirpath, "compare.result"), errors="replace"):
                f = line.split()
                if len(f) == 5 and f[0] == "R" and f[2] in ("eevdf", "eevdf2"):
                    try:
                        data.setdefault(f[3], {}).setdefault(f[2], {})[int(f[1])] = float(f[4])
                    except ValueError:
                        pass
            out.append((dirpath, data))
        for name in sorted(files):
            if not re.match(r"^smp[0-9]+\.guest\.log$", name):
                continue
            parsed = R.parse(open(os.path.join(dirpath, name), errors="replace").read())
            metrics = list(R.THROUGHPUT) + [f"{b}_p{p}" for b in R.LATENCY for p in ("50", "99")]
            data = {}
            for m in metrics:
                for v in ("eevdf", "eevdf2"):
                    vals = R.by_rep(parsed, v, m)
                    if vals:
                        data.setdefault(m, {})[v] = vals
            out.append((os.path.join(dirpath, name), data))
    return out


def null_log_ratios(series, rng):
    """Log ratios whose true value is 0 (ratio 1) from one unit's series of a metric: eevdf2 against eevdf in
    the same rep where both ran (the direct noise floor); else EEVDF's own reps in a random disjoint pairing
    (rep a over rep b: two EEVDF blocks of one boot, exchangeable, so the ratio is 1 in expectation)."""
    a, b = series.get("eevdf", {}), series.get("eevdf2", {})
    if b:
        return [math.log(b[r] / a[r]) for r in sorted(set(a) & set(b)) if a[r] > 0 and b[r] > 0]
    logs = [math.log(v) for v in a.values() if v > 0]
    rng.shuffle(logs)
    return [logs[i] - logs[i + 1] for i in range(0, len(logs) - 1, 2)]


def coverage(units, ns=(4, 6, 8, 12), draws=4000, seed=1, methods=("t", "bootstrap", "bca")):
    """{n: {method: fraction of 95% intervals containing 1}, plus "metrics": how many metrics had enough data}.

    Each draw picks a metric at random (among those whose pooled null log ratios number at least n), pools its
    null log ratios over the units (a fresh random pairing per draw), takes n of them without replacement and
    builds each method's interval of the geometric mean."""
    rng = np.random.default_rng(seed)
    pyrng = __import__("random").Random(seed)
    by_metric = {}
    for _, data in units:
        for m, series in data.items():
            by_metric.setdefault(m, []).append(series)
    out = {}
    for n in ns:
        def pool_of(m):
            return [x for s in by_metric[m] for x in null_log_ratios(s, pyrng)]
        eligible = [m for m in sorted(by_metric) if len(pool_of(m)) >= n]
        hits = {k: 0 for k in methods}
        total = 0
        for d in range(draws if eligible else 0):
            m = eligible[int(rng.integers(len(eligible)))]
            pool = pool_of(m)
            logs = [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]
            vals = [math.exp(x) for x in logs]
            total += 1
            for k in methods:
                if k == "t":
                    ci = t_ci(vals)
                elif k == "bootstrap":
                    ci = bootstrap_ci(vals, key=f"coverage/{n}/{d}", resamples=2000)
                else:
                    ci = bca_ci(vals, rng)
                hits[k] += ci[0] <= 1.0 <= ci[1]
        out[n] = {k: (hits[k] / total if total else None) for k in methods}
        out[n]["metrics"] = len(eligible)
        out[n]["draws"] = total
    return out


def coverage_markdown(cov, folders):
    names = {"t": "t on log ratios (new)", "bootstrap": "percentile bootstrap (old)", "bca": "BCa bootstrap"}
    methods = [k for k in ("t", "bootstrap", "bca") if any(k in c for c in cov.values())]
    lines = ["Coverage of nominal 95% intervals of a ratio whose true value is 1 (EEVDF against EEVDF), "
             f"from {len(folders)} results folder(s):", "",
             "| n | " + " | ".join(names[k] for k in methods) + " | metrics | draws |",
             "|---|" + "---|" * (len(methods) + 2)]
    for n, c in sorted(cov.items()):
        cells = ["–" if c[k] is None else f"{100 * c[k]:.1f}%" for k in methods]
        lines.append(f"| {n} | " + " | ".join(cells) + f" | {c['metrics']} | {c['draws']} |")
    return "\n".join(lines)


def main(argv):
    import argparse
    import json
    ap = argparse.ArgumentParser(prog="bench/vm/stats.py", description=(
        "Coverage of the ratio intervals on real EEVDF-vs-EEVDF data. From results folders of bench/vm/compare "
        "(compare.result) and bench/vm/run (smpN.guest.log), per metric: eevdf2 over eevdf in the same rep where a "
        "run has both (compare --variants eevdf,eevdf2,...; run --scheds ...,eevdf2), else EEVDF's own reps of "
        "one boot paired at random (true ratio 1 either way). Draws many subsets of n such log ratios and reports "
        "the fraction of 95%% intervals that contain 1: the t interval of the reports, the percentile bootstrap "
        "they used before, and BCa."))
    ap.add_argument("--coverage", nargs="+", metavar="RESULTS_DIR", required=True)
    ap.add_argument("--n", default="4,6,8,12", help="subset sizes (default 4,6,8,12)")
    ap.add_argument("--draws", type=int, default=4000, help="subsets per n (default 4000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the numbers here")
    a = ap.parse_args(argv)
    units = [u for f in a.coverage for u in eevdf_units(f)]
    if not any(data for _, data in units):
        print("stats.py: no EEVDF measurements in " + ", ".join(a.coverage), file=__import__("sys").stderr)
        return 2
    cov = coverage(units, tuple(int(x) for x in a.n.split(",")), a.draws, a.seed)
    print(coverage_markdown(cov, a.coverage))
    if a.json:
        json.dump({"folders": a.coverage, "coverage": cov}, open(a.json, "w"), indent=1)
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
