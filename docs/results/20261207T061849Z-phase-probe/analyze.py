#!/usr/bin/python3
"""Phase probe analysis: open-loop latency against the due time's phase in the 4 ms tick (HZ=250)."""
import statistics as st
import sys
from collections import defaultdict

TICK = 4_000_000
raw, http, cyc = defaultdict(list), [], []
for line in open(sys.argv[1], errors="replace"):
    f = line.split()
    if not f:
        continue
    if f[0] == "RAW" and len(f) == 5:
        raw[(f[1], int(f[2]))].append((int(f[3]), float(f[4])))
    elif f[0] == "HTTP":
        q = dict(x.split(":") for x in f[3:] if ":" in x)
        http.append((f[1], int(f[2]), q))
    elif f[0] == "CYC":
        q = dict(x.split(":") for x in f[3:] if ":" in x)
        cyc.append((int(f[1]), int(f[2]), q))


def pct(v, p):
    v = sorted(v)
    return v[max(0, min(len(v) - 1, int(-(-p / 100 * len(v) // 1)) - 1))]


print("## Open loop, 50 requests/s for 8 s under CPU hogs, per run (µs)\n")
print("| arrivals | run | p50 | p99 | phases of the tick seen (of 8) | due phase of the fixed run (µs into the tick) |")
print("|---|---|---|---|---|---|")
for mode, k, q in http:
    d = raw[(mode, k)]
    ph = {((due % TICK) * 8) // TICK for due, _ in d}
    fixed_phase = f"{st.median(due % TICK for due, _ in d) / 1000:.0f}" if mode == "fixed" else ""
    print(f"| {mode} | {k} | {q.get('50')} | {q.get('99')} | {len(ph)} | {fixed_phase} |")
for mode in ("fixed", "poisson"):
    p50 = [float(q["50"]) for m, _, q in http if m == mode]
    p99 = [float(q["99"]) for m, _, q in http if m == mode]
    if len(p50) > 1:
        print(f"\n{mode}: p50 CV {st.stdev(p50) / st.mean(p50):.1%}, p99 CV {st.stdev(p99) / st.mean(p99):.1%} over {len(p50)} runs")
print("\n## Poisson runs pooled: latency by the due time's phase in the tick (8 bins of 500 µs)\n")
print("| phase (µs) | requests | median µs | mean µs |")
print("|---|---|---|---|")
bins = defaultdict(list)
for (mode, _), d in raw.items():
    if mode == "poisson":
        for due, lat in d:
            bins[((due % TICK) * 8) // TICK].append(lat)
for b in range(8):
    v = bins.get(b, [])
    if v:
        print(f"| {b * 500}-{b * 500 + 500} | {len(v)} | {st.median(v):.0f} | {st.mean(v):.0f} |")
print("\n## cyclictest under CPU hogs, 6 s per run (µs)\n")
print("| interval µs | run | p50 | p99 | samples |")
print("|---|---|---|---|---|")
for i, k, q in cyc:
    print(f"| {i} | {k} | {q.get('50')} | {q.get('99')} | {q.get('samples')} |")
for i in (1000, 1013):
    p50 = [float(q["50"]) for j, _, q in cyc if j == i]
    p99 = [float(q["99"]) for j, _, q in cyc if j == i]
    if len(p50) > 1:
        print(f"\n-i {i}: p50 {p50} CV {st.stdev(p50) / st.mean(p50):.1%}; p99 {p99} CV {st.stdev(p99) / st.mean(p99):.1%}")
print("\n## Distinct latencies per run (rounded to 10 µs) and the share of the 5 most common\n")
print("| arrivals | run | distinct | top-5 share |")
print("|---|---|---|---|")
from collections import Counter
for (mode, k), d in sorted(raw.items()):
    c = Counter(round(lat / 10) for _, lat in d)
    print(f"| {mode} | {k} | {len(c)} | {sum(n for _, n in c.most_common(5)) / len(d):.0%} |")
