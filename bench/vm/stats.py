# Statistics of bench/vm: balanced (Williams) block orders, per-rep paired ratios, bootstrap CIs, met/tie/missed.
import math
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
    out = []
    for rep in sorted(set(x_by_rep) & set(base_by_rep)):
        x, b = x_by_rep[rep], base_by_rep[rep]
        if x is None or b is None or x <= 0 or b <= 0:
            continue
        out.append(b / x if kind == "time" else x / b)
    return out


def geomean(vals):
    return math.exp(sum(math.log(v) for v in vals) / len(vals)) if vals else None


def bootstrap_ci(vals, key="", resamples=BOOTSTRAP_RESAMPLES, confidence=CONFIDENCE):
    """Percentile bootstrap interval of the geometric mean of vals: (low, high), None for < 2 values.

    Seeded from key, so a report regenerated from the same log gives the same intervals.
    """
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


def compare(x_by_rep, base_by_rep, kind, key=""):
    """dict(ratio, ci, n, ratios): the geometric mean of the paired ratios and its bootstrap 95% CI."""
    rs = paired_ratios(x_by_rep, base_by_rep, kind)
    return {"ratio": geomean(rs), "ci": bootstrap_ci(rs, key), "n": len(rs), "ratios": rs}


MIN_REPS_FOR_VERDICT = 5  # fewer paired reps: the bootstrap interval is little more than their range


def verdict(ci, target, higher_is_better, n=MIN_REPS_FOR_VERDICT):
    """"met" / "missed" when the whole interval is on one side of the target, else "tie".

    "too few reps" with fewer than MIN_REPS_FOR_VERDICT paired reps (n) or no interval."""
    if ci is None or n < MIN_REPS_FOR_VERDICT:
        return "too few reps"
    lo, hi = ci
    if higher_is_better:
        return "met" if lo >= target else "missed" if hi < target else "tie"
    return "met" if hi <= target else "missed" if lo > target else "tie"
